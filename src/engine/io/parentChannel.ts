// The engine's half of the run channel over IPC: when it runs as a child with a channel (the
// extension's job manager forks it), each record goes to the parent as it is written, as protocol's
// EngineMessage. A job with a run directory sends what it appends there (maporl/run/runDir.ts); one
// without (`maporl prepare-agents`, `maporl compare`) sends its stage events only (reportEvent).
import type { EngineMessage, RunEvent } from '../../protocol/runRecords';

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** An event as its writer gives it: the time is stamped when it is written. */
export type NewEvent = Without<RunEvent, 'time'>;

/** The event with its time: what events.jsonl holds and the parent receives. */
export function stamped(e: NewEvent): RunEvent {
  return { ...e, time: new Date().toISOString() } as RunEvent;
}

/**
 * Sends a message to the parent process when there is a live IPC channel. A parent that went away
 * (a VS Code window reloaded) must not kill the job: a run's files remain the record, and a send
 * error is swallowed by the callback instead of becoming an unhandled 'error' event.
 */
export function sendToParent(message: EngineMessage): void {
  if (process.send && process.connected) process.send(message, undefined, undefined, () => undefined);
}

/** An event of a job without a run directory: to the parent only, nothing when there is none. */
export function reportEvent(e: NewEvent): void {
  if (process.send && process.connected) sendToParent({ kind: 'event', event: stamped(e) });
}
