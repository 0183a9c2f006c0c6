#!/usr/bin/env bash
# From nothing to the Studio window: installs what is missing, builds, starts mumu-studio.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
exe="${MUMU_BUILD_DIR:-$here/build}/app/mumu-studio"
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  echo "studio: no display found; starting on a virtual X server (xvfb-run). Set DISPLAY to see the window." >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$exe" "$@"
fi
exec "$exe" "$@"
