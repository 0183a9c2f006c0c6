#!/usr/bin/env bash
# From nothing to every test: installs what is missing, builds, runs ctest. Fails if no test ran.
#   scripts/test.sh [ctest args, e.g. -L unit]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
cd "${MUMU_BUILD_DIR:-$here/build}"
ctest --output-on-failure --no-tests=error -j"$(nproc)" --timeout 1800 "$@"
