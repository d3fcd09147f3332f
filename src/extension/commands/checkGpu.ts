import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { doctorVerdict, formatDoctorReport, validateDoctorReport, type DoctorReport } from '../../protocol/doctor';
import { lastLine, runEngineOnce } from '../jobs/engineOnce';
import { requireTrust } from '../security/workspaceTrust';
import { engineEnv } from '../settings';
import type { Services } from './services';

/**
 * MAPoRL: Check GPU — `maporl doctor --json` in a child process (which tries each provider in one of
 * its own), with this window's provider and thread settings: the report in the engine log, the verdict
 * (which GPU providers start, or why none does) in a notification.
 */
export async function checkGpu(s: Services): Promise<void> {
  if (!requireTrust('Check GPU')) return;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'MAPoRL: trying the execution providers (cpu, webgpu, cuda)…' },
    () =>
      runEngineOnce(s.cliPath, ['doctor', '--json'], {
        cwd: dirname(s.cliPath),
        env: engineEnv(s.settings()),
        timeoutMs: 600_000,
      }),
  );
  let report: DoctorReport | undefined;
  try {
    const parsed: unknown = JSON.parse(r.stdout);
    if (validateDoctorReport(parsed) === null) report = parsed as DoctorReport;
  } catch {
    // not JSON: reported below
  }
  if (!report) {
    s.log.error(`maporl doctor failed (exit ${r.code}): ${r.stderr.trim()}`);
    void vscode.window.showErrorMessage(`MAPoRL: the GPU check failed: ${lastLine(r.stderr) || `exit ${r.code}`}`);
    return;
  }
  for (const line of formatDoctorReport(report).split('\n')) s.log.info(line);
  s.log.show(true);
  const verdict = doctorVerdict(report);
  if (verdict.ok) void vscode.window.showInformationMessage(`MAPoRL: ${verdict.text}`);
  else void vscode.window.showWarningMessage(`MAPoRL: ${verdict.text}`);
}
