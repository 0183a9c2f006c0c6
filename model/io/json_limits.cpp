#include "model/io/json_limits.h"

#include "model/error.h"

namespace mumu {

void checkJsonDepth(std::string_view text, const std::string& source, int maxDepth) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        fail(source, "JSON nested deeper than " + std::to_string(maxDepth) + " levels (the limit for files MUMU reads)");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

}  // namespace mumu
