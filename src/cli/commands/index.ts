// The command table: one file per command.
import type { Command } from './command';
import { initModel } from './initModel';
import { generate } from './generate';
import { logprobs } from './logprobs';
import { sft } from './sft';
import { train } from './train';
import { evaluate } from './evaluate';
import { compare } from './compare';
import { demo } from './demo';
import { prepareAgents } from './prepareAgents';
import { data } from './data';
import { annotations } from './annotations';
import { sweep } from './sweep';
import { doctor } from './doctor';

export const COMMANDS: Record<string, Command> = {
  demo,
  'init-model': initModel,
  generate,
  logprobs,
  sft,
  'prepare-agents': prepareAgents,
  train,
  eval: evaluate,
  compare,
  data,
  annotations,
  sweep,
  doctor,
};
