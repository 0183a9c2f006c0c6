// make_tokenizer_corpus.mjs — writes tests/data/tokenizer/corpus.jsonl, the strings on which the C++ tokenizer is
// compared with mistral-tokenizer-js (tests/tools/tokenizer_oracle.mjs). Deterministic: a fixed seed and a
// self-contained PRNG, so re-running it reproduces the committed file byte for byte.
//
//   node tests/tools/make_tokenizer_corpus.mjs [out.jsonl]
//
// One JSON string per line. Valid UTF-8 only (both sides must see the same text); invalid UTF-8 is covered by the
// C++ unit tests instead.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
const outPath = process.argv[2] ?? path.join(here, '..', 'data', 'tokenizer', 'corpus.jsonl')

// xorshift32: tiny, and the same numbers on every platform.
let state = 0x2545f491
const nextU32 = () => {
  state ^= state << 13; state >>>= 0
  state ^= state >>> 17
  state ^= state << 5; state >>>= 0
  return state
}
const below = (n) => nextU32() % n
const chance = (p) => nextU32() / 4294967296 < p
const pick = (list) => list[below(list.length)]
const range = (lo, hi) => String.fromCodePoint(lo + below(hi - lo + 1))

const english = `the of and to in is was for that with as on by at from his an were are which this be or has had not
  but first one their its new after who they two her she also time been other when there all during into school
  would most only over city some world under then three many about may while up such year people can state film
  grabbed quickly jumped lazy fox dog scooter riding man woman New York photograph portrait painting watercolor
  cinematic lighting detailed astronaut horse moon cat wearing hat sunglasses beach sunset mountain river forest
  antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious
  Hello World The A I You We It's don't can't won't o'clock e-mail well-known state-of-the-art`.split(/\s+/)
const code = `def return class import from if else elif for while int main void std::vector<int> auto const
  #include <iostream> {} () [] => -> != !== === <= >= && || ++ -- += ** // /* */ __init__ self.x = None
  0x1F 0b1010 1e-9 3.14159 console.log("hi"); printf("%d\\n", x); SELECT * FROM users WHERE id = 42;
  <div class="a">x</div> https://example.com/path?q=1&r=2#frag user@example.org C:\\Windows\\System32
  $HOME ~/.bashrc fn(x) lambda x: x*2 a[i][j] {"key": [1, 2.5, null, true]} ::std::string_view`.split(/\s+/)
const phrases = [
  'Привет, мир!', 'Καλημέρα κόσμε', 'مرحبا بالعالم', 'שלום עולם', 'नमस्ते दुनिया', 'สวัสดีชาวโลก', 'வணக்கம்',
  'გამარჯობა', 'Բարեւ', 'ሰላም', '你好，世界！', '我们的城镇在山里。', '镇', '学习中文很有意思', 'こんにちは世界',
  'ひらがな カタカナ 漢字', 'ｶﾀｶﾅ ﾊﾝｶｸ', '안녕하세요', '한국어 토크나이저 테스트', '감사합니다!', '대한민국 서울특별시',
  'Ünïcödé façade naïve café jalapeño Ångström', 'Straße Œuvre Æsir ĳ ǆ', 'e\u0301 vs \u00e9', 'a\u0308o\u0308u\u0308',
  'Zalgo: z\u0351\u0352\u0353a\u0354l\u0355g\u0356o\u0357', '∑ ∫ √ ∞ ≠ ≤ ≥ ∂ ∇ ∈ ∉ ⊂ ⊕ ⊗', '€ £ ¥ ₩ ₿ ¢ ₹',
  '← ↑ → ↓ ↔ ⇒ ⇔', '┌─┬─┐│ │ │└─┴─┘', '⠓⠑⠇⠇⠕', '𝄞 𝄢 𝅘𝅥𝅮', '𝐀𝐁𝐂 𝕏 𝔸', '\u00a0nbsp\u00a0', 'ideographic\u3000space',
  'zero\u200bwidth\u200cjoin\u200dend', '\ufeffBOM', 'line\u2028sep\u2029para', 'soft\u00adhyphen', 'tab\there',
  '\u0000nul', '\u0001\u0002\u0003\u001f\u007f', '\u0080\u0085\u009f', '\ue000\uf8ff private', '\ufffd replacement',
  '\uffff\ufffe nonchars', 'mixed 中文 and English 한국어 русский العربية', '“quotes” ‘single’ «guillemets» „low“',
  '¿Qué? ¡Sí! …', '—dash– -hyphen‐', '½ ¼ ¾ ⅓ ² ³ ¹', '™ © ® ℃ ℉ №', '🦙', '🦙Ꙋ', 'Ꙋ🦙',
]
const emoji = ['😀', '😂', '🎉', '👍', '👍🏽', '👨‍👩‍👧‍👦', '🇰🇷', '🇺🇸', '❤️', '✨', '🔥', '🚀', '🤖', '🧑‍🚀', '🏳️‍🌈', '☕', '⚡', '🐱']
const punct = ['!', '?', '.', ',', ';', ':', '...', '!!!', '?!', '---', '***', '~~~', '"', "'", '(', ')', '[', ']',
  '{', '}', '<', '>', '/', '\\', '|', '@', '#', '$', '%', '^', '&', '*', '_', '+', '=', '`']
const spaces = [' ', '  ', '   ', '    ', '        ', '\t', '\t\t', '\n', '\n\n', '\r\n', ' \n ', '\t \t', ' \t\n']
const specials = ['<fake_token_around_image>', '<image>', '<end_of_utterance>', '<s>', '</s>', '<unk>']
const nearSpecials = ['<image', 'image>', '<imag>', '<<image>>', '<image>>', '< image>', '<IMAGE>', '<fake_token>',
  '<end_of_utterance', '<s', 's>', '</', '<unk', '<0x0A>', '<0xFF>']

function randomCodePoints(n) {
  const blocks = [[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0xac00, 0xd7a3], [0x3040, 0x30ff], [0x0400, 0x04ff],
    [0x0370, 0x03ff], [0x0600, 0x06ff], [0x0900, 0x097f], [0x0e00, 0x0e7f], [0x1f300, 0x1faff], [0x20000, 0x2a6df],
    [0x0100, 0x024f], [0x2000, 0x2bff], [0x1d400, 0x1d7ff], [0x00a1, 0x00ff], [0x0021, 0x007e]]
  let s = ''
  for (let i = 0; i < n; i++) {
    const [lo, hi] = pick(blocks)
    s += range(lo, hi)
  }
  return s
}
const randomAscii = (n) => { let s = ''; for (let i = 0; i < n; i++) s += range(0x20, 0x7e); return s }
const randomWord = () => {
  let s = ''
  const n = 1 + below(12)
  for (let i = 0; i < n; i++) s += range(0x61, 0x7a)
  return s
}
// Every alternative is built (in this order) before one is picked: keep the order, it fixes the PRNG stream.
const number = () => pick([
  String(below(100)), String(nextU32()), (nextU32() / 1000).toFixed(3), String(below(10)).repeat(1 + below(30)),
  `${1900 + below(200)}-${1 + below(12)}-${1 + below(28)}`, `+82 10-${1000 + below(9000)}-${1000 + below(9000)}`,
  `${below(100)}%`])

function piece() {
  switch (below(13)) {
    case 0: case 1: case 2: return pick(english)
    case 3: return pick(code)
    case 4: return pick(phrases)
    case 5: return pick(emoji)
    case 6: return pick(punct)
    case 7: return number()
    case 8: return randomCodePoints(1 + below(6))
    case 9: return randomWord()
    case 10: return randomAscii(1 + below(10))
    case 11: return pick(english).toUpperCase()
    default: return pick(english)[0].toUpperCase() + pick(english).slice(1)
  }
}
const separator = () => (chance(0.75) ? ' ' : chance(0.5) ? pick(spaces) : chance(0.5) ? '' : pick(punct))

function sentence(maxPieces) {
  let s = chance(0.15) ? pick(spaces) : ''
  const n = 1 + below(maxPieces)
  for (let i = 0; i < n; i++) s += (i ? separator() : '') + piece()
  if (chance(0.15)) s += pick(spaces)
  return s
}

// Idefics2-style prompts: image blocks with text before, after, glued or spaced, and near-miss spellings.
function imagePrompt() {
  const block = () => {
    const n = 1 + below(4)
    return '<fake_token_around_image>' + '<image>'.repeat(n) + '<fake_token_around_image>'
  }
  let s = ''
  const n = 1 + below(5)
  for (let i = 0; i < n; i++) {
    switch (below(6)) {
      case 0: s += block(); break
      case 1: s += pick(specials); break
      case 2: s += pick(nearSpecials); break
      case 3: s += pick(spaces); break
      default: s += sentence(4)
    }
  }
  return s
}

const corpus = [
  '', ' ', '  ', '   ', '\t', '\n', ' \n', '\n ', '\r\n', '\t\t\t', ' \t \n ',
  'grabbed', ' grabbed', '           grabbed', '\ttabs\t\t\t\tout here', 'ax\n####\nboo', 'Hello world!', 'Hello World',
  'hello', ' hello', 'hello ', '  hello  ', 'a', 'A', '1', '12', '123', '1234567890', '3.14159265358979',
  'a  b   c    d', 'a\tb\nc\r\nd', 'trailing spaces   ', '   leading spaces',
  'x'.repeat(300), 'ab'.repeat(200), ' '.repeat(64), '\n'.repeat(20), '!'.repeat(50), '哈'.repeat(100), '🦙'.repeat(30),
  'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(4),
  '<image>', '<fake_token_around_image><image><image><fake_token_around_image>', '<image> cat', '<image>cat',
  'a <image> b', 'a<image>b',
  'User:<fake_token_around_image><image><fake_token_around_image>Describe this image.<end_of_utterance>\nAssistant:',
  '<s>', '</s>', '<unk>', 'Hello <s>.', '<s> Hello', 'text</s>', '<image><image> <image>  <image>',
  ...phrases, ...emoji, ...code, ...specials, ...nearSpecials,
]
while (corpus.length < 1700) corpus.push(sentence(chance(0.1) ? 40 : 10))
while (corpus.length < 2000) corpus.push(randomCodePoints(1 + below(40)))
while (corpus.length < 2300) corpus.push(imagePrompt())
while (corpus.length < 2500) corpus.push(randomAscii(1 + below(80)))

const text = corpus.map((s) => JSON.stringify(s)).join('\n') + '\n'
const bytes = Buffer.byteLength(text)
if (bytes > 300 * 1024) throw new Error(`corpus is ${bytes} bytes; keep it under 300 KB`)
writeFileSync(outPath, text)
console.log(`${outPath}: ${corpus.length} strings, ${bytes} bytes`)
