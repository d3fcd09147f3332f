import type { Services } from './services';
import { pickRun } from './arguments';

/** MAPoRL: Open Run Dashboard — the run given, else the running one, else a quick pick. */
export async function openDashboard(s: Services, arg?: unknown): Promise<void> {
  const all = s.runs.list();
  const running = all.filter((r) => r.state.status === 'running');
  const run = await pickRun(
    s.runs,
    arg,
    running.length === 1 ? running : all,
    'MAPoRL: Open Run Dashboard',
    'no runs yet. Start Training creates one.',
  );
  if (run) s.dashboards.open(run.dir);
}
