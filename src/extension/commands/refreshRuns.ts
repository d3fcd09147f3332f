import type { Services } from './services';

/** MAPoRL: Refresh Runs — re-reads the runs folders now (they are also polled). */
export async function refreshRuns(s: Services): Promise<void> {
  s.runs.refreshList();
}
