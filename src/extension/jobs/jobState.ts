// The life of one engine job as a pure state machine, so that its rules are tested without processes:
//   starting --(first IPC message)--> running --(stop)--> stopping --(timeout)--> stopping+killed
//   any phase --(process exit)--> exited, with an outcome decided from the exit code, the signal,
//   the last status the engine reported and whether a stop was asked for.
import type { RunStatus } from '../../protocol/runRecords';

export type JobPhase = 'starting' | 'running' | 'stopping' | 'exited';

/**
 * How a job ended:
 *  finished - exit 0 after the engine reported "finished";
 *  stopped  - exit 0 (or SIGTERM) after a stop: the engine checkpointed, the run can be resumed;
 *  killed   - did not exit within the stop timeout and was killed: the last checkpoint may be older;
 *  failed   - exit 1, the engine reported the failure itself (its message is in the log);
 *  badInput - exit 2, bad usage, config or data: one line naming the file (see docs/design.md);
 *  crashed  - any other exit (native abort, out of memory, unexpected signal).
 */
export type JobOutcome = 'finished' | 'stopped' | 'killed' | 'failed' | 'badInput' | 'crashed';

export interface JobState {
  phase: JobPhase;
  /** The last status event the engine sent (null before the first). */
  reported: RunStatus | null;
  stopRequested: boolean;
  killed: boolean;
  exitCode: number | null;
  signal: string | null;
  outcome: JobOutcome | null;
}

export type JobAction =
  | { type: 'message' }
  | { type: 'status'; status: RunStatus }
  | { type: 'stop' }
  | { type: 'kill' }
  | { type: 'exit'; code: number | null; signal: string | null };

export function initialJobState(): JobState {
  return { phase: 'starting', reported: null, stopRequested: false, killed: false, exitCode: null, signal: null, outcome: null };
}

export function jobReducer(state: JobState, action: JobAction): JobState {
  if (state.phase === 'exited') return state; // nothing happens to a process after its exit
  switch (action.type) {
    case 'message':
      return state.phase === 'starting' ? { ...state, phase: 'running' } : state;
    case 'status':
      return { ...state, reported: action.status, phase: state.phase === 'starting' ? 'running' : state.phase };
    case 'stop':
      return { ...state, phase: 'stopping', stopRequested: true };
    case 'kill':
      return { ...state, killed: true };
    case 'exit':
      return {
        ...state,
        phase: 'exited',
        exitCode: action.code,
        signal: action.signal,
        outcome: outcomeOf(state, action.code, action.signal),
      };
  }
}

function outcomeOf(state: JobState, code: number | null, signal: string | null): JobOutcome {
  if (state.killed) return 'killed';
  if (code === 0) {
    if (state.reported === 'failed') return 'failed';
    return state.stopRequested || state.reported === 'stopped' ? 'stopped' : 'finished';
  }
  if (code === 1) return 'failed';
  if (code === 2) return 'badInput';
  if (signal === 'SIGTERM' && state.stopRequested) return 'stopped';
  return 'crashed';
}

/** Whether an outcome deserves an error notification (with the last log lines and "Open Log"). */
export function isErrorOutcome(outcome: JobOutcome | null): boolean {
  return outcome === 'failed' || outcome === 'badInput' || outcome === 'crashed' || outcome === 'killed';
}

export function describeOutcome(state: JobState): string {
  const how = state.signal ? `signal ${state.signal}` : `exit code ${state.exitCode}`;
  switch (state.outcome) {
    case 'finished':
      return 'finished';
    case 'stopped':
      return 'stopped (resumable from its last checkpoint)';
    case 'killed':
      return 'did not stop in time and was killed; its last checkpoint may be older';
    case 'failed':
      return `failed (${how})`;
    case 'badInput':
      return 'refused its config or data';
    case 'crashed':
      return `crashed (${how})`;
    default:
      return state.phase;
  }
}
