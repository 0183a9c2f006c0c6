// schedulers.cpp — DDIMScheduler, EulerDiscreteScheduler, EulerAncestralDiscreteScheduler and
// DPMSolverMultistepScheduler as in diffusers 0.27.2 (scheduling_*.py), their config and noise sources.
//
// Precision follows diffusers step for step, because the parity data checks sigmas to 1e-6 and timesteps
// exactly: the training schedule and every step() are float32 torch ops (the same ops on the same
// libtorch, so the same roundings); the timestep / sigma tables of set_timesteps are numpy float64 there
// and double here (np.linspace, np.arange, np.interp and np.round re-implemented below with numpy's exact
// arithmetic), rounded to float32 where diffusers casts. One numpy 1.x promotion rule matters: a float64
// scalar meeting a float32 array is computed in float32 (see sigmaToT).
#include "model/diffusion/schedulers.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/error.h"
#include "model/io/json_limits.h"

namespace fs = std::filesystem;

namespace mumu {

namespace {

const at::TensorOptions kF32 = at::TensorOptions().dtype(at::kFloat);

std::string joinOr(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + v[i];
  return s;
}

bool oneOf(const std::string& v, const std::vector<std::string>& allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

// ---- numpy float64 arithmetic, exactly as numpy 1.24 computes it --------------------------------------

// np.linspace(start, stop, num): y[i] = i·step + start, step = (stop - start)/(num - 1), last = stop.
std::vector<double> npLinspace(double start, double stop, int64_t num) {
  std::vector<double> y(static_cast<size_t>(std::max<int64_t>(num, 0)));
  if (num == 1) y[0] = start;
  if (num < 2) return y;
  const double delta = stop - start, div = static_cast<double>(num - 1), step = delta / div;
  for (int64_t i = 0; i < num; ++i)
    y[i] = (step == 0 ? static_cast<double>(i) / div * delta : static_cast<double>(i) * step) + start;
  y[num - 1] = stop;
  return y;
}

// np.arange(start, stop, step) for floats: length ceil((stop-start)/step); numpy fills start + i·delta with
// delta = (start + step) - start, which can differ from step in the last bit.
std::vector<double> npArange(double start, double stop, double step) {
  const double len = std::ceil((stop - start) / step);
  std::vector<double> y(len > 0 ? static_cast<size_t>(len) : 0);
  if (y.empty()) return y;
  y[0] = start;
  if (y.size() > 1) {
    y[1] = start + step;
    const double delta = y[1] - y[0];
    for (size_t i = 2; i < y.size(); ++i) y[i] = start + static_cast<double>(i) * delta;
  }
  return y;
}

// np.round: half to even.
double npRound(double x) {
  return std::nearbyint(x);
}

// np.interp(x, arange(len(fp)), fp) in float64.
double npInterp(double x, const std::vector<float>& fp) {
  const int64_t n = static_cast<int64_t>(fp.size());
  if (std::isnan(x)) return x;
  if (x < 0) return fp.front();
  if (x >= static_cast<double>(n - 1)) return fp.back();
  const int64_t j = static_cast<int64_t>(std::floor(x));
  if (static_cast<double>(j) == x) return fp[j];
  const double slope = (static_cast<double>(fp[j + 1]) - fp[j]) / 1.0;
  return slope * (x - static_cast<double>(j)) + fp[j];
}

// diffusers _sigma_to_t: the fractional training timestep whose log-sigma matches. With numpy 1.x rules the
// float64 log_sigma is rounded to float32 when it meets the float32 log_sigmas array, the interpolation weight
// is float32, and only the final blend with the integer indices is float64.
double sigmaToT(double sigma, const std::vector<float>& logSigmas) {
  const float ls = static_cast<float>(std::log(std::max(sigma, 1e-10)));
  const int64_t n = static_cast<int64_t>(logSigmas.size());
  int64_t low = 0;  // cumsum(dists >= 0).argmax(): the last index with dists >= 0, else 0
  for (int64_t j = 0; j < n; ++j)
    if (ls - logSigmas[j] >= 0.0f) low = j;
  low = std::min(low, n - 2);
  const int64_t high = low + 1;
  const float lo = logSigmas[low], hi = logSigmas[high];
  float w = (lo - ls) / (lo - hi);
  w = std::clamp(w, 0.0f, 1.0f);
  return static_cast<double>(1.0f - w) * static_cast<double>(low) + static_cast<double>(w) * static_cast<double>(high);
}

// Karras et al. (2022) noise levels, rho = 7, from sigmaMax down to sigmaMin (diffusers _convert_to_karras).
std::vector<double> karrasSigmas(double sigmaMin, double sigmaMax, int n) {
  const double rho = 7.0;
  const std::vector<double> ramp = npLinspace(0, 1, n);
  const double minInvRho = std::pow(sigmaMin, 1 / rho), maxInvRho = std::pow(sigmaMax, 1 / rho);
  std::vector<double> s(ramp.size());
  for (size_t i = 0; i < s.size(); ++i) s[i] = std::pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
  return s;
}

std::vector<float> toFloats(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

at::Tensor doublesToF32(const std::vector<double>& v) {
  return at::tensor(at::ArrayRef<double>(v), at::TensorOptions().dtype(at::kDouble)).to(at::kFloat);
}

// ---- training schedule (float32 torch, as diffusers' __init__) ----------------------------------------

at::Tensor makeBetas(const SchedulerConfig& c) {
  const int64_t T = c.numTrainTimesteps;
  at::Tensor betas;
  if (!c.trainedBetas.empty()) {
    betas = doublesToF32(c.trainedBetas);
  } else if (c.betaSchedule == "linear") {
    betas = at::linspace(c.betaStart, c.betaEnd, T, kF32);
  } else if (c.betaSchedule == "scaled_linear") {
    // Latent diffusion's schedule: linear in sqrt(beta).
    betas = at::linspace(std::pow(c.betaStart, 0.5), std::pow(c.betaEnd, 0.5), T, kF32).pow(2);
  } else {  // squaredcos_cap_v2 (GLIDE cosine), Python floats then one cast
    auto alphaBar = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2); };
    std::vector<double> b(T);
    for (int64_t i = 0; i < T; ++i) {
      const double t1 = static_cast<double>(i) / T, t2 = static_cast<double>(i + 1) / T;
      b[i] = std::min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
    }
    betas = doublesToF32(b);
  }
  if (c.rescaleBetasZeroSnr) {  // arXiv 2305.08891 Algorithm 1: shift and scale sqrt(ᾱ) so ᾱ_T = 0
    at::Tensor ac = at::cumprod(at::rsub(betas, 1.0), 0);
    at::Tensor s = ac.sqrt();
    const at::Tensor s0 = s[0].clone(), sT = s[-1].clone();
    s.sub_(sT);
    s.mul_(s0 / (s0 - sT));
    const at::Tensor abar = s.pow(2);
    const at::Tensor alphas = at::cat({abar.slice(0, 0, 1), abar.slice(0, 1) / abar.slice(0, 0, -1)});
    betas = at::rsub(alphas, 1);
  }
  return betas;
}

// ---- JSON with Python's non-finite literals ------------------------------------------------------------

// Python's json writes Infinity / -Infinity / NaN (lambda_min_clipped: -Infinity); nlohmann rejects them, so
// outside strings they become the strings "Infinity" etc., which numberAt() reads back.
std::string pythonJsonToStrict(const std::string& in) {
  std::string out;
  out.reserve(in.size() + 16);
  bool inString = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const char ch = in[i];
    if (inString) {
      out += ch;
      if (ch == '\\' && i + 1 < in.size())
        out += in[++i];
      else if (ch == '"')
        inString = false;
      continue;
    }
    if (ch == '"') inString = true;
    bool replaced = false;
    for (const char* tok : {"-Infinity", "Infinity", "NaN"}) {
      const size_t n = std::strlen(tok);
      if (in.compare(i, n, tok) == 0) {
        out += '"';
        out += tok;
        out += '"';
        i += n - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += ch;
  }
  return out;
}

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, const std::string& where) : j_(j), where_(where) {}

  // The value of `key`, or nullptr when absent or null (diffusers' default then applies).
  const nlohmann::json* find(const std::string& key) {
    seen_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  void number(const std::string& key, double& out) {
    if (const auto* v = find(key)) out = numberAt(key, *v);
  }
  void integer(const std::string& key, int& out) {
    if (const auto* v = find(key)) {
      const double d = numberAt(key, *v);
      if (d != std::floor(d) || std::abs(d) > 1e9) bad(key, "expected an integer, got " + v->dump());
      out = static_cast<int>(d);
    }
  }
  void boolean(const std::string& key, bool& out) {
    if (const auto* v = find(key)) {
      if (!v->is_boolean()) bad(key, "expected true or false, got " + v->dump());
      out = v->get<bool>();
    }
  }
  void string(const std::string& key, std::string& out) {
    if (const auto* v = find(key)) {
      if (!v->is_string()) bad(key, "expected a string, got " + v->dump());
      out = v->get<std::string>();
    }
  }
  double numberAt(const std::string& key, const nlohmann::json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (s == "Infinity") return std::numeric_limits<double>::infinity();
      if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
      if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    }
    bad(key, "expected a number, got " + v.dump());
  }
  [[noreturn]] void bad(const std::string& key, const std::string& what) { fail(where_, key + ": " + what); }
  std::vector<std::string> unread() const {
    std::vector<std::string> keys;
    for (const auto& [k, v] : j_.items())
      if (!k.empty() && k[0] != '_' && !seen_.count(k)) keys.push_back(k);
    return keys;
  }

 private:
  const nlohmann::json& j_;
  const std::string& where_;
  std::set<std::string> seen_;
};

const char* classDefaultSpacing(const std::string& className) {
  if (className == "DDIMScheduler") return "leading";
  if (className == "EulerDiscreteScheduler" || className == "EulerAncestralDiscreteScheduler" ||
      className == "DPMSolverMultistepScheduler")
    return "linspace";
  return "";
}

}  // namespace

// ---- config ---------------------------------------------------------------------------------------------

void validateSchedulerConfig(const SchedulerConfig& c, const std::string& where) {
  auto need = [&](bool ok, const std::string& key, const std::string& what) {
    if (!ok) fail(where, key + ": " + what);
  };
  auto choice = [&](const std::string& v, const std::string& key, const std::vector<std::string>& allowed) {
    need(oneOf(v, allowed), key, "unknown value '" + v + "' (expected " + joinOr(allowed) + ")");
  };
  need(c.numTrainTimesteps >= 2 && c.numTrainTimesteps <= 1000000, "num_train_timesteps",
       "must be between 2 and 1000000, got " + std::to_string(c.numTrainTimesteps));
  need(std::isfinite(c.betaStart) && c.betaStart > 0 && c.betaStart < 1, "beta_start", "must be in (0, 1)");
  need(std::isfinite(c.betaEnd) && c.betaEnd > 0 && c.betaEnd < 1, "beta_end", "must be in (0, 1)");
  choice(c.betaSchedule, "beta_schedule", {"linear", "scaled_linear", "squaredcos_cap_v2"});
  if (!c.trainedBetas.empty()) {
    need(static_cast<int>(c.trainedBetas.size()) == c.numTrainTimesteps, "trained_betas",
         std::to_string(c.trainedBetas.size()) + " values for num_train_timesteps " +
             std::to_string(c.numTrainTimesteps));
    for (double b : c.trainedBetas)
      need(std::isfinite(b) && b > 0 && b < 1, "trained_betas", "values must be in (0, 1)");
  }
  choice(c.predictionType, "prediction_type", {"epsilon", "v_prediction", "sample"});
  if (!c.timestepSpacing.empty()) choice(c.timestepSpacing, "timestep_spacing", {"linspace", "leading", "trailing"});
  need(c.stepsOffset >= 0 && c.stepsOffset < c.numTrainTimesteps, "steps_offset",
       "must be in [0, num_train_timesteps), got " + std::to_string(c.stepsOffset));
  need(std::isfinite(c.clipSampleRange) && c.clipSampleRange > 0, "clip_sample_range", "must be positive");
  choice(c.interpolationType, "interpolation_type", {"linear", "log_linear"});
  choice(c.timestepType, "timestep_type", {"discrete", "continuous"});
  if (c.sigmaMin) need(std::isfinite(*c.sigmaMin) && *c.sigmaMin > 0, "sigma_min", "must be positive");
  if (c.sigmaMax) need(std::isfinite(*c.sigmaMax) && *c.sigmaMax > 0, "sigma_max", "must be positive");
  need(c.solverOrder >= 1 && c.solverOrder <= 3, "solver_order",
       "must be 1, 2 or 3, got " + std::to_string(c.solverOrder));
  choice(c.algorithmType, "algorithm_type", {"dpmsolver++", "dpmsolver"});
  choice(c.solverType, "solver_type", {"midpoint", "heun"});
  choice(c.finalSigmasType, "final_sigmas_type", {"zero", "sigma_min"});
  need(!std::isnan(c.lambdaMinClipped), "lambda_min_clipped", "must be a number");
  if (c.className == "DPMSolverMultistepScheduler")
    need(!(c.algorithmType == "dpmsolver" && c.finalSigmasType == "zero"), "final_sigmas_type",
         "'zero' needs algorithm_type dpmsolver++ (use sigma_min with dpmsolver)");
}

SchedulerConfig parseSchedulerConfig(const std::string& text, const std::string& where) {
  checkJsonDepth(text, where);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(pythonJsonToStrict(text));
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("invalid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) fail(where, "expected a JSON object");
  ConfigReader r(j, where);
  SchedulerConfig c;
  r.string("_class_name", c.className);
  r.integer("num_train_timesteps", c.numTrainTimesteps);
  r.number("beta_start", c.betaStart);
  r.number("beta_end", c.betaEnd);
  r.string("beta_schedule", c.betaSchedule);
  if (const auto* v = r.find("trained_betas")) {
    if (!v->is_array()) r.bad("trained_betas", "expected a list of numbers or null");
    for (const auto& b : *v) c.trainedBetas.push_back(r.numberAt("trained_betas", b));
  }
  r.string("prediction_type", c.predictionType);
  r.string("timestep_spacing", c.timestepSpacing);
  if (c.timestepSpacing.empty()) c.timestepSpacing = classDefaultSpacing(c.className);
  r.integer("steps_offset", c.stepsOffset);
  r.boolean("rescale_betas_zero_snr", c.rescaleBetasZeroSnr);
  r.boolean("clip_sample", c.clipSample);
  r.number("clip_sample_range", c.clipSampleRange);
  r.boolean("set_alpha_to_one", c.setAlphaToOne);
  r.string("interpolation_type", c.interpolationType);
  r.boolean("use_karras_sigmas", c.useKarrasSigmas);
  for (auto [key, field] : {std::pair{"sigma_min", &c.sigmaMin}, std::pair{"sigma_max", &c.sigmaMax}})
    if (const auto* v = r.find(key)) *field = r.numberAt(key, *v);
  r.string("timestep_type", c.timestepType);
  r.integer("solver_order", c.solverOrder);
  r.string("algorithm_type", c.algorithmType);
  if (c.algorithmType == "deis") c.algorithmType = "dpmsolver++";  // diffusers maps these, with a warning
  r.string("solver_type", c.solverType);
  if (oneOf(c.solverType, {"logrho", "bh1", "bh2"})) c.solverType = "midpoint";
  r.boolean("lower_order_final", c.lowerOrderFinal);
  r.boolean("euler_at_final", c.eulerAtFinal);
  r.string("final_sigmas_type", c.finalSigmasType);
  r.number("lambda_min_clipped", c.lambdaMinClipped);

  // Read only to refuse what this port does not do; their defaults change nothing.
  bool off = false;
  r.boolean("thresholding", off);
  if (off) r.bad("thresholding", "dynamic thresholding is not supported");
  r.boolean("use_lu_lambdas", off);
  if (off) r.bad("use_lu_lambdas", "Lu lambdas are not supported");
  if (const auto* v = r.find("variance_type"))
    r.bad("variance_type", "learned variance is not supported, got " + v->dump());
  if (oneOf(c.algorithmType, {"sde-dpmsolver", "sde-dpmsolver++"}))
    r.bad("algorithm_type", "the SDE variants are not supported, got '" + c.algorithmType + "'");
  for (const char* k : {"dynamic_thresholding_ratio", "sample_max_value"}) r.find(k);  // used only by thresholding

  c.ignoredKeys = r.unread();
  validateSchedulerConfig(c, where);
  return c;
}

SchedulerConfig readSchedulerConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the scheduler config");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (1u << 20)) fail(path, "larger than 1 MiB: not a scheduler config");
  return parseSchedulerConfig(ss.str(), path);
}

// ---- noise ----------------------------------------------------------------------------------------------

SeededNoise::SeededNoise(uint64_t seed) : seed_(seed), gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

at::Tensor SeededNoise::next(at::IntArrayRef shape, const at::TensorOptions& options) {
  // Drawn on the CPU in the requested dtype, as diffusers' randn_tensor with a CPU generator.
  return at::randn(shape, gen_, at::TensorOptions().dtype(options.dtype())).to(options.device());
}

std::string SeededNoise::name() const {
  return "torch.cpu.mt19937:" + std::to_string(seed_);
}

ReplayNoise::ReplayNoise(std::vector<at::Tensor> tensors) : tensors_(std::move(tensors)) {}

ReplayNoise ReplayNoise::fromStacked(const at::Tensor& stacked) {
  if (!stacked.defined() || stacked.dim() < 1) fail("replay noise", "expected a stacked tensor [N, ...]");
  std::vector<at::Tensor> v;
  for (int64_t i = 0; i < stacked.size(0); ++i) v.push_back(stacked[i]);
  return ReplayNoise(std::move(v));
}

at::Tensor ReplayNoise::next(at::IntArrayRef shape, const at::TensorOptions& options) {
  if (pos_ >= tensors_.size())
    fail("replay noise", "exhausted: all " + std::to_string(tensors_.size()) + " recorded tensors were used");
  const at::Tensor& t = tensors_[pos_];
  if (t.sizes() != shape) {
    std::ostringstream os;
    os << "tensor " << pos_ << " has shape " << t.sizes() << ", asked for " << shape;
    fail("replay noise", os.str());
  }
  ++pos_;
  return t.to(options.device(), options.has_dtype() ? options.dtype().toScalarType() : t.scalar_type());
}

std::string ReplayNoise::name() const {
  return "replay:" + std::to_string(tensors_.size());
}

std::unique_ptr<NoiseSource> makeNoiseSource(const std::string& name) {
  const std::string prefix = "torch.cpu.mt19937:";
  if (name.rfind(prefix, 0) == 0) {
    const std::string digits = name.substr(prefix.size());
    if (!digits.empty() && digits.size() <= 20 && std::all_of(digits.begin(), digits.end(), ::isdigit)) {
      errno = 0;
      const unsigned long long seed = std::strtoull(digits.c_str(), nullptr, 10);
      if (errno == 0) return std::make_unique<SeededNoise>(seed);
    }
  }
  fail("noise source", "cannot rebuild '" + name + "' (expected torch.cpu.mt19937:<seed>)");
}

// ---- scheduler base -------------------------------------------------------------------------------------

Scheduler::Scheduler(SchedulerConfig config, bool tinyTerminalAlpha) : config_(std::move(config)) {
  validateSchedulerConfig(config_, config_.className.empty() ? "scheduler config" : config_.className);
  betas_ = makeBetas(config_);
  alphasCumprod_ = at::cumprod(at::rsub(betas_, 1.0), 0);
  // Euler/DPM keep sigma_T finite under zero-terminal-SNR (fp16's smallest subnormal); DDIM does not.
  if (config_.rescaleBetasZeroSnr && tinyTerminalAlpha) alphasCumprod_[-1].fill_(std::pow(2.0, -24));
}

std::string Scheduler::timestepSpacing(const char* classDefault) const {
  return config_.timestepSpacing.empty() ? classDefault : config_.timestepSpacing;
}

void Scheduler::checkSteps(int numInferenceSteps) const {
  if (numInferenceSteps < 1 || numInferenceSteps > config_.numTrainTimesteps)
    fail(name(), "num_inference_steps must be in [1, " + std::to_string(config_.numTrainTimesteps) + "], got " +
                     std::to_string(numInferenceSteps));
  // "leading" spacing adds steps_offset to (n − 1)·⌊T / n⌋: with SDXL's offset 1 and n = T the first timestep is T,
  // past the schedule (diffusers fails there with an index error). Say so before sampling starts.
  if (config_.timestepSpacing == "leading") {
    const int64_t T = config_.numTrainTimesteps, n = numInferenceSteps;
    if ((n - 1) * (T / n) + config_.stepsOffset >= T)
      fail(name(), std::to_string(n) + " steps with steps_offset " + std::to_string(config_.stepsOffset) +
                       " reach timestep " + std::to_string((n - 1) * (T / n) + config_.stepsOffset) +
                       ", outside the " + std::to_string(T) + "-step training schedule: use at most " +
                       std::to_string(T - config_.stepsOffset) + " steps");
  }
}

void Scheduler::checkStep(int stepIndex, const char* what) const {
  if (!timesteps_.defined()) fail(name(), std::string(what) + ": call setTimesteps() first");
  if (stepIndex < 0 || stepIndex >= numSteps())
    fail(name(), std::string(what) + ": step index " + std::to_string(stepIndex) + " outside [0, " +
                     std::to_string(numSteps()) + ")");
}

at::Tensor Scheduler::scaleModelInput(const at::Tensor& x, int stepIndex) const {
  checkStep(stepIndex, "scaleModelInput");
  return x;
}

// Indexes alphas_cumprod by `timesteps` and shapes the result [B, 1, ...] to broadcast over `like`.
static at::Tensor gatherBroadcast(const at::Tensor& table, const at::Tensor& timesteps, const at::Tensor& like) {
  at::Tensor v = table.index_select(0, timesteps.flatten()).flatten();
  while (v.dim() < like.dim()) v = v.unsqueeze(-1);
  return v;
}

at::Tensor Scheduler::addNoise(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const {
  if (x0.sizes() != noise.sizes()) fail(name(), "addNoise: x0 and noise shapes differ");
  const at::Tensor t = timesteps.to(x0.device(), at::kLong);
  if (t.numel() && (t.min().item<int64_t>() < 0 || t.max().item<int64_t>() >= config_.numTrainTimesteps))
    fail(name(), "addNoise: timesteps outside [0, " + std::to_string(config_.numTrainTimesteps) + ")");
  const at::Tensor ac = alphasCumprod_.to(x0.device(), x0.scalar_type());
  const at::Tensor sqrtA = gatherBroadcast(ac, t, x0).pow(0.5);
  const at::Tensor sqrt1mA = gatherBroadcast(at::rsub(ac, 1), t, x0).pow(0.5);
  return sqrtA * x0 + sqrt1mA * noise;
}

at::Tensor Scheduler::velocity(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const {
  if (x0.sizes() != noise.sizes()) fail(name(), "velocity: x0 and noise shapes differ");
  const at::Tensor t = timesteps.to(x0.device(), at::kLong);
  if (t.numel() && (t.min().item<int64_t>() < 0 || t.max().item<int64_t>() >= config_.numTrainTimesteps))
    fail(name(), "velocity: timesteps outside [0, " + std::to_string(config_.numTrainTimesteps) + ")");
  const at::Tensor ac = alphasCumprod_.to(x0.device(), x0.scalar_type());
  const at::Tensor sqrtA = gatherBroadcast(ac, t, x0).pow(0.5);
  const at::Tensor sqrt1mA = gatherBroadcast(at::rsub(ac, 1), t, x0).pow(0.5);
  return sqrtA * noise - sqrt1mA * x0;
}

// The sigma-space schedulers' table sqrt((1 - ᾱ)/ᾱ), float32 (diffusers computes it in torch, then numpy).
static std::vector<float> trainSigmas(const at::Tensor& alphasCumprod) {
  return toFloats(at::rsub(alphasCumprod, 1).div(alphasCumprod).pow(0.5));
}

// ---- DDIMScheduler --------------------------------------------------------------------------------------

namespace {

class DDIMScheduler : public Scheduler {
 public:
  DDIMScheduler(SchedulerConfig c, double eta) : Scheduler(std::move(c), /*tinyTerminalAlpha=*/false), eta_(eta) {
    if (!std::isfinite(eta) || eta < 0) fail("DDIMScheduler", "eta must be >= 0");
    finalAlphaCumprod_ = config_.setAlphaToOne ? at::ones({}, kF32) : alphasCumprod_[0];
    initNoiseSigma_ = 1.0;
  }
  std::string name() const override { return "ddim"; }
  bool needsNoise() const override { return eta_ > 0; }

  void setTimesteps(int n) override {
    checkSteps(n);
    const int64_t T = config_.numTrainTimesteps;
    const std::string spacing = timestepSpacing("leading");
    std::vector<int64_t> ts;
    if (spacing == "linspace") {
      const auto v = npLinspace(0, static_cast<double>(T - 1), n);
      for (auto it = v.rbegin(); it != v.rend(); ++it) ts.push_back(static_cast<int64_t>(npRound(*it)));
    } else if (spacing == "leading") {
      const int64_t ratio = T / n;  // integer timesteps (leading spacing)
      for (int64_t i = n - 1; i >= 0; --i) ts.push_back(i * ratio + config_.stepsOffset);
    } else {  // trailing
      const auto v = npArange(static_cast<double>(T), 0, -static_cast<double>(T) / n);
      for (double t : v) ts.push_back(static_cast<int64_t>(npRound(t)) - 1);
    }
    timesteps_ = at::tensor(ts, at::TensorOptions().dtype(at::kLong));
    numInferenceSteps_ = n;
  }

  at::Tensor step(const at::Tensor& mo, int i, const at::Tensor& sample, NoiseSource* noise) override {
    checkStep(i, "step");
    if (eta_ > 0 && !noise) fail(name(), "step: eta > 0 needs a NoiseSource");
    const int64_t t = timesteps_[i].item<int64_t>();
    const int64_t prevT = t - config_.numTrainTimesteps / numInferenceSteps_;  // diffusers' rule for every spacing
    if (t < 0 || t >= config_.numTrainTimesteps) fail(name(), "step: timestep outside the training schedule");
    const at::Tensor aT = alphasCumprod_[t];
    const at::Tensor aPrev = prevT >= 0 ? alphasCumprod_[prevT] : finalAlphaCumprod_;
    const at::Tensor bT = at::rsub(aT, 1);

    at::Tensor x0, predEps;
    if (config_.predictionType == "epsilon") {
      x0 = (sample - bT.pow(0.5) * mo) / aT.pow(0.5);
      predEps = mo;
    } else if (config_.predictionType == "sample") {
      x0 = mo;
      predEps = (sample - aT.pow(0.5) * x0) / bT.pow(0.5);
    } else {  // v_prediction
      x0 = aT.pow(0.5) * sample - bT.pow(0.5) * mo;
      predEps = aT.pow(0.5) * mo + bT.pow(0.5) * sample;
    }
    if (config_.clipSample) x0 = x0.clamp(-config_.clipSampleRange, config_.clipSampleRange);

    const at::Tensor variance = (at::rsub(aPrev, 1) / bT) * at::rsub(aT / aPrev, 1);
    const at::Tensor stdDev = variance.pow(0.5) * eta_;
    const at::Tensor direction = (at::rsub(aPrev, 1) - stdDev.pow(2)).pow(0.5) * predEps;
    at::Tensor prev = aPrev.pow(0.5) * x0 + direction;
    if (eta_ > 0) prev = prev + stdDev * noise->next(mo.sizes(), mo.options());
    return prev;
  }

  at::Tensor addNoiseAtStep(const at::Tensor& x0, const at::Tensor& noise, int i) const override {
    checkStep(i, "addNoiseAtStep");
    return addNoise(x0, noise, timesteps_[i].reshape({1}).expand({x0.size(0)}));
  }

 private:
  double eta_;
  int numInferenceSteps_ = 0;
  at::Tensor finalAlphaCumprod_;
};

// ---- EulerDiscreteScheduler / EulerAncestralDiscreteScheduler --------------------------------------------

class EulerScheduler : public Scheduler {
 public:
  EulerScheduler(SchedulerConfig c, bool ancestral)
      : Scheduler(std::move(c), /*tinyTerminalAlpha=*/true), ancestral_(ancestral) {
    if (ancestral_ && config_.predictionType == "sample")
      fail("EulerAncestralDiscreteScheduler", "prediction_type: 'sample' is not implemented (diffusers neither)");
  }
  std::string name() const override {
    return ancestral_ ? "euler_a" : config_.useKarrasSigmas ? "euler_karras" : "euler";
  }
  bool needsNoise() const override { return ancestral_; }

  void setTimesteps(int n) override {
    checkSteps(n);
    const int64_t T = config_.numTrainTimesteps;
    const std::string spacing = timestepSpacing("linspace");
    std::vector<float> ts;  // float32, as diffusers' numpy array
    if (spacing == "linspace") {
      const auto v = npLinspace(0, static_cast<double>(T - 1), n);
      for (auto it = v.rbegin(); it != v.rend(); ++it) ts.push_back(static_cast<float>(*it));
    } else if (spacing == "leading") {
      const int64_t ratio = T / n;
      for (int64_t i = n - 1; i >= 0; --i)
        ts.push_back(static_cast<float>(i * ratio) + static_cast<float>(config_.stepsOffset));
    } else {  // trailing
      for (double t : npArange(static_cast<double>(T), 0, -static_cast<double>(T) / n))
        ts.push_back(static_cast<float>(npRound(t)) - 1.0f);
    }

    const std::vector<float> table = trainSigmas(alphasCumprod_);
    // The ancestral class has neither log-linear interpolation nor Karras sigmas (its config ignores them).
    const bool logLinear = !ancestral_ && config_.interpolationType == "log_linear";
    const bool karras = !ancestral_ && config_.useKarrasSigmas;
    std::vector<double> sig;
    if (!logLinear) {
      for (float t : ts) sig.push_back(npInterp(t, table));
    } else {  // torch float32 linspace of log-sigmas; note diffusers makes n + 1 of them
      const at::Tensor s = at::linspace(std::log(table.back()), std::log(table.front()), n + 1, kF32).exp();
      for (float v : toFloats(s)) sig.push_back(v);
    }
    if (karras) {
      std::vector<float> logTable;
      for (float s : table) logTable.push_back(static_cast<float>(std::log(static_cast<double>(s))));
      sig = karrasSigmas(config_.sigmaMin.value_or(sig.back()), config_.sigmaMax.value_or(sig.front()), n);
      ts.clear();
      for (double s : sig) ts.push_back(static_cast<float>(sigmaToT(s, logTable)));
    }
    const at::Tensor sigmas = doublesToF32(sig);
    if (!ancestral_ && config_.timestepType == "continuous" && config_.predictionType == "v_prediction") {
      std::vector<float> c;  // EDM-style 0.25·log(sigma), one 0-dim op per value as diffusers
      for (int64_t i = 0; i < sigmas.size(0); ++i) c.push_back(sigmas[i].log().mul(0.25).item<float>());
      timesteps_ = at::tensor(c, kF32);
    } else {
      timesteps_ = at::tensor(ts, kF32);
    }
    sigmas_ = at::cat({sigmas, at::zeros({1}, kF32)});
    const at::Tensor maxSigma = sigmas_.max();
    initNoiseSigma_ = (spacing == "linspace" || spacing == "trailing") ? maxSigma.item<double>()
                                                                       : maxSigma.pow(2).add(1).pow(0.5).item<double>();
  }

  at::Tensor scaleModelInput(const at::Tensor& x, int i) const override {
    checkStep(i, "scaleModelInput");
    const at::Tensor sigma = sigmas_[i];
    return x / sigma.pow(2).add(1).pow(0.5);
  }

  at::Tensor step(const at::Tensor& mo, int i, const at::Tensor& x, NoiseSource* noise) override {
    checkStep(i, "step");
    if (ancestral_ && !noise) fail(name(), "step: the ancestral sampler needs a NoiseSource");
    const at::Tensor sample = x.to(at::kFloat);  // diffusers upcasts the sample
    const at::Tensor sigma = sigmas_[i];         // = sigma_hat: no churn (gamma 0)
    at::Tensor x0;
    if (config_.predictionType == "epsilon") {
      x0 = sample - sigma * mo;
    } else if (config_.predictionType == "v_prediction") {
      x0 = mo * (-sigma / sigma.pow(2).add(1).pow(0.5)) + sample / sigma.pow(2).add(1);
    } else {
      x0 = mo;
    }
    const at::Tensor derivative = (sample - x0) / sigma;
    const at::Tensor sigmaNext = sigmas_[i + 1];
    if (!ancestral_) {
      const at::Tensor dt = sigmaNext - sigma;
      return (sample + derivative * dt).to(mo.scalar_type());
    }
    // Ancestral: step down to sigma_down deterministically, then add fresh noise of std sigma_up.
    const at::Tensor sigmaUp = (sigmaNext.pow(2) * (sigma.pow(2) - sigmaNext.pow(2)) / sigma.pow(2)).pow(0.5);
    const at::Tensor sigmaDown = (sigmaNext.pow(2) - sigmaUp.pow(2)).pow(0.5);
    const at::Tensor dt = sigmaDown - sigma;
    at::Tensor prev = sample + derivative * dt;
    prev = prev + noise->next(mo.sizes(), mo.options()) * sigmaUp;
    return prev.to(mo.scalar_type());
  }

  at::Tensor addNoiseAtStep(const at::Tensor& x0, const at::Tensor& noise, int i) const override {
    checkStep(i, "addNoiseAtStep");
    return x0 + noise * sigmas_[i].to(x0.scalar_type());
  }

 private:
  bool ancestral_;
};

// ---- DPMSolverMultistepScheduler ------------------------------------------------------------------------

class DPMSolverMultistepScheduler : public Scheduler {
 public:
  explicit DPMSolverMultistepScheduler(SchedulerConfig c) : Scheduler(std::move(c), /*tinyTerminalAlpha=*/true) {
    if (config_.algorithmType == "dpmsolver" && config_.finalSigmasType == "zero")
      fail("DPMSolverMultistepScheduler", "final_sigmas_type 'zero' needs algorithm_type dpmsolver++ (use sigma_min)");
    initNoiseSigma_ = 1.0;
  }
  std::string name() const override {
    return std::string(config_.algorithmType == "dpmsolver++" ? "dpmpp_" : "dpm_") +
           std::to_string(config_.solverOrder) + "m" + (config_.useKarrasSigmas ? "_karras" : "");
  }

  void setTimesteps(int n) override {
    checkSteps(n);
    const int64_t T = config_.numTrainTimesteps;
    // Clip the high-noise end where lambda(t) < lambda_min_clipped (cosine schedules); -inf clips nothing.
    const at::Tensor lambda = at::log(alphasCumprod_.sqrt()) - at::log(at::rsub(alphasCumprod_, 1).sqrt());
    const int64_t clipped = at::searchsorted(lambda.flip({0}), at::Scalar(config_.lambdaMinClipped)).item<int64_t>();
    const int64_t last = T - clipped;
    const std::string spacing = timestepSpacing("linspace");
    std::vector<double> ts;  // integer-valued
    if (spacing == "linspace") {
      const auto v = npLinspace(0, static_cast<double>(last - 1), n + 1);
      for (int64_t i = n; i >= 1; --i) ts.push_back(npRound(v[i]));
    } else if (spacing == "leading") {
      const int64_t ratio = last / (n + 1);
      for (int64_t i = n; i >= 1; --i) ts.push_back(static_cast<double>(i * ratio + config_.stepsOffset));
    } else {  // trailing
      for (double t : npArange(static_cast<double>(last), 0, -static_cast<double>(T) / n)) ts.push_back(npRound(t) - 1);
    }

    const std::vector<float> table = trainSigmas(alphasCumprod_);
    std::vector<double> sig;
    if (config_.useKarrasSigmas) {
      std::vector<float> logTable;
      for (float s : table) logTable.push_back(static_cast<float>(std::log(static_cast<double>(s))));
      sig = karrasSigmas(table.front(), table.back(), n);  // this class has no sigma_min / sigma_max
      ts.clear();
      for (double s : sig) ts.push_back(npRound(sigmaToT(s, logTable)));
    } else {
      for (double t : ts) sig.push_back(npInterp(t, table));
    }
    const double sigmaLast = config_.finalSigmasType == "sigma_min" ? table.front() : 0.0;
    sig.push_back(sigmaLast);
    sigmas_ = doublesToF32(sig);
    std::vector<int64_t> its;
    for (double t : ts) its.push_back(static_cast<int64_t>(t));
    timesteps_ = at::tensor(its, at::TensorOptions().dtype(at::kLong));
    modelOutputs_.assign(config_.solverOrder, at::Tensor());
    lowerOrderNums_ = 0;
    lastStep_ = -1;
  }

  at::Tensor step(const at::Tensor& mo, int i, const at::Tensor& x, NoiseSource*) override {
    checkStep(i, "step");
    if (lastStep_ >= 0 && i != lastStep_ + 1)
      fail(name(), "step: steps must run in order (got " + std::to_string(i) + " after " + std::to_string(lastStep_) +
                       "); call setTimesteps() to restart");
    const int n = numSteps();
    const bool lowerOrderFinal = i == n - 1 && (config_.eulerAtFinal || (config_.lowerOrderFinal && n < 15) ||
                                                config_.finalSigmasType == "zero");
    const bool lowerOrderSecond = i == n - 2 && config_.lowerOrderFinal && n < 15;

    const at::Tensor m = convertModelOutput(mo, i, x);
    for (int k = 0; k + 1 < config_.solverOrder; ++k) modelOutputs_[k] = modelOutputs_[k + 1];
    modelOutputs_.back() = m;

    const at::Tensor sample = x.to(at::kFloat);
    at::Tensor prev;
    if (config_.solverOrder == 1 || lowerOrderNums_ < 1 || lowerOrderFinal)
      prev = firstOrder(m, i, sample);
    else if (config_.solverOrder == 2 || lowerOrderNums_ < 2 || lowerOrderSecond)
      prev = secondOrder(i, sample);
    else
      prev = thirdOrder(i, sample);
    if (lowerOrderNums_ < config_.solverOrder) ++lowerOrderNums_;
    lastStep_ = i;
    return prev.to(mo.scalar_type());
  }

  at::Tensor addNoiseAtStep(const at::Tensor& x0, const at::Tensor& noise, int i) const override {
    checkStep(i, "addNoiseAtStep");
    const auto [alpha, sigma] = alphaSigma(sigmas_[i].to(x0.scalar_type()));
    return alpha * x0 + sigma * noise;
  }

 private:
  // VP noise level: alpha_t = 1/sqrt(sigma² + 1), sigma_t = sigma·alpha_t (diffusers _sigma_to_alpha_sigma_t).
  static std::pair<at::Tensor, at::Tensor> alphaSigma(const at::Tensor& sigma) {
    const at::Tensor alpha = sigma.pow(2).add(1).pow(0.5).reciprocal();  // torch evaluates 1/x as reciprocal
    return {alpha, sigma * alpha};
  }
  static at::Tensor lambdaOf(const at::Tensor& alpha, const at::Tensor& sigma) {
    return at::log(alpha) - at::log(sigma);
  }

  // The data prediction x0 (dpmsolver++) or the noise prediction (dpmsolver) from the model output.
  at::Tensor convertModelOutput(const at::Tensor& mo, int i, const at::Tensor& sample) const {
    const auto [alpha, sigma] = alphaSigma(sigmas_[i]);
    const std::string& p = config_.predictionType;
    if (config_.algorithmType == "dpmsolver++") {
      if (p == "epsilon") return (sample - sigma * mo) / alpha;
      if (p == "sample") return mo;
      return alpha * sample - sigma * mo;
    }
    if (p == "epsilon") return mo;
    if (p == "sample") return (sample - alpha * mo) / sigma;
    return alpha * mo + sigma * sample;
  }

  at::Tensor firstOrder(const at::Tensor& m, int i, const at::Tensor& sample) const {
    const auto [alphaT, sigmaT] = alphaSigma(sigmas_[i + 1]);
    const auto [alphaS, sigmaS] = alphaSigma(sigmas_[i]);
    const at::Tensor h = lambdaOf(alphaT, sigmaT) - lambdaOf(alphaS, sigmaS);
    if (config_.algorithmType == "dpmsolver++") return (sigmaT / sigmaS) * sample - (alphaT * (at::exp(-h) - 1.0)) * m;
    return (alphaT / alphaS) * sample - (sigmaT * (at::exp(h) - 1.0)) * m;
  }

  at::Tensor secondOrder(int i, const at::Tensor& sample) const {
    const auto [alphaT, sigmaT] = alphaSigma(sigmas_[i + 1]);
    const auto [alphaS0, sigmaS0] = alphaSigma(sigmas_[i]);
    const auto [alphaS1, sigmaS1] = alphaSigma(sigmas_[i - 1]);
    const at::Tensor lambdaT = lambdaOf(alphaT, sigmaT), lambdaS0 = lambdaOf(alphaS0, sigmaS0),
                     lambdaS1 = lambdaOf(alphaS1, sigmaS1);
    const at::Tensor& m0 = modelOutputs_[modelOutputs_.size() - 1];
    const at::Tensor& m1 = modelOutputs_[modelOutputs_.size() - 2];
    const at::Tensor h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1;
    const at::Tensor r0 = h0 / h;
    const at::Tensor& d0 = m0;
    const at::Tensor d1 = r0.reciprocal().mul(1.0) * (m0 - m1);
    const bool midpoint = config_.solverType == "midpoint";
    if (config_.algorithmType == "dpmsolver++") {
      const at::Tensor a = alphaT * (at::exp(-h) - 1.0);
      if (midpoint) return (sigmaT / sigmaS0) * sample - a * d0 - 0.5 * a * d1;
      return (sigmaT / sigmaS0) * sample - a * d0 + (alphaT * ((at::exp(-h) - 1.0) / h + 1.0)) * d1;
    }
    const at::Tensor s = sigmaT * (at::exp(h) - 1.0);
    if (midpoint) return (alphaT / alphaS0) * sample - s * d0 - 0.5 * s * d1;
    return (alphaT / alphaS0) * sample - s * d0 - (sigmaT * ((at::exp(h) - 1.0) / h - 1.0)) * d1;
  }

  at::Tensor thirdOrder(int i, const at::Tensor& sample) const {
    const auto [alphaT, sigmaT] = alphaSigma(sigmas_[i + 1]);
    const auto [alphaS0, sigmaS0] = alphaSigma(sigmas_[i]);
    const auto [alphaS1, sigmaS1] = alphaSigma(sigmas_[i - 1]);
    const auto [alphaS2, sigmaS2] = alphaSigma(sigmas_[i - 2]);
    const at::Tensor lambdaT = lambdaOf(alphaT, sigmaT), lambdaS0 = lambdaOf(alphaS0, sigmaS0),
                     lambdaS1 = lambdaOf(alphaS1, sigmaS1), lambdaS2 = lambdaOf(alphaS2, sigmaS2);
    const size_t k = modelOutputs_.size();
    const at::Tensor &m0 = modelOutputs_[k - 1], &m1 = modelOutputs_[k - 2], &m2 = modelOutputs_[k - 3];
    const at::Tensor h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1, h1 = lambdaS1 - lambdaS2;
    const at::Tensor r0 = h0 / h, r1 = h1 / h;
    const at::Tensor& d0 = m0;
    const at::Tensor d10 = r0.reciprocal().mul(1.0) * (m0 - m1), d11 = r1.reciprocal().mul(1.0) * (m1 - m2);
    const at::Tensor d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
    const at::Tensor d2 = (r0 + r1).reciprocal().mul(1.0) * (d10 - d11);
    if (config_.algorithmType == "dpmsolver++")
      return (sigmaT / sigmaS0) * sample - (alphaT * (at::exp(-h) - 1.0)) * d0 +
             (alphaT * ((at::exp(-h) - 1.0) / h + 1.0)) * d1 -
             (alphaT * ((at::exp(-h) - 1.0 + h) / h.pow(2) - 0.5)) * d2;
    return (alphaT / alphaS0) * sample - (sigmaT * (at::exp(h) - 1.0)) * d0 -
           (sigmaT * ((at::exp(h) - 1.0) / h - 1.0)) * d1 - (sigmaT * ((at::exp(h) - 1.0 - h) / h.pow(2) - 0.5)) * d2;
  }

  std::vector<at::Tensor> modelOutputs_;  // the last solverOrder converted outputs, oldest first
  int lowerOrderNums_ = 0;
  int lastStep_ = -1;
};

}  // namespace

// ---- factory --------------------------------------------------------------------------------------------

std::vector<std::string> schedulerNames() {
  return {"ddim", "euler", "euler_karras", "euler_a", "dpmpp_2m", "dpmpp_2m_karras"};
}

std::unique_ptr<Scheduler> makeScheduler(const std::string& name, const SchedulerConfig& config, double eta) {
  SchedulerConfig c = config;
  const std::string n = name.empty() || name == "auto" ? c.className : name;
  if (n == "ddim" || n == "DDIMScheduler") return std::make_unique<DDIMScheduler>(c, eta);
  if (n == "euler" || n == "euler_karras") {
    c.useKarrasSigmas = n == "euler_karras";
    return std::make_unique<EulerScheduler>(c, false);
  }
  if (n == "EulerDiscreteScheduler") return std::make_unique<EulerScheduler>(c, false);
  if (n == "euler_a" || n == "EulerAncestralDiscreteScheduler") return std::make_unique<EulerScheduler>(c, true);
  if (n == "dpmpp_2m" || n == "dpmpp_2m_karras") {
    c.solverOrder = 2;
    c.algorithmType = "dpmsolver++";
    c.solverType = "midpoint";
    c.useKarrasSigmas = n == "dpmpp_2m_karras";
    return std::make_unique<DPMSolverMultistepScheduler>(c);
  }
  if (n == "DPMSolverMultistepScheduler") return std::make_unique<DPMSolverMultistepScheduler>(c);
  if (name.empty() || name == "auto")
    fail("scheduler", "unsupported _class_name '" + c.className +
                          "' (expected DDIMScheduler, EulerDiscreteScheduler, EulerAncestralDiscreteScheduler or "
                          "DPMSolverMultistepScheduler)");
  fail("scheduler", "unknown scheduler '" + name + "' (expected " + joinOr(schedulerNames()) + ")");
}

std::unique_ptr<Scheduler> makeScheduler(const SchedulerConfig& config) {
  return makeScheduler("auto", config);
}

// ---- guidance -------------------------------------------------------------------------------------------

at::Tensor applyGuidance(const at::Tensor& uncond, const at::Tensor& cond, double scale) {
  if (uncond.sizes() != cond.sizes()) fail("guidance", "uncond and cond shapes differ");
  return uncond + scale * (cond - uncond);
}

at::Tensor applyGuidanceBatched(const at::Tensor& batched, double scale) {
  if (batched.dim() < 1 || batched.size(0) % 2 != 0)
    fail("guidance", "expected a [2B, ...] batch of [uncond; cond], got batch " +
                         std::to_string(batched.dim() ? batched.size(0) : 0));
  const auto halves = batched.chunk(2, 0);
  return applyGuidance(halves[0], halves[1], scale);
}

at::Tensor rescaleGuidance(const at::Tensor& guided, const at::Tensor& cond, double phi) {
  if (guided.sizes() != cond.sizes()) fail("guidance", "guided and cond shapes differ");
  if (phi == 0.0 || guided.dim() < 2) return guided;
  std::vector<int64_t> dims;
  for (int64_t d = 1; d < guided.dim(); ++d) dims.push_back(d);
  const at::Tensor stdCond = cond.std(dims, /*unbiased=*/true, /*keepdim=*/true);
  const at::Tensor stdGuided = guided.std(dims, /*unbiased=*/true, /*keepdim=*/true);
  const at::Tensor rescaled = guided * (stdCond / stdGuided);
  return phi * rescaled + (1 - phi) * guided;
}

// ---- reference replay -----------------------------------------------------------------------------------

std::map<std::string, at::Tensor> replaySchedulerCase(const std::string& caseDir,
                                                      const std::map<std::string, at::Tensor>& io) {
  const fs::path dir(caseDir);
  const SchedulerConfig config = readSchedulerConfig((dir / "scheduler_config.json").string());
  const std::string metaPath = (dir / "meta.json").string();
  std::vector<int> stepCounts;
  {
    std::ifstream in(metaPath);
    if (!in) fail(metaPath, "cannot open");
    nlohmann::json meta;
    try {
      meta = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      fail(metaPath, std::string("invalid JSON (") + e.what() + ")");
    }
    const auto it = meta.find("num_inference_steps");
    if (it == meta.end() || !it->is_array()) fail(metaPath, "num_inference_steps: expected a list of integers");
    for (const auto& v : *it) {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 100000)
        fail(metaPath, "num_inference_steps: expected positive integers, got " + v.dump());
      stepCounts.push_back(v.get<int>());
    }
  }
  const auto initIt = io.find("input.init_noise");
  if (initIt == io.end()) fail(caseDir, "io.safetensors has no input.init_noise");
  const at::Tensor init = initIt->second.to(at::kFloat);

  torch::NoGradGuard noGrad;
  std::unique_ptr<Scheduler> s = makeScheduler(config);
  std::map<std::string, at::Tensor> out;
  out["train.betas"] = s->trainBetas();
  out["train.alphas_cumprod"] = s->alphasCumprod();
  for (int n : stepCounts) {
    const std::string p = "steps" + std::to_string(n) + ".";
    s->setTimesteps(n);
    std::optional<ReplayNoise> noise;
    if (auto it = io.find(p + "noise"); it != io.end()) noise = ReplayNoise::fromStacked(it->second);
    if (s->needsNoise() && !noise) fail(caseDir, "io.safetensors has no " + p + "noise for " + s->name());

    std::vector<at::Tensor> latents, inputs, epss;
    at::Tensor x = init * s->initNoiseSigma();
    latents.push_back(x);
    for (int i = 0; i < s->numSteps(); ++i) {
      const at::Tensor in = s->scaleModelInput(x, i);
      const at::Tensor t = s->timesteps()[i].to(at::kFloat);
      const at::Tensor eps = in * 0.1 + t * 0.01 / 1000;  // the reference's fake model
      x = s->step(eps, i, x, noise ? &*noise : nullptr);
      inputs.push_back(in);
      epss.push_back(eps);
      latents.push_back(x);
    }
    out[p + "latents"] = at::stack(latents);
    out[p + "model_input"] = at::stack(inputs);
    out[p + "eps"] = at::stack(epss);
    out[p + "final"] = x;
    out[p + "timesteps"] = s->timesteps();
    if (s->sigmas().defined()) out[p + "sigmas"] = s->sigmas();
    out[p + "init_noise_sigma"] = at::full({1}, s->initNoiseSigma(), kF32);
  }
  return out;
}

}  // namespace mumu
