// RoPE inverse frequencies of a model config, as transformers' `modeling_rope_utils.py` computes
// them: `_compute_default_rope_parameters` and, for Llama 3.1, `_compute_llama3_parameters`
// (frequency-dependent scaling: long wavelengths are slowed down by `factor`, short ones kept,
// the band in between interpolated smoothly).

import type { ModelConfig } from '../io/hfConfig';

/**
 * inv_freq[i] = 1 / theta^(2i / headDim) for i < headDim / 2, with llama3 scaling applied when
 * configured. Float64; HF computes these in float32, which differs by float32 rounding only.
 * The rotation angle of position p, pair i is p * inv_freq[i] (pairs are (x[i], x[i + headDim/2])).
 */
export function ropeInvFreq(cfg: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const dim = cfg.headDim;
  const invFreq = new Float64Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) invFreq[i] = 1 / cfg.ropeTheta ** ((2 * i) / dim);
  const s = cfg.ropeScaling;
  if (s === null) return invFreq;

  const oldContext = s.originalMaxPositionEmbeddings;
  const lowFreqWavelen = oldContext / s.lowFreqFactor; // wavelengths above this: fully scaled
  const highFreqWavelen = oldContext / s.highFreqFactor; // wavelengths below this: unchanged
  for (let i = 0; i < invFreq.length; i++) {
    const f = invFreq[i]!;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) {
      invFreq[i] = f / s.factor;
    } else if (wavelen >= highFreqWavelen) {
      // Medium band: blend from f / factor (at lowFreqWavelen) to f (at highFreqWavelen).
      const smooth = (oldContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      invFreq[i] = ((1 - smooth) * f) / s.factor + smooth * f;
    }
  }
  return invFreq;
}
