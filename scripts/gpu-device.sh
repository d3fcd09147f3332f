#!/usr/bin/env bash
# On the GPU device machine (NOT YET RUN THERE): the whole of issue 26 item 4 as one command, within
# a time budget. Needs what scripts/gpu-pack.sh put in .gpu/ and .gl/ (carried by the `run` call;
# the call itself is in docs/performance.md, "GPU execution providers"). Steps:
#   1. unpack Node, the bundles and onnxruntime-node from .gpu/bundle.tar.xz into /tmp/maporl-gpu
#   2. unpack the Vulkan loader (.gl/*.deb) into / when ldconfig knows no libvulkan.so.1
#   3. VK_DRIVER_FILES at the NVIDIA ICD file, so that Dawn (ORT's WebGPU) finds the GPU
#   4. nvidia-smi and `maporl doctor` (providers this machine can start, adapter, Vulkan files)
#   5. the suite, bench/gpu.ts: WebGPU against this machine's CPU, writing $OUT/gpu-suite.json
# Environment: OUT (default /tmp/gpu-out), GPU_BUDGET (seconds for the suite, default 420).
# Arguments go to the suite, e.g. --only=parity,lora or --quick.
set -u
OUT=${OUT:-/tmp/gpu-out}
BUDGET=${GPU_BUDGET:-420}
mkdir -p "$OUT"
here=$(cd "$(dirname "$0")/.." && pwd)
t0=$(date +%s)
log() { echo "[gpu-device $(($(date +%s) - t0)) s] $*" | tee -a "$OUT/device.log" >&2; }

root=/tmp/maporl-gpu
if [ ! -x "$root/bin/node" ]; then
  [ -f "$here/.gpu/bundle.tar.xz" ] || { log "no .gpu/bundle.tar.xz: run scripts/gpu-pack.sh here and carry .gpu"; exit 2; }
  mkdir -p "$root" && tar -C "$root" -xJf "$here/.gpu/bundle.tar.xz" || { log "could not unpack .gpu/bundle.tar.xz"; exit 2; }
fi
export PATH="$root/bin:$PATH"
log "node $(node --version) from $root"

if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  if ls "$here"/.gl/*.deb >/dev/null 2>&1; then
    for f in "$here"/.gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
    log "Vulkan loader unpacked from .gl/"
  else
    log "no libvulkan.so.1 and no .gl/*.deb carried: WebGPU will fall back to the CPU"
  fi
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -f "$egl" ]; then export __EGL_VENDOR_LIBRARY_FILENAMES=$egl; fi
# Dawn's Vulkan backend complains twice per process without it (harmless).
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/xdg-runtime}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
log "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"

{ nvidia-smi || echo "no nvidia-smi"; } >"$OUT/nvidia-smi.txt" 2>&1
log "doctor..."
(cd "$root" && timeout 90 node dist/cli.js doctor) >"$OUT/doctor.txt" 2>&1 || log "doctor exited $?"
cat "$OUT/doctor.txt"

log "suite, budget ${BUDGET} s..."
set -o pipefail
(cd "$root" && timeout $((BUDGET + 45)) node dist/gpu.js --budget="$BUDGET" --out="$OUT/gpu-suite.json" "$@") 2>&1 | tee "$OUT/suite.log"
rc=$?
log "suite exited $rc; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
exit $rc
