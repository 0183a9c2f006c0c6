// args.h — command-line parsing for `mumu`: subcommands with declared flags, so a misspelt flag or a
// missing value is an error with a clear message rather than silently ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mumu::cli {

struct FlagSpec {
  std::string name;         // without dashes: "out"
  std::string valueName;    // empty for a boolean switch; else shown in help: "FILE"
  std::string help;
};

struct ParsedArgs {
  std::map<std::string, std::string> values;   // flag → value ("1" for switches)
  std::vector<std::string> positional;

  bool has(const std::string& flag) const { return values.count(flag) != 0; }
  std::string get(const std::string& flag, const std::string& fallback = {}) const;
  // Throws UsageError when the value is not an integer / number in range.
  long long getInt(const std::string& flag, long long fallback, long long lo, long long hi) const;
  double getDouble(const std::string& flag, double fallback, double lo, double hi) const;
};

// Wrong usage: printed with the command's help hint, exit code 2.
struct UsageError {
  std::string message;
};

// Parses `args` (after the subcommand) against `flags`. Accepts --flag VALUE, --flag=VALUE and switches.
// `maxPositional` < 0 means any number.
ParsedArgs parseArgs(const std::string& command, const std::vector<std::string>& args,
                     const std::vector<FlagSpec>& flags, int maxPositional = 0);

std::string formatFlags(const std::vector<FlagSpec>& flags);

}  // namespace mumu::cli
