// test_trainer.cpp — the trainer: recipes, a few steps, resume equality (in process and after SIGKILL), half-written
// checkpoints, and which parameters change.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "bootstrap_test_util.h"
#include "model/error.h"
#include "model/pipeline/mumu_model.h"
#include "training/bootstrap/bootstrap.h"
#include "training/trainer/batches.h"
#include "training/trainer/checkpoint.h"
#include "training/trainer/recipe.h"
#include "training/trainer/trainer.h"

namespace fs = std::filesystem;
using namespace mumu;
using namespace mumu::training;
using nlohmann::json;

namespace {

constexpr int64_t kSteps = 6;

// One small shape-world data set for the whole suite (32×32 targets).
const std::string& dataset() {
  static std::string dir = [] {
    std::string d = (fs::temp_directory_path() / ("mumu_trainer_ds_" + std::to_string(::getpid()))).string();
    if (const char* env = std::getenv("MUMU_TRAINER_CHILD_DATA")) return std::string(env);
    BootstrapOptions o;
    o.outDir = d;
    o.shardSize = 8;
    o.seed = 3;
    o.threads = 1;
    SyntheticSpec spec;
    spec.count = 16;
    spec.world.size = 32;
    bootstrapSynthetic(o, spec);
    return d;
  }();
  return dir;
}

struct DatasetCleanup : ::testing::Environment {
  void TearDown() override {
    if (!std::getenv("MUMU_TRAINER_CHILD_DATA")) {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path() / ("mumu_trainer_ds_" + std::to_string(::getpid())), ec);
    }
  }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new DatasetCleanup);

Recipe tiny() {
  return builtinRecipe("tiny");
}

TrainerOptions options(const std::string& out, bool resume = false) {
  TrainerOptions o;
  o.dataDir = dataset();
  o.outDir = out;
  o.resume = resume;
  o.steps = kSteps;
  o.threads = 1;  // the same thread count in parent and child (bit-identical sums), and no oversubscription
  o.log = [](const std::string&) {};
  return o;
}

// The uninterrupted reference run's losses, computed once.
const std::vector<double>& referenceLosses() {
  static std::vector<double> losses = [] {
    test::TempFolder tmp;
    Trainer t(tiny(), options(tmp / "run"));
    return t.run().losses;
  }();
  return losses;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Trainer, TinyRunsAFewStepsWithFiniteLoss) {
  test::TempFolder tmp;
  auto o = options(tmp / "run");
  o.steps = 3;
  Trainer t(tiny(), o);
  TrainResult r = t.run();
  ASSERT_EQ(r.losses.size(), 3u);
  for (double l : r.losses) EXPECT_TRUE(std::isfinite(l) && l > 0.0) << l;
  EXPECT_EQ(r.endStep, 3);
  // metrics.jsonl: one line per step with lr per trainable part.
  std::istringstream lines(test::readFile(tmp / "run/metrics.jsonl"));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    json j = json::parse(line);
    EXPECT_EQ(j["step"].get<int64_t>(), ++n);
    EXPECT_EQ(j["loss"].get<double>(), r.losses[static_cast<size_t>(n - 1)]);
    EXPECT_TRUE(j["lr"].contains("unet") && j["lr"].contains("connector") && !j["lr"].contains("vision"));
    EXPECT_TRUE(j.contains("grad_norm") && j.contains("images_per_second") && j.contains("wall_seconds"));
  }
  EXPECT_EQ(n, 3);
  // Checkpoints at step 2 and the final step 3.
  auto ckpts = listCheckpoints(tmp / "run");
  ASSERT_EQ(ckpts.size(), 2u);
  EXPECT_TRUE(contains(ckpts[0], "ckpt-000003"));
  EXPECT_TRUE(fs::exists(ckpts[0] + "/COMPLETE"));
}

TEST(Trainer, MinSnrWeightingScalesEachSampleByMinSnrGammaOverSnr) {
  // Same seeds, so the same latents, noise and timesteps: with γ above every SNR of the schedule (max ≈ 1,200)
  // the weights are all 1 and the first loss is the plain MSE; a γ below every SNR (min ≈ 0.005) weights every sample by less than 0.25.
  auto firstLoss = [](double gamma) {
    test::TempFolder tmp;
    auto o = options(tmp / "run");
    o.steps = 1;
    Recipe r = tiny();
    r.snrGamma = gamma;
    Trainer t(r, o);
    return t.run().losses.at(0);
  };
  const double plain = firstLoss(0.0), huge = firstLoss(1e5), small = firstLoss(1e-3);
  EXPECT_NEAR(huge, plain, 1e-5 * plain);
  EXPECT_LT(small, 0.9 * plain);
  EXPECT_GT(small, 0.0);
  json j = toJson(tiny());
  EXPECT_EQ(j["snr_gamma"].get<double>(), 0.0);
  j["snr_gamma"] = -1.0;
  EXPECT_TRUE(contains(errorOf([&] { recipeFromJson(j, "s.json"); }), "s.json: snr_gamma"));
}

TEST(Trainer, ResumeGivesTheIdenticalLossCurve) {
  const auto& ref = referenceLosses();
  ASSERT_EQ(ref.size(), static_cast<size_t>(kSteps));
  test::TempFolder tmp;
  std::atomic<bool> stop{false};
  {
    auto o = options(tmp / "run");
    o.stop = &stop;
    o.onStep = [&](const StepMetrics& m) {
      if (m.step == 3) stop = true;  // step 3 is not a checkpoint step: the stop writes one
    };
    Trainer t(tiny(), o);
    TrainResult r = t.run();
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.endStep, 3);
  }
  Trainer resumed(tiny(), options(tmp / "run", true));
  EXPECT_EQ(resumed.step(), 3);
  TrainResult r = resumed.run();
  EXPECT_EQ(r.startStep, 3);
  EXPECT_EQ(r.losses, ref);  // bit-identical doubles
}

TEST(Trainer, ResumingWithoutStepsKeepsTheRunsOwnLength) {
  // Started with --steps 9 (the recipe says 6): a resume without --steps continues to 9, on the same schedule,
  // and recipe.json says 9 — before, it recorded the recipe's 6 and a resume silently used that.
  test::TempFolder tmp;
  std::atomic<bool> stop{false};
  {
    auto o = options(tmp / "run");
    o.steps = 9;
    o.stop = &stop;
    o.onStep = [&](const StepMetrics& m) {
      if (m.step == 3) stop = true;
    };
    Trainer t(tiny(), o);
    EXPECT_EQ(t.run().endStep, 3);
  }
  EXPECT_EQ(json::parse(test::readFile(tmp / "run/recipe.json"))["steps"].get<int64_t>(), 9);
  auto o = options(tmp / "run", true);
  o.steps = 0;
  std::vector<std::string> log;
  o.log = [&](const std::string& line) { log.push_back(line); };
  Trainer resumed(tiny(), o);
  EXPECT_EQ(resumed.run().endStep, 9);
  EXPECT_EQ(json::parse(test::readFile(tmp / "run/recipe.json"))["steps"].get<int64_t>(), 9);
  bool said = false;
  for (const auto& l : log) {
    said = said || contains(l, "run's own length of 9 steps");
    EXPECT_FALSE(contains(l, "different recipe")) << l;
  }
  EXPECT_TRUE(said);
}

// Targets seen again come from the latent cache: two and a half passes over the data set give the same losses as
// encoding every target every time (a cache returning another sample's posterior, or a stale one, would not).
TEST(Trainer, CachedTargetLatentsGiveTheSameLosses) {
  test::TempFolder tmp;
  std::vector<double> cached, encoded;
  for (bool cache : {true, false}) {
    auto o = options(tmp / (cache ? "cached" : "encoded"));
    o.steps = 20;  // 16 samples, batch 2: 8 steps a pass
    o.cacheLatents = cache;
    Trainer t(tiny(), o);
    (cache ? cached : encoded) = t.run().losses;
  }
  ASSERT_EQ(cached.size(), 20u);
  EXPECT_EQ(cached, encoded);
}

// The child half of the SIGKILL test: runs only when the parent re-executes this binary with the env set.
TEST(TrainerChild, RunUntilKilled) {
  const char* out = std::getenv("MUMU_TRAINER_CHILD_OUT");
  if (!out) GTEST_SKIP() << "run by Trainer.SigkillThenResume";
  auto o = options(out);
  o.onStep = [](const StepMetrics&) { std::this_thread::sleep_for(std::chrono::milliseconds(400)); };
  Trainer t(tiny(), o);
  t.run();
}

TEST(Trainer, SigkillThenResumeGivesTheIdenticalLossCurve) {
  const auto& ref = referenceLosses();
  test::TempFolder tmp;
  const std::string out = tmp / "run";
  const std::string data = dataset();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // exec at once: the child gets a fresh process (libtorch's thread pools are not fork-safe).
    ::setenv("MUMU_TRAINER_CHILD_OUT", out.c_str(), 1);
    ::setenv("MUMU_TRAINER_CHILD_DATA", data.c_str(), 1);
    ::execl("/proc/self/exe", "test_trainer", "--gtest_filter=TrainerChild.RunUntilKilled", nullptr);
    ::_exit(127);
  }
  // Kill -9 as soon as the first complete checkpoint is there.
  bool seen = false;
  for (int i = 0; i < 1200 && !seen; ++i) {
    for (const auto& d : listCheckpoints(out)) seen = seen || fs::exists(d + "/COMPLETE");
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(seen) << "the child wrote no checkpoint";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child finished before the kill";
  Trainer resumed(tiny(), options(out, true));
  EXPECT_GT(resumed.step(), 0);
  EXPECT_LT(resumed.step(), kSteps);
  TrainResult r = resumed.run();
  EXPECT_EQ(r.losses, ref);
  // The metrics file holds each step once, in order, after the resume.
  std::istringstream lines(test::readFile(out + "/metrics.jsonl"));
  std::string line;
  int64_t n = 0;
  while (std::getline(lines, line)) EXPECT_EQ(json::parse(line)["step"].get<int64_t>(), ++n);
  EXPECT_EQ(n, kSteps);
}

TEST(Trainer, HalfWrittenCheckpointsAreNeverPickedUp) {
  test::TempFolder tmp;
  const std::string out = tmp / "run";
  {
    auto o = options(out);
    o.steps = 4;
    Trainer t(tiny(), o);
    t.run();
  }
  const std::string good = out + "/checkpoints/ckpt-000004";
  ASSERT_TRUE(fs::exists(good + "/COMPLETE"));
  auto copy = [&](const std::string& name) {
    const std::string d = out + "/checkpoints/" + name;
    fs::copy(good, d, fs::copy_options::recursive);
    return d;
  };
  copy("ckpt-000006.tmp");                        // interrupted before the rename
  fs::remove(copy("ckpt-000008") + "/COMPLETE");  // interrupted before the marker
  const std::string trunc = copy("ckpt-000010");  // a weights file cut short
  fs::resize_file(trunc + "/trainable.safetensors", fs::file_size(trunc + "/trainable.safetensors") / 2);
  const std::string corrupt = copy("ckpt-000012");  // same size, garbage content
  test::writeFile(corrupt + "/state.json", std::string(fs::file_size(good + "/state.json"), '#'));
  std::vector<std::string> warnings;
  auto c = loadLatestCheckpoint(out, [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->step, 4);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_TRUE(contains(warnings[0], "ckpt-000012") && contains(warnings[0], "corrupt")) << warnings[0];
  EXPECT_TRUE(contains(warnings[1], "ckpt-000010") && contains(warnings[1], "truncated")) << warnings[1];
  EXPECT_TRUE(contains(warnings[2], "ckpt-000008") && contains(warnings[2], "COMPLETE")) << warnings[2];
  auto o = options(out, true);
  Trainer resumed(tiny(), o);
  EXPECT_EQ(resumed.step(), 4);
}

TEST(Recipe, BuiltinsMatchThePaperAndRoundTrip) {
  for (const auto& n : builtinRecipeNames()) {
    Recipe r = builtinRecipe(n);
    Recipe back = recipeFromJson(toJson(r), n);
    EXPECT_EQ(toJson(back), toJson(r)) << n;
  }
  for (const char* n : {"mumu-xl-stage1", "mumu-xl-stage2"}) {
    Recipe r = builtinRecipe(n);
    EXPECT_EQ(r.model, "mumu-xl");
    EXPECT_EQ(r.modules["vision"].mode, ModuleMode::Frozen);
    EXPECT_EQ(r.modules["projection"].mode, ModuleMode::Lora);
    EXPECT_EQ(r.modules["projection"].rank, 8);
    EXPECT_DOUBLE_EQ(r.modules["projection"].lr, 3e-6);
    EXPECT_EQ(r.modules["lm"].mode, ModuleMode::Lora);
    EXPECT_DOUBLE_EQ(r.modules["lm"].lr, 3e-6);
    EXPECT_EQ(r.modules["connector"].mode, ModuleMode::Full);
    EXPECT_DOUBLE_EQ(r.modules["connector"].lr, 1e-5);
    EXPECT_EQ(r.modules["unet"].mode, ModuleMode::Lora);
    EXPECT_EQ(r.modules["unet"].rank, 8);
    EXPECT_DOUBLE_EQ(r.modules["unet"].lr, 5e-6);
  }
  EXPECT_EQ(builtinRecipe("mumu-xl-stage1").gridSize * builtinRecipe("mumu-xl-stage1").gridSize, 324);
  EXPECT_EQ(builtinRecipe("mumu-xl-stage1").maxImages, 4);
  EXPECT_EQ(builtinRecipe("mumu-xl-stage2").gridSize * builtinRecipe("mumu-xl-stage2").gridSize, 1296);
  EXPECT_EQ(builtinRecipe("mumu-xl-stage2").maxImages, 1);
}

TEST(Recipe, ValidationErrorsNameTheFileAndKey) {
  const json good = toJson(tiny());
  auto bad = [&](const std::function<void(json&)>& edit) {
    json j = good;
    edit(j);
    return errorOf([&] { recipeFromJson(j, "r.json"); });
  };
  EXPECT_TRUE(contains(bad([](json& j) { j["stpes"] = 3; }), "r.json: stpes: unknown key"));
  EXPECT_TRUE(contains(bad([](json& j) { j["modules"]["unet"]["rnk"] = 3; }), "r.json: modules.unet.rnk: unknown key"));
  EXPECT_TRUE(contains(bad([](json& j) { j["modules"]["unet"]["mode"] = "half"; }), "r.json: modules.unet.mode"));
  EXPECT_TRUE(contains(bad([](json& j) { j["modules"]["connector"]["lr"] = -1; }), "r.json: modules.connector.lr"));
  EXPECT_TRUE(contains(bad([](json& j) { j["modules"]["lm"]["rank"] = 0; }), "r.json: modules.lm.rank"));
  EXPECT_TRUE(contains(bad([](json& j) { j["modules"]["text_encoder"] = {{"mode", "full"}}; }), "modules.text_encoder: unknown key"));
  EXPECT_TRUE(contains(bad([](json& j) { j["buckets"] = {{30, 32}}; }), "r.json: buckets[0]"));
  EXPECT_TRUE(contains(bad([](json& j) { j["steps"] = "many"; }), "r.json: steps: wrong type"));
  EXPECT_TRUE(contains(bad([](json& j) { j["cfg_dropout"] = 1.5; }), "r.json: cfg_dropout"));
  EXPECT_TRUE(contains(bad([](json& j) { j["optimizer"]["betas"] = {0.9}; }), "r.json: optimizer.betas"));
  EXPECT_TRUE(contains(bad([](json& j) {
                         for (auto& [k, v] : j["modules"].items()) v = {{"mode", "frozen"}};
                       }),
                       "r.json: modules: every module is frozen"));
  test::TempFolder tmp;
  test::writeFile(tmp / "broken.json", "{\"steps\": ");
  EXPECT_TRUE(contains(errorOf([&] { loadRecipe(tmp / "broken.json"); }), "broken.json: not valid JSON"));
  EXPECT_TRUE(contains(errorOf([&] { loadRecipe(tmp / "none.json"); }), "none.json: no such recipe file"));
  EXPECT_TRUE(contains(errorOf([&] { builtinRecipe("huge"); }), "recipe 'huge'"));
}

TEST(Trainer, OnlyTrainableParametersChange) {
  test::TempFolder tmp;
  auto o = options(tmp / "run");
  o.steps = 2;
  Trainer t(tiny(), o);
  MumuModel& m = t.model();
  std::map<std::string, at::Tensor> before;
  auto snap = [&](const std::string& prefix, torch::nn::Module& mod) {
    for (auto& p : mod.named_parameters()) before[prefix + p.key()] = p.value().detach().clone();
  };
  snap("vlm.", *m.vlm);
  snap("connector.", *m.connector);
  snap("unet.", *m.unet);
  snap("vae.", *m.vae);
  t.run();
  auto same = [&](const std::string& prefix, torch::nn::Module& mod, bool expectSame) {
    int changed = 0, total = 0;
    for (auto& p : mod.named_parameters()) {
      ++total;
      if (!at::equal(before.at(prefix + p.key()), p.value().detach())) ++changed;
    }
    if (expectSame)
      EXPECT_EQ(changed, 0) << prefix;
    else
      EXPECT_GT(changed, total / 2) << prefix;
  };
  same("vlm.", *m.vlm, true);               // ViT frozen; projection and LM bases frozen under LoRA
  same("unet.", *m.unet, true);             // LoRA: the base weights never move
  same("vae.", *m.vae, true);               // always frozen
  same("connector.", *m.connector, false);  // full
  // The LoRA adapters did move: every up matrix starts at zero.
  const auto ckpt = loadLatestCheckpoint(tmp / "run");
  ASSERT_TRUE(ckpt.has_value());
  int loraUps = 0;
  for (const auto& [name, v] : ckpt->trainable)
    if (name.rfind("lora.unet.", 0) == 0 && name.size() > 3 && name.substr(name.size() - 3) == ".up") {
      ++loraUps;
      EXPECT_GT(v.abs().max().item<float>(), 0.f) << name;
    }
  EXPECT_GT(loraUps, 0);
  // Export: a loadable package; the live model is unchanged by it.
  const auto params0 = t.trainableNames();
  at::Tensor w0 = m.unet->conv_in->weight.detach().clone();
  t.exportPackage(tmp / "export");
  EXPECT_TRUE(at::equal(w0, m.unet->conv_in->weight.detach()));
  auto loaded = loadMumuModel(tmp / "export");
  EXPECT_EQ(loaded->config.name, m.config.name);
}

TEST(Trainer, BucketsByNearestAspectAndRefusesToOverwriteARun) {
  const std::vector<std::pair<int, int>> b{{32, 32}, {48, 32}, {32, 48}};
  EXPECT_EQ(nearestBucket(b, 64, 64), 0u);
  EXPECT_EQ(nearestBucket(b, 100, 60), 1u);
  EXPECT_EQ(nearestBucket(b, 30, 50), 2u);
  EXPECT_EQ(nearestBucket(b, 33, 32), 0u);
  test::TempFolder tmp;
  auto o = options(tmp / "run");
  o.steps = 2;
  Trainer(tiny(), o).run();
  // A fresh start over an earlier run's checkpoints is refused; --resume of a finished run does nothing more.
  EXPECT_TRUE(contains(errorOf([&] { Trainer t(tiny(), o); }), "holds checkpoints of an earlier run"));
  fs::create_directories(tmp / "run/checkpoints/ckpt-000009.tmp");
  o.resume = true;
  Trainer again(tiny(), o);
  EXPECT_FALSE(fs::exists(tmp / "run/checkpoints/ckpt-000009.tmp"));  // leftovers of a killed write are removed
  EXPECT_EQ(again.step(), 2);
  EXPECT_EQ(again.run().losses.size(), 2u);
}

TEST(Trainer, AutoencoderObjectiveTrainsOnlyTheVaeAndScalesItsLatents) {
  test::TempFolder tmp;
  auto o = options(tmp / "run");
  o.steps = 4;
  Trainer t(builtinRecipe("tiny-vae"), o);
  for (const auto& n : t.trainableNames()) EXPECT_EQ(n.rfind("vae.", 0), 0u) << n;
  EXPECT_FALSE(t.trainableNames().empty());
  const at::Tensor unetBefore = t.model().unet->named_parameters()[0].value().clone();
  const TrainResult r = t.run();
  ASSERT_EQ(r.losses.size(), 4u);
  for (double l : r.losses) EXPECT_TRUE(std::isfinite(l) && l > 0.0) << l;
  EXPECT_TRUE(at::equal(unetBefore, t.model().unet->named_parameters()[0].value()));
  // The export measures the latent scale: 1 / std of the trained VAE's latents, written into the package.
  t.exportPackage(tmp / "pkg");
  const json pkg = json::parse(test::readFile(tmp / "pkg/mumu.json"));
  const double scale = pkg["vae"]["config"]["scaling_factor"].get<double>();
  EXPECT_GT(scale, 0.0);
  EXPECT_NE(scale, 0.13025);
  EXPECT_DOUBLE_EQ(t.model().config.vaeConfig.scalingFactor, 0.13025);  // the live model is left as it was
}

TEST(Recipe, TheVaeTrainsOnlyWithTheAutoencoderObjective) {
  Recipe r = builtinRecipe("tiny");
  r.modules["vae"].mode = ModuleMode::Full, r.modules["vae"].lr = 1e-3;
  EXPECT_TRUE(contains(errorOf([&] { validateRecipe(r, "r.json"); }), "r.json: modules.vae"));
  Recipe a = builtinRecipe("tiny-vae");
  a.modules["unet"].mode = ModuleMode::Full, a.modules["unet"].lr = 1e-3;
  EXPECT_TRUE(contains(errorOf([&] { validateRecipe(a, "a.json"); }), "a.json: modules.unet"));
  json j = toJson(builtinRecipe("tiny"));
  j["objective"] = "flow";
  EXPECT_TRUE(contains(errorOf([&] { recipeFromJson(j, "f.json"); }), "f.json: objective"));
  j = toJson(builtinRecipe("tiny"));
  j["image_only"] = 0.7, j["text_only"] = 0.7;
  EXPECT_TRUE(contains(errorOf([&] { recipeFromJson(j, "g.json"); }), "g.json: text_only"));
  EXPECT_EQ(builtinRecipe("nano").modules["vae"].mode, ModuleMode::Frozen);
  EXPECT_EQ(builtinRecipe("nano-vae").objective, "autoencoder");
}

TEST(Batches, ImageOnlyDropsThePhraseWordsAndTextOnlyDropsTheCrop) {
  const DatasetReader reader = DatasetReader::open(dataset());
  RankStream stream(reader, 0, 1, 0);
  int checked = 0;
  for (int k = 0; k < 16 && checked < 4; ++k) {
    const Sample s = stream.next();
    std::vector<const PromptSegment*> objects;
    for (const auto& g : s.segments)
      if (g.kind == PromptSegment::Kind::Image && g.role == "object") objects.push_back(&g);
    if (objects.empty()) continue;
    ++checked;
    auto text = [](const std::vector<GenerationSegment>& v) {
      std::string t;
      for (const auto& g : v)
        if (!g.isImage) t += g.text;
      return t;
    };
    auto images = [](const std::vector<GenerationSegment>& v) {
      int n = 0;
      for (const auto& g : v) n += g.isImage;
      return n;
    };
    const auto both = promptSegments(s, 8);
    const auto imageOnly = promptSegments(s, 8, 1.0, 0.0, 5);
    const auto textOnly = promptSegments(s, 8, 0.0, 1.0, 5);
    EXPECT_EQ(images(imageOnly), images(both));
    EXPECT_EQ(images(textOnly), images(both) - static_cast<int>(objects.size()));
    EXPECT_EQ(text(textOnly), text(both));
    for (const auto* g : objects) {
      EXPECT_NE(text(both).find(g->phrase), std::string::npos) << s.caption;
      EXPECT_EQ(text(imageOnly).find(g->phrase), std::string::npos) << text(imageOnly);
    }
    for (const auto& g : imageOnly) EXPECT_EQ(g.text.find("  "), std::string::npos) << g.text;
    // The draw is a pure function of (seed, sample, crop): the same on every call.
    EXPECT_EQ(text(promptSegments(s, 8, 0.5, 0.2, 9)), text(promptSegments(s, 8, 0.5, 0.2, 9)));
  }
  EXPECT_GE(checked, 2);
}
