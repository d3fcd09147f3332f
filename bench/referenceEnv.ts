// The environment a reference process (the PyTorch/NumPy worker) runs with, so that the engine is
// compared with the best this machine's BLAS can do, not with a pinned-down one.
//
// This workplace sets OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE for every process (older
// OpenBLAS builds misbehave on some CPUs). On an AVX-512 CPU they pin OpenBLAS, and so Debian's
// PyTorch, to AVX2 kernels: SGEMM 2048² 192 GFLOP/s with them, 345 without; PyTorch MatMul 128 → 173
// (shared/onnxruntime-notes.md, "Fair references"). ONNX Runtime (MLAS) ignores them. So the reference
// runs with both unset — for that child alone: the bench's own process, tests and CI keep them —
// checks its results against float64 (bench/torch_block.py, test/reference/llama_bench.py) and
// reports which OpenBLAS core it loaded (test/reference/blas_info.py).

/** Variables that pin OpenBLAS's kernel choice; removed from a reference's environment. */
export const OPENBLAS_PINNING = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/**
 * A fresh environment for a reference child: `base` (not modified) without the OpenBLAS pinning
 * variables, with `threads` for OpenMP and OpenBLAS alike.
 *
 * OMP_WAIT_POLICY=PASSIVE: Debian's torch runs elementwise ops on OpenMP threads and matrix
 * products on OpenBLAS's own pthreads; with OpenMP's default spin-wait the two pools fight for the
 * cores (measured: a hidden-512 block-stack step 3.3 s spinning vs 2.3 s passive, 2 cores).
 */
export function referenceEnv(threads: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: 'PASSIVE',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  for (const name of OPENBLAS_PINNING) delete env[name];
  return env;
}

/** The pinning variables set in `base`, to say what the reference was freed from. */
export function pinnedInParent(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(OPENBLAS_PINNING.flatMap((n) => (base[n] === undefined ? [] : [[n, base[n]!]])));
}
