#!/usr/bin/env bash
# libtorch 2.x for the build: PyTorch's own wheel, pinned, in a virtual environment shared by every clone on this
# machine (~/.cache/mumu/torch-<version>, or $MUMU_TORCH_VENV) and linked into the checkout as .venv (git-ignored),
# where CMake looks for it. Installed only when missing; a half-finished install is redone.
#
# The wheel is a CUDA build, and its TorchConfig.cmake insists on a CUDA toolkit at configure time (FindCUDA wants
# nvcc, the runtime headers and libraries). Those come from NVIDIA's own PyPI wheels of the same CUDA release as the
# wheel's (13.0): nvcc, crt and nvvm to let CMake's CUDA language check compile, cccl for the headers torch's
# CUDA headers include. Nothing here needs a GPU or a driver; torch loads the driver lazily.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

torch_version=2.11.0          # what the H100 machines used for GPU checks run
cuda_toolkit_version=13.0.2   # the torch 2.11.0 wheel's own CUDA release (cu130)
venv="${MUMU_TORCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/mumu/torch-$torch_version}"
stamp="$venv/.mumu-ready-$torch_version-$cuda_toolkit_version"
owned="$venv/.mumu-venv"  # written first: a folder without it is someone else's and is never removed

if [[ -e $here/.venv && ! -L $here/.venv ]]; then
  echo "setup: $here/.venv is a folder of its own, not the link this script makes; move it away" >&2
  exit 1
fi
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9  # two clones (or CI beside a developer) set up one shared environment, one at a time
if [[ ! -f $stamp ]]; then
  echo "setup: installing torch $torch_version (PyTorch's wheel, CUDA $cuda_toolkit_version) into $venv"
  if [[ -e $venv && ! -f $owned ]]; then
    echo "setup: $venv exists and was not made by this script; set MUMU_TORCH_VENV to a new folder" >&2
    exit 1
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  touch "$owned"
  "$venv/bin/pip" install --disable-pip-version-check -q \
    "torch==$torch_version" "cuda-toolkit[nvcc,crt,cccl,nvvm]==$cuda_toolkit_version" numpy
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # The wheels ship versioned sonames only and lib/ where nvcc and FindCUDA look for lib64/: give them the
  # layout of an installed toolkit.
  for cu in "$site"/nvidia/cu*; do
    [[ -d $cu/lib ]] || continue
    (cd "$cu/lib" && shopt -s nullglob && for f in *.so.*; do b=${f%%.so.*}.so; [[ -e $b ]] || ln -s "$f" "$b"; done)
    ln -sfn lib "$cu/lib64"
  done
  "$venv/bin/python" -W ignore -c 'import torch; assert torch.__version__.startswith("'"$torch_version"'"), torch.__version__'
  touch "$stamp"
else
  echo "setup: torch $torch_version present ($venv)"
fi
ln -sfn "$venv" "$here/.venv"
