import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../runData/runDirectory';
import type { Services } from './services';
import { pickRun } from './arguments';

/**
 * MAPoRL: Annotate Transcripts — opens the transcripts editor of the run given (a Runs view item, a run
 * directory, its transcripts.jsonl), else of a run picked among those with transcripts.
 */
export async function annotateTranscripts(s: Services, arg?: unknown): Promise<void> {
  if (arg instanceof vscode.Uri && basename(arg.fsPath) === RUN_FILES.transcripts) {
    await s.transcripts.open(dirname(arg.fsPath));
    return;
  }
  const candidates = s.runs.list().filter((r) => r.hasTranscripts);
  const run = await pickRun(
    s.runs,
    arg,
    candidates,
    'MAPoRL: Annotate Transcripts',
    'no run has transcripts yet. Training writes them.',
  );
  if (run) await s.transcripts.open(run.dir);
}
