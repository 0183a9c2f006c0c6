// lora.cpp — LoRA adapters: binding, the live hook, merging, creation for training, and the file formats.
#include "model/lora/lora.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <unordered_map>

#include "model/diffusion/config.h"
#include "model/diffusion/unet.h"
#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/nn/layers.h"

namespace mumu {

namespace {

std::string shapeStr(at::IntArrayRef s) {
  std::ostringstream o;
  o << '[';
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << ']';
  return o.str();
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool startsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string dotsTo(std::string s, char c) {
  for (auto& ch : s)
    if (ch == '.') ch = c;
  return s;
}

// The Linear / Conv2d layers of a model by dotted name.
struct LayerRef {
  std::shared_ptr<torch::nn::Module> module;
  nn::LinearImpl* linear = nullptr;
  nn::Conv2dImpl* conv = nullptr;
  const at::Tensor& weight() const { return linear ? linear->weight : conv->weight; }
};

std::map<std::string, LayerRef> layersOf(const torch::nn::Module& model, bool includeConv = true) {
  std::map<std::string, LayerRef> out;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    LayerRef ref;
    ref.module = item.value();
    ref.linear = dynamic_cast<nn::LinearImpl*>(ref.module.get());
    if (!ref.linear && includeConv) ref.conv = dynamic_cast<nn::Conv2dImpl*>(ref.module.get());
    if (ref.linear || ref.conv) out.emplace(item.key(), std::move(ref));
  }
  return out;
}

// Checks down/up against the layer (reshaping 1×1 conv tensors ↔ linear ones) and returns them fitted.
void fitToLayer(const std::string& where, const LayerRef& layer, const std::string& downKey, at::Tensor& down,
                const std::string& upKey, at::Tensor& up) {
  const at::Tensor& w = layer.weight();
  if (down.dim() < 2 || up.dim() < 2)
    fail(where, "'" + (down.dim() < 2 ? downKey : upKey) + "' has shape " +
                    shapeStr(down.dim() < 2 ? down.sizes() : up.sizes()) + ", expected at least 2 dimensions");
  if (down.size(0) != up.size(1))
    fail(where, "rank mismatch: '" + downKey + "' " + shapeStr(down.sizes()) + " has rank " +
                    std::to_string(down.size(0)) + " but '" + upKey + "' " + shapeStr(up.sizes()) + " has rank " +
                    std::to_string(up.size(1)));
  const int64_t r = down.size(0);
  if (layer.linear) {
    // 1×1 conv-shaped tensors (LDM files with conv projections) fit a Linear.
    if (down.dim() == 4 && down.size(2) == 1 && down.size(3) == 1) down = down.flatten(1);
    if (up.dim() == 4 && up.size(2) == 1 && up.size(3) == 1) up = up.flatten(1);
    const std::vector<int64_t> wantDown{r, w.size(1)}, wantUp{w.size(0), r};
    if (down.sizes() != at::IntArrayRef(wantDown))
      fail(where, "'" + downKey + "' has shape " + shapeStr(down.sizes()) + ", expected " + shapeStr(wantDown) +
                      " for the layer's weight " + shapeStr(w.sizes()));
    if (up.sizes() != at::IntArrayRef(wantUp))
      fail(where, "'" + upKey + "' has shape " + shapeStr(up.sizes()) + ", expected " + shapeStr(wantUp) +
                      " for the layer's weight " + shapeStr(w.sizes()));
  } else {
    const int64_t k = w.size(2);
    if (down.dim() == 2 && k == 1) down = down.view({down.size(0), down.size(1), 1, 1});
    if (up.dim() == 2) up = up.view({up.size(0), up.size(1), 1, 1});
    const std::vector<int64_t> wantDown{r, w.size(1), k, w.size(3)}, wantUp{w.size(0), r, 1, 1};
    if (down.sizes() != at::IntArrayRef(wantDown))
      fail(where, "'" + downKey + "' has shape " + shapeStr(down.sizes()) + ", expected " + shapeStr(wantDown) +
                      " for the layer's weight " + shapeStr(w.sizes()));
    if (up.sizes() != at::IntArrayRef(wantUp))
      fail(where, "'" + upKey + "' has shape " + shapeStr(up.sizes()) + ", expected " + shapeStr(wantUp) +
                      " for the layer's weight " + shapeStr(w.sizes()));
  }
}

const LayerRef& findLayer(const std::map<std::string, LayerRef>& layers, const std::string& where,
                          const std::string& target) {
  auto it = layers.find(target);
  if (it == layers.end()) fail(where, "no Linear or Conv2d layer named '" + target + "' in the model");
  return it->second;
}

// ---- the live hook registry ------------------------------------------------------------------------------

struct Registry {
  std::shared_mutex mutex;
  std::unordered_map<const torch::nn::Module*, std::vector<std::shared_ptr<LoraLayerImpl>>> byLayer;
};
Registry& registry() {
  static Registry r;
  return r;
}

void hookOn(const std::shared_ptr<LoraLayerImpl>& a) {
  auto layer = a->layer.lock();
  if (!layer) return;
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  r.byLayer[layer.get()].push_back(a);
  detail::liveLoraCount.fetch_add(1, std::memory_order_relaxed);
}

void hookOff(const LoraLayerImpl* a) {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  for (auto it = r.byLayer.begin(); it != r.byLayer.end(); ++it) {
    auto& v = it->second;
    for (auto j = v.begin(); j != v.end(); ++j) {
      if (j->get() != a) continue;
      v.erase(j);
      if (v.empty()) r.byLayer.erase(it);
      detail::liveLoraCount.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
  }
}

}  // namespace

namespace detail {
std::atomic<int64_t> liveLoraCount{0};

at::Tensor liveLoraDelta(const torch::nn::Module* layer, const at::Tensor& x) {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.byLayer.find(layer);
  if (it == r.byLayer.end()) return {};
  at::Tensor sum;
  for (const auto& a : it->second) {
    // A layer destroyed and another allocated at its address does not inherit the adapter.
    if (a->layer.lock().get() != layer) continue;
    at::Tensor d = a->forward(x);
    sum = sum.defined() ? sum + d : d;
  }
  return sum;
}
}  // namespace detail

// ---- LoraLayer ------------------------------------------------------------------------------------------

LoraLayerImpl::LoraLayerImpl(std::string t, const std::shared_ptr<torch::nn::Module>& l, at::Tensor d, at::Tensor u,
                             double a)
    : target(std::move(t)), alpha(a), layer(l) {
  rank = d.size(0);
  if (auto* c = dynamic_cast<nn::Conv2dImpl*>(l.get())) {
    conv = true;
    stride = c->stride;
    padding = c->padding;
  }
  down = register_parameter("down", d);
  up = register_parameter("up", u);
}

at::Tensor LoraLayerImpl::forward(const at::Tensor& x) {
  const double s = strength.load(std::memory_order_relaxed) * alpha / static_cast<double>(rank);
  // Follow the activations' dtype (what autocast would do for these ops; differentiable).
  const bool cast = (x.is_floating_point() && x.scalar_type() != down.scalar_type()) || x.device() != down.device();
  const auto type = x.is_floating_point() ? x.scalar_type() : down.scalar_type();
  const at::Tensor d = cast ? down.to(x.device(), type) : down, u = cast ? up.to(x.device(), type) : up;
  if (conv) {
    at::Tensor h = at::conv2d(x, d, {}, {stride, stride}, {padding, padding});  // [B, r, H', W']
    return at::conv2d(h, u) * s;                                                // [B, out, H', W']
  }
  return at::linear(at::linear(x, d), u) * s;  // [.., in] → [.., r] → [.., out]
}

at::Tensor LoraLayerImpl::deltaWeight() const {
  at::NoGradGuard noGrad;
  const at::Tensor d = down.to(at::kFloat), u = up.to(at::kFloat);
  const double s = alpha / static_cast<double>(rank);
  if (!conv) return at::mm(u, d) * s;                           // [out, r] · [r, in] → [out, in]
  at::Tensor w = at::mm(u.flatten(1), d.flatten(1)) * s;        // [out, in·k·k]
  return w.view({u.size(0), d.size(1), d.size(2), d.size(3)});  // [out, in, k, k]
}

at::Tensor LoraLayerImpl::baseWeight() const {
  auto l = layer.lock();
  if (!l) fail("lora", "the layer of '" + target + "' no longer exists");
  if (auto* lin = dynamic_cast<nn::LinearImpl*>(l.get())) return lin->weight;
  return dynamic_cast<nn::Conv2dImpl*>(l.get())->weight;
}

namespace {

void addDelta(const at::Tensor& weight, const at::Tensor& delta, double factor) {
  at::NoGradGuard noGrad;
  if (factor == 0.0) return;
  if (weight.scalar_type() == at::kFloat || weight.scalar_type() == at::kDouble) {
    weight.add_(delta.to(weight.device(), weight.scalar_type()), factor);
  } else {
    // Half precision: add in float32, round once.
    weight.copy_(weight.to(at::kFloat).add_(delta.to(weight.device()), factor));
  }
}

std::vector<LoraLayer> bindAdapters(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters,
                                    const std::string& source) {
  const auto layers = layersOf(model);
  std::vector<LoraLayer> out;
  std::set<std::string> seen;
  for (const auto& a : adapters) {
    if (!seen.insert(a.target).second) fail(source, "two adapters for '" + a.target + "'");
    const LayerRef& ref = findLayer(layers, source, a.target);
    at::Tensor down = a.down, up = a.up;
    if (!down.defined() || !up.defined()) fail(source, "'" + a.target + "': down or up tensor missing");
    fitToLayer(source, ref, a.target + ".down", down, a.target + ".up", up);
    if (a.rank != 0 && a.rank != down.size(0))
      fail(source,
           "'" + a.target + "': rank " + std::to_string(a.rank) + " but down has shape " + shapeStr(down.sizes()));
    // Adapters are kept in float32 (double for a double layer) on the layer's device: they are what an
    // optimizer updates; forward casts them to the activations' dtype.
    const auto dev = ref.weight().device();
    const auto type = ref.weight().scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
    at::NoGradGuard noGrad;
    down = down.to(dev, type).clone().contiguous();
    up = up.to(dev, type).clone().contiguous();
    out.emplace_back(a.target, ref.module, down, up, a.alpha);
  }
  return out;
}

}  // namespace

// ---- LoraNetwork ----------------------------------------------------------------------------------------

LoraNetworkImpl::LoraNetworkImpl(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters, LoraMode mode,
                                 const std::string& source) {
  layers_ = bindAdapters(model, adapters, source);
  for (size_t i = 0; i < layers_.size(); ++i)
    register_module(dotsTo(layers_[i]->target, '_') + "_" + std::to_string(i), layers_[i]);
  setMode(mode);
}

LoraNetworkImpl::~LoraNetworkImpl() {
  if (mode_ == LoraMode::Live)
    for (const auto& l : layers_) hookOff(l.get());
}

void LoraNetworkImpl::applyMerge(double sign) {
  for (const auto& l : layers_) addDelta(l->baseWeight(), l->deltaWeight(), sign * mergedStrength_);
}

void LoraNetworkImpl::setMode(LoraMode mode) {
  if (mode == mode_) return;
  if (mode_ == LoraMode::Live)
    for (const auto& l : layers_) hookOff(l.get());
  if (mode_ == LoraMode::Merged) applyMerge(-1.0);
  mode_ = LoraMode::Off;
  if (mode == LoraMode::Live) {
    for (const auto& l : layers_) {
      l->strength.store(strength_);
      hookOn(l.ptr());
    }
  } else if (mode == LoraMode::Merged) {
    mergedStrength_ = strength_;
    applyMerge(1.0);
  }
  mode_ = mode;
}

void LoraNetworkImpl::setStrength(double s) {
  if (mode_ == LoraMode::Merged) {
    setMode(LoraMode::Off);
    strength_ = s;
    setMode(LoraMode::Merged);
    return;
  }
  strength_ = s;
  for (const auto& l : layers_) l->strength.store(s);
}

std::vector<LoraAdapter> LoraNetworkImpl::adapters() const {
  at::NoGradGuard noGrad;
  std::vector<LoraAdapter> out;
  for (const auto& l : layers_)
    out.push_back({l->target, l->down.detach().clone(), l->up.detach().clone(), l->alpha, l->rank});
  return out;
}

void LoraNetworkImpl::save(const std::string& path, const std::map<std::string, std::string>& metadata) const {
  saveLoraFile(path, adapters(), metadata);
}

// ---- merging without a network ----------------------------------------------------------------------------

namespace {
void mergeSigned(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters, double factor) {
  for (const auto& l : bindAdapters(model, adapters, "lora")) addDelta(l->baseWeight(), l->deltaWeight(), factor);
}
}  // namespace

void mergeLora(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters, double strength) {
  mergeSigned(model, adapters, strength);
}
void unmergeLora(torch::nn::Module& model, const std::vector<LoraAdapter>& adapters, double strength) {
  mergeSigned(model, adapters, -strength);
}

// ---- creating adapters --------------------------------------------------------------------------------------

namespace {

bool globMatch(const char* p, const char* s) {
  // '*' matches any run of characters (dots included); everything else literally.
  for (; *p; ++p, ++s) {
    if (*p == '*') {
      for (const char* t = s;; ++t) {
        if (globMatch(p + 1, t)) return true;
        if (!*t) return false;
      }
    }
    if (*s != *p) return false;
  }
  return *s == 0;
}

bool patternMatches(const std::string& pattern, const std::optional<std::regex>& re, const std::string& name) {
  if (re) return std::regex_search(name, *re);
  // The whole name or any dotted suffix of it.
  for (size_t start = 0;;) {
    if (globMatch(pattern.c_str(), name.c_str() + start)) return true;
    const size_t dot = name.find('.', start);
    if (dot == std::string::npos) return false;
    start = dot + 1;
  }
}

}  // namespace

std::vector<std::string> matchLoraTargets(const torch::nn::Module& model, const std::string& patterns,
                                          bool includeConv) {
  std::vector<std::pair<std::string, std::optional<std::regex>>> alts;
  if (startsWith(patterns, "re:")) {
    try {
      alts.emplace_back(patterns, std::regex(patterns.substr(3), std::regex::ECMAScript));
    } catch (const std::regex_error& e) {
      fail("lora targets", "bad regex '" + patterns.substr(3) + "': " + e.what());
    }
  } else {
    std::stringstream ss(patterns);
    for (std::string p; std::getline(ss, p, '|');)
      if (!p.empty()) alts.emplace_back(p, std::nullopt);
  }
  std::vector<std::string> out;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    const auto* m = item.value().get();
    const bool isLayer =
        dynamic_cast<const nn::LinearImpl*>(m) || (includeConv && dynamic_cast<const nn::Conv2dImpl*>(m));
    if (!isLayer) continue;
    for (const auto& [p, re] : alts) {
      if (patternMatches(p, re, item.key())) {
        out.push_back(item.key());
        break;
      }
    }
  }
  return out;
}

LoraNetwork addLora(torch::nn::Module& model, const std::string& patterns, const LoraOptions& o) {
  if (o.rank <= 0) fail("addLora", "rank must be positive, got " + std::to_string(o.rank));
  const auto targets = matchLoraTargets(model, patterns, o.includeConv);
  if (targets.empty()) fail("addLora", "no Linear or Conv2d layer matches '" + patterns + "'");
  const auto layers = layersOf(model, o.includeConv);
  auto gen = at::detail::createCPUGenerator(o.seed);
  std::vector<LoraAdapter> adapters;
  {
    at::NoGradGuard noGrad;
    for (const auto& t : targets) {
      const at::Tensor& w = layers.at(t).weight();  // [out, in(, k, k)]
      std::vector<int64_t> downShape{o.rank, w.size(1)}, upShape{w.size(0), o.rank};
      if (w.dim() == 4) {
        downShape.insert(downShape.end(), {w.size(2), w.size(3)});
        upShape.insert(upShape.end(), {1, 1});
      }
      const auto opts = at::TensorOptions(at::kFloat);
      at::Tensor down = at::empty(downShape, opts);
      if (o.init == LoraInit::Kaiming) {
        const double fanIn = static_cast<double>(down.numel() / o.rank);
        const double bound = 1.0 / std::sqrt(fanIn);
        down.uniform_(-bound, bound, gen);
      } else {
        down.normal_(0.0, 1.0 / static_cast<double>(o.rank), gen);
      }
      adapters.push_back({t, down, at::zeros(upShape, opts), o.alpha, o.rank});
    }
  }
  if (o.freezeBase)
    for (auto& p : model.parameters()) p.requires_grad_(false);
  LoraNetwork net(model, adapters, LoraMode::Live, "addLora");
  for (auto& p : net->parameters()) p.requires_grad_(true);
  return net;
}

// ---- files ----------------------------------------------------------------------------------------------------

UnetLayout unetLayoutOf(const UNet2DConditionConfig& c) {
  UnetLayout l;
  l.blockOutChannels = c.blockOutChannels;
  l.layersPerBlock = c.layersPerBlock.empty() ? 2 : static_cast<int>(c.layersPerBlock.front());
  const size_t n = c.numBlocks();
  for (size_t i = 0; i < n; ++i) {
    auto depth = [](const std::vector<std::vector<int64_t>>& v, size_t b) {
      return b < v.size() && !v[b].empty() ? static_cast<int>(v[b].front()) : 1;
    };
    l.downTransformerDepth.push_back(
        UNet2DConditionConfig::hasCrossAttention(c.downBlockTypes[i]) ? depth(c.transformerLayersPerBlock, i) : 0);
    const auto& rev = c.reverseTransformerLayersPerBlock;
    int up = rev.empty() ? depth(c.transformerLayersPerBlock, n - 1 - i) : depth(rev, i);
    l.upTransformerDepth.push_back(
        i < c.upBlockTypes.size() && UNet2DConditionConfig::hasCrossAttention(c.upBlockTypes[i]) ? up : 0);
  }
  const auto& last = c.transformerLayersPerBlock;
  l.midTransformerDepth = last.empty() || last.back().empty() ? 1 : static_cast<int>(last.back().front());
  l.addEmbedding = c.additionEmbedType == "text_time";
  return l;
}

namespace {

std::string joinName(const std::string& root, const std::string& rest) {
  return root.empty() ? rest : root + "." + rest;
}

// What one file key contributes.
struct KeyInfo {
  enum Kind { Down, Up, Alpha, None } kind = None;
  std::string base;    // the key without its LoRA suffix (still in the file's naming)
  std::string format;  // "kohya", "peft", "diffusers-processor"
};

KeyInfo classify(const std::string& key) {
  static const std::vector<std::tuple<std::string, KeyInfo::Kind, std::string>> suffixes{
      {".lora_down.weight", KeyInfo::Down, "kohya"}, {".lora_up.weight", KeyInfo::Up, "kohya"},
      {".alpha", KeyInfo::Alpha, "kohya"},           {".lora_A.weight", KeyInfo::Down, "peft"},
      {".lora_B.weight", KeyInfo::Up, "peft"},       {".lora.down.weight", KeyInfo::Down, "peft"},
      {".lora.up.weight", KeyInfo::Up, "peft"},
  };
  KeyInfo info;
  // diffusers' attention processors: <attn>.processor.to_q_lora.down.weight → <attn>.to_q
  const auto proc = key.find(".processor.");
  if (proc != std::string::npos) {
    const std::string rest = key.substr(proc + 11);
    for (const auto& [suffix, kind] : {std::pair{std::string("_lora.down.weight"), KeyInfo::Down},
                                       std::pair{std::string("_lora.up.weight"), KeyInfo::Up}}) {
      if (!endsWith(rest, suffix)) continue;
      std::string proj = rest.substr(0, rest.size() - suffix.size());
      if (proj == "to_out") proj = "to_out.0";
      return {kind, key.substr(0, proc) + "." + proj, "diffusers-processor"};
    }
    return info;
  }
  for (const auto& [suffix, kind, format] : suffixes) {
    if (!endsWith(key, suffix)) continue;
    if (format == "kohya" && !startsWith(key, "lora_")) continue;  // ".alpha" of anything else is not kohya's
    return {kind, key.substr(0, key.size() - suffix.size()), format};
  }
  return info;
}

struct PeftConfig {
  std::optional<int64_t> r;
  std::optional<double> alpha;
  std::vector<std::pair<std::regex, double>> alphaPattern;
  bool present = false;
};

PeftConfig readPeftConfig(const std::string& loraPath) {
  PeftConfig c;
  const auto path = std::filesystem::path(loraPath).parent_path() / "adapter_config.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return c;
  c.present = true;
  try {
    std::ifstream in(path);
    const auto j = nlohmann::json::parse(in);
    // With a rank_pattern the ranks differ per layer: the tensors' own shapes decide.
    const bool rankPattern = j.contains("rank_pattern") && j["rank_pattern"].is_object() && !j["rank_pattern"].empty();
    if (j.contains("r") && j["r"].is_number() && !rankPattern) c.r = j["r"].get<int64_t>();
    if (j.contains("lora_alpha") && j["lora_alpha"].is_number()) c.alpha = j["lora_alpha"].get<double>();
    if (j.contains("alpha_pattern") && j["alpha_pattern"].is_object())
      for (const auto& [k, v] : j["alpha_pattern"].items())
        c.alphaPattern.emplace_back(std::regex("(.*\\.)?" + k + "$"), v.get<double>());
  } catch (const std::exception& e) {
    fail(path.string(), std::string("unreadable adapter config: ") + e.what());
  }
  return c;
}

}  // namespace

std::vector<LoraAdapter> loadLoraFile(const std::string& path, const torch::nn::Module& model,
                                      const LoraLoadOptions& options, LoraLoadReport* reportOut) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  LoraLoadReport report;
  const auto layers = layersOf(model);
  const auto& meta = file.metadata();
  const bool mumuFormat = meta.count("format") && meta.at("format") == "mumu-lora";
  std::map<std::string, double> mumuAlpha;
  if (mumuFormat && meta.count("mumu.lora")) {
    try {
      const auto j = nlohmann::json::parse(meta.at("mumu.lora"));
      if (j.contains("alpha"))
        for (const auto& [k, v] : j["alpha"].items()) mumuAlpha[k] = v.get<double>();
    } catch (const std::exception& e) {
      fail(path, std::string("metadata 'mumu.lora' is not valid: ") + e.what());
    }
  }
  const PeftConfig peft = readPeftConfig(path);

  // kohya names: built from the model's own layers under the UNet root, in both namings.
  std::unordered_map<std::string, std::string> kohya;
  bool kohyaBuilt = false;
  auto buildKohya = [&] {
    kohyaBuilt = true;
    const torch::nn::Module* unet = options.unetRoot.empty() ? &model : nullptr;
    if (!unet)
      for (const auto& item : model.named_modules("", false))
        if (item.key() == options.unetRoot) unet = item.value().get();
    UnetLayout layout = sdxlBaseUnetLayout();
    if (options.unetLayout) {
      layout = *options.unetLayout;
    } else if (const auto* u = dynamic_cast<const UNet2DConditionModelImpl*>(unet)) {
      layout = unetLayoutOf(u->config());
    }
    const std::string prefix = options.unetRoot.empty() ? "" : options.unetRoot + ".";
    for (const auto& [name, ref] : layers) {
      if (!startsWith(name, prefix)) continue;
      const std::string rel = name.substr(prefix.size());
      kohya.emplace("lora_unet_" + dotsTo(rel, '_'), name);
      try {
        if (auto ldm = diffusersToLdmUnetName(rel + ".weight", layout)) {
          std::string l = *ldm;
          if (startsWith(l, kLdmUnetPrefix)) l = l.substr(std::string(kLdmUnetPrefix).size());
          if (endsWith(l, ".weight")) l = l.substr(0, l.size() - 7);
          kohya.emplace("lora_unet_" + dotsTo(l, '_'), name);
        }
      } catch (const Error&) {
        // a layer outside the layout's names: reachable by its diffusers-form key only
      }
    }
  };

  struct Pending {
    std::string downKey, upKey, alphaKey, fileBase;
    at::Tensor down, up;
    std::optional<double> alpha;
  };
  std::map<std::string, Pending> byTarget;
  std::set<std::string> formats, ignoredReasons;
  for (const auto& e : file.entries()) {
    const std::string& key = e.name;
    const KeyInfo info = classify(key);
    if (info.kind == KeyInfo::None) {
      report.unmatched.push_back(key);
      continue;
    }
    std::optional<std::string> target;
    if (info.format == "kohya") {
      if (startsWith(info.base, "lora_te")) {
        report.ignored.push_back(key);
        ignoredReasons.insert("text-encoder keys (lora_te*_) ignored: MUMU has no CLIP text encoders");
        continue;
      }
      if (!kohyaBuilt) buildKohya();
      if (auto it = kohya.find(info.base); it != kohya.end()) target = it->second;
    } else {
      std::string name = info.base;
      if (startsWith(name, "base_model.model.")) name = name.substr(17);
      if (startsWith(name, "text_encoder.") || startsWith(name, "text_encoder_2.")) {
        report.ignored.push_back(key);
        ignoredReasons.insert("text-encoder keys (text_encoder*.) ignored: MUMU has no CLIP text encoders");
        continue;
      }
      std::vector<std::string> candidates{name};
      if (startsWith(name, "unet."))
        candidates.push_back(joinName(options.unetRoot, name.substr(5)));
      else if (!options.unetRoot.empty())
        candidates.push_back(joinName(options.unetRoot, name));
      for (const auto& c : candidates)
        if (layers.count(c)) {
          target = c;
          break;
        }
    }
    if (!target) {
      report.unmatched.push_back(key);
      continue;
    }
    formats.insert(mumuFormat ? "mumu" : info.format);
    Pending& p = byTarget[*target];
    const std::string& previous = info.kind == KeyInfo::Down ? p.downKey
                                  : info.kind == KeyInfo::Up ? p.upKey
                                                             : p.alphaKey;
    if (!previous.empty())
      fail(path, "'" + key + "' and '" + previous + "' both give the same tensor of '" + *target + "'");
    if (info.kind == KeyInfo::Down) {
      p.downKey = key;
      p.down = file.tensor(key);
    } else if (info.kind == KeyInfo::Up) {
      p.upKey = key;
      p.up = file.tensor(key);
    } else {
      p.alphaKey = key;
      const at::Tensor a = file.tensor(key);
      if (a.numel() != 1 || (!a.is_floating_point() && a.scalar_type() != at::kLong && a.scalar_type() != at::kInt))
        fail(path, "'" + key + "' has shape " + shapeStr(a.sizes()) + ", expected one number");
      p.alpha = a.to(at::kDouble).item<double>();
    }
    p.fileBase = info.base;
  }

  if (options.strict && !report.unmatched.empty()) {
    std::string list;
    for (size_t i = 0; i < report.unmatched.size() && i < 10; ++i)
      list += (i ? ", " : "") + ("'" + report.unmatched[i] + "'");
    if (report.unmatched.size() > 10) list += " and " + std::to_string(report.unmatched.size() - 10) + " more";
    fail(path,
         std::to_string(report.unmatched.size()) + " key(s) match no Linear or Conv2d layer of the model: " + list);
  }

  std::vector<LoraAdapter> out;
  for (auto& [target, p] : byTarget) {
    if (!p.down.defined())
      fail(path, "'" + (p.upKey.empty() ? p.alphaKey : p.upKey) + "' has no matching down tensor (lora_down / lora_A)");
    if (!p.up.defined()) fail(path, "'" + p.downKey + "' has no matching up tensor (lora_up / lora_B)");
    fitToLayer(path, layers.at(target), p.downKey, p.down, p.upKey, p.up);
    LoraAdapter a;
    a.target = target;
    a.rank = p.down.size(0);
    a.down = p.down;
    a.up = p.up;
    if (p.alpha) {
      a.alpha = *p.alpha;
    } else if (auto it = mumuAlpha.find(target); it != mumuAlpha.end()) {
      a.alpha = it->second;
    } else if (peft.present) {
      if (peft.r && *peft.r != a.rank)
        fail(path, "'" + p.downKey + "' has rank " + std::to_string(a.rank) +
                       " but adapter_config.json says r = " + std::to_string(*peft.r));
      a.alpha = peft.alpha ? *peft.alpha : static_cast<double>(a.rank);
      std::string name = p.fileBase;
      if (startsWith(name, "base_model.model.")) name = name.substr(17);
      if (startsWith(name, "unet.")) name = name.substr(5);
      for (const auto& [re, v] : peft.alphaPattern)
        if (std::regex_match(name, re)) a.alpha = v;
    } else {
      a.alpha = static_cast<double>(a.rank);  // no alpha stored: scale 1 (kohya's and PEFT's default)
    }
    if (!std::isfinite(a.alpha))
      fail(path, "'" + (p.alphaKey.empty() ? p.downKey : p.alphaKey) + "': alpha is not finite");
    out.push_back(std::move(a));
  }
  if (!report.unmatched.empty())
    report.notes.push_back(std::to_string(report.unmatched.size()) + " key(s) matched no layer and were skipped");
  report.notes.insert(report.notes.end(), ignoredReasons.begin(), ignoredReasons.end());
  for (const auto& f : formats) report.format += (report.format.empty() ? "" : "+") + f;
  if (out.empty() && report.ignored.empty())
    fail(path, "no LoRA tensors found (expected lora_down/lora_up, lora_A/lora_B keys)");
  if (reportOut) *reportOut = std::move(report);
  return out;
}

void saveLoraFile(const std::string& path, const std::vector<LoraAdapter>& adapters,
                  const std::map<std::string, std::string>& metadata) {
  std::map<std::string, at::Tensor> tensors;
  nlohmann::json alpha = nlohmann::json::object();
  for (const auto& a : adapters) {
    if (!a.down.defined() || !a.up.defined()) fail(path, "adapter '" + a.target + "' has no down or up tensor");
    tensors[a.target + ".lora_A.weight"] = a.down.detach();
    tensors[a.target + ".lora_B.weight"] = a.up.detach();
    alpha[a.target] = a.alpha;
  }
  auto meta = metadata;
  meta["format"] = "mumu-lora";
  meta["mumu.lora"] = nlohmann::json{{"version", 1}, {"alpha", alpha}}.dump();
  saveSafetensors(path, tensors, meta);
}

}  // namespace mumu
