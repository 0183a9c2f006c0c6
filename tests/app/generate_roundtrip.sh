#!/bin/sh
# generate_roundtrip.sh MUMU WORKDIR: the generation contract as a user meets it on the command line —
# a random package, a generation with an image reference and weighted text, metadata, `--from`
# reproducing the pixels, seeds mattering, and a bad prompt failing with its position.
set -eu
mumu=$1 w=$2
rm -rf "$w" && mkdir -p "$w"
"$mumu" package create --config small --seed 3 --out "$w/pk" >/dev/null
"$mumu" generate --model "$w/pk" --prompt "a red star" --seed 5 --steps 3 --size 32x32 --out "$w/ref.png" >/dev/null
"$mumu" generate --model "$w/pk" --prompt "a [img:$w/ref.png:0.8] next to a (blue circle:1.3)" \
  --seed 7 --steps 3 --size 32x32 --out "$w/b.png" >/dev/null
"$mumu" generate --model "$w/pk" --prompt "a [img:$w/ref.png:0.8] next to a (blue circle:1.3)" \
  --seed 8 --steps 3 --size 32x32 --out "$w/other_seed.png" >/dev/null
# The A1111 parameters and the full recipe travel in the PNG.
grep -a -q "Steps: 3, Sampler:" "$w/b.png" || { echo "no A1111 parameters chunk"; exit 1; }
grep -a -q '"schema_version"' "$w/b.png" || { echo "no mumu recipe chunk"; exit 1; }
# --from regenerates the same pixels (the timestamp in the recipe may differ, the pixels may not).
"$mumu" generate --model "$w/pk" --from "$w/b.png" --out "$w/again.png" >/dev/null
ae=$(compare -metric AE "$w/b.png" "$w/again.png" null: 2>&1 || true)
[ "$ae" = "0" ] || { echo "--from differs from the original: $ae pixels"; exit 1; }
ae=$(compare -metric AE "$w/b.png" "$w/other_seed.png" null: 2>&1 || true)
[ "$ae" != "0" ] || { echo "a different seed gave the same image"; exit 1; }
# A bad prompt names the position and writes nothing.
set +e
msg=$("$mumu" generate --model "$w/pk" --prompt "a [img:$w/missing.png] cat" --steps 2 --size 32x32 --out "$w/bad.png" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || { echo "a missing reference image must fail"; exit 1; }
echo "$msg" | grep -q "prompt:1:3" || { echo "error does not point at the reference: $msg"; exit 1; }
[ ! -e "$w/bad.png" ] || { echo "output written despite the error"; exit 1; }
echo "generate round trip OK"
