import type { Services } from './services';

/** MAPoRL: Show Engine Log — the output channel carrying the engine's log of every job. */
export async function showEngineLog(s: Services): Promise<void> {
  s.log.show(true);
}
