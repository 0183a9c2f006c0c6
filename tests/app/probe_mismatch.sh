#!/bin/sh
# probe_mismatch.sh MUMU CASE WORKDIR: copies CASE, flips one byte inside the data of output.decoded in
# its io.safetensors, and expects `mumu probe` to exit 1 naming that tensor as FAIL.
set -eu
mumu=$1 case=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cp -r "$case"/. "$work"/ && chmod -R u+w "$work"
io="$work/io.safetensors"
# Header: 8-byte little-endian length, then JSON; find output.decoded's first data offset.
off=$(python3 - "$io" <<'PY'
import json, struct, sys
f = open(sys.argv[1], 'rb'); n = struct.unpack('<Q', f.read(8))[0]; h = json.loads(f.read(n))
print(8 + n + h['output.decoded']['data_offsets'][0] + 2)  # a high byte of the first float32
PY
)
printf '\177' | dd of="$io" bs=1 seek="$off" conv=notrunc status=none
set +e
out=$("$mumu" probe --case "$work" 2>&1); rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc"; exit 1; }
echo "$out" | grep -q "^FAIL output.decoded" || { echo "output.decoded not reported as FAIL"; exit 1; }
echo "$out" | grep -q "^PASS output.posterior_mean" || { echo "other tensors should still pass"; exit 1; }
