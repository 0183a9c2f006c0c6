// tokenizer_oracle.mjs — encodes a corpus with mistral-tokenizer-js, an independent implementation of the Mistral-7B
// tokenizer, for the C++ comparison test (tests/model/test_tokenizer_oracle.cpp).
//
//   node tests/tools/tokenizer_oracle.mjs <mistral-tokenizer.js> <corpus.jsonl>  > oracle.json
//
// mistral-tokenizer-js conventions, and how they are aligned with ours (Idefics2 = legacy: false):
// - encode(s, addBos = true, addPrecedingSpace = true): both are passed explicitly. BOS is never asked for here
//   (the C++ side encodes with addBos = false); the preceding space is the sentencepiece '▁' prefix.
// - It knows no added tokens: "<image>" would be plain text. The C++ tokenizer splits the text at the added tokens
//   first (<unk> <s> </s> and Idefics2's three), so this script does the same split and applies the legacy = false
//   rule to the pieces: the stretch at offset 0 gets the prefix, every stretch after an added token gets none,
//   and an added token becomes its id.
// - decode(ids, hadBos, hadPrecedingSpace) drops the first character when hadPrecedingSpace; it is used on strings
//   without added tokens only (where it is the same rule as our Strip decoder).
// Output: {"tool", "vocab": [32000 token strings], "ids": [[...], ...], "decoded": [string | null, ...]}.
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const [libPath, corpusPath] = process.argv.slice(2)
if (!libPath || !corpusPath) {
  console.error('usage: node tokenizer_oracle.mjs <mistral-tokenizer.js> <corpus.jsonl>')
  process.exit(2)
}
const tokenizer = (await import(pathToFileURL(libPath).href)).default

const added = new Map([
  ['<unk>', 0], ['<s>', 1], ['</s>', 2],
  ['<fake_token_around_image>', 32000], ['<image>', 32001], ['<end_of_utterance>', 32002],
])
const addedLongestFirst = [...added.keys()].sort((a, b) => b.length - a.length)

// Leftmost, then longest, match of an added token: [{text} | {id}] in order.
function split(s) {
  const parts = []
  let textStart = 0
  for (let i = 0; i < s.length;) {
    const hit = addedLongestFirst.find((t) => s.startsWith(t, i))
    if (!hit) { i++; continue }
    parts.push({ text: s.slice(textStart, i), offset: textStart })
    parts.push({ id: added.get(hit) })
    i += hit.length
    textStart = i
  }
  parts.push({ text: s.slice(textStart), offset: textStart })
  return parts
}

const corpus = readFileSync(corpusPath, 'utf8').split('\n')
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line))
const ids = []
const decoded = []
for (const s of corpus) {
  const out = []
  const parts = split(s)
  for (const p of parts) {
    if (p.id !== undefined) out.push(p.id)
    else if (p.text.length > 0) out.push(...tokenizer.encode(p.text, false, p.offset === 0))
  }
  ids.push(out)
  decoded.push(parts.length === 1 ? tokenizer.decode(out, false, s.length > 0) : null)
}
process.stdout.write(JSON.stringify({ tool: 'mistral-tokenizer-js', vocab: tokenizer.vocabById, ids, decoded }))
