#!/usr/bin/env bash
# The GPU check of the CUDA build, run on a GPU machine from the repository root after scripts/gpu/bundle.sh
# (carried: build-gpu/bundle). Writes report.txt and the raw outputs to $OUT (or ./gpu-report):
#   1. mumu info: device, memory, compute capability, CUDA / cuDNN, attention kernels
#   2. the probe's parity cases on cuda: float32 at the usual tolerances, bfloat16 at the probe's looser bound
#   3. the SDXL UNet call (batch 2, 64² and 128² latents, random weights) in bf16, ours beside diffusers' eager
#      UNet2DConditionModel on the same torch, plain and channels-last
#   4. a full-size mumu-xl 1024², 30-step CFG generation end to end, and its peak GPU memory
# MUMU_CHECK_DRY=1 rehearses the script on the CPU with the tiny configs (paths, libraries, the peer's imports).
set -uo pipefail
dry="${MUMU_CHECK_DRY:-0}"
dev=cuda; [[ $dry == 1 ]] && dev=cpu
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="$here/build-gpu/bundle"
out="${OUT:-$here/gpu-report}"
mkdir -p "$out"
py=$(command -v python3)
torch_dir=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
site=$(dirname "$torch_dir")
libs="$bundle/lib:$torch_dir/lib"
for d in "$site"/nvidia/*/lib "$site"/nvidia/cu*/lib; do [[ -d $d ]] && libs="$libs:$d"; done
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export MUMU_TOKENIZER="$bundle/tokenizer.json"
bin="$bundle/bin"
report="$out/report.txt"
say() { echo "$*" | tee -a "$report"; }
: > "$report"
for exe in "$bin"/*; do ldd "$exe" | grep "not found" && say "MISSING LIBRARIES for $exe"; done
unet_cfg="$here/tests/parity/fullsize/sdxl_base_unet/config.json" sides="64 128" filter='UnetSdxl/[02]/'
[[ $dry == 1 ]] && unet_cfg="$here/tests/parity/unet_sdxl_tiny/config.json" sides=16 filter='UnetTiny/[02]/'

say "== 1. mumu info"
"$bin/mumu" info 2>&1 | tee -a "$report"
"$py" -c 'import torch; print("python torch", torch.__version__, torch.version.cuda)' 2>&1 | tee -a "$report"

say "== 2. parity on cuda"
for case in unet_sdxl_tiny vae_sdxl_tiny idefics2_tiny; do
  for dtype in float32 bfloat16; do
    "$bin/mumu" probe --case "$here/tests/parity/$case" --device $dev --dtype "$dtype" > "$out/probe-$case-$dtype.txt" 2>&1
    say "$case $dtype: $(tail -n1 "$out/probe-$case-$dtype.txt")"
  done
done

say "== 3. SDXL UNet call, batch 2, bf16: ours (BM_UnetSdxl/variant/side: 0 plain, 2 channels-last)"
"$bin/bench_diffusion" --device=$dev --dtype=bfloat16 --benchmark_filter="$filter" 2>&1 | tee -a "$report"
say "-- diffusers eager (same torch, AttnProcessor2_0 = SDPA)"
for side in $sides; do
  for cl in "" --channels-last; do
    PYTHONPATH="$bundle/py" "$py" "$here/benchmarks/model/diffusers_unet_eager.py" \
      "$unet_cfg" --device $dev --dtype bfloat16 --side "$side" \
      --iterations 10 $cl 2>&1 | tail -n1 | tee -a "$report"
  done
done

say "== 4. mumu-xl 1024², 30 steps, CFG, bf16, end to end"
if [[ $dry == 1 ]]; then
  "$bin/bench_pipeline" --device=cpu --benchmark_filter='Generate/nano/ddim/b1/no_previews/iter' 2>&1 | tee -a "$report"
else
  "$bin/bench_pipeline" --device=cuda --dtype=bfloat16 --xl --benchmark_filter=Xl 2>&1 | tee -a "$report"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee -a "$report"
