// What a run's `runtime` events say (protocol/runRecords.ts, RuntimeEvent), folded for the dashboard's
// header and the status bar: the provider its sessions ran on, and a fallback (asked for a GPU, ran on
// the CPU), which stays shown once reported. Pure: no vscode.
import { describeRuntime, type RuntimeInfo } from '../../protocol/runRecords';

/**
 * The latest report (its RuntimeInfo fields, not the event's step and time); a fallback stays until a
 * later fallback replaces it (a later CPU session is no news).
 */
export function foldRuntime(prev: RuntimeInfo | null, ev: RuntimeInfo): RuntimeInfo {
  const { asked, used, fallback, device, threads, ortVersion, stage } = ev;
  const next: RuntimeInfo = { asked, used, fallback, device, threads, ortVersion, ...(stage ? { stage } : {}) };
  return prev?.fallback && !next.fallback ? prev : next;
}

/** The status bar's words for it: `cpu`, or `cpu (webgpu unavailable)` with the warning icon. */
export function runtimeBadge(r: RuntimeInfo | null): { text: string; tooltip: string; warning: boolean } | null {
  if (!r) return null;
  const warning = r.fallback !== null;
  return {
    text: warning ? `$(warning) ${r.used} (${r.asked} unavailable)` : r.used,
    tooltip: `ran on ${describeRuntime(r)}`,
    warning,
  };
}
