// Whole training steps stay on WebGPU: of the nodes ORT places on the CPU in a WebGPU session of the
// `tiny` preset's SFT and PPO AdamW steps (forward, loss, backward, clipping, the finite flag, the
// update), none reads a floating-point tensor; only small int64 shape and index arithmetic crosses (ORT registers
// the provider's int64 kernels only with an option onnxruntime-node does not pass).
//
// Where ORT places each node is in its verbose log ("Node placements"), which goes to the native
// stderr: this file runs itself in a child process (MAPORL_PLACEMENT_MODEL set) that creates the
// session with that log on and saves the optimized model, whose nodes are those placed (ORT adds
// some, e.g. shape Gathers). Element types are propagated through that model from its inputs and
// initializers. WebGPU runs on SwiftShader as in webgpuParity.test.ts; no adapter is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { serialize } from '../../../src/engine/graph/serialize';
import { buildStepGraph } from '../../../src/engine/graph/train/stepGraphs';
import type { TrainStepSpec } from '../../../src/engine/graph/train/stepGraphs';
import { ppoStepSpec } from '../../../src/engine/maporl/ppo/ppoGraph';
import { createPresetModel } from '../../../src/engine/nn/model';
import { modelFor } from '../../../src/engine/runtime/providerModels';
import { sftStepSpec } from '../../../src/engine/sft/step';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHILD = 'MAPORL_PLACEMENT_MODEL';

if (process.env[CHILD]) {
  // The child: the session as Session.create makes it for WebGPU (modelFor), with the verbose log.
  const file = process.env[CHILD];
  ort.env.logLevel = 'verbose';
  void ort.InferenceSession.create(modelFor('webgpu', readFileSync(file)), {
    executionProviders: ['webgpu'],
    logSeverityLevel: 0,
    optimizedModelFilePath: `${file}.optimized.onnx`,
  });
} else {
  const steps: [string, () => Promise<TrainStepSpec>][] = [
    ['an SFT step', async () => sftStepSpec(await createPresetModel('tiny', 1), { weightDecay: 0.01, maxGradNorm: 1 }).spec],
    [
      'a PPO step (clipped policy loss and the value head on the trunk)',
      async () => {
        const m = await createPresetModel('tiny', 1);
        const params = Object.fromEntries(Object.entries(m.weights).map(([n, t]) => [n, [...t.shape]]));
        const head = { 'v_head.summary.weight': [1, m.config.hiddenSize], 'v_head.summary.bias': [1] };
        const hyper = {
          clipRange: 0.2,
          vfClip: 0.2,
          vfCoef: 0.1,
          maxGradNorm: 1,
          critic: true,
          criticPlacement: 'shared-trunk' as const,
        };
        return ppoStepSpec(m.config, { params: { ...params, ...head } }, hyper);
      },
    ],
  ];
  for (const [label, specOf] of steps) {
    test(`${label} of the tiny preset runs every float node on WebGPU`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'maporl-placement-'));
      try {
        const file = join(dir, 'step.onnx');
        writeFileSync(file, serialize(buildStepGraph(await specOf())));
        const r = spawnSync(process.execPath, [...process.execArgv, __filename], {
          encoding: 'utf8',
          maxBuffer: 256 << 20,
          env: { ...process.env, [CHILD]: file, VK_DRIVER_FILES: process.env.VK_DRIVER_FILES ?? SWIFTSHADER_ICD },
        });
        const placed = placements(r.stderr);
        assert.ok(
          placed.webgpu.length > 0,
          `no node on WebGPU (no adapter? ${SWIFTSHADER_ICD}, libvulkan1):\n${r.stderr.slice(-2000)}`,
        );
        const optimized = onnx.ModelProto.decode(readFileSync(`${file}.optimized.onnx`));
        const types = elementTypes(optimized);
        const byName = new Map(optimized.graph!.node!.map((n) => [n.name!, n]));
        assert.deepEqual(
          placed.cpu.filter((n) => !byName.has(n.name)),
          [],
          'every node placed is one of the optimized model',
        );
        const floats = placed.cpu.filter((n) => (byName.get(n.name)?.input ?? []).some((i) => FLOAT.has(types.get(i) ?? -1)));
        assert.deepEqual(
          floats.map((n) => `${n.opType} (${n.name})`),
          [],
          `float nodes on the CPU, of ${placed.cpu.length} CPU and ${placed.webgpu.length} WebGPU nodes`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

const T = onnx.TensorProto.DataType;
const FLOAT = new Set<number>([T.FLOAT, T.FLOAT16, T.DOUBLE, T.BFLOAT16]);

interface Placed {
  opType: string;
  name: string;
}

/** The "Node placements" section of ORT's verbose log: the nodes on each provider. */
function placements(log: string): { cpu: Placed[]; webgpu: Placed[] } {
  const out = { cpu: [] as Placed[], webgpu: [] as Placed[] };
  let current: Placed[] | null = null;
  for (const line of log.split('\n')) {
    const header = /Node\(s\) placed on \[(\w+)ExecutionProvider\]|All nodes placed on \[(\w+)ExecutionProvider\]/.exec(line);
    if (header) {
      const ep = header[1] ?? header[2];
      current = ep === 'CPU' ? out.cpu : ep === 'WebGpu' ? out.webgpu : null;
      continue;
    }
    const node = /VerifyEachNodeIsAssignedToAnEp\] {3}(\S+) \((.*)\)$/.exec(line);
    if (node && current) current.push({ opType: node[1], name: node[2] });
    else if (!/VerifyEachNodeIsAssignedToAnEp/.test(line)) current = null;
  }
  return out;
}

/** Element type of every value of a model: its inputs and initializers, then node by node (the nodes are in topological order). */
function elementTypes(m: onnx.IModelProto): Map<string, number> {
  const g = m.graph!;
  const types = new Map<string, number>();
  for (const i of g.input ?? []) types.set(i.name!, i.type?.tensorType?.elemType ?? -1);
  for (const i of g.initializer ?? []) types.set(i.name!, i.dataType ?? -1);
  const attr = (n: onnx.INodeProto, name: string) => n.attribute?.find((a) => a.name === name);
  for (const n of g.node ?? []) {
    const first = (n.input ?? []).map((i) => types.get(i)).find((t) => t !== undefined) ?? -1;
    let t: number;
    if (n.opType === 'Cast') t = Number(attr(n, 'to')?.i ?? -1);
    else if (['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero'].includes(n.opType!)) t = T.INT64;
    else if (
      ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf'].includes(
        n.opType!,
      )
    )
      t = T.BOOL;
    else if (n.opType === 'ConstantOfShape') t = attr(n, 'value')?.t?.dataType ?? T.FLOAT;
    else if (n.opType === 'Constant') t = attr(n, 'value')?.t?.dataType ?? -1;
    else if (n.opType === 'Where') t = types.get(n.input![1]) ?? -1;
    else t = first;
    for (const o of n.output ?? []) if (o) types.set(o, t);
  }
  return types;
}
