// pipeline.cpp — see pipeline.h.
#include "model/pipeline/pipeline.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <tuple>

#include "model/compat.h"
#include "model/diffusion/latent_preview.h"
#include "model/diffusion/schedulers.h"
#include "model/device.h"
#include "model/error.h"
#include "model/io/sha256.h"
#include "model/lora/lora.h"
#include "model/pipeline/mumu_model.h"
#include "model/pipeline/prompt.h"
#include "model/vision/image_processing.h"

namespace mumu {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The conditioning of one prompt: connector states and pooled vector, and each segment's token span.
struct Conditioning {
  at::Tensor states;                               // [1, L, D]
  at::Tensor pooled;                               // [1, P] (undefined when the connector has no pooled output)
  std::vector<std::pair<int64_t, int64_t>> spans;  // [begin, end) per segment
  std::vector<double> weights;                     // per segment
};

// A prompt checked and tokenized: the VLM's input ids (image tokens in place) and its images, in order.
struct PreparedPrompt {
  AssembledPrompt assembled;
  std::vector<Image> images;
};

PreparedPrompt preparePrompt(MumuModel& m, const std::vector<GenerationSegment>& segments, const std::string& where) {
  const auto& c = m.config;
  const int64_t imageTokens = idefics2ImageSeqLen(c.vlmConfig, c.gridSize, c.gridSize);
  int images = 0;
  size_t text = 0;
  for (const auto& s : segments) s.isImage ? void(++images) : void(text += s.text.size());
  checkPromptSize(images, text, where);
  std::vector<TokenSegment> parts;
  PreparedPrompt out;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!(s.weight >= 0.0 && s.weight <= 10.0))  // also refuses NaN
      fail(at, "weight " + std::to_string(s.weight) + " is outside [0, 10]");
    if (!s.isImage) {
      parts.push_back(TokenSegment::makeText(s.text));
      continue;
    }
    if (s.image.empty()) fail(at, "empty image");
    checkImage(s.image, at);
    Image img = s.image;
    if (s.crop) {
      const auto [x, y, w, h] = *s.crop;
      if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > img.width || y + h > img.height)
        fail(at, "crop " + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(w) + "," +
                     std::to_string(h) + " lies outside the " + std::to_string(img.width) + "×" +
                     std::to_string(img.height) + " image");
      img = cropImage(img, x, y, x + w, y + h);
    }
    out.images.push_back(std::move(img));
    parts.push_back(TokenSegment::makeImage(imageTokens));
  }
  const Tokenizer& tok = *m.tokenizer;
  // A text after BOS only gets sentencepiece's '▁' prefix at the very start (tokenizer.h, rule 3).
  EncodeTextFn encode = [&tok](const std::string& text, bool atStart) {
    if (atStart) return tok.encode(text, false);
    auto ids = tok.encode(std::string(idefics2::kFakeTokenAroundImage) + text, false);
    return std::vector<int32_t>(ids.begin() + 1, ids.end());
  };
  try {
    out.assembled = assembleIdefics2Prompt(parts, encode, idefics2SpecialTokens(c.vlmConfig));
  } catch (const Error& e) {
    fail(where, e.what());
  }
  return out;
}

// The VLM's pixel_values and pixel_attention_mask for each prompt's images, on the model's device.
std::pair<at::Tensor, at::Tensor> imageInputs(const MumuModel& m, const std::vector<std::vector<Image>>& images) {
  MumuImageOptions o;
  o.gridSize = m.config.gridSize;
  o.patchSize = static_cast<int>(m.config.vlmConfig.vision.patchSize);
  ProcessedImages p = mumuPreprocessImages(images, o);
  return {p.pixelValues.to(m.device, m.dtype), p.pixelAttentionMask.to(m.device)};
}

Conditioning encodePrompt(MumuModel& m, const std::vector<GenerationSegment>& segments, const std::string& where) {
  PreparedPrompt prepared = preparePrompt(m, segments, where);
  AssembledPrompt& assembled = prepared.assembled;
  const int64_t L = static_cast<int64_t>(assembled.ids.size());
  at::Tensor ids = at::from_blob(assembled.ids.data(), {1, L}, at::kInt).to(at::kLong);
  at::Tensor pixels, pixelMask;
  if (!prepared.images.empty()) std::tie(pixels, pixelMask) = imageInputs(m, {prepared.images});
  Idefics2Output vlm = m.vlm->forward(ids.to(m.device), {}, pixels, pixelMask);
  MumuConnectorOutput k = m.connector->forward(vlm.lastHiddenState);
  Conditioning out;
  out.states = k.states;
  out.pooled = k.pooled;
  for (const auto& span : assembled.spans) out.spans.emplace_back(span.begin, span.end);
  for (const auto& s : segments) out.weights.push_back(s.weight);
  return out;
}

// Per-image noise streams behind one NoiseSource: a [B, ...] draw takes one [1, ...] slice from each image's own
// generator, so image i's numbers depend only on its seed.
class PerImageNoise : public NoiseSource {
 public:
  explicit PerImageNoise(const std::vector<uint64_t>& seeds) {
    for (uint64_t s : seeds) sources_.emplace_back(s);
  }
  at::Tensor next(at::IntArrayRef shape, const at::TensorOptions& options) override {
    if (shape.empty() || shape[0] != static_cast<int64_t>(sources_.size()))
      fail("PerImageNoise", "expected a draw of " + std::to_string(sources_.size()) + " images");
    std::vector<int64_t> one(shape.begin(), shape.end());
    one[0] = 1;
    std::vector<at::Tensor> parts;
    for (auto& s : sources_) parts.push_back(s.next(one, options));
    return at::cat(parts, 0);
  }
  std::string name() const override { return sources_.empty() ? "" : sources_[0].name(); }
  std::string name(size_t i) const { return sources_.at(i).name(); }

 private:
  std::vector<SeededNoise> sources_;
};

// Accumulates each segment's cross-attention mass over the latent grid (the conditional rows only).
class SpanAttentionRecorder : public CrossAttentionRecorder {
 public:
  SpanAttentionRecorder(std::vector<std::pair<int64_t, int64_t>> spans, int64_t batch, int64_t condOffset, int64_t h,
                        int64_t w)
      : spans_(std::move(spans)), batch_(batch), condOffset_(condOffset), h_(h), w_(w) {}

  std::pair<int64_t, int64_t> rows() const override { return {condOffset_, batch_}; }

  void record(const std::string&, const at::Tensor& probs) override {  // probs [batch, Lq, Lk], conditional rows
    const int64_t Lq = probs.size(1);
    int64_t bh = 0, bw = 0;
    for (int64_t k = 0, hh = h_, ww = w_; hh >= 1 && ww >= 1; ++k) {
      if (hh * ww == Lq) {
        bh = hh, bw = ww;
        break;
      }
      if (hh == 1 && ww == 1) break;
      hh = (hh + 1) / 2, ww = (ww + 1) / 2;
    }
    if (bh == 0) return;                                                  // not a grid this record can place
    const at::Tensor& cond = probs;  // [B, Lq, Lk], on the model's device until the end
    std::vector<at::Tensor> maps;
    for (const auto& [b, e] : spans_) {
      maps.push_back(e > b ? cond.narrow(2, b, e - b).sum(-1) : at::zeros({batch_, Lq}, cond.options()));
    }
    at::Tensor m = at::stack(maps, 1).view({batch_, static_cast<int64_t>(spans_.size()), bh, bw});
    if (bh != h_ || bw != w_) m = at::upsample_bilinear2d(m, {h_, w_}, /*align_corners=*/false);
    sum_ = sum_.defined() ? sum_ + m : m.clone();
    ++count_;
  }

  at::Tensor result() const {
    if (!sum_.defined()) return at::zeros({batch_, static_cast<int64_t>(spans_.size()), h_, w_});
    return (sum_ / static_cast<double>(count_)).to(at::kCPU);
  }

 private:
  std::vector<std::pair<int64_t, int64_t>> spans_;
  int64_t batch_, condOffset_, h_, w_;
  at::Tensor sum_;
  int64_t count_ = 0;
};

// [B, 3, H, W] in [-1, 1] → 8-bit RGB images.
std::vector<Image> toImages(const at::Tensor& decoded) {
  at::Tensor x = ((decoded.to(at::kFloat) / 2 + 0.5).clamp(0, 1) * 255).round().to(at::kByte);
  x = x.permute({0, 2, 3, 1}).contiguous().to(at::kCPU);  // [B, H, W, 3]
  std::vector<Image> out;
  for (int64_t b = 0; b < x.size(0); ++b) {
    Image img;
    img.height = static_cast<int>(x.size(1));
    img.width = static_cast<int>(x.size(2));
    img.channels = 3;
    const uint8_t* p = x[b].data_ptr<uint8_t>();
    img.pixels.assign(p, p + x[b].numel());
    out.push_back(std::move(img));
  }
  return out;
}

bool cancelled(const std::atomic<bool>* cancel) {
  return cancel && cancel->load(std::memory_order_relaxed);
}

}  // namespace

GenerationSegment GenerationSegment::makeText(std::string text, double weight) {
  GenerationSegment s;
  s.text = std::move(text);
  s.weight = weight;
  return s;
}

GenerationSegment GenerationSegment::makeImage(Image image, double weight, std::optional<std::array<int, 4>> crop) {
  GenerationSegment s;
  s.isImage = true;
  s.image = std::move(image);
  s.weight = weight;
  s.crop = crop;
  return s;
}

GenerationResult generate(MumuModel& m, const GenerationRequest& r, const ProgressFn& progress,
                          const std::atomic<bool>* cancel) {
  const auto t0 = Clock::now();
  const auto& c = m.config;
  GenerationResult out;
  out.sampler = r.sampler.empty() ? c.sampler : r.sampler;
  out.steps = r.steps > 0 ? r.steps : c.steps;
  out.cfg = r.cfg ? *r.cfg : c.cfg;
  out.width = r.width > 0 ? r.width : c.width;
  out.height = r.height > 0 ? r.height : c.height;
  out.device = m.device.is_cuda() ? "cuda" : "cpu";
  out.dtype = dtypeName(m.dtype);
  if (r.batch < 1 || r.batch > 64) fail("batch", std::to_string(r.batch) + " is outside [1, 64]");
  if (out.steps > 1000) fail("steps", std::to_string(out.steps) + " is outside [1, 1000]");
  if (!(out.cfg >= 0.0 && out.cfg <= 100.0)) fail("cfg", std::to_string(out.cfg) + " is outside [0, 100]");
  const int64_t f = int64_t(1) << (c.vaeConfig.blockOutChannels.size() - 1);  // VAE downsampling
  if (out.width < f || out.height < f || out.width % f || out.height % f || out.width > 8192 || out.height > 8192)
    fail("size " + std::to_string(out.width) + "x" + std::to_string(out.height),
         "width and height must be multiples of " + std::to_string(f) + " in [" + std::to_string(f) + ", 8192]");
  if (!r.seeds.empty() && static_cast<int>(r.seeds.size()) != r.batch)
    fail("seeds", std::to_string(r.seeds.size()) + " seeds for a batch of " + std::to_string(r.batch));
  for (int i = 0; i < r.batch; ++i)
    out.seeds.push_back(r.seeds.empty() ? r.seed + static_cast<uint64_t>(i) : r.seeds[i]);
  auto scheduler = makeScheduler(out.sampler, c.schedulerConfig);
  scheduler->setTimesteps(out.steps);

  torch::NoGradGuard noGrad;
  // 1. Conditioning, once per prompt.
  const auto tc = Clock::now();
  Conditioning cond = encodePrompt(m, r.prompt, "prompt");
  const bool guided = out.cfg != 1.0;
  Conditioning uncond;
  if (guided && r.negative.empty()) {
    std::lock_guard<std::mutex> lock(m.cacheMutex);
    if (!m.emptyStates.defined()) {
      Conditioning empty = encodePrompt(m, {}, "negative");
      m.emptyStates = empty.states, m.emptyPooled = empty.pooled;
    }
    uncond.states = m.emptyStates, uncond.pooled = m.emptyPooled;
  } else if (guided) {
    uncond = encodePrompt(m, r.negative, "negative");
  }
  out.timings.conditioning = secondsSince(tc);
  if (cancelled(cancel)) {
    out.cancelled = true;
    return out;
  }

  // 2. The UNet's batch: [uncond × B; cond × B] with the contexts padded to one length (padding masked).
  const int64_t B = r.batch, Lc = cond.states.size(1), Lu = guided ? uncond.states.size(1) : 0;
  const int64_t L = std::max(Lc, Lu), rows = guided ? 2 * B : B;
  auto pad = [&](const at::Tensor& s) {
    return s.size(1) == L ? s : at::cat({s, at::zeros({1, L - s.size(1), s.size(2)}, s.options())}, 1);
  };
  std::vector<at::Tensor> ctx, pooled;
  if (guided) ctx.push_back(pad(uncond.states).expand({B, L, -1}));
  ctx.push_back(pad(cond.states).expand({B, L, -1}));
  at::Tensor context = at::cat(ctx, 0).contiguous();  // [rows, L, D]
  at::Tensor textEmbeds;
  if (cond.pooled.defined()) {
    if (guided) pooled.push_back(uncond.pooled.expand({B, -1}));
    pooled.push_back(cond.pooled.expand({B, -1}));
    textEmbeds = at::cat(pooled, 0).contiguous();  // [rows, P]
  }
  // SDXL time ids: original size, crop top-left (0, 0), target size — (h, w) pairs.
  at::Tensor timeIds =
      at::tensor({double(out.height), double(out.width), 0.0, 0.0, double(out.height), double(out.width)}, at::kFloat)
          .view({1, 6})
          .expand({rows, 6})
          .to(m.device, m.dtype);

  // Logit bias: padding keys and weighted spans. Left undefined when nothing needs it, so that weight 1 (and no
  // padding) runs exactly the unweighted computation.
  const auto inf = std::numeric_limits<float>::infinity();
  at::Tensor bias = at::zeros({rows, L});
  bool needBias = false;
  if (Lu < L && guided) bias.narrow(0, 0, B).narrow(1, Lu, L - Lu).fill_(-inf), needBias = true;
  if (Lc < L) bias.narrow(0, rows - B, B).narrow(1, Lc, L - Lc).fill_(-inf), needBias = true;
  for (size_t s = 0; s < cond.spans.size(); ++s) {
    const double w = cond.weights[s];
    const auto [b, e] = cond.spans[s];
    if (w == 1.0 || e <= b) continue;
    bias.narrow(0, rows - B, B).narrow(1, b, e - b).fill_(w > 0 ? static_cast<float>(std::log(w)) : -inf);
    needBias = true;
  }
  UNetCallOptions call;
  if (needBias) {
    // A row with every key masked would be NaN: give it plain (uniform-bias) attention instead.
    at::Tensor allMasked = bias.isinf().logical_and(bias < 0).all(1);  // [rows]
    if (allMasked.any().item<bool>()) bias.index_put_({allMasked}, 0.0);
    call.crossAttention.logitBias = bias.view({rows, 1, 1, L}).to(m.device, m.dtype);
  }

  // 3. Sampling.
  const int64_t lc = c.unetConfig.inChannels, lh = out.height / f, lw = out.width / f;
  std::unique_ptr<SpanAttentionRecorder> recorder;
  if (r.recordAttention) {
    recorder = std::make_unique<SpanAttentionRecorder>(cond.spans, B, rows - B, lh, lw);
    call.crossAttention.recorder = recorder.get();
  }
  PerImageNoise noise(out.seeds);
  for (int i = 0; i < B; ++i) out.rngSources.push_back(noise.name(static_cast<size_t>(i)));
  const auto f32 = at::TensorOptions().device(m.device).dtype(at::kFloat);
  at::Tensor x = noise.next({B, lc, lh, lw}, f32) * scheduler->initNoiseSigma();  // [B, C, h, w]
  const auto ts = Clock::now();
  // Every step's timestep on the device up front: no host-to-device copy inside the loop.
  const at::Tensor timesteps = scheduler->timesteps().to(m.device);
  std::optional<compat::CpuAutocast> autocast;
  if (r.cpuAutocastBf16 && !m.device.is_cuda()) autocast.emplace(at::kBFloat16);
  for (int i = 0; i < scheduler->numSteps(); ++i) {
    if (cancelled(cancel)) {
      out.cancelled = true;
      return out;
    }
    at::Tensor in = scheduler->scaleModelInput(x, i);
    if (guided) in = at::cat({in, in}, 0);
    const at::Tensor t = timesteps[i];
    at::Tensor eps = m.unet->forward(in.to(m.dtype), t, context, textEmbeds, timeIds, call).to(at::kFloat);
    if (guided) eps = applyGuidanceBatched(eps, out.cfg);
    x = scheduler->step(eps, i, x, &noise);
    out.timings.steps = i + 1;
    if (progress) {
      GenerationProgress p;
      p.step = i + 1, p.total = scheduler->numSteps();
      if (r.previews && lc == 4) p.previews = latentPreviewImages(x, r.previewMaxSide);
      p.elapsedSeconds = secondsSince(t0);
      if (!progress(p)) {
        out.cancelled = true;
        return out;
      }
    }
    if (cancelled(cancel)) {
      out.cancelled = true;
      return out;
    }
  }
  autocast.reset();
  out.timings.sampling = secondsSince(ts);

  // 4. Decode.
  const auto td = Clock::now();
  at::Tensor z = x / c.vaeConfig.scalingFactor;
  if (c.vaeConfig.shiftFactor) z = z + *c.vaeConfig.shiftFactor;
  out.images = toImages(m.vae->decode(z.to(m.vaeDtype)));
  out.timings.decode = secondsSince(td);
  if (recorder) out.attention = recorder->result();
  out.timings.total = secondsSince(t0);
  return out;
}

PromptConditioning encodeMumuPrompt(MumuModel& m, const std::vector<GenerationSegment>& prompt,
                                    const std::string& where) {
  Conditioning c = encodePrompt(m, prompt, where);
  return {c.states, c.pooled};
}

BatchConditioning encodeMumuPrompts(MumuModel& m, const std::vector<std::vector<GenerationSegment>>& prompts,
                                    const std::vector<std::string>& where) {
  if (prompts.empty()) fail("encodeMumuPrompts", "no prompts");
  if (!where.empty() && where.size() != prompts.size())
    fail("encodeMumuPrompts", "one name per prompt expected, got " + std::to_string(where.size()) + " for " +
                                  std::to_string(prompts.size()));
  const auto B = static_cast<int64_t>(prompts.size());
  std::vector<PreparedPrompt> prepared;
  std::vector<std::vector<Image>> images;
  BatchConditioning out;
  int64_t L = 0;
  bool anyImage = false;
  for (int64_t i = 0; i < B; ++i) {
    const std::string name = where.empty() ? "prompt " + std::to_string(i) : where[static_cast<size_t>(i)];
    prepared.push_back(preparePrompt(m, prompts[static_cast<size_t>(i)], name));
    images.push_back(std::move(prepared.back().images));
    anyImage = anyImage || !images.back().empty();
    out.lengths.push_back(static_cast<int64_t>(prepared.back().assembled.ids.size()));
    L = std::max(L, out.lengths.back());
  }
  // Right padding: under the LM's causal attention a real token never sees the padding after it, and the padding is
  // masked out of the connector's attention and pooling, so every prompt's states equal its own encodeMumuPrompt's.
  at::Tensor ids = at::zeros({B, L}, at::kLong), mask = at::zeros({B, L}, at::kLong);
  for (int64_t i = 0; i < B; ++i) {
    const auto& v = prepared[static_cast<size_t>(i)].assembled.ids;
    const int64_t n = out.lengths[static_cast<size_t>(i)];
    ids[i].fill_(static_cast<int64_t>(v.at(0)));  // padded with the prompt's BOS: never an image token
    ids[i].narrow(0, 0, n).copy_(at::from_blob(const_cast<int32_t*>(v.data()), {n}, at::kInt).to(at::kLong));
    mask[i].narrow(0, 0, n).fill_(1);
  }
  at::Tensor pixels, pixelMask;
  if (anyImage) std::tie(pixels, pixelMask) = imageInputs(m, images);  // fewer images: all-zero padding images
  const at::Tensor valid = mask.to(m.device);
  Idefics2Output vlm = m.vlm->forward(ids.to(m.device), valid, pixels, pixelMask);
  MumuConnectorOutput k = m.connector->forward(vlm.lastHiddenState, valid.to(at::kBool));
  out.states = k.states;
  out.pooled = k.pooled;
  return out;
}

std::shared_ptr<MumuModel> openMumuPackage(const std::string& dir, const std::string& device,
                                           const std::string& dtype) {
  MumuLoadOptions o;
  o.device = device;
  o.dtype = dtype;
  return loadMumuModel(dir, o);
}

MumuModelInfo describeMumuModel(const MumuModel& m) {
  MumuModelInfo i;
  i.name = m.config.name;
  i.dir = m.dir;
  i.hash = m.hash;
  i.device = m.device.is_cuda() ? "cuda" : "cpu";
  i.dtype = dtypeName(m.dtype);
  i.sampler = m.config.sampler;
  i.steps = m.config.steps;
  i.cfg = m.config.cfg;
  i.width = m.config.width;
  i.height = m.config.height;
  i.gridSize = m.config.gridSize;
  i.imageTokens = static_cast<int>(idefics2ImageSeqLen(m.config.vlmConfig, m.config.gridSize, m.config.gridSize));
  return i;
}

void mergeLoraIntoMumuModel(MumuModel& m, const std::string& path, double strength) {
  if (!(strength >= -10.0 && strength <= 10.0)) fail(path, "LoRA strength outside [-10, 10]");
  torch::NoGradGuard noGrad;
  const auto adapters = loadLoraFile(path, *m.unet);
  mergeLora(*m.unet, adapters, strength);
  m.hash = sha256Hex(m.hash + "+lora:" + sha256File(path) + ":" + std::to_string(strength));
  // The cached empty-prompt conditioning stays valid: it does not involve the UNet.
}

void createRandomMumuPackageNamed(const std::string& configName, const std::string& dir, uint64_t seed) {
  createRandomMumuPackage(builtinMumuConfig(configName), dir, seed);
}

void convertMumuPackage(const std::string& in, const std::string& out, const std::string& dtype, bool keepTokenizer) {
  at::ScalarType t = at::kFloat;
  if (dtype == "float16")
    t = at::kHalf;
  else if (dtype == "bfloat16")
    t = at::kBFloat16;
  else if (dtype != "float32")
    fail("dtype '" + dtype + "'", "expected float32, float16 or bfloat16");
  auto m = openMumuPackage(in, "cpu", "float32");
  m->vlm->to(t);
  m->connector->to(t);
  m->unet->to(t);
  m->vae->to(t);
  if (!keepTokenizer) m->tokenizerPath.clear();  // "default": the Mistral tokenizer installed with MUMU's assets
  saveMumuPackage(*m, out);
}

std::map<std::string, int64_t> countMumuParametersNamed(const std::string& configName) {
  return countMumuParameters(builtinMumuConfig(configName));
}

std::vector<std::string> mumuBuiltinConfigNames() {
  return builtinMumuConfigNames();
}
std::vector<std::string> mumuSamplerNames() {
  return schedulerNames();
}

Image vaeRoundTrip(MumuModel& model, const Image& image) {
  torch::NoGradGuard noGrad;
  at::Tensor x = imageToTensor(image, true, 1.0 / 255.0, true, {0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}).unsqueeze(0);
  return toImages(model.vae->decode(model.vae->encode(x.to(model.device, model.vaeDtype)).mode())).at(0);
}

}  // namespace mumu
