#include "args.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace mumu::cli {

std::string ParsedArgs::get(const std::string& flag, const std::string& fallback) const {
  auto it = values.find(flag);
  return it == values.end() ? fallback : it->second;
}

long long ParsedArgs::getInt(const std::string& flag, long long fallback, long long lo, long long hi) const {
  auto it = values.find(flag);
  if (it == values.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE)
    throw UsageError{"--" + flag + " expects an integer, got '" + it->second + "'"};
  if (v < lo || v > hi)
    throw UsageError{"--" + flag + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                     ", got " + it->second};
  return v;
}

double ParsedArgs::getDouble(const std::string& flag, double fallback, double lo, double hi) const {
  auto it = values.find(flag);
  if (it == values.end()) return fallback;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || v != v)
    throw UsageError{"--" + flag + " expects a number, got '" + it->second + "'"};
  if (v < lo || v > hi) {
    std::ostringstream os;
    os << "--" << flag << " must be between " << lo << " and " << hi << ", got " << it->second;
    throw UsageError{os.str()};
  }
  return v;
}

ParsedArgs parseArgs(const std::string& command, const std::vector<std::string>& args,
                     const std::vector<FlagSpec>& flags, int maxPositional) {
  ParsedArgs out;
  auto find = [&](const std::string& name) -> const FlagSpec* {
    for (const auto& f : flags)
      if (f.name == name) return &f;
    return nullptr;
  };
  bool onlyPositional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (onlyPositional || a.size() < 2 || a[0] != '-' || a == "-") {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") { onlyPositional = true; continue; }
    if (a.rfind("--", 0) != 0)
      throw UsageError{"'" + a + "': flags of 'mumu " + command + "' are written with two dashes"};
    std::string name = a.substr(2), value;
    bool inlineValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inlineValue = true;
    }
    const FlagSpec* spec = find(name);
    if (!spec) throw UsageError{"unknown flag --" + name + " for 'mumu " + command + "'"};
    if (spec->valueName.empty()) {
      if (inlineValue) throw UsageError{"--" + name + " takes no value"};
      out.values[name] = "1";
      continue;
    }
    if (!inlineValue) {
      if (i + 1 >= args.size()) throw UsageError{"--" + name + " needs a value (" + spec->valueName + ")"};
      value = args[++i];
    }
    if (out.values.count(name)) throw UsageError{"--" + name + " given more than once"};
    out.values[name] = value;
  }
  if (maxPositional >= 0 && static_cast<int>(out.positional.size()) > maxPositional)
    throw UsageError{"unexpected argument '" + out.positional[static_cast<size_t>(maxPositional)] + "' for 'mumu " +
                     command + "'"};
  return out;
}

std::string formatFlags(const std::vector<FlagSpec>& flags) {
  std::ostringstream os;
  for (const auto& f : flags) {
    std::string left = "  --" + f.name + (f.valueName.empty() ? "" : " " + f.valueName);
    os << left;
    if (left.size() < 26) os << std::string(26 - left.size(), ' ');
    else os << "\n" << std::string(26, ' ');
    os << f.help << "\n";
  }
  return os.str();
}

}  // namespace mumu::cli
