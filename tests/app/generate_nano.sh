#!/bin/sh
# The README's generate line: the shipped nano model, out of the box, with a reference image; then a small eval
# (the analyser judges real outputs; the figures themselves are the model card's, not asserted here).
set -eu
mumu="$1"; src="$2"; out="$3"
rm -rf "$out"; mkdir -p "$out"
"$mumu" generate --model "$src/resources/models/nano" \
  --prompt "a [img:$src/tests/data/nano/red-star.png] on a plain background, in flat style" \
  --seed 3 --batch 2 --out "$out/nano-{index}.png"
for i in 0 1; do test -s "$out/nano-$i.png" || { echo "missing $out/nano-$i.png"; exit 1; }; done
"$mumu" generate --model "$src/resources/models/nano" --from "$out/nano-0.png" --out "$out/again.png"
# The same pixels (the files differ in the recipe's creation time).
ae=$(compare -metric AE "$out/nano-0.png" "$out/again.png" null: 2>&1 || true)
[ "$ae" = "0" ] || { echo "--from differs: $ae pixels"; exit 1; }
"$mumu" eval --suite shapes --model "$src/resources/models/nano" --count 2 --json --images "$out/eval" > "$out/eval.json"
grep -q '"count":2' "$out/eval.json" || { cat "$out/eval.json"; exit 1; }
# The ceiling: both held-out targets, through the shipped VAE, are still read as the right colour and shape (a
# broken round trip — wrong latent scale, channel order — reads as nothing).
grep -Eq '"vae_ceiling":1(\.0)?[,}]' "$out/eval.json" || { echo "VAE round trip lost the targets"; cat "$out/eval.json"; exit 1; }
# One results line per prompt, naming the target and each question's verdict.
[ "$(wc -l < "$out/eval/results.jsonl")" -eq 2 ] || { echo "results.jsonl: want 2 lines"; exit 1; }
grep -q '"target":{"colour":' "$out/eval/results.jsonl" || { head -c 400 "$out/eval/results.jsonl"; exit 1; }
# Judged again from the saved images, without the model: the same figures.
"$mumu" eval --suite shapes --rejudge "$out/eval" --json > "$out/rejudge.json"
strip() { sed 's/"seconds":[0-9.e+-]*//' "$1"; }
[ "$(strip "$out/eval.json")" = "$(strip "$out/rejudge.json")" ] || { echo "rejudge differs:"; cat "$out/eval.json" "$out/rejudge.json"; exit 1; }
echo "nano generate OK"
