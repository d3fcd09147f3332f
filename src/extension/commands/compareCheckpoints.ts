import * as vscode from 'vscode';
import { sidesOf } from '../compare/sides';
import { selectedDirs } from './selection';
import type { Services } from './services';

const TITLE = 'MAPoRL: Compare Checkpoints…';

/**
 * MAPoRL: Compare Checkpoints… — two or more sides (the Runs view's selection of runs and checkpoints,
 * else picked from the runs folders; a run stands for its latest checkpoint) in a comparison panel.
 * Opening it reads files only; the panel's "Run comparison" starts the job (refused in Restricted Mode).
 */
export async function compareCheckpoints(s: Services, arg?: unknown, selection?: unknown): Promise<void> {
  const selected = selectedDirs(arg, selection);
  const dirs = selected.length >= 2 ? selected : await pickSides(s, selected);
  if (!dirs) return;
  const { sides, refused } = sidesOf(dirs, s.runsFolders());
  for (const r of refused) s.log.warn(`compare: ${r}`);
  if (sides.length < 2) {
    void vscode.window.showWarningMessage(
      `MAPoRL: pick at least two different checkpoints (or runs with one) to compare.${refused.length ? ` Refused: ${refused.join('; ')}` : ''}`,
    );
    return;
  }
  s.comparisons.open(sides);
}

type SideItem = vscode.QuickPickItem & { dir?: string };

async function pickSides(s: Services, preselected: string[]): Promise<string[] | undefined> {
  s.runs.refreshList(); // a checkpoint written since the last poll is offered too
  const items: SideItem[] = s.runs
    .list()
    .filter((run) => run.checkpoints.length > 0)
    .flatMap((run): SideItem[] => {
      const latest = run.checkpoints[run.checkpoints.length - 1];
      return [
        { label: run.name, kind: vscode.QuickPickItemKind.Separator },
        {
          label: `$(folder) ${run.name}`,
          description: `its latest checkpoint, step ${latest.step}`,
          detail: run.dir,
          dir: run.dir,
          picked: preselected.includes(run.dir),
        },
        // Oldest first: the picks come back in list order, and the first is the baseline.
        ...run.checkpoints.map((c) => ({
          label: `$(save) ${run.name} · step ${c.step}`,
          description: c.name,
          dir: c.dir,
          picked: preselected.includes(c.dir),
        })),
      ];
    });
  if (!items.some((i) => i.dir)) {
    void vscode.window.showInformationMessage('MAPoRL: no checkpoints to compare yet. Training writes them to RUN/checkpoints.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: TITLE,
    placeHolder: 'Two or more checkpoints or runs (a run: its latest checkpoint); the first is the baseline',
    canPickMany: true,
    matchOnDescription: true,
  });
  return picked?.flatMap((p) => (p.dir ? [p.dir] : []));
}
