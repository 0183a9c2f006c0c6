// mumu — the command-line face of MUMU Studio: every job runs headless.
#include <iostream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "model/error.h"
#include "model/runtime.h"
#include "mumu_version.h"

namespace mumu::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"generate", "generate images from a prompt of text and reference images", &runGenerate},
      {"package", "create a random-weight model package, or show a config's sizes", &runPackage},
      {"info", "print the versions MUMU was built with and runs with", &runInfo},
      {"probe", "check a port against a reference case folder (parity)", &runProbe},
      {"bootstrap", "make multimodal-prompt training data (shape world or captioned photos)", &runBootstrap},
      {"train", "train MUMU with a recipe on a bootstrapped data set (resumable)", &runTrain},
      {"eval", "judge a model with an evaluation suite (shapes: does it follow text and image references?)", &runEval},
  };
  return list;
}

static void printHelp(std::ostream& os) {
  os << "Usage: mumu <command> [flags]\n\nMUMU " MUMU_VERSION_STRING
        ": image generation from prompts that mix text and reference images.\n\nCommands:\n";
  for (const auto& c : commands()) {
    std::string n = c.name;
    os << "  " << n << std::string(n.size() < 12 ? 12 - n.size() : 1, ' ') << c.summary << "\n";
  }
  os << "\nRun 'mumu <command> --help' for the flags of a command.\n";
}

}  // namespace mumu::cli

int main(int argc, char** argv) {
  mumu::ensureFastBlas(argc, argv);  // before any work: may re-exec once
  using namespace mumu::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printHelp(std::cerr);
    return 2;
  }
  const std::string cmd = args[0];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    printHelp(std::cout);
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "mumu " MUMU_VERSION_STRING "\n";
    return 0;
  }
  for (const auto& c : commands()) {
    if (cmd != c.name) continue;
    try {
      mumu::initRuntime();
      return c.run({args.begin() + 1, args.end()});
    } catch (const UsageError& e) {
      std::cerr << "mumu " << cmd << ": " << e.message << "\nRun 'mumu " << cmd << " --help' for usage.\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "mumu " << cmd << ": error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "mumu: unknown command '" << cmd << "'\nRun 'mumu --help' for the list of commands.\n";
  return 2;
}
