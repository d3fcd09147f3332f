// Stop by signal, the same for every command that trains (train, demo, sft): SIGINT (Ctrl-C) or
// SIGTERM (the extension's Stop, a local sweep's cancel, Slurm's scancel) asks the work to stop at
// its next safe point with a checkpoint; the command then exits 0, as the extension's job manager
// expects of a Stop. A second signal exits 130 at once (the last checkpoint stays resumable).

export interface StopSignals {
  /** The signal that asked for a stop, or null: what the engine polls at its safe points. */
  signal(): NodeJS.Signals | null;
  /** Removes the handlers (the command is done). */
  dispose(): void;
}

export function stopOnSignals(): StopSignals {
  let received: NodeJS.Signals | null = null;
  const handler = (sig: NodeJS.Signals) => {
    if (received) process.exit(130);
    received = sig;
  };
  process.on('SIGINT', handler).on('SIGTERM', handler);
  return {
    signal: () => received,
    dispose: () => void process.off('SIGINT', handler).off('SIGTERM', handler),
  };
}
