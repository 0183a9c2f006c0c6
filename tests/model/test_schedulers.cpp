// Schedulers against diffusers 0.27.2 (tests/parity/schedulers, README "schedulers"), their config
// reader, noise sources, guidance and the latent preview.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/diffusion/latent_preview.h"
#include "model/diffusion/schedulers.h"
#include "model/error.h"
#include "model/io/safetensors.h"

namespace fs = std::filesystem;
using namespace mumu;

namespace {

std::string caseDir(const std::string& name) {
  return std::string(MUMU_PARITY_DIR) + "/schedulers/" + name;
}

std::map<std::string, at::Tensor> loadIo(const std::string& name) {
  return loadSafetensors(caseDir(name) + "/io.safetensors");
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// max |a - b| / (atol + rtol·|b|) in float64: <= 1 is torch.allclose(a, b, rtol, atol).
double closeness(const at::Tensor& a, const at::Tensor& b, double rtol, double atol) {
  const at::Tensor x = a.to(at::kDouble), y = b.to(at::kDouble);
  return ((x - y).abs() / (atol + rtol * y.abs())).max().item<double>();
}

// A temporary scheduler_config.json with `text`; removed at scope end.
struct TempConfig {
  explicit TempConfig(const std::string& text) {
    path = (fs::temp_directory_path() /
            ("mumu_sched_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_scheduler_config.json"))
               .string();
    std::ofstream(path) << text;
  }
  ~TempConfig() { fs::remove(path); }
  std::string path;
  static inline int counter = 0;
};

// The error text of `f`, or "" when it does not throw mumu::Error.
template <class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---- parity: every stored tensor of every case, both step counts --------------------------------------------

class SchedulerParity : public ::testing::TestWithParam<std::string> {};

TEST_P(SchedulerParity, ReproducesDiffusers) {
  const std::string name = GetParam();
  const auto io = loadIo(name);
  const auto ours = replaySchedulerCase(caseDir(name), io);

  int compared = 0;
  std::set<int> stepCounts;
  for (const auto& [key, ref] : io) {
    if (key.rfind("input.", 0) == 0 || endsWith(key, ".noise")) continue;  // inputs we replay
    SCOPED_TRACE(name + " " + key);
    auto it = ours.find(key);
    ASSERT_NE(it, ours.end()) << "not produced";
    const at::Tensor& got = it->second;
    ASSERT_EQ(got.sizes(), ref.sizes());
    if (key.rfind("steps", 0) == 0) stepCounts.insert(std::stoi(key.substr(5, key.find('.') - 5)));
    ++compared;
    // Worst difference, kept in the test report (--gtest_output=xml) to watch the headroom.
    std::ostringstream diff;
    diff << (got.to(at::kDouble) - ref.to(at::kDouble)).abs().max().item<double>();
    RecordProperty(key, diff.str());
    if (endsWith(key, ".timesteps")) {
      EXPECT_EQ(got.scalar_type(), ref.scalar_type()) << "diffusers' timestep dtype";
      EXPECT_TRUE(at::equal(got.to(ref.scalar_type()), ref)) << "ours " << got << "\nreference " << ref;
    } else if (endsWith(key, ".sigmas") || endsWith(key, ".init_noise_sigma") || key.rfind("train.", 0) == 0) {
      EXPECT_EQ(got.scalar_type(), at::kFloat);
      EXPECT_LE(closeness(got, ref, 1e-6, 1e-8), 1.0);
    } else {  // trajectories: latents, model_input, eps, final
      EXPECT_LE(closeness(got, ref, 1e-5, 1e-5), 1.0);
    }
  }
  EXPECT_EQ(stepCounts, (std::set<int>{8, 30}));
  // 2 train.* + per step count: latents, model_input, eps, final, timesteps, init_noise_sigma (+ sigmas).
  EXPECT_EQ(compared, name == "ddim" ? 2 + 2 * 6 : 2 + 2 * 7);
  for (const auto& [key, t] : ours) EXPECT_TRUE(io.count(key)) << "produced " << key << " has no reference";
}

INSTANTIATE_TEST_SUITE_P(Diffusers, SchedulerParity,
                         ::testing::Values("ddim", "euler", "euler_ancestral", "dpmpp_2m_karras"),
                         [](const auto& info) { return info.param; });

// The recorded noise of euler_ancestral comes from torch.Generator().manual_seed(535 / 513), the initial
// noise from manual_seed(404): our seeded source must draw the same numbers, so no replay is needed.
TEST(SchedulerNoise, SeededSourceMatchesTorchCpuGenerator) {
  const auto io = loadIo("euler_ancestral");
  SeededNoise initSource(404);
  const at::Tensor init = initSource.next({1, 4, 8, 8}, at::kFloat);
  EXPECT_TRUE(at::equal(init, io.at("input.init_noise")));

  auto s = makeScheduler(readSchedulerConfig(caseDir("euler_ancestral") + "/scheduler_config.json"));
  for (auto [steps, seed] : {std::pair{30, 535}, std::pair{8, 513}}) {
    SCOPED_TRACE(steps);
    const std::string p = "steps" + std::to_string(steps) + ".";
    SeededNoise noise(seed);
    s->setTimesteps(steps);
    at::Tensor x = init * s->initNoiseSigma();
    for (int i = 0; i < s->numSteps(); ++i) {
      const at::Tensor eps = s->scaleModelInput(x, i) * 0.1 + s->timesteps()[i].to(at::kFloat) * 0.01 / 1000;
      x = s->step(eps, i, x, &noise);
    }
    EXPECT_LE(closeness(x, io.at(p + "final"), 1e-5, 1e-5), 1.0);
  }
}

TEST(SchedulerNoise, SeedReproducesAndDiffers) {
  auto run = [](uint64_t seed) {
    SchedulerConfig c;
    c.betaSchedule = "scaled_linear";
    c.betaStart = 0.00085;
    c.betaEnd = 0.012;
    c.timestepSpacing = "leading";
    c.stepsOffset = 1;
    auto s = makeScheduler("euler_a", c);
    s->setTimesteps(10);
    SeededNoise noise(seed);
    at::Tensor x = noise.next({2, 4, 8, 8}, at::kFloat) * s->initNoiseSigma();
    for (int i = 0; i < s->numSteps(); ++i) x = s->step(s->scaleModelInput(x, i) * 0.1, i, x, &noise);
    return x;
  };
  EXPECT_TRUE(at::equal(run(7), run(7)));
  EXPECT_FALSE(at::allclose(run(7), run(8)));

  SeededNoise a(42);
  EXPECT_EQ(a.name(), "torch.cpu.mt19937:42");
  const at::Tensor first = a.next({3, 5}, at::kFloat);
  auto b = makeNoiseSource(a.name());
  EXPECT_TRUE(at::equal(b->next({3, 5}, at::kFloat), first));
  EXPECT_NE(errorOf([] { makeNoiseSource("cuda.philox:1"); }).find("cannot rebuild"), std::string::npos);
}

TEST(SchedulerNoise, ReplayChecksShapeAndCount) {
  ReplayNoise r = ReplayNoise::fromStacked(at::arange(12, at::kFloat).reshape({2, 2, 3}));
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_TRUE(at::equal(r.next({2, 3}, at::kFloat), at::arange(6, at::kFloat).reshape({2, 3})));
  EXPECT_NE(errorOf([&] { r.next({3, 2}, at::kFloat); }).find("shape"), std::string::npos);
  r.next({2, 3}, at::kFloat);
  EXPECT_NE(errorOf([&] { r.next({2, 3}, at::kFloat); }).find("exhausted"), std::string::npos);
}

// ---- config --------------------------------------------------------------------------------------------

TEST(SchedulerConfigFile, DefaultsFollowTheClass) {
  const SchedulerConfig ddim = parseSchedulerConfig(R"({"_class_name": "DDIMScheduler"})", "t");
  EXPECT_EQ(ddim.timestepSpacing, "leading");
  EXPECT_TRUE(ddim.clipSample);
  EXPECT_TRUE(ddim.setAlphaToOne);
  EXPECT_EQ(ddim.betaSchedule, "linear");
  EXPECT_DOUBLE_EQ(ddim.betaStart, 0.0001);
  EXPECT_DOUBLE_EQ(ddim.betaEnd, 0.02);
  EXPECT_EQ(ddim.numTrainTimesteps, 1000);
  EXPECT_EQ(ddim.stepsOffset, 0);
  for (const char* cls : {"EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    EXPECT_EQ(parseSchedulerConfig(std::string(R"({"_class_name": ")") + cls + "\"}", "t").timestepSpacing, "linspace");
  const SchedulerConfig none = parseSchedulerConfig("{}", "t");
  EXPECT_EQ(none.timestepSpacing, "");  // resolved by the scheduler class built from it
  EXPECT_EQ(makeScheduler("ddim", none)->name(), "ddim");

  // The parity configs: Python's -Infinity, every key read or known.
  const SchedulerConfig dpm = readSchedulerConfig(caseDir("dpmpp_2m_karras") + "/scheduler_config.json");
  EXPECT_TRUE(std::isinf(dpm.lambdaMinClipped) && dpm.lambdaMinClipped < 0);
  EXPECT_TRUE(dpm.useKarrasSigmas);
  EXPECT_EQ(dpm.betaSchedule, "scaled_linear");
  EXPECT_TRUE(dpm.ignoredKeys.empty()) << dpm.ignoredKeys.front();
  EXPECT_EQ(makeScheduler(dpm)->name(), "dpmpp_2m_karras");

  const SchedulerConfig extra = parseSchedulerConfig(R"({"skip_prk_steps": true, "beta_end": 0.012})", "t");
  EXPECT_EQ(extra.ignoredKeys, std::vector<std::string>{"skip_prk_steps"});
}

TEST(SchedulerConfigFile, BadFilesNameFileAndKey) {
  struct Case {
    const char* json;
    const char* expect;
  };
  for (const Case& c : {
           Case{R"({"beta_schedule": "scaled_linear",)", "invalid JSON"},
           Case{R"([1, 2])", "expected a JSON object"},
           Case{R"({"beta_schedule": "cosine"})", "beta_schedule: unknown value 'cosine'"},
           Case{R"({"timestep_spacing": "sideways"})", "timestep_spacing: unknown value 'sideways'"},
           Case{R"({"prediction_type": "x0"})", "prediction_type: unknown value 'x0'"},
           Case{R"({"num_train_timesteps": "1000"})", "num_train_timesteps: expected a number"},
           Case{R"({"num_train_timesteps": 10.5})", "num_train_timesteps: expected an integer"},
           Case{R"({"clip_sample": 1})", "clip_sample: expected true or false"},
           Case{R"({"beta_start": -1})", "beta_start: must be in (0, 1)"},
           Case{R"({"thresholding": true})", "thresholding: dynamic thresholding is not supported"},
           Case{R"({"algorithm_type": "sde-dpmsolver++"})", "algorithm_type: the SDE variants are not supported"},
           Case{R"({"solver_order": 4})", "solver_order: must be 1, 2 or 3"},
           Case{R"({"trained_betas": [0.1, 0.2]})", "trained_betas: 2 values for num_train_timesteps 1000"},
           Case{R"({"_class_name": "DPMSolverMultistepScheduler", "algorithm_type": "dpmsolver"})",
                "final_sigmas_type: 'zero' needs algorithm_type dpmsolver++"},
       }) {
    TempConfig f(c.json);
    const std::string err = errorOf([&] { readSchedulerConfig(f.path); });
    SCOPED_TRACE(c.json);
    EXPECT_NE(err.find(f.path + ": "), std::string::npos) << err;
    EXPECT_NE(err.find(c.expect), std::string::npos) << err;
  }
  EXPECT_NE(errorOf([] { readSchedulerConfig("/nonexistent/scheduler_config.json"); }).find("cannot open"),
            std::string::npos);
  EXPECT_NE(errorOf([] { makeScheduler("heun", SchedulerConfig{}); }).find("unknown scheduler 'heun'"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              makeScheduler(parseSchedulerConfig(R"({"_class_name": "PNDMScheduler"})", "t"));
            }).find("unsupported _class_name 'PNDMScheduler'"),
            std::string::npos);
}

// ---- schedules not covered by the parity data (values worked out from diffusers' formulas) --------------

TEST(SchedulerTimesteps, SpacingsAsDiffusers) {
  auto timesteps = [](const std::string& name, const std::string& spacing, int n) {
    SchedulerConfig c;
    c.timestepSpacing = spacing;
    c.stepsOffset = 1;
    auto s = makeScheduler(name, c);
    s->setTimesteps(n);
    return s->timesteps();
  };
  auto eq = [](const at::Tensor& t, std::vector<double> v) {
    return at::equal(t.to(at::kDouble), at::tensor(v, at::kDouble));
  };
  EXPECT_TRUE(eq(timesteps("ddim", "leading", 4), {751, 501, 251, 1}));
  EXPECT_TRUE(eq(timesteps("ddim", "trailing", 4), {999, 749, 499, 249}));
  EXPECT_TRUE(eq(timesteps("ddim", "linspace", 4), {999, 666, 333, 0}));
  EXPECT_TRUE(eq(timesteps("euler", "linspace", 4), {999, 666, 333, 0}));
  EXPECT_TRUE(eq(timesteps("euler", "trailing", 4), {999, 749, 499, 249}));
  EXPECT_TRUE(eq(timesteps("dpmpp_2m", "leading", 4), {801, 601, 401, 201}));   // 1000 // 5 = 200
  EXPECT_TRUE(eq(timesteps("dpmpp_2m", "linspace", 4), {999, 749, 500, 250}));  // 499.5 rounds to even
  // Odd counts: the linspace Euler timesteps are fractional float32, as diffusers keeps them.
  const at::Tensor t = timesteps("euler", "linspace", 3);
  EXPECT_EQ(t.scalar_type(), at::kFloat);
  EXPECT_TRUE(eq(t, {999, 499.5, 0}));
}

TEST(SchedulerTimesteps, KarrasSpansTheScheduleAndMapsBackToTimesteps) {
  const SchedulerConfig c = readSchedulerConfig(caseDir("euler") + "/scheduler_config.json");
  auto plain = makeScheduler("euler", c), karras = makeScheduler("euler_karras", c);
  plain->setTimesteps(8);
  karras->setTimesteps(8);
  // Same end points (the interpolated sigma range), denser near the low end.
  EXPECT_FLOAT_EQ(karras->sigmas()[0].item<float>(), plain->sigmas()[0].item<float>());
  EXPECT_FLOAT_EQ(karras->sigmas()[7].item<float>(), plain->sigmas()[7].item<float>());
  EXPECT_LT(karras->sigmas()[6].item<float>(), plain->sigmas()[6].item<float>());
  // _sigma_to_t inverts the table: the end sigmas map back to their timesteps (876 and 1).
  EXPECT_NEAR(karras->timesteps()[0].item<double>(), 876.0, 1e-3);
  EXPECT_NEAR(karras->timesteps()[7].item<double>(), 1.0, 1e-3);
  EXPECT_EQ(karras->timesteps().scalar_type(), at::kFloat);
}

TEST(SchedulerApi, NamesRoundTrip) {
  for (const std::string& name : schedulerNames()) EXPECT_EQ(makeScheduler(name, SchedulerConfig{})->name(), name);
}

TEST(SchedulerApi, StepsAndBoundsAreChecked) {
  const SchedulerConfig c = readSchedulerConfig(caseDir("dpmpp_2m_karras") + "/scheduler_config.json");
  auto s = makeScheduler(c);
  const at::Tensor x = at::zeros({1, 4, 2, 2});
  EXPECT_NE(errorOf([&] { s->step(x, 0, x); }).find("setTimesteps"), std::string::npos);
  s->setTimesteps(5);
  EXPECT_EQ(s->numSteps(), 5);
  EXPECT_EQ(s->sigmas().size(0), 6);
  EXPECT_NE(errorOf([&] { s->step(x, 5, x); }).find("outside [0, 5)"), std::string::npos);
  s->step(x, 0, x);
  EXPECT_NE(errorOf([&] { s->step(x, 2, x); }).find("in order"), std::string::npos);
  EXPECT_NE(errorOf([&] { s->setTimesteps(0); }).find("num_inference_steps"), std::string::npos);

  auto ea = makeScheduler("euler_a", c);
  ea->setTimesteps(4);
  EXPECT_TRUE(ea->needsNoise());
  EXPECT_NE(errorOf([&] { ea->step(x, 0, x); }).find("NoiseSource"), std::string::npos);
  EXPECT_FALSE(makeScheduler("ddim", c)->needsNoise());
  EXPECT_TRUE(makeScheduler("ddim", c, 0.5)->needsNoise());
}

// DDIM with eta > 0 (diffusers step(..., eta, variance_noise=...)), checked against the formula in float64.
TEST(SchedulerApi, DdimEtaUsesTheGivenNoise) {
  SchedulerConfig c = readSchedulerConfig(caseDir("ddim") + "/scheduler_config.json");
  const double eta = 0.7;
  auto s = makeScheduler("ddim", c, eta);
  s->setTimesteps(10);  // leading, offset 1: 901, 801, ...
  torch::manual_seed(1);
  const at::Tensor x = at::randn({1, 4, 4, 4}), eps = at::randn({1, 4, 4, 4}), z = at::randn({1, 4, 4, 4});
  ReplayNoise noise({z});
  const at::Tensor got = s->step(eps, 0, x, &noise);
  EXPECT_EQ(noise.remaining(), 0u);

  const at::Tensor ac = s->alphasCumprod().to(at::kDouble);
  const double a = ac[901].item<double>(), ap = ac[801].item<double>();
  const at::Tensor xd = x.to(at::kDouble), ed = eps.to(at::kDouble), zd = z.to(at::kDouble);
  const at::Tensor x0 = (xd - std::sqrt(1 - a) * ed) / std::sqrt(a);
  const double var = (1 - ap) / (1 - a) * (1 - a / ap), sd = eta * std::sqrt(var);
  const at::Tensor want = std::sqrt(ap) * x0 + std::sqrt(1 - ap - sd * sd) * ed + sd * zd;
  EXPECT_LE(closeness(got, want, 1e-5, 1e-6), 1.0);
}

TEST(SchedulerApi, AddNoiseAndVelocityFollowDdpm) {
  auto s = makeScheduler(readSchedulerConfig(caseDir("euler") + "/scheduler_config.json"));
  EXPECT_EQ(s->trainBetas().size(0), 1000);
  torch::manual_seed(2);
  const at::Tensor x0 = at::randn({3, 4, 2, 2}), n = at::randn({3, 4, 2, 2});
  const at::Tensor t = at::tensor(std::vector<int64_t>{0, 500, 999});
  const at::Tensor noisy = s->addNoise(x0, n, t), v = s->velocity(x0, n, t);
  for (int b = 0; b < 3; ++b) {
    const double a = s->alphasCumprod()[t[b].item<int64_t>()].item<double>();
    EXPECT_TRUE(at::allclose(noisy[b], std::sqrt(a) * x0[b] + std::sqrt(1 - a) * n[b], 1e-5, 1e-6));
    EXPECT_TRUE(at::allclose(v[b], std::sqrt(a) * n[b] - std::sqrt(1 - a) * x0[b], 1e-5, 1e-6));
  }
  EXPECT_NE(errorOf([&] {
              s->addNoise(x0, n, at::tensor(std::vector<int64_t>{1000, 0, 0}));
            }).find("outside"),
            std::string::npos);
  // img2img start: Euler noises in sigma space.
  s->setTimesteps(8);
  EXPECT_TRUE(at::allclose(s->addNoiseAtStep(x0, n, 2), x0 + n * s->sigmas()[2]));
}

// ---- guidance ------------------------------------------------------------------------------------------

TEST(Guidance, MixesUncondAndCond) {
  torch::manual_seed(3);
  const at::Tensor u = at::randn({2, 4, 3, 3}), c = at::randn({2, 4, 3, 3});
  EXPECT_TRUE(at::allclose(applyGuidance(u, c, 6.0), u + 6.0 * (c - u)));
  EXPECT_TRUE(at::allclose(applyGuidance(u, c, 1.0), c, 1e-5, 1e-6));  // u + (c - u) rounds near c = 0
  EXPECT_TRUE(at::equal(applyGuidance(u, c, 0.0), u));
  EXPECT_TRUE(at::equal(applyGuidanceBatched(at::cat({u, c}), 4.5), applyGuidance(u, c, 4.5)));
  EXPECT_NE(errorOf([&] { applyGuidanceBatched(at::randn({3, 4}), 2.0); }).find("[2B"), std::string::npos);
  EXPECT_TRUE(at::equal(rescaleGuidance(u, c, 0.0), u));
  const at::Tensor r = rescaleGuidance(u, c, 1.0);
  EXPECT_TRUE(at::allclose(r.std({1, 2, 3}), c.std({1, 2, 3}), 1e-4, 1e-5));
}

// ---- latent preview ------------------------------------------------------------------------------------

TEST(LatentPreview, ShapesAndRange) {
  torch::manual_seed(4);
  const at::Tensor lat = at::randn({2, 4, 16, 12}) * 3;
  const at::Tensor rgb = latentsToRgb(lat);
  EXPECT_EQ(rgb.sizes(), (std::vector<int64_t>{2, 3, 16, 12}));
  EXPECT_GE(rgb.min().item<float>(), 0.0f);
  EXPECT_LE(rgb.max().item<float>(), 1.0f);

  const auto images = latentPreviewImages(lat);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].width, 12);
  EXPECT_EQ(images[0].height, 16);
  EXPECT_EQ(images[0].channels, 3);
  EXPECT_EQ(images[0].pixels.size(), 12u * 16 * 3);

  const auto small = latentPreviewImages(lat, 8);
  EXPECT_EQ(small[1].height, 8);
  EXPECT_EQ(small[1].width, 6);
  EXPECT_EQ(latentPreviewImages(lat, 64)[0].width, 12);  // never enlarged

  // Zero latents show the bias colour; large ones saturate.
  const auto grey = latentPreviewImages(at::zeros({1, 4, 2, 2}));
  EXPECT_EQ(grey[0].pixels[0], static_cast<uint8_t>(std::lround((0.1084 + 1) / 2 * 255)));
  EXPECT_EQ(grey[0].pixels[1], static_cast<uint8_t>(std::lround((-0.0175 + 1) / 2 * 255)));
  at::Tensor bright = at::zeros({1, 4, 1, 1});
  bright[0][0] = 100.0;  // channel 0 is luminance-like: all of R, G, B positive
  const auto white = latentPreviewImages(bright);
  EXPECT_EQ(white[0].pixels, (std::vector<uint8_t>{255, 255, 255}));
  const at::Tensor nan = at::full({1, 4, 1, 1}, NAN);
  EXPECT_EQ(latentPreviewImages(nan)[0].pixels.size(), 3u);
  EXPECT_NE(errorOf([] { latentsToRgb(at::zeros({1, 3, 4, 4})); }).find("[B, 4, h, w]"), std::string::npos);
}

// SDXL's config (leading spacing, steps_offset 1): 1000 steps would start at timestep 1000, past the schedule.
TEST(SchedulerSteps, LeadingSpacingPastTheScheduleIsAClearError) {
  auto c = mumu::parseSchedulerConfig(
      R"({"_class_name": "EulerDiscreteScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085,
          "beta_end": 0.012, "beta_schedule": "scaled_linear", "steps_offset": 1, "timestep_spacing": "leading"})",
      "sdxl");
  for (const char* name : {"ddim", "euler"}) {
    auto s = mumu::makeScheduler(name, c);
    s->setTimesteps(999);  // the most that fits
    try {
      s->setTimesteps(1000);
      ADD_FAILURE() << name << ": no error";
    } catch (const mumu::Error& e) {
      EXPECT_NE(std::string(e.what()).find("use at most 999 steps"), std::string::npos) << e.what();
    }
  }
}
