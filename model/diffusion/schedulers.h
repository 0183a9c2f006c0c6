// schedulers.h — the noise schedulers MUMU samples with, ported from diffusers 0.27.2: DDIMScheduler,
// EulerDiscreteScheduler, EulerAncestralDiscreteScheduler and DPMSolverMultistepScheduler (DPM++ 2M Karras),
// with the config they read (scheduler_config.json), the noise sources they draw from and the
// classifier-free-guidance mix. They reproduce diffusers' float32 results: the parts diffusers computes in
// numpy float64 are computed in double here and rounded to float32 at the same points.
//
// A sampling loop (what diffusers' pipelines do):
//   auto s = makeScheduler("dpmpp_2m_karras", readSchedulerConfig(".../scheduler_config.json"));
//   s->setTimesteps(30);
//   at::Tensor x = initialNoise * s->initNoiseSigma();                       // [B, 4, h, w]
//   for (int i = 0; i < s->numSteps(); ++i) {
//     at::Tensor in = s->scaleModelInput(x, i);
//     at::Tensor eps = unet(in, s->timesteps()[i], ...);
//     x = s->step(eps, i, x, &noise);
//   }
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mumu {

// ---- config --------------------------------------------------------------------------------------------

// diffusers' __init__ arguments of the four scheduler classes (the union), with diffusers' defaults. Values
// keep diffusers' spelling. A field a class does not have is ignored by it, as diffusers ignores it.
struct SchedulerConfig {
  std::string className;                   // `_class_name`: DDIMScheduler, EulerDiscreteScheduler, ...
  int numTrainTimesteps = 1000;            // num_train_timesteps
  double betaStart = 0.0001;               // beta_start
  double betaEnd = 0.02;                   // beta_end
  std::string betaSchedule = "linear";     // beta_schedule: linear | scaled_linear | squaredcos_cap_v2
  std::vector<double> trainedBetas;        // trained_betas: when non-empty, replaces the schedule
  std::string predictionType = "epsilon";  // prediction_type: epsilon | v_prediction | sample
  // timestep_spacing: linspace | leading | trailing. Empty = the class's default (leading for DDIM, linspace
  // for the others); readSchedulerConfig fills it in from `_class_name` as diffusers does.
  std::string timestepSpacing;
  int stepsOffset = 0;               // steps_offset
  bool rescaleBetasZeroSnr = false;  // rescale_betas_zero_snr

  // DDIMScheduler
  bool clipSample = true;        // clip_sample
  double clipSampleRange = 1.0;  // clip_sample_range
  bool setAlphaToOne = true;     // set_alpha_to_one

  // EulerDiscreteScheduler (use_karras_sigmas also DPMSolverMultistepScheduler)
  std::string interpolationType = "linear";  // interpolation_type: linear | log_linear
  bool useKarrasSigmas = false;              // use_karras_sigmas
  std::optional<double> sigmaMin, sigmaMax;  // sigma_min / sigma_max (Karras range; null = the schedule's)
  std::string timestepType = "discrete";     // timestep_type: discrete | continuous

  // DPMSolverMultistepScheduler
  int solverOrder = 2;                        // solver_order: 1, 2 or 3
  std::string algorithmType = "dpmsolver++";  // algorithm_type: dpmsolver++ | dpmsolver
  std::string solverType = "midpoint";        // solver_type: midpoint | heun
  bool lowerOrderFinal = true;                // lower_order_final
  bool eulerAtFinal = false;                  // euler_at_final
  std::string finalSigmasType = "zero";       // final_sigmas_type: zero | sigma_min
  // lambda_min_clipped: clips the noisiest timesteps where lambda(t) falls below it (cosine schedules)
  double lambdaMinClipped = -std::numeric_limits<double>::infinity();

  std::vector<std::string> ignoredKeys;  // keys of the file this port does not read (diffusers warns too)
};

// Parses scheduler_config.json text (Python's json: `Infinity`, `-Infinity`, `NaN` accepted). Omitted keys
// take diffusers' defaults for `_class_name`. Keys whose non-default values are not supported (thresholding,
// use_lu_lambdas, variance_type, SDE algorithms) and malformed values throw mumu::Error "<where>: <key>: ...".
SchedulerConfig parseSchedulerConfig(const std::string& jsonText, const std::string& where);
SchedulerConfig readSchedulerConfig(const std::string& path);

// Throws mumu::Error "<where>: <key>: ..." for a value no scheduler accepts.
void validateSchedulerConfig(const SchedulerConfig& config, const std::string& where);

// ---- noise ---------------------------------------------------------------------------------------------

// Where the random numbers of a generation come from. A recorded name() reproduces the stream.
class NoiseSource {
 public:
  virtual ~NoiseSource() = default;
  // A standard-normal tensor of `shape`, as `options`' dtype on `options`' device.
  virtual at::Tensor next(at::IntArrayRef shape, const at::TensorOptions& options) = 0;
  virtual std::string name() const = 0;
};

// torch's CPU generator (mt19937) seeded like `torch.Generator().manual_seed(seed)`: draws on the CPU with
// at::randn, then moves the tensor, so a seed gives the same numbers on every device (and the same as
// PyTorch / diffusers with a CPU generator). name() = "torch.cpu.mt19937:<seed>".
class SeededNoise : public NoiseSource {
 public:
  explicit SeededNoise(uint64_t seed);
  at::Tensor next(at::IntArrayRef shape, const at::TensorOptions& options) override;
  std::string name() const override;
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  at::Generator gen_;
};

// Returns given tensors in order (recorded noise, or DDIM's `variance_noise`); throws when exhausted or when
// a shape differs from the one asked for. name() = "replay:<count>".
class ReplayNoise : public NoiseSource {
 public:
  explicit ReplayNoise(std::vector<at::Tensor> tensors);
  // Slices of `stacked` along dim 0: [N, ...] gives N tensors of shape [...].
  static ReplayNoise fromStacked(const at::Tensor& stacked);
  at::Tensor next(at::IntArrayRef shape, const at::TensorOptions& options) override;
  std::string name() const override;
  size_t remaining() const { return tensors_.size() - pos_; }

 private:
  std::vector<at::Tensor> tensors_;
  size_t pos_ = 0;
};

// Rebuilds a source from its recorded name ("torch.cpu.mt19937:<seed>"). Throws mumu::Error otherwise.
std::unique_ptr<NoiseSource> makeNoiseSource(const std::string& name);

// ---- schedulers ----------------------------------------------------------------------------------------

// One sampling run's schedule and state. Steps are addressed by index i into timesteps(); step() of the
// multistep solver keeps history, so its steps must run in order after setTimesteps().
class Scheduler {
 public:
  // Validates `config` and builds the training schedule. `tinyTerminalAlpha`: under rescale_betas_zero_snr,
  // set ᾱ_T = 2^-24 instead of 0 (the sigma-space classes, so sigma_T stays finite).
  Scheduler(SchedulerConfig config, bool tinyTerminalAlpha);
  virtual ~Scheduler() = default;

  // What it is: "ddim", "euler", "euler_karras", "euler_a", "dpmpp_2m", "dpmpp_2m_karras"; multistep configs
  // of other orders / algorithms give "dpmpp_<order>m[_karras]" or "dpm_<order>m[_karras]".
  virtual std::string name() const = 0;
  const SchedulerConfig& config() const { return config_; }

  // Prepares `numInferenceSteps` steps and resets the state.
  virtual void setTimesteps(int numInferenceSteps) = 0;
  int numSteps() const { return timesteps_.defined() ? static_cast<int>(timesteps_.size(0)) : 0; }
  // [N] what the UNet gets as `timestep`: int64 (DDIM, DPM-Solver) or float32 (Euler), as diffusers.
  const at::Tensor& timesteps() const { return timesteps_; }
  // [N+1] float32 noise levels including the final one; undefined for DDIM, which has none.
  const at::Tensor& sigmas() const { return sigmas_; }
  // Standard deviation of the initial noise (x = N(0,1) · initNoiseSigma()), a float32 value.
  double initNoiseSigma() const { return initNoiseSigma_; }
  // Whether step() draws from its NoiseSource (Euler ancestral; DDIM with eta > 0).
  virtual bool needsNoise() const { return false; }

  // The UNet input at step i (Euler divides by sqrt(sigma² + 1); the others return x).
  virtual at::Tensor scaleModelInput(const at::Tensor& x, int stepIndex) const;
  // x_{i+1} from the model output at step i. `noise` is required when needsNoise().
  virtual at::Tensor step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& x,
                          NoiseSource* noise = nullptr) = 0;
  // Noises clean latents to the level of step i of the current schedule (img2img start, inpainting).
  virtual at::Tensor addNoiseAtStep(const at::Tensor& x0, const at::Tensor& noise, int stepIndex) const = 0;

  // The training schedule: [T] float32 betas and cumulative products of (1 - beta).
  const at::Tensor& trainBetas() const { return betas_; }
  const at::Tensor& alphasCumprod() const { return alphasCumprod_; }
  // DDPM forward process (diffusers DDPMScheduler/DDIMScheduler.add_noise): sqrt(ᾱ_t)·x0 + sqrt(1-ᾱ_t)·noise,
  // `timesteps` [B] integer in [0, T).  x0, noise: [B, ...]
  at::Tensor addNoise(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const;
  // The v-prediction target (diffusers get_velocity): sqrt(ᾱ_t)·noise - sqrt(1-ᾱ_t)·x0.
  at::Tensor velocity(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const;

 protected:
  void checkSteps(int numInferenceSteps) const;
  void checkStep(int stepIndex, const char* what) const;
  std::string timestepSpacing(const char* classDefault) const;

  SchedulerConfig config_;
  at::Tensor betas_, alphasCumprod_;  // [T] float32
  at::Tensor timesteps_, sigmas_;
  double initNoiseSigma_ = 1.0;
};

// `name`: one of schedulerNames() or a diffusers class name; "auto" (or empty) picks by config.className.
// The short names set what they mean on top of `config` (dpmpp_2m_karras: DPM-Solver++ order 2, midpoint,
// Karras sigmas; euler / euler_karras: Karras off / on); everything else (betas, spacing, offset, prediction
// type, ...) comes from `config`. `eta` is DDIM's noise weight (a step() argument in diffusers), ignored by
// the others. Throws mumu::Error for an unknown name or class, or a config the class refuses.
std::unique_ptr<Scheduler> makeScheduler(const std::string& name, const SchedulerConfig& config, double eta = 0.0);
std::unique_ptr<Scheduler> makeScheduler(const SchedulerConfig& config);

// Names makeScheduler accepts, for help texts and the GUI.
std::vector<std::string> schedulerNames();

// ---- guidance ------------------------------------------------------------------------------------------

// Classifier-free guidance: uncond + scale · (cond - uncond).
//
// Batch-2 convention (as diffusers' pipelines): the UNet runs once on the batch concatenated as
// [uncond; cond] along dim 0 (unconditional half first), and its output is split back with
// applyGuidanceBatched. Scale 1 returns cond; no negative prompt = the empty-prompt conditioning.
at::Tensor applyGuidance(const at::Tensor& uncond, const at::Tensor& cond, double scale);
// `batched` [2B, ...] = [uncond; cond] → [B, ...].
at::Tensor applyGuidanceBatched(const at::Tensor& batched, double scale);
// diffusers rescale_noise_cfg (guidance_rescale, arXiv 2305.08891 §3.4): matches the per-sample std of the
// guided output to the conditional one, then mixes by `phi` (0 = off).
at::Tensor rescaleGuidance(const at::Tensor& guided, const at::Tensor& cond, double phi);

// ---- reference replay (tests, `mumu probe`) ------------------------------------------------------------

// Replays a tests/parity/schedulers/<case>/ folder: builds the scheduler from its scheduler_config.json,
// and for each num_inference_steps N of meta.json runs the fake model eps = 0.1·x_in + 0.01·t/1000 from
// io["input.init_noise"] (replaying io["stepsN.noise"] when present). Returns, under the reference names:
// stepsN.{latents [N+1,...], model_input [N,...], eps [N,...], final, timesteps, sigmas (if any),
// init_noise_sigma [1]}, train.betas, train.alphas_cumprod.
std::map<std::string, at::Tensor> replaySchedulerCase(const std::string& caseDir,
                                                      const std::map<std::string, at::Tensor>& io);

}  // namespace mumu
