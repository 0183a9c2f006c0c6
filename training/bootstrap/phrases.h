// phrases.h — which words of a caption could be shown as an image crop: noun phrases with their places in
// the caption, from a small rule-based chunker (no model, no dictionary files) or from an explicit list.
//
// The chunker tags words with closed word lists (determiners, numbers, prepositions, pronouns, common
// caption verbs, colour / size / texture adjectives) and treats any other word as a noun; a phrase is
//   [determiner | number]* ([adverb] adjective | adjective "and" adjective)* noun+ ("'s" adjective* noun+)*
// so "a small red star", "two dogs", "a black and white dog", "the man's hat" and "a model space shuttle"
// come out whole. Words ending in -ing / -ed count as adjectives only between a determiner (or adjective)
// and a noun ("a sleeping cat"); elsewhere they are verbs ("a man riding a scooter"). A possessive yields
// the possessor as a phrase of its own too ("the man", "the man's hat"), so both can get a crop.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mumu::training {

struct Phrase {
  std::string text;  // the caption's own characters [begin, end): "a small red star"
  size_t begin = 0;  // byte offsets into the caption (UTF-8)
  size_t end = 0;
  size_t contentBegin = 0;  // after determiners / numbers / possessor: where a crop goes ("a ‸small red star")
  std::string head;         // last noun, lower case: "star", "dogs", "hat"
  std::string lemma;        // its singular: "star", "dog", "hat"
  bool plural = false;
  int count = 0;  // from a number word or digits ("two dogs" → 2); 0 when none is given

  // The words a crop depicts, without determiner: "small red star".
  std::string content(const std::string& caption) const { return caption.substr(contentBegin, end - contentBegin); }
};

// Noun phrases of `caption`, ordered by begin (then shorter first). Never throws; an empty caption has none.
std::vector<Phrase> chunkNounPhrases(const std::string& caption);

// An explicit phrase located in the caption: the first case-insensitive occurrence on word boundaries,
// analysed like a chunked phrase (determiners skipped for contentBegin, head = last word).
// nullopt when the caption does not contain it.
std::optional<Phrase> locatePhrase(const std::string& caption, const std::string& phrase);

// "dogs" → "dog", "puppies" → "puppy", "men" → "man", "glasses" → "glasses" (lower-case input).
std::string singularize(const std::string& word);

// Heads that name a person ("man", "women", "astronaut", "child" …): candidates for head-crop substitution.
bool isPersonNoun(const std::string& lemma);

// How well a detector's phrase (`query`, e.g. GroundingDINO's "white horse", or a class name "dog") names
// `phrase`: 0 = not at all; larger = better (exact content > same head noun > person synonym).
int phraseMatchScore(const std::string& caption, const Phrase& phrase, const std::string& query);

// Runs of spaces become one: what is left of "a  and" once a phrase is cut out of a caption → "a and".
std::string squeezeSpaces(const std::string& text);

// Lower case, determiners and numbers dropped, each word singular: "Two Brown horses" → "brown horse".
std::string normalizePhrase(const std::string& text);

}  // namespace mumu::training
