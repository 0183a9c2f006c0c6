#!/usr/bin/env bash
# Configures (once) and builds MUMU Studio into build/ with Ninja (+ ccache when installed).
#   scripts/build.sh [extra cmake -D flags...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MUMU_BUILD_DIR:-$here/build}"
if [[ ! -f $build/build.ninja || $# -gt 0 ]]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
# Each torch translation unit needs ~2 GB of RAM: never more jobs than cores.
cmake --build "$build" -- -j"$(nproc)"
