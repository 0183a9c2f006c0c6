#include <gtest/gtest.h>

#include "args.h"

using namespace mumu::cli;

static const std::vector<FlagSpec> kFlags = {
    {"out", "FILE", "output"}, {"steps", "N", "steps"}, {"cfg", "X", "guidance"}, {"json", "", "json"}};

TEST(CliArgs, ParsesValuesSwitchesAndEqualsForm) {
  auto a = parseArgs("t", {"--out", "x.png", "--steps=30", "--json", "--cfg", "6.5"}, kFlags);
  EXPECT_EQ(a.get("out"), "x.png");
  EXPECT_EQ(a.getInt("steps", 50, 1, 1000), 30);
  EXPECT_DOUBLE_EQ(a.getDouble("cfg", 6, 0, 30), 6.5);
  EXPECT_TRUE(a.has("json"));
  EXPECT_EQ(a.getInt("missing", 7, 0, 10), 7);
}

TEST(CliArgs, RejectsMistakesClearly) {
  auto msg = [](auto f) {
    try { f(); } catch (const UsageError& e) { return e.message; }
    return std::string();
  };
  EXPECT_EQ(msg([] { parseArgs("t", {"--ouput", "x"}, kFlags); }), "unknown flag --ouput for 'mumu t'");
  EXPECT_EQ(msg([] { parseArgs("t", {"--out"}, kFlags); }), "--out needs a value (FILE)");
  EXPECT_EQ(msg([] { parseArgs("t", {"--json=1"}, kFlags); }), "--json takes no value");
  EXPECT_EQ(msg([] { parseArgs("t", {"-o"}, kFlags); }), "'-o': flags of 'mumu t' are written with two dashes");
  EXPECT_EQ(msg([] { parseArgs("t", {"stray"}, kFlags); }), "unexpected argument 'stray' for 'mumu t'");
  EXPECT_EQ(msg([] { parseArgs("t", {"--out", "a", "--out", "b"}, kFlags); }), "--out given more than once");
  EXPECT_EQ(msg([] { parseArgs("t", {"--steps", "3x"}, kFlags).getInt("steps", 1, 1, 9); }),
            "--steps expects an integer, got '3x'");
  EXPECT_EQ(msg([] { parseArgs("t", {"--steps", "0"}, kFlags).getInt("steps", 1, 1, 9); }),
            "--steps must be between 1 and 9, got 0");
  EXPECT_EQ(msg([] { parseArgs("t", {"--cfg", "nan"}, kFlags).getDouble("cfg", 1, 0, 9); }),
            "--cfg expects a number, got 'nan'");
}
