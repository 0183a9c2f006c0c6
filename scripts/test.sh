#!/usr/bin/env bash
# From nothing to every test: installs what is missing, builds, runs ctest. Fails if no test ran.
#   scripts/test.sh [ctest args, e.g. -L unit]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
cd "${MUMU_BUILD_DIR:-$here/build}"
# Two test processes share the cores: passive OpenMP threads sleep instead of spinning (a small generation
# ran 10-60x slower under contention without it); GUI tests draw offscreen. Same as tests/CMakeLists.txt.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
# OpenBLAS misdetects these VMs' CPU as "Prescott" (4-5x slower fp32 matmuls); the executables fix it
# themselves (mumu::ensureFastBlas), the test binaries get it here.
if [[ -z ${OPENBLAS_CORETYPE:-} ]]; then
  if grep -q -m1 avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -q -m1 avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
fi
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" LC_ALL="${LC_ALL:-C.UTF-8}"
ctest --output-on-failure --no-tests=error -j"$(nproc)" --timeout 1800 "$@"
