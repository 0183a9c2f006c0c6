// error.h — the one error channel of model/ and training/: mumu::Error, thrown with a message that names
// the file (or sample, or tensor) and what is wrong. core/ catches it at its boundary and shows the text.
#pragma once

#include <stdexcept>
#include <string>

namespace mumu {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "<where>: <what>", the form every message takes.
[[noreturn]] inline void fail(const std::string& where, const std::string& what) {
  throw Error(where.empty() ? what : where + ": " + what);
}

}  // namespace mumu
