"""What a reference worker's matrix products ran on, and whether they are right.

Shared by the benchmark workers (bench/torch_block.py, llama_bench.py). Their parent starts them with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (bench/referenceEnv.ts), so that OpenBLAS picks the
CPU's own kernels (e.g. AVX-512 "Cooperlake"/"SkylakeX" rather than a pinned "Haswell"); this module
reports the core OpenBLAS chose, asked of the libopenblas this process loaded (openblas_get_corename
via ctypes; threadpoolctl where installed), and checks fp32 products against float64.
"""
import ctypes
import os
import time

import numpy as np
import torch


def _loaded_blas_paths():
    """Shared objects mapped into this process whose name says BLAS (libopenblas*, libblas.so.3)."""
    paths = []
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if path.startswith("/") and "blas" in name and path not in paths:
                paths.append(path)
    return paths


def blas_info():
    """{"library", "core", "config", "threads"} of the OpenBLAS in use, PyTorch's CPU capability,
    the pinning variables as this process sees them (None when unset), threadpoolctl's view if any."""
    info = {"library": None, "core": None, "config": None, "threads": None}
    for path in _loaded_blas_paths():
        try:
            lib = ctypes.CDLL(path)
            corename = lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        config = lib.openblas_get_config
        config.restype = ctypes.c_char_p
        info = {"library": path, "core": corename().decode(), "config": config().decode(), "threads": lib.openblas_get_num_threads()}
        if "openblas" in os.path.basename(path):  # the library itself rather than its libblas.so.3 alias
            break
    capability = [line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines() if "CPU capability usage" in line]
    info["torchCpuCapability"] = capability[0] if capability else None
    info["env"] = {name: os.environ.get(name) for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    try:
        import threadpoolctl  # not in Debian's base install; optional
        info["threadpoolctl"] = [{k: m.get(k) for k in ("internal_api", "architecture", "num_threads", "filepath")}
                                 for m in threadpoolctl.threadpool_info()]
    except ImportError:
        pass
    return info


def rel_err(x32, x64):
    """max |x32 - x64| / max |x64|: float32 rounding gives ~1e-6 on these sizes; a broken kernel ~1."""
    x64 = x64.double()
    return float((x32.double() - x64).abs().max() / x64.abs().max().clamp(min=1e-30))


def gemm_check(n=384):
    """fp32 n x n products (PyTorch NN and TN, NumPy NN) against float64: their relative errors."""
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(n, n, generator=g) - 0.5, torch.rand(n, n, generator=g) - 0.5
    ref, ref_t = a.double() @ b.double(), a.double().T @ b.double()
    return {
        "torchNN": rel_err(a @ b, ref), "torchTN": rel_err(a.T @ b, ref_t),
        "numpyNN": rel_err(torch.from_numpy(a.numpy() @ b.numpy()), ref),
    }


def gemm_gflops(n, runs=1, warmup=0):
    """The best fp32 n x n x n product rate (GFLOP/s) of PyTorch (torch.mm) and NumPy (OpenBLAS sgemm)."""
    a, b = torch.rand(n, n), torch.rand(n, n)
    an, bn = a.numpy(), b.numpy()

    def best(fn):
        for _ in range(warmup):
            fn()
        ms = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            ms.append(time.perf_counter() - t0)
        return 2 * n ** 3 / min(ms) / 1e9

    return {"torch": best(lambda: a @ b), "numpy": best(lambda: an @ bn)}
