// trainer.cpp — the training loop, AdamW keyed by parameter name, EMA, checkpoint save / restore, export.
#include "training/trainer/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <unordered_map>

#include "model/compat.h"
#include "model/error.h"
#include "model/lora/lora.h"
#include "model/pipeline/mumu_model.h"
#include "model/pipeline/pipeline.h"
#include "training/bootstrap/dataset.h"
#include "training/lr_schedule.h"
#include "training/trainer/adamw.h"
#include "training/trainer/batches.h"
#include "training/trainer/checkpoint.h"

namespace mumu::training {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

json StepMetrics::toJson() const {
  return {{"step", step},
          {"loss", loss},
          {"lr", lr},
          {"grad_norm", gradNorm},
          {"images_per_second", imagesPerSecond},
          {"wall_seconds", wallSeconds}};
}

namespace {

torch::nn::Module& partModule(MumuModel& m, const std::string& part) {
  if (part == "vision") return *m.vlm->vision_model;
  if (part == "projection") return *m.vlm->connector;
  if (part == "lm") return *m.vlm->text_model;
  if (part == "connector") return *m.connector;
  if (part == "unet") return *m.unet;
  if (part == "vae") return *m.vae;
  fail("recipe", "unknown module '" + part + "'");
}

std::shared_ptr<MumuModel> makeModel(const Recipe& r) {
  std::shared_ptr<MumuModel> m;
  bool builtin = false;
  for (const auto& n : builtinMumuConfigNames()) builtin = builtin || n == r.model;
  m = builtin ? buildRandomMumuModel(builtinMumuConfig(r.model), r.seed) : loadMumuModel(r.model);
  if (r.gridSize > 0) m->config.gridSize = r.gridSize;
  return m;
}

at::Generator makeGenerator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

at::Tensor generatorState(at::Generator& g) {
  std::lock_guard<std::mutex> lock(g.mutex());
  return g.get_state().clone();
}

}  // namespace

struct Trainer::Impl {
  Recipe recipe;
  TrainerOptions opt;
  std::shared_ptr<MumuModel> model;
  std::unique_ptr<DatasetReader> reader;
  std::unique_ptr<BatchSampler> sampler;
  std::unique_ptr<Scheduler> scheduler;
  std::map<std::string, LoraNetwork> loras;

  struct Param {
    std::string name;
    at::Tensor tensor;
    size_t group;
  };
  std::vector<Param> params;
  std::vector<std::string> groupNames;  // trainable parts
  std::vector<LrSchedule> groupLr;
  std::map<std::string, at::Tensor> expAvg, expAvgSq, ema;
  // The frozen VAE's posterior (mean, std) of each target at a bucket size, keyed "path@WxH": a data set is seen
  // several times, and encoding the targets was 13 % of a nano step. Filled up to kLatentCacheBytes; not saved (a
  // resumed run encodes again, identically: each target is encoded on its own, so its posterior does not depend on
  // which batch it first came in).
  static constexpr size_t kLatentCacheBytes = size_t(1) << 30;
  std::unordered_map<std::string, std::pair<at::Tensor, at::Tensor>> latentCache;
  size_t latentCacheBytes = 0;

  int64_t step = 0, totalSteps = 0;
  at::Generator noiseGen, timeGen, dropGen;
  std::vector<double> losses;
  json history = json::array();
  Clock::time_point started = Clock::now();
  int64_t lastSaved = -1;
  std::string lastCheckpoint;

  void log(const std::string& s) const {
    if (opt.log)
      opt.log(s);
    else
      std::cerr << s << "\n";
  }

  void setUp() {
    const std::string src = "recipe '" + recipe.name + "'";
    validateRecipe(recipe, src);
    if (opt.threads > 0) at::set_num_threads(opt.threads);
    if (opt.outDir.empty()) fail(src, "no output folder");
    const std::string data = opt.dataDir.empty() ? recipe.data : opt.dataDir;
    if (data.empty()) fail(src, "data: no data set folder (recipe key 'data' or --data)");
    recipe.data = data;
    totalSteps = opt.steps > 0 ? opt.steps : recipe.steps;
    recipe.steps = totalSteps;  // recipe.json records the length the schedule really uses
    reader = std::make_unique<DatasetReader>(DatasetReader::open(data));
    sampler = std::make_unique<BatchSampler>(*reader, recipe.buckets, recipe.batchSize, recipe.seed);
    model = makeModel(recipe);
    scheduler = makeScheduler(model->config.schedulerConfig);
    // Everything frozen, then the recipe's parts opened up: full → the part's own parameters, LoRA → adapters.
    for (auto* mod :
         std::vector<torch::nn::Module*>{model->vlm.get(), model->connector.get(), model->unet.get(), model->vae.get()})
      for (auto& p : mod->parameters()) p.set_requires_grad(false);
    uint64_t partIndex = 0;
    for (const auto& part : recipeModuleNames()) {
      const ModuleRecipe& mr = recipe.modules.at(part);
      ++partIndex;
      if (mr.mode == ModuleMode::Frozen) continue;
      const size_t group = groupNames.size();
      groupNames.push_back(part);
      LrSchedule s;
      s.peak = mr.lr, s.warmupSteps = recipe.warmupSteps, s.totalSteps = totalSteps, s.floor = recipe.lrFloor;
      groupLr.push_back(s);
      torch::nn::Module& m = partModule(*model, part);
      if (mr.mode == ModuleMode::Full) {
        for (auto& np : m.named_parameters()) {
          np.value().set_requires_grad(true);
          params.push_back({part + "." + np.key(), np.value(), group});
        }
      } else {
        LoraOptions lo;
        lo.rank = mr.rank, lo.alpha = mr.alpha, lo.seed = recipe.seed * 1000003ULL + partIndex;
        lo.freezeBase = false;  // already frozen above
        LoraNetwork net = addLora(m, mr.targets, lo);
        for (auto& np : net->named_parameters()) {
          np.value().set_requires_grad(true);
          params.push_back({"lora." + part + "." + np.key(), np.value(), group});
        }
        loras.emplace(part, net);
      }
    }
    torch::NoGradGuard noGrad;
    for (const auto& p : params) {
      expAvg[p.name] = at::zeros_like(p.tensor);
      expAvgSq[p.name] = at::zeros_like(p.tensor);
      if (recipe.emaDecay > 0) ema[p.name] = p.tensor.detach().clone();
    }
    // One generator per purpose, so adding a draw for one purpose never shifts another's numbers.
    noiseGen = makeGenerator(recipe.seed * 4 + 1);
    timeGen = makeGenerator(recipe.seed * 4 + 2);
    dropGen = makeGenerator(recipe.seed * 4 + 3);
    fs::create_directories(opt.outDir);
    // A write killed before its rename leaves a .tmp folder: never read, removed here.
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(opt.outDir + "/checkpoints", ec)) {
      const std::string n = e.path().filename().string();
      if (e.is_directory() && n.size() > 4 && n.compare(n.size() - 4, 4, ".tmp") == 0) {
        log("removing the interrupted checkpoint " + e.path().string());
        fs::remove_all(e.path(), ec);
      }
    }
    if (opt.resume)
      restoreLatest();
    else if (!listCheckpoints(opt.outDir).empty())
      fail(opt.outDir, "holds checkpoints of an earlier run: resume it (--resume) or choose another folder");
    writeFileAtomically(opt.outDir + "/recipe.json", toJson(recipe).dump(2) + "\n");
    if (step == 0) writeFileAtomically(opt.outDir + "/metrics.jsonl", "");
  }

  void restoreLatest() {
    auto ckpt = loadLatestCheckpoint(opt.outDir, [this](const std::string& w) { log("warning: " + w); });
    if (!ckpt) {
      log("no complete checkpoint in " + opt.outDir + "/checkpoints: starting from step 0");
      return;
    }
    const std::string where = ckpt->dir;
    torch::NoGradGuard noGrad;
    auto take = [&](std::map<std::string, at::Tensor>& from, const std::string& key, const at::Tensor& like,
                    const char* file) {
      auto it = from.find(key);
      if (it == from.end()) fail(where + "/" + file, "missing tensor '" + key + "' (recipe changed?)");
      if (it->second.sizes() != like.sizes())
        fail(where + "/" + file, "tensor '" + key + "' has the wrong shape (recipe changed?)");
      return it->second.to(like.options());
    };
    for (auto& p : params) {
      p.tensor.copy_(take(ckpt->trainable, p.name, p.tensor, "trainable.safetensors"));
      expAvg[p.name] = take(ckpt->optimizer, p.name + ".exp_avg", p.tensor, "optimizer.safetensors");
      expAvgSq[p.name] = take(ckpt->optimizer, p.name + ".exp_avg_sq", p.tensor, "optimizer.safetensors");
      if (recipe.emaDecay > 0) ema[p.name] = take(ckpt->ema, p.name, p.tensor, "ema.safetensors");
    }
    for (auto& [name, gen] :
         std::map<std::string, at::Generator*>{{"noise", &noiseGen}, {"timesteps", &timeGen}, {"dropout", &dropGen}}) {
      auto it = ckpt->rng.find(name);
      if (it == ckpt->rng.end()) fail(where + "/rng.safetensors", "missing generator '" + name + "'");
      std::lock_guard<std::mutex> lock(gen->mutex());
      gen->set_state(it->second);
    }
    try {
      sampler->restore(ckpt->state.at("data"), where + "/state.json");
      losses = ckpt->state.at("losses").get<std::vector<double>>();
      history = ckpt->state.at("history");
    } catch (const json::exception& e) {
      fail(where + "/state.json", e.what());
    }
    // A run keeps its own length: resuming without --steps continues the schedule the run started with. Before the
    // recipe comparison, which includes the length (no false "different recipe" warning).
    if (opt.steps == 0 && ckpt->state.contains("total_steps") && ckpt->state["total_steps"].is_number_integer()) {
      const int64_t runSteps = ckpt->state["total_steps"].get<int64_t>();
      if (runSteps > 0 && runSteps != totalSteps) {
        log("continuing the run's own length of " + std::to_string(runSteps) + " steps (pass --steps to change it)");
        totalSteps = recipe.steps = runSteps;
        for (auto& g : groupLr) g.totalSteps = totalSteps;
      }
    }
    if (ckpt->state.contains("recipe") && ckpt->state["recipe"] != toJson(recipe))
      log("warning: " + where + " was written with a different recipe; continuing with the current one");
    step = ckpt->step;
    lastSaved = step;
    lastCheckpoint = where;
    // The metrics file continues from the checkpoint: lines a killed run wrote after it are dropped.
    std::string text;
    for (const auto& h : history) text += h.dump() + "\n";
    writeFileAtomically(opt.outDir + "/metrics.jsonl", text);
    log("resumed from " + where + " at step " + std::to_string(step));
  }

  std::string save() {
    CheckpointData c;
    c.step = step;
    for (const auto& p : params) {
      c.trainable[p.name] = p.tensor.detach();
      c.optimizer[p.name + ".exp_avg"] = expAvg.at(p.name);
      c.optimizer[p.name + ".exp_avg_sq"] = expAvgSq.at(p.name);
      if (recipe.emaDecay > 0) c.ema[p.name] = ema.at(p.name);
    }
    c.rng = {{"noise", generatorState(noiseGen)},
             {"timesteps", generatorState(timeGen)},
             {"dropout", generatorState(dropGen)}};
    c.state = {{"optimizer_step", step},   {"total_steps", totalSteps}, {"data", sampler->state()},
               {"recipe", toJson(recipe)}, {"losses", losses},          {"history", history}};
    lastCheckpoint = writeCheckpoint(opt.outDir, c, recipe.keepCheckpoints);
    lastSaved = step;
    return lastCheckpoint;
  }

  // The autoencoder objective (the VAE of a model trained from nothing): reconstruction MSE + kl_weight · KL(q(z|x)
  // ‖ N(0, 1)), both as means over elements.
  at::Tensor autoencoderLoss(const at::Tensor& pixels) {
    MumuModel& m = *model;
    LatentDistribution q = m.vae->encode(pixels);
    at::Tensor recon = m.vae->decode(q.sample(noiseGen));
    at::Tensor kl = 0.5 * (q.mean.pow(2) + q.logvar.exp() - 1.0 - q.logvar).mean();
    return at::mse_loss(recon.to(at::kFloat), pixels.to(at::kFloat)) + recipe.klWeight * kl.to(at::kFloat);
  }

  // The batch's targets through the frozen VAE encoder, from the cache where they are there.
  LatentDistribution targetPosterior(const Batch& batch, int w, int h) {
    MumuModel& m = *model;
    std::vector<at::Tensor> means, stds;
    for (const auto& s : batch.samples) {
      const std::string key = s.absolute(s.image) + "@" + std::to_string(w) + "x" + std::to_string(h);
      auto it = opt.cacheLatents ? latentCache.find(key) : latentCache.end();
      if (it == latentCache.end()) {
        LatentDistribution q = m.vae->encode(loadTargetImages({s}, w, h).to(m.device, m.vaeDtype));
        const size_t bytes = 2 * q.mean.numel() * q.mean.element_size();
        if (!opt.cacheLatents || latentCacheBytes + bytes > kLatentCacheBytes) {
          means.push_back(q.mean), stds.push_back(q.std);
          continue;
        }
        // Kept in host memory (a GPU's is for the model); cloned, so no view pins the encoder's output.
        latentCacheBytes += bytes;
        it = latentCache
                 .emplace(key, std::make_pair(q.mean.to(at::kCPU).clone(at::MemoryFormat::Contiguous),
                                              q.std.to(at::kCPU).clone(at::MemoryFormat::Contiguous)))
                 .first;
      }
      means.push_back(it->second.first), stds.push_back(it->second.second);
    }
    LatentDistribution out;  // logvar is left undefined: sampling needs only mean and std
    out.mean = at::cat(means, 0).to(m.device), out.std = at::cat(stds, 0).to(m.device);
    return out;
  }

  StepMetrics trainStep() {
    const auto t0 = Clock::now();
    MumuModel& m = *model;
    Batch batch = sampler->next();
    const auto [w, h] = recipe.buckets[batch.bucket];
    const int64_t B = static_cast<int64_t>(batch.samples.size());
    const bool autoencoder = recipe.objective == "autoencoder";
    at::Tensor latents, loss;
    if (autoencoder) {
      loss = autoencoderLoss(loadTargetImages(batch.samples, w, h).to(m.device, m.vaeDtype));
    } else {
      torch::NoGradGuard noGrad;  // the VAE is frozen
      latents = targetPosterior(batch, w, h).sample(noiseGen).to(at::kFloat) * m.config.vaeConfig.scalingFactor;
    }
    if (!autoencoder) loss = epsilonLoss(batch, latents, w, h);
    loss.backward();
    return finishStep(loss, B, t0);
  }

  // ε-prediction MSE of the UNet on noised latents, conditioned on each sample's prompt (or the empty prompt).
  at::Tensor epsilonLoss(const Batch& batch, const at::Tensor& latents, int w, int h) {
    MumuModel& m = *model;
    const int64_t B = static_cast<int64_t>(batch.samples.size());
    const auto f32 = at::TensorOptions().dtype(at::kFloat).device(m.device);
    at::Tensor noise = at::randn(latents.sizes(), noiseGen, f32);
    const int64_t T = scheduler->alphasCumprod().size(0);
    at::Tensor t = at::randint(0, T, {B}, timeGen, at::TensorOptions().dtype(at::kLong));
    at::Tensor noisy = scheduler->addNoise(latents.cpu(), noise.cpu(), t).to(m.device);
    at::Tensor drop = at::rand({B}, dropGen, at::TensorOptions().dtype(at::kFloat));

    std::optional<compat::CpuAutocast> autocast;
    if (recipe.bf16 && !m.device.is_cuda()) autocast.emplace(at::kBFloat16);
    // The batch's prompts in one pass of the VLM and connector, right-padded to the longest; the padding is masked in
    // cross-attention. (One prompt at a time cost 16 small passes and 16 dense embedding gradients a step: 41 % of a
    // nano step, bench_pipeline BM_TrainStepParts.)
    std::vector<std::vector<GenerationSegment>> prompts;
    std::vector<std::string> names;
    for (int64_t i = 0; i < B; ++i) {
      const Sample& s = batch.samples[static_cast<size_t>(i)];
      const bool dropped = drop[i].item<float>() < recipe.cfgDropout;  // CFG dropout: the empty prompt
      prompts.push_back(dropped ? std::vector<GenerationSegment>{}
                                : promptSegments(s, recipe.maxImages, recipe.imageOnly, recipe.textOnly, recipe.seed));
      names.push_back("sample '" + s.id + "' (" + s.manifest + ":" + std::to_string(s.line) + ")");
    }
    const BatchConditioning cond = encodeMumuPrompts(m, prompts, names);
    const at::Tensor context = cond.states;
    const at::Tensor textEmbeds = cond.pooled;
    const int64_t L = context.size(1);
    at::Tensor bias = at::zeros({B, L});
    bool needBias = false;
    for (int64_t i = 0; i < B; ++i) {
      const int64_t li = cond.lengths[static_cast<size_t>(i)];
      if (li < L) bias[i].narrow(0, li, L - li).fill_(-std::numeric_limits<float>::infinity()), needBias = true;
    }
    at::Tensor timeIds = at::tensor({double(h), double(w), 0.0, 0.0, double(h), double(w)}, at::kFloat)
                             .view({1, 6})
                             .expand({B, 6})
                             .to(m.device, m.dtype);
    UNetCallOptions call;
    if (needBias) call.crossAttention.logitBias = bias.view({B, 1, 1, L}).to(m.device, m.dtype);
    at::Tensor pred = m.unet->forward(noisy.to(m.dtype), t.to(m.device), context, textEmbeds, timeIds, call);
    autocast.reset();
    if (recipe.snrGamma <= 0.0) return at::mse_loss(pred.to(at::kFloat), noise);
    // Min-SNR-γ: per-sample MSE weighted by min(SNR, γ) / SNR, SNR(t) = ᾱ_t / (1 − ᾱ_t).
    at::Tensor ac = scheduler->alphasCumprod().index_select(0, t).to(at::kFloat);
    at::Tensor snr = ac / (1.0 - ac);
    at::Tensor weight = at::clamp_max(snr, recipe.snrGamma) / snr;
    at::Tensor perSample = (pred.to(at::kFloat) - noise).pow(2).mean({1, 2, 3});
    return (perSample * weight.to(perSample.device())).mean();
  }

  StepMetrics finishStep(const at::Tensor& loss, int64_t B, Clock::time_point t0) {
    StepMetrics out;
    {
      torch::NoGradGuard noGrad;
      // Global gradient norm over every trainable tensor, then clipping.
      double sq = 0.0;
      for (const auto& p : params)
        if (p.tensor.grad().defined()) sq += sumOfSquares(p.tensor.grad());
      const double norm = std::sqrt(sq);
      out.gradNorm = norm;
      // AdamW (decoupled weight decay), the formulation of torch.optim.AdamW; state keyed by name. The EMA follows
      // each parameter's update in the same pass.
      for (size_t g = 0; g < groupNames.size(); ++g) out.lr[groupNames[g]] = groupLr[g].at(step);
      AdamWHyper hyper;
      hyper.beta1 = recipe.beta1, hyper.beta2 = recipe.beta2, hyper.eps = recipe.eps;
      hyper.weightDecay = recipe.weightDecay, hyper.step = step + 1, hyper.emaDecay = recipe.emaDecay;
      // Gradient clipping: every gradient scaled so the global norm is at most grad_clip (applied inside the update).
      if (recipe.gradClip > 0 && norm > recipe.gradClip) hyper.gradScale = recipe.gradClip / (norm + 1e-6);
      for (auto& p : params) {
        at::Tensor grad = p.tensor.grad();
        at::Tensor* average = recipe.emaDecay > 0 ? &ema.at(p.name) : nullptr;
        if (!grad.defined()) {
          // No gradient this step (a part the batch did not reach): no update, but the EMA still moves.
          if (average) average->mul_(recipe.emaDecay).add_(p.tensor, 1.0 - recipe.emaDecay);
          continue;
        }
        hyper.lr = out.lr[groupNames[p.group]];
        adamwStep(p.tensor, grad, expAvg.at(p.name), expAvgSq.at(p.name), average, hyper);
      }
      for (auto& p : params) p.tensor.mutable_grad() = at::Tensor();
    }
    ++step;
    out.step = step;
    out.loss = static_cast<double>(loss.item<float>());
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    out.imagesPerSecond = dt > 0 ? static_cast<double>(B) / dt : 0.0;
    out.wallSeconds = std::chrono::duration<double>(Clock::now() - started).count();
    losses.push_back(out.loss);
    if (step % recipe.metricsEvery == 0 || step == totalSteps) {
      json line = out.toJson();
      history.push_back(line);
      std::ofstream f(opt.outDir + "/metrics.jsonl", std::ios::app);
      f << line.dump() << "\n";
    }
    return out;
  }

  void writeSamples() {
    MumuModel& m = *model;
    const std::string dir = opt.outDir + "/samples";
    fs::create_directories(dir);
    {
      std::lock_guard<std::mutex> lock(m.cacheMutex);
      // The weights changed since the cache was filled.
      m.emptyStates = at::Tensor(), m.emptyPooled = at::Tensor();
    }
    for (size_t k = 0; k < recipe.samplePrompts.size(); ++k) {
      GenerationRequest r;
      r.prompt = {GenerationSegment::makeText(recipe.samplePrompts[k])};
      r.width = recipe.buckets[0].first, r.height = recipe.buckets[0].second;
      r.steps = recipe.sampleSteps;
      r.seed = k;
      r.previews = false;
      GenerationResult g = generate(m, r);
      char name[64];
      std::snprintf(name, sizeof name, "/step-%06lld-%zu.png", static_cast<long long>(step), k);
      if (!g.images.empty()) writeImage(dir + name, g.images[0], {{"prompt", recipe.samplePrompts[k]}});
    }
    std::lock_guard<std::mutex> lock(m.cacheMutex);
    m.emptyStates = at::Tensor(), m.emptyPooled = at::Tensor();
  }
};

Trainer::Trainer(Recipe recipe, TrainerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->recipe = std::move(recipe);
  impl_->opt = std::move(options);
  impl_->setUp();
}

Trainer::~Trainer() = default;

TrainResult Trainer::run() {
  Impl& d = *impl_;
  TrainResult r;
  const auto t0 = Clock::now();
  d.started = t0;
  r.startStep = d.step;
  while (d.step < d.totalSteps) {
    StepMetrics m = d.trainStep();
    if (d.step % d.recipe.checkpointEvery == 0 || d.step == d.totalSteps) d.save();
    if (d.recipe.sampleEvery > 0 && d.step % d.recipe.sampleEvery == 0 && d.recipe.objective == "epsilon")
      d.writeSamples();
    if (d.opt.onStep) d.opt.onStep(m);
    if (d.opt.stop && d.opt.stop->load()) {
      if (d.lastSaved != d.step) d.save();
      r.stopped = true;
      break;
    }
  }
  r.endStep = d.step;
  r.losses = d.losses;
  r.lastCheckpoint = d.lastCheckpoint;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

int64_t Trainer::step() const {
  return impl_->step;
}

const Recipe& Trainer::recipe() const {
  return impl_->recipe;
}

MumuModel& Trainer::model() {
  return *impl_->model;
}

std::vector<std::string> Trainer::trainableNames() const {
  std::vector<std::string> out;
  for (const auto& p : impl_->params) out.push_back(p.name);
  return out;
}

std::string Trainer::saveCheckpoint() {
  return impl_->save();
}

void Trainer::exportPackage(const std::string& dir, bool useEma) {
  Impl& d = *impl_;
  torch::NoGradGuard noGrad;
  // Snapshot everything the export touches and restore it bit-exactly afterwards (unmerging is not exact).
  std::vector<std::pair<at::Tensor, at::Tensor>> saved;
  for (const auto& part : d.groupNames)
    for (auto& p : partModule(*d.model, part).parameters()) saved.emplace_back(p, p.detach().clone());
  for (auto& p : d.params) saved.emplace_back(p.tensor, p.tensor.detach().clone());
  if (useEma && d.recipe.emaDecay > 0)
    for (auto& p : d.params) p.tensor.copy_(d.ema.at(p.name));
  // A trained VAE gets the latent scaling of SD: 1 / std of its latents over a few batches of the data set.
  const double previousScale = d.model->config.vaeConfig.scalingFactor;
  if (d.recipe.objective == "autoencoder") {
    BatchSampler probe(*d.reader, d.recipe.buckets, d.recipe.batchSize, d.recipe.seed + 17);
    std::vector<at::Tensor> zs;
    for (int i = 0; i < 8; ++i) {
      Batch b = probe.next();
      const auto [w, h] = d.recipe.buckets[b.bucket];
      zs.push_back(d.model->vae->encode(loadTargetImages(b.samples, w, h).to(d.model->device, d.model->vaeDtype))
                       .mode()
                       .to(at::kFloat)
                       .flatten());
    }
    const double stdev = at::cat(zs).std().item<double>();
    const double scale = stdev > 1e-6 ? 1.0 / stdev : 1.0;
    d.model->config.vaeConfig.scalingFactor = scale;
    if (d.model->config.vae.config.is_object()) d.model->config.vae.config["scaling_factor"] = scale;
    d.log("VAE latent std " + std::to_string(stdev) + ": scaling_factor " + std::to_string(scale));
  }
  fs::create_directories(dir);
  for (auto& [part, net] : d.loras) net->save(dir + "/lora-" + part + ".safetensors", {{"recipe", d.recipe.name}});
  for (auto& [part, net] : d.loras) net->setMode(LoraMode::Merged);
  auto restoreScale = [&] {
    d.model->config.vaeConfig.scalingFactor = previousScale;
    if (d.model->config.vae.config.is_object()) d.model->config.vae.config["scaling_factor"] = previousScale;
  };
  try {
    saveMumuPackage(*d.model, dir);
  } catch (...) {
    for (auto& [part, net] : d.loras) net->setMode(LoraMode::Live);
    for (auto& [p, v] : saved) p.copy_(v);
    if (d.recipe.objective == "autoencoder") restoreScale();
    throw;
  }
  if (d.recipe.objective == "autoencoder") restoreScale();
  for (auto& [part, net] : d.loras) net->setMode(LoraMode::Live);
  for (auto& [p, v] : saved) p.copy_(v);
}

}  // namespace mumu::training
