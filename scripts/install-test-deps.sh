#!/usr/bin/env bash
# System packages the test suites need, from Debian's archive (no other network access needed):
# PyTorch + OpenBLAS (pthread build, else torch's matrix products crawl) as the independent reference
# of the parity tests and benchmarks; Chromium, libkrb5-dev and ripgrep for the end-to-end tests in
# code-server (which scripts/e2e-setup.sh installs into .e2e/ when the e2e suite first runs); Slurm
# and munge for the sweep executor's tests on a one-node cluster (scripts/slurm-local.sh starts it);
# the Vulkan loader (libvulkan1) for the WebGPU parity test, which runs on the SwiftShader Vulkan
# driver that Debian's chromium ships (Debian 12's lavapipe is refused by Dawn: docs/performance.md).
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
PACKAGES=(python3-torch python3-numpy libopenblas0-pthread chromium libkrb5-dev ripgrep slurm-wlm munge libvulkan1)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import torch, numpy' || { echo "install-test-deps: PyTorch did not import" >&2; exit 1; }
echo "install-test-deps: ready"
