// commands.h — the subcommands of `mumu`. Each returns the process exit code: 0 success, 1 failure of
// the job (message printed), 2 wrong usage.
#pragma once

#include <string>
#include <vector>

namespace mumu::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& commands();

int runInfo(const std::vector<std::string>& args);
int runProbe(const std::vector<std::string>& args);
int runGenerate(const std::vector<std::string>& args);
int runPackage(const std::vector<std::string>& args);
int runBootstrap(const std::vector<std::string>& args);
int runTrain(const std::vector<std::string>& args);
int runEval(const std::vector<std::string>& args);

}  // namespace mumu::cli
