// MAPoRL: Open Sweep Report — the aggregate panel of a sweep (the Sweeps view's item, else a pick).
import * as vscode from 'vscode';
import { countsText, type SweepTree } from '../sweeps/sweepModel';
import type { SweepsNode, SweepsView } from '../views/sweepsView';
import type { Services } from './services';

/** The sweep a Sweeps view node or a directory path names, else a quick pick among those `fits` keeps. */
export async function pickSweep(
  sweeps: SweepsView,
  arg: unknown,
  fits: (t: SweepTree) => boolean,
  title: string,
  none: string,
): Promise<SweepTree | undefined> {
  const node = arg as SweepsNode | undefined;
  if (node && typeof node === 'object' && 'sweep' in node) return node.sweep;
  if (typeof arg === 'string' || arg instanceof vscode.Uri) {
    await sweeps.refresh();
    const dir = typeof arg === 'string' ? arg : arg.fsPath;
    return sweeps.sweeps().find((t) => t.dir === dir);
  }
  await sweeps.refresh();
  const candidates = sweeps.sweeps().filter(fits);
  if (!candidates.length) {
    void vscode.window.showInformationMessage(`MAPoRL: ${none}`);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const picked = await vscode.window.showQuickPick(
    candidates.map((t) => ({ label: t.name, description: countsText(t.counts), detail: t.dir, t })),
    { title, placeHolder: 'Sweep' },
  );
  return picked?.t;
}

export async function openSweepReport(s: Services, arg?: unknown): Promise<void> {
  const sweep = await pickSweep(
    s.sweeps,
    arg,
    () => true,
    'MAPoRL: Open Sweep Report',
    'no sweep in the runs folders. Start Sweep… makes one.',
  );
  if (sweep) s.sweepReports.open(sweep.dir);
}
