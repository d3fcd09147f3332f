#!/usr/bin/env bash
# Here, before a device run (docs/performance.md, "GPU execution providers"): packs what
# scripts/gpu-device.sh needs on the GPU machine, which has no Node.js and no Vulkan loader, into two
# ignored folders that the `run` call carries:
#   .gpu/bundle.tar.xz  this machine's Node binary (bin/node), dist/gpu.js and dist/cli.js (fresh
#                       build), onnxruntime-node (its JS and Linux x64 binaries) and onnxruntime-common
#   .gl/*.deb           Debian's Vulkan loader and GL dispatch packages (the device README's list)
# Both must stay within the 64 MiB a run carries. Usage: bash scripts/gpu-pack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for d in /.gpu/ /.gl/; do grep -qxF "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
node scripts/build.mjs
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/dist" "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp "$(readlink -f "$(command -v node)")" "$stage/bin/node"
cp dist/gpu.js dist/cli.js package.json "$stage/dist/"
mv "$stage/dist/package.json" "$stage/"
ort=node_modules/onnxruntime-node
cp -r "$ort/package.json" "$ort/dist" "$stage/$ort/"
cp -r "$ort/bin/napi-v6/linux/x64" "$stage/$ort/bin/napi-v6/linux/"
cp -r node_modules/onnxruntime-common "$stage/node_modules/"
mkdir -p .gpu
tar -C "$stage" -cf - . | xz -T0 -6 >.gpu/bundle.tar.xz
if ! ls .gl/*.deb >/dev/null 2>&1; then
  mkdir -p .gl /tmp/amd64/partial
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update >/dev/null
  (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .gpu .gl
echo "carried: $(du -scm .gpu .gl | tail -1 | cut -f1) MiB of 64 (the rest of the working tree travels too)"
