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
torch_dir=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)
[[ -n $torch_dir ]] || { echo "check: $py cannot import torch" >&2; exit 2; }
site=$(dirname "$torch_dir")
libs="$bundle/lib:$torch_dir/lib"
for d in "$site"/nvidia/*/lib "$site"/nvidia/cu*/lib; do [[ -d $d ]] && libs="$libs:$d"; done
export MUMU_TOKENIZER="$bundle/tokenizer.json"
bin="$bundle/bin"
report="$out/report.txt"
failures=0
say() { echo "$*" | tee -a "$report"; }
# Our binaries with the bundle's libraries (python and its torch keep the machine's own); output to the report, or
# with runto to a file of its own. A failing command is counted (not in a subshell: the count must survive).
run() {
  LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@" 2>&1 | tee -a "$report"
  [[ ${PIPESTATUS[0]} == 0 ]] || failures=$((failures + 1))
}
runto() {
  local file=$1; shift
  LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@" > "$file" 2>&1 || failures=$((failures + 1))
}
: > "$report"
for exe in "$bin"/*; do
  LD_LIBRARY_PATH="$libs" ldd "$exe" | grep "not found" && { say "MISSING LIBRARIES for $exe"; failures=$((failures + 1)); }
done
unet_cfg="$here/tests/parity/fullsize/sdxl_base_unet/config.json" sides="64 128" filter='UnetSdxl/[02]/'
[[ $dry == 1 ]] && unet_cfg="$here/tests/parity/unet_sdxl_tiny/config.json" sides=16 filter='UnetTiny/[02]/'

say "== 1. mumu info"
run "$bin/mumu" info
"$py" -c 'import torch; print("python torch", torch.__version__, torch.version.cuda)' 2>&1 | tee -a "$report"

say "== 2. parity on cuda"
for case in unet_sdxl_tiny vae_sdxl_tiny idefics2_tiny; do
  for dtype in float32 bfloat16; do
    runto "$out/probe-$case-$dtype.txt" "$bin/mumu" probe --case "$here/tests/parity/$case" --device $dev --dtype "$dtype"
    say "$case $dtype: $(tail -n1 "$out/probe-$case-$dtype.txt")"
  done
done

say "== 3. SDXL UNet call, batch 2, bf16: ours (BM_UnetSdxl/variant/side: 0 plain, 2 channels-last)"
run "$bin/bench_diffusion" --device=$dev --dtype=bfloat16 --benchmark_filter="$filter"
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
  run "$bin/bench_pipeline" --device=cpu --benchmark_filter='Generate/nano/ddim/b1/no_previews/iter'
else
  run "$bin/bench_pipeline" --device=cuda --dtype=bfloat16 --xl --benchmark_filter=Xl
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee -a "$report"
say "failures: $failures"
exit $((failures > 0))
