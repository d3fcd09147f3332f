import * as path from 'node:path';
import { DEFAULT_LORA } from '../../engine/nn/lora';
import { SFT_DEFAULTS, SftInputError, type SftOptions } from '../../engine/sft/options';
import { runSft } from '../../engine/sft/trainer';
import type { PromptFormat } from '../../engine/prompts/tokens';
import { UsageError } from '../errors';
import { Progress } from '../progress';
import { stopOnSignals } from '../stop';
import { type Command, commandRuntime, RUNTIME_FLAGS } from './command';
import { booleans, intOption, numberOption, parse, requireOption, strings } from './options';

const d = SFT_DEFAULTS;

export const sft: Command = {
  summary: 'supervised fine-tuning (full or LoRA) on JSONL {"prompt", "completion"}',
  usage: `--model DIR --data FILE --out DIR [options]
  --eval-data FILE      held-out JSONL: completion loss before, at checkpoints and at the end
  --epochs N            passes over the data (${d.epochs})
  --lr X                peak learning rate (${d.lr})
  --batch-size N        sequences per micro-batch (${d.batchSize})
  --accumulate N        micro-batches per optimizer step (${d.accumulate})
  --max-steps N         stop after N optimizer steps
  --warmup-steps N      linear warmup (${d.warmupSteps})
  --schedule S          constant | cosine (${d.schedule})
  --weight-decay X      AdamW decoupled weight decay (${d.weightDecay})
  --max-grad-norm X     clip the global gradient norm, 0 for none (${d.maxGradNorm})
  --max-length N        tokens per sequence, longer ones are cut (${d.maxLength})
  --format F            auto | chat | plain: how prompts are laid out (auto: chat if the tokenizer has a template)
  --seed N              data order, LoRA init and dropout (${d.seed})
  --save-every N        checkpoint every N steps, 0 for only at the end (${d.saveEvery})
  --keep-checkpoints N  newest checkpoints kept, 0 for all (${d.keepCheckpoints})
  --lora-rank R         train a LoRA adapter of rank R instead of all weights
  --lora-alpha A        LoRA alpha (${DEFAULT_LORA.alpha})
  --lora-dropout P      dropout on the adapters' input (${DEFAULT_LORA.dropout})
  --lora-targets LIST   comma-separated module suffixes, or all-linear (${(DEFAULT_LORA.targetModules as string[]).join(',')})
  --provider P          ONNX Runtime execution provider: auto, cpu, webgpu, cuda (default: MAPORL_EXECUTION_PROVIDER, else auto)
  --threads N           ONNX Runtime intra-op threads (0: one per core; default: MAPORL_THREADS, else 0)
  --resume              continue from the newest checkpoint in --out
  --force               replace an earlier run in --out
Writes OUT/model (an HF model directory; with LoRA merged into the base), OUT/adapter (LoRA, PEFT
layout), OUT/checkpoints/step-NNNNNN, OUT/events.jsonl and OUT/summary.json.`,
  async run(args) {
    const { values: v } = parse(args, {
      ...strings(
        'model',
        'data',
        'out',
        'eval-data',
        'epochs',
        'lr',
        'batch-size',
        'accumulate',
        'max-steps',
        'warmup-steps',
        'schedule',
        'weight-decay',
        'max-grad-norm',
        'max-length',
        'format',
        'seed',
        'save-every',
        'keep-checkpoints',
        'lora-rank',
        'lora-alpha',
        'lora-dropout',
        'lora-targets',
      ),
      ...booleans('resume', 'force'),
      ...RUNTIME_FLAGS,
    });
    const schedule = v.schedule ?? d.schedule;
    if (schedule !== 'constant' && schedule !== 'cosine')
      throw new UsageError(`--schedule must be constant or cosine, got "${schedule}"`);
    const format = (v.format ?? d.format) as PromptFormat;
    if (!['auto', 'chat', 'plain'].includes(format))
      throw new UsageError(`--format must be auto, chat or plain, got "${format}"`);
    const loraFlags = ['lora-alpha', 'lora-dropout', 'lora-targets'].filter((f) => v[f as keyof typeof v] !== undefined);
    if (v['lora-rank'] === undefined && loraFlags.length) throw new UsageError(`--${loraFlags[0]} needs --lora-rank`);
    const opts: SftOptions = {
      ...d,
      model: requireOption(v.model, '--model DIR'),
      data: requireOption(v.data, '--data FILE'),
      out: requireOption(v.out, '--out DIR'),
      evalData: v['eval-data'],
      epochs: intOption(v.epochs, '--epochs', d.epochs),
      lr: numberOption(v.lr, '--lr', d.lr),
      batchSize: intOption(v['batch-size'], '--batch-size', d.batchSize),
      accumulate: intOption(v.accumulate, '--accumulate', d.accumulate),
      maxSteps: v['max-steps'] === undefined ? undefined : intOption(v['max-steps'], '--max-steps', 0),
      warmupSteps: intOption(v['warmup-steps'], '--warmup-steps', d.warmupSteps),
      schedule,
      weightDecay: numberOption(v['weight-decay'], '--weight-decay', d.weightDecay),
      maxGradNorm: numberOption(v['max-grad-norm'], '--max-grad-norm', d.maxGradNorm),
      maxLength: intOption(v['max-length'], '--max-length', d.maxLength),
      format,
      seed: intOption(v.seed, '--seed', d.seed),
      saveEvery: intOption(v['save-every'], '--save-every', d.saveEvery),
      keepCheckpoints: intOption(v['keep-checkpoints'], '--keep-checkpoints', d.keepCheckpoints),
      lora:
        v['lora-rank'] === undefined
          ? undefined
          : {
              r: intOption(v['lora-rank'], '--lora-rank', DEFAULT_LORA.r),
              alpha: numberOption(v['lora-alpha'], '--lora-alpha', DEFAULT_LORA.alpha),
              dropout: numberOption(v['lora-dropout'], '--lora-dropout', DEFAULT_LORA.dropout),
              targetModules:
                v['lora-targets'] === 'all-linear'
                  ? 'all-linear'
                  : (v['lora-targets']
                      ?.split(',')
                      .map((t) => t.trim())
                      .filter(Boolean) ?? DEFAULT_LORA.targetModules),
            },
      resume: v.resume ?? false,
      force: v.force ?? false,
      runtime: commandRuntime(v),
    };

    const stop = stopOnSignals(); // finish the step, write a checkpoint, exit 0
    let progress: Progress | undefined;
    try {
      const result = await runSft(opts, {
        onLog: (line) => process.stderr.write(`${line}\n`),
        onStep: (s) => {
          progress ??= new Progress('sft', s.totalSteps);
          progress.update(s.step, `loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(2)}`);
        },
        stopSignal: stop.signal,
      });
      if (result.alreadyFinished) {
        process.stdout.write(`already finished: ${path.resolve(opts.out)} (nothing to resume)\n`);
        return 0;
      }
      if (result.stopped) {
        process.stderr.write(`stopped at step ${result.steps}/${result.totalSteps}; continue with --resume\n`);
        return 0;
      }
      const held = result.heldOutLoss
        ? `; held-out loss ${result.heldOutLoss.before?.toFixed(4) ?? '?'} -> ${result.heldOutLoss.after.toFixed(4)}`
        : '';
      process.stdout.write(
        `wrote ${path.resolve(result.modelDir!)}${result.adapterDir ? ` and ${path.resolve(result.adapterDir)}` : ''} after ${result.steps} steps${held}\n`,
      );
      return 0;
    } catch (err) {
      if (err instanceof SftInputError) throw new UsageError(err.message);
      throw err;
    } finally {
      stop.dispose();
    }
  },
};
