// What the Runs view hands a command: the node it was invoked on and, from a context menu, every
// selected node. Pure (no vscode), so the tests read it directly.
import type { RunsNode } from '../views/runsView';

export const isRunsNode = (x: unknown): x is RunsNode => typeof x === 'object' && x !== null && 'kind' in x && 'run' in x;

/**
 * The run and checkpoint directories of a Runs view selection: VS Code passes a context-menu command
 * the node it was invoked on and every selected node (the clicked one alone when it is not selected).
 */
export function selectedDirs(arg: unknown, selection: unknown): string[] {
  const nodes = Array.isArray(selection) && selection.length ? selection : [arg];
  return nodes.flatMap((n) => {
    if (!isRunsNode(n)) return [];
    if (n.kind === 'checkpoint') return [n.checkpoint.dir];
    return n.kind === 'run' ? [n.run.dir] : [];
  });
}
