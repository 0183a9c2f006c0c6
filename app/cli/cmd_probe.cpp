// `mumu probe --case DIR [--out FILE]`: parity of our port against a reference case folder.
#include <cstdio>
#include <iostream>

#include "args.h"
#include "commands.h"
#include "model/io/safetensors.h"
#include "model/parity/probe.h"

namespace mumu::cli {

int runProbe(const std::vector<std::string>& args) {
  const std::vector<FlagSpec> flags = {
      {"case", "DIR", "case folder: config.json or scheduler_config.json, weights, io.safetensors"},
      {"out", "FILE", "write every tensor computed (outputs and intermediates) to this safetensors file"},
      {"device", "DEV", "cpu, cuda, cuda:N or auto (default cpu)"},
      {"dtype", "TYPE", "float32 (default), bfloat16 or float16: half types are held to a looser, relative bound"},
      {"help", "", "show this help"},
  };
  const ParsedArgs a = parseArgs("probe", args, flags);
  if (a.has("help")) {
    std::cout << "Usage: mumu probe --case DIR [--out FILE]\n\n"
                 "Builds the model (or scheduler) from the case's config, loads its weights as a real checkpoint,\n"
                 "feeds every input.* tensor of io.safetensors and compares every reference tensor.\n"
                 "Exit status 0 only if all pass.\n\n"
              << formatFlags(flags);
    return 0;
  }
  if (!a.has("case")) throw UsageError{"--case DIR is required"};

  parity::ProbeOptions options;
  options.device = a.get("device", "cpu");
  options.dtype = a.get("dtype", "float32");
  const parity::ProbeResult r = parity::runProbe(a.get("case"), options);
  std::cout << "case " << r.caseDir << " (" << parity::caseKindName(r.kind) << ")\n";
  int failed = 0;
  for (const auto& c : r.checks) {
    char line[512];
    const char* mode = c.tolerance.mode == parity::Tolerance::Exact      ? "exact"
                       : c.tolerance.mode == parity::Tolerance::AllClose ? "allclose"
                                                                          : "max-abs";
    if (c.tolerance.mode == parity::Tolerance::AllClose)
      std::snprintf(line, sizeof line, "%-4s %-40s max|diff| %.3e  (%s rtol %.0e atol %.0e: worst %.2f)",
                    c.passed ? "PASS" : "FAIL", c.name.c_str(), c.maxAbsDiff, mode, c.tolerance.rtol, c.tolerance.atol,
                    c.worstRatio);
    else if (c.tolerance.mode == parity::Tolerance::Exact)
      std::snprintf(line, sizeof line, "%-4s %-40s max|diff| %.3e  (%s)", c.passed ? "PASS" : "FAIL",
                    c.name.c_str(), c.maxAbsDiff, mode);
    else
      std::snprintf(line, sizeof line, "%-4s %-40s max|diff| %.3e  (%s <= %.0e)", c.passed ? "PASS" : "FAIL",
                    c.name.c_str(), c.maxAbsDiff, mode, c.tolerance.atol);
    std::cout << line;
    if (!c.note.empty()) std::cout << "  " << c.note;
    std::cout << "\n";
    failed += c.passed ? 0 : 1;
  }
  if (a.has("out")) {
    saveSafetensors(a.get("out"), r.produced, {{"case", r.caseDir}, {"producer", "mumu probe"}});
    std::cout << "wrote " << r.produced.size() << " tensors to " << a.get("out") << "\n";
  }
  std::cout << (r.allPassed() ? "all " + std::to_string(r.checks.size()) + " reference tensors pass"
                              : std::to_string(failed) + " of " + std::to_string(r.checks.size()) + " fail")
            << "\n";
  return r.allPassed() ? 0 : 1;
}

}  // namespace mumu::cli
