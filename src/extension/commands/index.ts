// The command table: one handler per CommandId (commandIds.ts, which a test keeps in step with
// package.json), each called with the one service bag, the argument VS Code passes (a tree node, a
// Uri, a path, or nothing from the palette) and, from a context menu, the tree's selection.
import { CommandId } from '../commandIds';
import { annotateTranscripts } from './annotateTranscripts';
import { cancelSweep } from './cancelSweep';
import { checkGpu } from './checkGpu';
import { compareCheckpoints } from './compareCheckpoints';
import { evaluateCheckpoint } from './evaluateCheckpoint';
import { newExperiment } from './newExperiment';
import { openDashboard } from './openDashboard';
import { openSweepReport } from './openSweepReport';
import { prepareBaseAgents } from './prepareBaseAgents';
import { refreshRuns } from './refreshRuns';
import { resumeTraining } from './resumeTraining';
import type { Services } from './services';
import { showEngineLog } from './showEngineLog';
import { startSweep } from './startSweep';
import { startTraining } from './startTraining';
import { stopTraining } from './stopTraining';

export type Command = (s: Services, arg?: unknown, selection?: unknown) => Promise<void>;

export const COMMANDS: Record<CommandId, Command> = {
  [CommandId.NewExperiment]: newExperiment,
  [CommandId.StartTraining]: startTraining,
  [CommandId.StopTraining]: stopTraining,
  [CommandId.ResumeTraining]: resumeTraining,
  [CommandId.OpenDashboard]: openDashboard,
  [CommandId.EvaluateCheckpoint]: evaluateCheckpoint,
  [CommandId.ShowEngineLog]: showEngineLog,
  [CommandId.RefreshRuns]: refreshRuns,
  [CommandId.PrepareBaseAgents]: prepareBaseAgents,
  [CommandId.CompareCheckpoints]: compareCheckpoints,
  [CommandId.AnnotateTranscripts]: annotateTranscripts,
  [CommandId.StartSweep]: startSweep,
  [CommandId.CancelSweep]: cancelSweep,
  [CommandId.OpenSweepReport]: openSweepReport,
  [CommandId.CheckGpu]: checkGpu,
};
