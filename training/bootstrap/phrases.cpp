#include "phrases.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace mumu::training {
namespace {

using WordSet = std::unordered_set<std::string_view>;

const WordSet& determiners() {
  static const WordSet s = {"a",    "an",    "the",     "this", "that",  "these", "those",   "my",   "your",
                            "his",  "her",   "its",     "our",  "their", "some",  "several", "many", "few",
                            "each", "every", "another", "both", "all",   "any",   "no",      "one's"};
  return s;
}

const std::unordered_map<std::string_view, int>& numberWords() {
  static const std::unordered_map<std::string_view, int> m = {
      {"one", 1},       {"two", 2},       {"three", 3},    {"four", 4},    {"five", 5},    {"six", 6},
      {"seven", 7},     {"eight", 8},     {"nine", 9},     {"ten", 10},    {"eleven", 11}, {"twelve", 12},
      {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15}, {"twenty", 20}, {"dozen", 12},  {"pair", 2}};
  return m;
}

// Adjectives a caption uses in front of nouns; other adjectives fall back to "noun" and end up inside a
// compound ("a tabby cat"), which keeps the phrase span right — only the head noun matters downstream.
const WordSet& adjectives() {
  static const WordSet s = {
      // colours
      "red", "orange", "yellow", "green", "blue", "purple", "violet", "pink", "brown", "black", "white", "gray", "grey",
      "silver", "golden", "gold", "beige", "tan", "cyan", "magenta", "teal", "navy", "maroon", "turquoise", "olive",
      "crimson", "lavender", "cream", "ivory", "bronze", "copper", "blond", "blonde", "colorful", "colourful",
      "multicolored", "multicoloured",
      // sizes and proportions
      "small", "large", "big", "little", "tiny", "huge", "giant", "medium", "tall", "short", "long", "wide", "narrow",
      "thin", "thick", "fat", "massive", "miniature", "mini", "enormous", "high", "low",
      // patterns, surfaces, materials used as adjectives
      "striped", "dotted", "spotted", "checkered", "chequered", "plain", "solid", "outlined", "hollow", "patterned",
      "textured", "shiny", "wooden", "metallic", "furry", "fluffy", "snowy", "grassy", "sandy", "rocky", "dry", "wet",
      "muddy", "dusty", "rusty", "transparent",
      // common others
      "old", "young", "new", "smiling", "happy", "sad", "hot", "cold", "empty", "full", "open", "closed", "bright",
      "dark", "light", "pale", "soft", "hard", "round", "sleeping", "flat", "pixelated", "blurry", "blurred", "sharp",
      "clean", "dirty", "pretty", "beautiful", "cute", "ugly", "modern", "ancient", "broken", "fresh", "ripe", "sliced",
      "busy", "quiet", "sunny", "cloudy", "rainy", "foggy", "distant", "famous", "wild", "tame", "friendly", "angry",
      "curious", "various", "different", "same", "other", "single", "double", "left", "right", "upper", "lower",
      "front", "back", "middle", "inner", "outer", "first", "second", "third", "last", "next", "main", "whole", "half",
      "only", "real", "fake"};
  return s;
}

// Intensifiers allowed in front of an adjective inside a phrase ("a very small star", "light blue").
const WordSet& adverbs() {
  static const WordSet s = {"very",   "quite", "rather", "slightly", "really", "extremely", "fairly",
                            "pretty", "deep",  "dark",   "light",    "bright", "pale"};
  return s;
}

// Words that never belong to a noun phrase: prepositions, conjunctions, pronouns, auxiliaries, adverbs.
const WordSet& breakers() {
  static const WordSet s = {
      "in",      "on",         "at",      "of",        "with",     "by",      "for",        "from",     "to",
      "into",    "onto",       "over",    "under",     "above",    "below",   "behind",     "beside",   "besides",
      "between", "near",       "across",  "through",   "around",   "along",   "against",    "among",    "amongst",
      "inside",  "outside",    "past",    "toward",    "towards",  "up",      "down",       "off",      "out",
      "about",   "like",       "without", "within",    "upon",     "beneath", "underneath", "atop",     "via",
      "beyond",  "after",      "before",  "during",    "while",    "and",     "or",         "but",      "nor",
      "as",      "than",       "so",      "because",   "if",       "when",    "where",      "who",      "whom",
      "whose",   "which",      "what",    "how",       "why",      "it",      "he",         "she",      "they",
      "we",      "you",        "i",       "me",        "him",      "them",    "us",         "itself",   "himself",
      "herself", "themselves", "someone", "something", "somebody", "anyone",  "anything",   "everyone", "everything",
      "nothing", "is",         "are",     "was",       "were",     "be",      "been",       "being",    "am",
      "has",     "have",       "had",     "do",        "does",     "did",     "can",        "could",    "will",
      "would",   "may",        "might",   "must",      "shall",    "should",  "there",      "here",     "together",
      "away",    "again",      "also",    "just",      "not",      "too",     "very",       "then",     "now",
      "yet",     "still",      "even",    "almost",    "nearly",   "style",   "styled"};
  return s;
}

// Caption verbs in the forms captions use them (3rd person, -ing, past). Checked before the noun fallback.
const WordSet& verbs() {
  static const WordSet s = [] {
    static const char* bases[] = {
        "sit",     "stand",  "hold",     "look",  "ride",  "wear",     "walk",  "run",    "lie",   "lay",    "play",
        "eat",     "drink",  "gallop",   "graze", "fly",   "jump",     "smile", "swim",   "wait",  "lean",   "hang",
        "float",   "carry",  "pull",     "push",  "chase", "catch",    "throw", "kick",   "hit",   "climb",  "fill",
        "cover",   "show",   "pose",     "perch", "sleep", "read",     "write", "cook",   "cut",   "drive",  "follow",
        "grow",    "hug",    "kiss",     "lead",  "meet",  "move",     "paint", "pick",   "place", "point",  "pour",
        "reach",   "serve",  "sing",     "skate", "slide", "surround", "take",  "talk",   "touch", "use",    "wash",
        "make",    "see",    "stare",    "sniff", "bark",  "stretch",  "roll",  "gaze",   "glow",  "shine",  "sail",
        "dive",    "bite",   "hide",     "rest",  "crawl", "peek",     "peer",  "appear", "seem",  "become", "contain",
        "feature", "depict", "overlook", "hover", "soar",  "lick",     "wag",   "nap",    "bask",  "wander", "hop",
        "dance",   "laugh",  "cry",      "wave",  "watch", "smell",    "park",  "fall",   "sip",   "chew",   "tow",
        "haul",    "pass",   "sway",     "stay"};
    std::unordered_set<std::string> forms;
    for (const char* b : bases) {
      std::string v = b;
      forms.insert(v);
      const char last = v.back();
      const bool sibilant = last == 's' || last == 'x' || last == 'z' || v.ends_with("ch") || v.ends_with("sh");
      if (last == 'y' && v.size() > 2 && !std::strchr("aeiou", v[v.size() - 2]))
        forms.insert(v.substr(0, v.size() - 1) + "ies");
      else
        forms.insert(v + (sibilant ? "es" : "s"));
      if (v.ends_with("ie"))
        forms.insert(v.substr(0, v.size() - 2) + "ying");
      else if (last == 'e' && v.size() > 2)
        forms.insert(v.substr(0, v.size() - 1) + "ing");
      else
        forms.insert(v + "ing");
      forms.insert(v + std::string(1, last) + "ing");  // doubled consonant: sitting, running
    }
    for (const char* irregular :
         {"sat",   "stood", "held",  "rode",  "wore", "ran",  "ate",    "drank", "flew", "caught",
          "threw", "hung",  "grew",  "led",   "took", "made", "seen",   "shown", "gone", "goes",
          "went",  "came",  "comes", "lying", "laid", "fell", "fallen", "got",   "gets"})
      forms.insert(irregular);
    // Nouns the rules above would shadow (a ride, a show, a lead …): keep them nouns.
    for (const char* noun :
         {"ride",  "show",    "lead", "cover", "point", "place", "cut",  "play",    "rest",  "park", "watch", "wave",
          "dance", "kiss",    "hug",  "roll",  "sail",  "slide", "fall", "pass",    "walk",  "run",  "swim",  "jump",
          "kick",  "hit",     "look", "paint", "drink", "smile", "fly",  "sip",     "stand", "dive", "nap",   "hop",
          "cry",   "stretch", "wait", "use",   "reach", "pick",  "bite", "feature", "haul",  "tow",  "skate", "move",
          "lay",   "lie",     "meet", "pour",  "serve", "sit",   "see",  "hold"})
      forms.erase(noun);
    static std::vector<std::string> storage(forms.begin(), forms.end());
    WordSet out;
    for (const auto& f : storage) out.insert(f);
    return out;
  }();
  return s;
}

// Multi-word prepositions whose middle word would otherwise look like a noun ("in front of").
const std::vector<std::vector<std::string_view>>& multiwordPrepositions() {
  static const std::vector<std::vector<std::string_view>> m = {{"in", "front", "of"},
                                                               {"on", "top", "of"},
                                                               {"next", "to"},
                                                               {"close", "to"},
                                                               {"in", "the", "middle", "of"},
                                                               {"in", "the", "distance"},
                                                               {"on", "the", "left"},
                                                               {"on", "the", "right"},
                                                               {"to", "the", "left", "of"},
                                                               {"to", "the", "right", "of"},
                                                               {"at", "the", "top", "of"},
                                                               {"at", "the", "bottom", "of"},
                                                               {"in", "the", "background"},
                                                               {"in", "the", "foreground"},
                                                               {"on", "either", "side", "of"},
                                                               {"each", "other"},
                                                               {"one", "another"}};
  return m;
}

const WordSet& personNouns() {
  static const WordSet s = {
      "man",         "woman",      "person",   "people",       "boy",         "girl",          "child",
      "kid",         "baby",       "toddler",  "lady",         "gentleman",   "guy",           "astronaut",
      "player",      "skier",      "surfer",   "skateboarder", "rider",       "driver",        "worker",
      "soldier",     "officer",    "chef",     "doctor",       "nurse",       "student",       "teacher",
      "athlete",     "dancer",     "singer",   "musician",     "pilot",       "farmer",        "tourist",
      "teenager",    "adult",      "bride",    "groom",        "father",      "mother",        "son",
      "daughter",    "brother",    "sister",   "grandmother",  "grandfather", "friend",        "couple",
      "crowd",       "pedestrian", "cyclist",  "hiker",        "runner",      "fisherman",     "policeman",
      "firefighter", "scientist",  "engineer", "artist",       "businessman", "businesswoman", "portrait",
      "face",        "head",       "king",     "queen",        "prince",      "princess",      "cowboy",
      "actor",       "actress",    "model",    "human"};
  return s;
}

enum class Tag { Det, Num, Adv, Adj, Noun, Break };

struct Token {
  size_t begin = 0, end = 0;  // span in the caption, possessive suffix included
  std::string lower;          // lower case, possessive suffix stripped
  bool possessive = false;
  bool punctAfter = false;  // punctuation (not a space) between this word and the next
  Tag tag = Tag::Noun;
};

// Byte length of a punctuation mark or space at text[i] (UTF-8 general punctuation E2 80 xx and the
// no-break space C2 A0 included); 0 when text[i] starts a word character.
size_t separatorLength(const std::string& text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return std::isalnum(c) ? 0 : 1;
  if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) return 3;
  if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) return 2;
  return 0;
}

bool isRightQuote(const std::string& text, size_t i) {  // U+2019, the typographic apostrophe
  return i + 2 < text.size() && static_cast<unsigned char>(text[i]) == 0xE2 &&
         static_cast<unsigned char>(text[i + 1]) == 0x80 && static_cast<unsigned char>(text[i + 2]) == 0x99;
}

bool isWordStart(const std::string& text, size_t i) {
  return i < text.size() && separatorLength(text, i) == 0;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<Token> tokenize(const std::string& text) {
  std::vector<Token> tokens;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    if (const size_t sep = separatorLength(text, i)) {
      if (!tokens.empty() && !(sep == 1 && std::isspace(static_cast<unsigned char>(text[i]))) &&
          !(sep == 2))  // the no-break space is a space
        tokens.back().punctAfter = true;
      i += sep;
      continue;
    }
    size_t j = i;
    size_t apostrophe = std::string::npos;  // where a trailing "'s" starts
    while (j < n) {
      if (isWordStart(text, j)) {
        ++j;
        continue;
      }
      // apostrophes and hyphens inside a word: "man's", "man’s", "t-shirt"
      const size_t len = text[j] == '\'' || text[j] == '-' ? 1 : isRightQuote(text, j) ? 3 : 0;
      if (len && isWordStart(text, j + len)) {
        if (text[j] != '-') apostrophe = j;
        j += len;
        continue;
      }
      break;
    }
    Token t;
    t.begin = i;
    t.end = j;
    std::string word = toLower(std::string_view(text).substr(i, j - i));
    const std::string afterApostrophe =
        apostrophe == std::string::npos ? "" : toLower(std::string_view(text).substr(apostrophe, j - apostrophe));
    if (afterApostrophe == "'s" || afterApostrophe == "\xE2\x80\x99s") {
      word = toLower(std::string_view(text).substr(i, apostrophe - i));
      t.possessive = true;
    } else if (word.size() > 1 && word.back() == 's' && j < n && text[j] == '\'' && !isWordStart(text, j + 1)) {
      t.possessive = true;  // plural possessive: "the dogs' bowls"
      t.end = j + 1;
      j += 1;
    }
    t.lower = word;
    tokens.push_back(std::move(t));
    i = j;
  }
  return tokens;
}

bool isDigits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

void tagTokens(std::vector<Token>& tokens) {
  // 1. closed classes and lexicon
  for (auto& t : tokens) {
    const std::string& w = t.lower;
    if (determiners().count(w))
      t.tag = Tag::Det;
    else if (numberWords().count(w) || isDigits(w))
      t.tag = Tag::Num;
    else if (breakers().count(w))
      t.tag = Tag::Break;
    else if (adjectives().count(w))
      t.tag = Tag::Adj;
    else if (verbs().count(w))
      t.tag = Tag::Break;
    else
      t.tag = Tag::Noun;
  }
  // 2. multi-word prepositions
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (const auto& mw : multiwordPrepositions()) {
      if (i + mw.size() > tokens.size()) continue;
      bool match = true;
      for (size_t k = 0; k < mw.size() && match; ++k) match = tokens[i + k].lower == mw[k] && !tokens[i + k].possessive;
      if (!match) continue;
      for (size_t k = 0; k < mw.size(); ++k) tokens[i + k].tag = Tag::Break;
      i += mw.size() - 1;
      break;
    }
  }
  auto startsPhrase = [](Tag t) { return t == Tag::Det || t == Tag::Num || t == Tag::Adj || t == Tag::Adv; };
  // 3. context rules, left to right
  for (size_t i = 0; i < tokens.size(); ++i) {
    Token& t = tokens[i];
    const std::string& w = t.lower;
    const bool hasNext = i + 1 < tokens.size() && !t.punctAfter;
    const Tag prev = (i > 0 && !tokens[i - 1].punctAfter) ? tokens[i - 1].tag : i == 0 ? Tag::Det : Tag::Break;
    const Tag next = hasNext ? tokens[i + 1].tag : Tag::Break;
    // adverbs: an intensifier before an adjective inside a phrase, else a breaker (or the adjective itself)
    if (adverbs().count(w) && hasNext && (next == Tag::Adj)) {
      t.tag = Tag::Adv;
      continue;
    }
    if (t.tag == Tag::Noun && w.size() > 4 && w.ends_with("ly") &&
        !(w == "family" || w == "butterfly" || w == "dragonfly" || w == "belly" || w == "lily" || w == "jelly" ||
          w == "holly" || w == "rally" || w == "bully" || w == "ally" || w == "assembly" || w == "supply")) {
      t.tag = (hasNext && next == Tag::Adj) ? Tag::Adv : Tag::Break;
      continue;
    }
    // -ing / -ed: adjective between a phrase opener and a noun, verb elsewhere
    const bool participle = (w.size() > 4 && w.ends_with("ing")) || (w.size() > 3 && w.ends_with("ed"));
    if (participle && (t.tag == Tag::Noun || t.tag == Tag::Break) && !adjectives().count(w)) {
      static const WordSet ingNouns = {"building", "painting", "ceiling", "clothing", "wedding",  "evening",
                                       "morning",  "ring",     "king",    "wing",     "string",   "spring",
                                       "swing",    "thing",    "sibling", "pudding",  "dumpling", "railing",
                                       "sling",    "stuffing", "bed",     "shed",     "sled",     "red",
                                       "seed",     "weed",     "reed",    "sled",     "steed"};
      if (ingNouns.count(w)) {
        t.tag = Tag::Noun;
        continue;
      }
      const bool nounAfter = hasNext && (next == Tag::Noun || next == Tag::Adj);
      t.tag = (startsPhrase(prev) && nounAfter) ? Tag::Adj : Tag::Break;
      continue;
    }
    // a "noun" right before a determiner or number is a verb: "a dog chases a ball"
    if (t.tag == Tag::Noun && !t.possessive && hasNext && (next == Tag::Det || next == Tag::Num) &&
        tokens[i + 1].lower != "that")
      t.tag = Tag::Break;
  }
}

// Determiners, numbers and the possessor are not what a crop depicts: the crop goes after them.
Phrase makePhrase(const std::string& caption, const std::vector<Token>& tokens, size_t first, size_t last,
                  size_t contentFirst) {
  Phrase p;
  p.begin = tokens[first].begin;
  p.end = tokens[last].end;
  if (tokens[last].possessive) {  // "the man" out of "the man's": the span without the suffix
    const size_t apostrophe = caption.find_first_of("'\xE2", tokens[last].begin);
    if (apostrophe < tokens[last].end) p.end = apostrophe;
  }
  p.contentBegin = tokens[std::min(contentFirst, last)].begin;
  p.text = caption.substr(p.begin, p.end - p.begin);
  p.head = tokens[last].lower;
  p.lemma = singularize(p.head);
  p.plural = p.lemma != p.head;
  for (size_t k = first; k <= last; ++k) {
    if (tokens[k].tag != Tag::Num) continue;
    auto it = numberWords().find(tokens[k].lower);
    if (it != numberWords().end())
      p.count = it->second;
    else if (isDigits(tokens[k].lower) && tokens[k].lower.size() < 7)
      p.count = std::stoi(tokens[k].lower);
  }
  return p;
}

}  // namespace

std::string singularize(const std::string& w) {
  static const std::unordered_map<std::string_view, std::string_view> irregular = {{"men", "man"},
                                                                                   {"women", "woman"},
                                                                                   {"people", "person"},
                                                                                   {"children", "child"},
                                                                                   {"mice", "mouse"},
                                                                                   {"geese", "goose"},
                                                                                   {"feet", "foot"},
                                                                                   {"teeth", "tooth"},
                                                                                   {"oxen", "ox"},
                                                                                   {"knives", "knife"},
                                                                                   {"wives", "wife"},
                                                                                   {"lives", "life"},
                                                                                   {"leaves", "leaf"},
                                                                                   {"wolves", "wolf"},
                                                                                   {"halves", "half"},
                                                                                   {"shelves", "shelf"},
                                                                                   {"calves", "calf"},
                                                                                   {"loaves", "loaf"},
                                                                                   {"scarves", "scarf"},
                                                                                   {"elves", "elf"},
                                                                                   {"thieves", "thief"},
                                                                                   {"cacti", "cactus"},
                                                                                   {"fungi", "fungus"},
                                                                                   {"dice", "die"},
                                                                                   {"ladies", "lady"},
                                                                                   {"ponies", "pony"},
                                                                                   {"buses", "bus"},
                                                                                   {"gases", "gas"},
                                                                                   {"horses", "horse"},
                                                                                   {"houses", "house"},
                                                                                   {"noses", "nose"},
                                                                                   {"roses", "rose"},
                                                                                   {"vases", "vase"},
                                                                                   {"cases", "case"},
                                                                                   {"bases", "base"},
                                                                                   {"glasses", "glasses"},
                                                                                   {"sunglasses", "sunglasses"},
                                                                                   {"phases", "phase"},
                                                                                   {"purses", "purse"},
                                                                                   {"nurses", "nurse"},
                                                                                   {"hoses", "hose"},
                                                                                   {"cheeses", "cheese"},
                                                                                   {"vegetables", "vegetable"}};
  static const WordSet invariant = {
      "sheep",        "fish",     "deer",      "series", "species", "news",   "jeans",  "pants",   "shorts", "scissors",
      "trousers",     "clothes",  "aircraft",  "moose",  "bison",   "salmon", "trout",  "physics", "grass",  "glass",
      "dress",        "chess",    "moss",      "cross",  "boss",    "class",  "mass",   "bus",     "gas",    "lens",
      "cactus",       "octopus",  "iris",      "canvas", "walrus",  "virus",  "campus", "bonus",   "circus", "focus",
      "hippopotamus", "platypus", "asparagus", "hummus", "atlas",   "tennis", "axis",   "chassis", "its",    "this",
      "his",          "was",      "is",        "yes",    "bananas"};
  if (auto it = irregular.find(w); it != irregular.end()) return std::string(it->second);
  if (invariant.count(w) || w.size() < 3) return w == "bananas" ? "banana" : w;
  if (w.ends_with("ies") && w.size() > 4) return w.substr(0, w.size() - 3) + "y";
  if (w.ends_with("ves") && w.size() > 4) return w.substr(0, w.size() - 3) + "f";
  if (w.ends_with("ches") || w.ends_with("shes") || w.ends_with("sses") || w.ends_with("xes") || w.ends_with("zes") ||
      w.ends_with("oes"))
    return w.substr(0, w.size() - 2);
  if (w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") || w.ends_with("'s")) return w;
  if (w.back() == 's') return w.substr(0, w.size() - 1);
  return w;
}

bool isPersonNoun(const std::string& lemma) {
  return personNouns().count(lemma) != 0;
}

std::vector<Phrase> chunkNounPhrases(const std::string& caption) {
  std::vector<Token> tokens = tokenize(caption);
  tagTokens(tokens);
  std::vector<Phrase> phrases;
  size_t i = 0;
  while (i < tokens.size()) {
    if (tokens[i].tag == Tag::Break) {
      ++i;
      continue;
    }
    // one phrase from tokens[i]: openers, then modifiers / nouns, possibly chained by possessives
    size_t k = i;
    size_t contentFirst = i;
    while (k < tokens.size() && (tokens[k].tag == Tag::Det || tokens[k].tag == Tag::Num)) {
      const bool stop = tokens[k].punctAfter;
      ++k;
      contentFirst = k;
      if (stop) break;
    }
    size_t lastNoun = SIZE_MAX;
    size_t j = k;
    bool chained = false;  // saw a possessive inside this phrase
    while (j < tokens.size()) {
      const Token& t = tokens[j];
      if (t.tag == Tag::Break || t.tag == Tag::Det || t.tag == Tag::Num) {
        // "black and white dog": a conjunction between two adjectives stays inside the phrase
        const bool coordination = (t.lower == "and" || t.lower == "or") && j > k && tokens[j - 1].tag == Tag::Adj &&
                                  !tokens[j - 1].punctAfter && j + 1 < tokens.size() && tokens[j + 1].tag == Tag::Adj;
        if (coordination) {
          ++j;
          continue;
        }
        break;
      }
      if (t.tag == Tag::Noun) {
        lastNoun = j;
        if (t.possessive) {
          // emit the possessor ("the man") and continue with what it owns ("the man's hat")
          phrases.push_back(makePhrase(caption, tokens, i, j, contentFirst));
          chained = true;
          if (t.punctAfter) break;
          contentFirst = j + 1;
          ++j;
          continue;
        }
      }
      const bool stop = t.punctAfter;
      ++j;
      if (stop) break;
    }
    // "an orange": a determiner and adjectives only, ending the clause → the last adjective is the noun
    if (lastNoun == SIZE_MAX && contentFirst > i && j > contentFirst && tokens[j - 1].tag == Tag::Adj &&
        (j == tokens.size() || tokens[j - 1].punctAfter || tokens[j].tag == Tag::Break) &&
        !(j < tokens.size() && (tokens[j].lower == "and" || tokens[j].lower == "or")))
      lastNoun = j - 1;
    if (lastNoun != SIZE_MAX && !(chained && tokens[lastNoun].possessive)) {
      phrases.push_back(makePhrase(caption, tokens, i, lastNoun, contentFirst));
    }
    i = std::max(j, i + 1);
  }
  std::stable_sort(phrases.begin(), phrases.end(), [](const Phrase& a, const Phrase& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  return phrases;
}

std::optional<Phrase> locatePhrase(const std::string& caption, const std::string& phrase) {
  const std::string lc = toLower(caption), lp = toLower(phrase);
  // trim the phrase
  size_t a = lp.find_first_not_of(" \t\r\n"), b = lp.find_last_not_of(" \t\r\n");
  if (a == std::string::npos) return std::nullopt;
  const std::string needle = lp.substr(a, b - a + 1);
  for (size_t pos = lc.find(needle); pos != std::string::npos; pos = lc.find(needle, pos + 1)) {
    const size_t end = pos + needle.size();
    const bool leftOk =
        pos == 0 || separatorLength(lc, pos - 1) != 0 || (pos >= 3 && separatorLength(lc, pos - 3) == 3);
    const bool rightOk = end == lc.size() || separatorLength(lc, end) != 0;
    if (!leftOk || !rightOk) continue;
    std::vector<Token> tokens = tokenize(caption.substr(pos, needle.size()));
    tagTokens(tokens);
    if (tokens.empty()) return std::nullopt;
    for (auto& t : tokens) {
      t.begin += pos;
      t.end += pos;
    }
    size_t contentFirst = 0;
    while (contentFirst + 1 < tokens.size() &&
           (tokens[contentFirst].tag == Tag::Det || tokens[contentFirst].tag == Tag::Num))
      ++contentFirst;
    Phrase p = makePhrase(caption, tokens, 0, tokens.size() - 1, contentFirst);
    p.end = end;  // the phrase as given, even when its last word carries a possessive suffix
    p.text = caption.substr(p.begin, p.end - p.begin);
    return p;
  }
  return std::nullopt;
}

std::string normalizePhrase(const std::string& text) {
  std::vector<Token> tokens = tokenize(text);
  std::string out;
  for (const auto& t : tokens) {
    if (determiners().count(t.lower) || numberWords().count(t.lower) || isDigits(t.lower)) continue;
    if (!out.empty()) out += ' ';
    out += singularize(t.lower);
  }
  return out;
}

int phraseMatchScore(const std::string& caption, const Phrase& phrase, const std::string& query) {
  const std::string q = normalizePhrase(query);
  if (q.empty()) return 0;
  const std::string content = normalizePhrase(phrase.content(caption));
  if (q == content) return 100;
  if (q == phrase.lemma) return 80;
  // split into words
  auto words = [](const std::string& s) {
    std::vector<std::string> w;
    size_t p = 0;
    while (p < s.size()) {
      size_t e = s.find(' ', p);
      if (e == std::string::npos) e = s.size();
      w.push_back(s.substr(p, e - p));
      p = e + 1;
    }
    return w;
  };
  const auto qw = words(q), cw = words(content);
  const bool allIn = std::all_of(qw.begin(), qw.end(),
                                 [&](const std::string& w) { return std::find(cw.begin(), cw.end(), w) != cw.end(); });
  const bool headIn = std::find(qw.begin(), qw.end(), phrase.lemma) != qw.end();
  if (allIn && headIn) return 60 + static_cast<int>(qw.size());
  if (headIn && qw.back() == phrase.lemma) return 40;  // "dog" vs "black and white dog": same thing, other words
  if (isPersonNoun(phrase.lemma) && (q == "person" || q == "people" || q == "human")) return 30;
  return 0;
}

std::string squeezeSpaces(const std::string& text) {
  std::string out;
  for (char c : text)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

}  // namespace mumu::training
