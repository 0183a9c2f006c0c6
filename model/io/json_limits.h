// json_limits.h — the nesting limit for JSON that comes from outside (PNG recipes, prompts, mumu.json, model and
// scheduler configs, shard indexes, training recipes): checked on the text before nlohmann/json builds a document, because that library copies,
// prints and compares documents recursively — a 100,000-deep list overflowed the stack (SIGSEGV) in the first dump.
// docs/limits.md lists every limit.
#pragma once

#include <string>
#include <string_view>

namespace mumu {

// Deeper than any file MUMU writes (a recipe is 4 levels deep, a diffusers config 3) by a wide margin.
inline constexpr int kMaxJsonDepth = 64;

// Throws mumu::Error "<source>: JSON nested deeper than 64 levels (the limit for files MUMU reads)" when the text's
// brackets (outside strings) nest deeper than maxDepth. Says nothing about validity otherwise: the parser does.
void checkJsonDepth(std::string_view text, const std::string& source, int maxDepth = kMaxJsonDepth);

}  // namespace mumu
