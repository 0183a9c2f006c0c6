#include "model/io/sdxl_checkpoint.h"

#include "model/error.h"
#include "model/io/json_limits.h"
#include "model/io/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace mumu {

namespace fs = std::filesystem;

namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string str(int64_t i) {
  return std::to_string(i);
}

void convertFloats(std::map<std::string, at::Tensor>& tensors, at::ScalarType floatType) {
  for (auto& [name, t] : tensors)
    if (at::isFloatingType(t.scalar_type()) && t.scalar_type() != floatType) t = t.to(floatType);
}

// ---- diffusers folders ----

constexpr uint64_t kMaxIndexBytes = 64ull << 20;

std::map<std::string, at::Tensor> loadShardedWeights(const fs::path& indexPath) {
  const std::string where = indexPath.string();
  std::error_code ec;
  const auto size = fs::file_size(indexPath, ec);
  if (ec) fail(where, "cannot read (" + ec.message() + ")");
  if (size > kMaxIndexBytes) fail(where, "index file is " + std::to_string(size) + " bytes, too large");
  std::ifstream in(indexPath, std::ios::binary);
  std::string text(size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) fail(where, "cannot read");

  checkJsonDepth(text, where);
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    fail(where, "no \"weight_map\" object");

  std::map<std::string, std::vector<std::string>> namesPerShard;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) fail(where, "weight_map entry '" + name + "' is not a file name");
    const std::string file = shard.get<std::string>();
    // The index is untrusted: a shard must be a plain file name beside it.
    if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos)
      fail(where, "weight_map entry '" + name + "' names '" + file + "', not a file beside the index");
    namesPerShard[file].push_back(name);
  }
  std::map<std::string, at::Tensor> tensors;
  for (const auto& [file, names] : namesPerShard) {
    SafetensorsFile shard = SafetensorsFile::open((indexPath.parent_path() / file).string());
    for (const auto& name : names) {
      if (!shard.contains(name))
        fail(where, "weight_map puts '" + name + "' in " + file + ", which has no such tensor");
      tensors.emplace(name, shard.tensor(name));
    }
  }
  return tensors;
}

// ---- name mapping ----

// How the names below a mapped block prefix translate.
enum class Part {
  Leaf,          // a single layer: only `weight` / `bias` below, same names on both sides
  Subtree,       // a module with identical names inside (SpatialTransformer ↔ Transformer2DModel)
  UnetResnet,    // ResBlock ↔ ResnetBlock2D
  VaeResnet,     // ResnetBlock ↔ ResnetBlock2D
  VaeAttention,  // AttnBlock (1×1 convs) ↔ Attention (linears)
};

struct BlockMap {
  std::string ldm, diffusers;  // both end with '.'
  Part part;
};

struct Rename {
  const char* ldm;
  const char* diffusers;
  bool convToLinear;  // its weight is [C, C, 1, 1] in LDM and [C, C] in diffusers
};

const std::vector<Rename>& renamesOf(Part part) {
  // ResBlock: in_layers = (GroupNorm, SiLU, conv), emb_layers = (SiLU, Linear), out_layers = (GroupNorm,
  // SiLU, Dropout, conv): the numbers are the positions of the layers holding weights.
  static const std::vector<Rename> unetResnet = {
      {"in_layers.0", "norm1", false},  {"in_layers.2", "conv1", false},  {"emb_layers.1", "time_emb_proj", false},
      {"out_layers.0", "norm2", false}, {"out_layers.3", "conv2", false}, {"skip_connection", "conv_shortcut", false},
  };
  static const std::vector<Rename> vaeResnet = {
      {"norm1", "norm1", false},
      {"conv1", "conv1", false},
      {"norm2", "norm2", false},
      {"conv2", "conv2", false},
      {"nin_shortcut", "conv_shortcut", false},
  };
  static const std::vector<Rename> vaeAttention = {
      {"norm", "group_norm", false},  {"q", "to_q", true}, {"k", "to_k", true}, {"v", "to_v", true},
      {"proj_out", "to_out.0", true},
  };
  static const std::vector<Rename> none;
  switch (part) {
    case Part::UnetResnet:
      return unetResnet;
    case Part::VaeResnet:
      return vaeResnet;
    case Part::VaeAttention:
      return vaeAttention;
    default:
      return none;
  }
}

void checkLayout(const UnetLayout& l) {
  const size_t n = l.blockOutChannels.size();
  if (n == 0 || l.downTransformerDepth.size() != n || l.upTransformerDepth.size() != n)
    fail("UNet layout", "needs one channel count and one down and up transformer depth per block (got " + str(n) +
                            ", " + str(l.downTransformerDepth.size()) + ", " + str(l.upTransformerDepth.size()) + ")");
  if (l.layersPerBlock < 1 || l.midTransformerDepth < 1)
    fail("UNet layout", "layersPerBlock and midTransformerDepth must be >= 1");
  for (size_t i = 0; i < n; ++i)
    if (l.downTransformerDepth[i] < 0 || l.upTransformerDepth[i] < 0 || l.blockOutChannels[i] < 1)
      fail("UNet layout", "negative transformer depth or channel count in block " + str(i));
}

void checkLayout(const VaeLayout& l) {
  if (l.blockOutChannels.empty() || l.layersPerBlock < 1)
    fail("VAE layout", "needs at least one block and layersPerBlock >= 1");
}

// The UNet's block prefixes, in SGM numbering: input_blocks are [conv_in], then per down block
// layersPerBlock × [ResBlock, SpatialTransformer?] and one [Downsample] (not after the last);
// output_blocks are per up block (layersPerBlock + 1) × [ResBlock, SpatialTransformer?, Upsample?].
std::vector<BlockMap> unetTable(const UnetLayout& l) {
  checkLayout(l);
  const int n = static_cast<int>(l.blockOutChannels.size());
  std::vector<BlockMap> t = {
      {"time_embed.0.", "time_embedding.linear_1.", Part::Leaf},
      {"time_embed.2.", "time_embedding.linear_2.", Part::Leaf},
      {"input_blocks.0.0.", "conv_in.", Part::Leaf},
      {"middle_block.0.", "mid_block.resnets.0.", Part::UnetResnet},
      {"middle_block.1.", "mid_block.attentions.0.", Part::Subtree},
      {"middle_block.2.", "mid_block.resnets.1.", Part::UnetResnet},
      {"out.0.", "conv_norm_out.", Part::Leaf},
      {"out.2.", "conv_out.", Part::Leaf},
  };
  if (l.addEmbedding) {
    t.push_back({"label_emb.0.0.", "add_embedding.linear_1.", Part::Leaf});
    t.push_back({"label_emb.0.2.", "add_embedding.linear_2.", Part::Leaf});
  }
  int input = 1;
  for (int i = 0; i < n; ++i) {
    const std::string block = "down_blocks." + str(i) + ".";
    for (int j = 0; j < l.layersPerBlock; ++j, ++input) {
      const std::string ldm = "input_blocks." + str(input) + ".";
      t.push_back({ldm + "0.", block + "resnets." + str(j) + ".", Part::UnetResnet});
      if (l.downTransformerDepth[i] > 0) t.push_back({ldm + "1.", block + "attentions." + str(j) + ".", Part::Subtree});
    }
    if (i < n - 1) t.push_back({"input_blocks." + str(input++) + ".0.op.", block + "downsamplers.0.conv.", Part::Leaf});
  }
  int output = 0;
  for (int i = 0; i < n; ++i) {
    const std::string block = "up_blocks." + str(i) + ".";
    const bool attention = l.upTransformerDepth[i] > 0;
    for (int j = 0; j <= l.layersPerBlock; ++j, ++output) {
      const std::string ldm = "output_blocks." + str(output) + ".";
      t.push_back({ldm + "0.", block + "resnets." + str(j) + ".", Part::UnetResnet});
      if (attention) t.push_back({ldm + "1.", block + "attentions." + str(j) + ".", Part::Subtree});
      // The upsampler sits after the resnet (and attention) of the block's last layer.
      if (j == l.layersPerBlock && i < n - 1)
        t.push_back({ldm + (attention ? "2" : "1") + ".conv.", block + "upsamplers.0.conv.", Part::Leaf});
    }
  }
  return t;
}

// The VAE's: LDM numbers decoder levels by resolution like the encoder's (decoder.up.0 is full resolution
// and runs last), diffusers numbers up_blocks in execution order.
std::vector<BlockMap> vaeTable(const VaeLayout& l) {
  checkLayout(l);
  const int n = static_cast<int>(l.blockOutChannels.size());
  std::vector<BlockMap> t = {
      {"quant_conv.", "quant_conv.", Part::Leaf},
      {"post_quant_conv.", "post_quant_conv.", Part::Leaf},
  };
  for (const std::string coder : {"encoder.", "decoder."}) {
    t.push_back({coder + "conv_in.", coder + "conv_in.", Part::Leaf});
    t.push_back({coder + "mid.block_1.", coder + "mid_block.resnets.0.", Part::VaeResnet});
    t.push_back({coder + "mid.attn_1.", coder + "mid_block.attentions.0.", Part::VaeAttention});
    t.push_back({coder + "mid.block_2.", coder + "mid_block.resnets.1.", Part::VaeResnet});
    t.push_back({coder + "norm_out.", coder + "conv_norm_out.", Part::Leaf});
    t.push_back({coder + "conv_out.", coder + "conv_out.", Part::Leaf});
  }
  for (int i = 0; i < n; ++i) {
    const std::string ldm = "encoder.down." + str(i) + ".", block = "encoder.down_blocks." + str(i) + ".";
    for (int j = 0; j < l.layersPerBlock; ++j)
      t.push_back({ldm + "block." + str(j) + ".", block + "resnets." + str(j) + ".", Part::VaeResnet});
    if (i < n - 1) t.push_back({ldm + "downsample.conv.", block + "downsamplers.0.conv.", Part::Leaf});
  }
  for (int i = 0; i < n; ++i) {
    const std::string ldm = "decoder.up." + str(n - 1 - i) + ".", block = "decoder.up_blocks." + str(i) + ".";
    for (int j = 0; j <= l.layersPerBlock; ++j)
      t.push_back({ldm + "block." + str(j) + ".", block + "resnets." + str(j) + ".", Part::VaeResnet});
    if (i < n - 1) t.push_back({ldm + "upsample.conv.", block + "upsamplers.0.conv.", Part::Leaf});
  }
  return t;
}

struct Mapped {
  std::string name;
  bool convToLinear = false;  // a VAE attention weight: reshape between [C, C, 1, 1] and [C, C]
};

bool isWeightOrBias(const std::string& leaf) {
  return leaf == "weight" || leaf == "bias";
}

// `name` (without the LDM prefix) through the table, one way or the other.
std::optional<Mapped> translate(const std::string& name, const std::vector<BlockMap>& table, bool fromLdm) {
  const BlockMap* best = nullptr;
  for (const auto& b : table) {
    const std::string& prefix = fromLdm ? b.ldm : b.diffusers;
    if (startsWith(name, prefix) && (!best || prefix.size() > (fromLdm ? best->ldm : best->diffusers).size()))
      best = &b;
  }
  if (!best) return std::nullopt;
  const std::string rest = name.substr((fromLdm ? best->ldm : best->diffusers).size());
  const std::string& to = fromLdm ? best->diffusers : best->ldm;
  switch (best->part) {
    case Part::Leaf:
      if (!isWeightOrBias(rest)) return std::nullopt;
      return Mapped{to + rest};
    case Part::Subtree:
      if (rest.empty()) return std::nullopt;
      return Mapped{to + rest};
    default:
      for (const auto& r : renamesOf(best->part)) {
        const std::string from = std::string(fromLdm ? r.ldm : r.diffusers) + ".";
        if (!startsWith(rest, from)) continue;
        const std::string leaf = rest.substr(from.size());
        if (!isWeightOrBias(leaf)) return std::nullopt;
        return Mapped{to + (fromLdm ? r.diffusers : r.ldm) + "." + leaf, r.convToLinear && leaf == "weight"};
      }
      return std::nullopt;
  }
}

std::optional<Mapped> fromLdm(const std::string& ldmName, const std::string& prefix, const std::vector<BlockMap>& t) {
  if (!startsWith(ldmName, prefix)) return std::nullopt;
  return translate(ldmName.substr(prefix.size()), t, true);
}

std::optional<Mapped> toLdm(const std::string& name, const std::string& prefix, const std::vector<BlockMap>& t) {
  auto m = translate(name, t, false);
  if (m) m->name = prefix + m->name;
  return m;
}

std::string listFew(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < 5; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > 5) s += ", ... (" + str(static_cast<int64_t>(names.size())) + " in all)";
  return s;
}

// Applies a name mapping to a tensor map, skipping keys outside `skipOutside` when it is given.
template <class MapName>
std::map<std::string, at::Tensor> mapTensors(const std::map<std::string, at::Tensor>& in,
                                             const std::string& skipOutside, bool toLinear, const std::string& source,
                                             const char* what, MapName&& mapName) {
  std::map<std::string, at::Tensor> out;
  std::vector<std::string> unplaced;
  for (const auto& [name, t] : in) {
    if (!skipOutside.empty() && !startsWith(name, skipOutside)) continue;
    const std::optional<Mapped> m = mapName(name);
    if (!m) {
      unplaced.push_back(name);
      continue;
    }
    at::Tensor mapped = t;
    if (m->convToLinear && t.defined()) {
      if (toLinear && t.dim() == 4 && t.size(2) == 1 && t.size(3) == 1) mapped = t.reshape({t.size(0), t.size(1)});
      if (!toLinear && t.dim() == 2) mapped = t.reshape({t.size(0), t.size(1), 1, 1});
    }
    if (!out.emplace(m->name, mapped).second) fail(source, "two keys map to " + m->name);
  }
  if (!unplaced.empty())
    fail(source, str(static_cast<int64_t>(unplaced.size())) + " " + what +
                     " key(s) have no counterpart under the given layout: " + listFew(unplaced));
  return out;
}

}  // namespace

std::map<std::string, at::Tensor> loadDiffusersWeights(const std::string& dir, const std::string& sub,
                                                       at::ScalarType floatType) {
  const fs::path folder = sub.empty() ? fs::path(dir) : fs::path(dir) / sub;
  const char* const candidates[] = {
      "diffusion_pytorch_model.safetensors",
      "diffusion_pytorch_model.fp16.safetensors",
      "diffusion_pytorch_model.safetensors.index.json",
      "diffusion_pytorch_model.fp16.safetensors.index.json",
  };
  std::map<std::string, at::Tensor> tensors;
  bool found = false;
  for (const char* name : candidates) {
    const fs::path path = folder / name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    const std::string file = name;
    tensors = file.ends_with(".json") ? loadShardedWeights(path) : loadSafetensors(path.string());
    found = true;
    break;
  }
  if (!found) {
    std::string looked;
    for (const char* name : candidates) looked += (looked.empty() ? "" : ", ") + std::string(name);
    fail(folder.string(), "no weights found (looked for " + looked + ")");
  }
  convertFloats(tensors, floatType);
  return tensors;
}

UnetLayout sdxlBaseUnetLayout() {
  UnetLayout l;
  l.blockOutChannels = {320, 640, 1280};
  l.layersPerBlock = 2;
  l.downTransformerDepth = {0, 2, 10};
  l.upTransformerDepth = {10, 2, 0};
  l.midTransformerDepth = 10;
  l.addEmbedding = true;
  return l;
}

VaeLayout sdxlVaeLayout() {
  VaeLayout l;
  l.blockOutChannels = {128, 256, 512, 512};
  l.layersPerBlock = 2;
  return l;
}

std::vector<std::string> diffusersUnetNames(const UnetLayout& l) {
  checkLayout(l);
  std::vector<std::string> names;
  auto add = [&](const std::string& prefix) {
    names.push_back(prefix + "weight");
    names.push_back(prefix + "bias");
  };
  auto resnet = [&](const std::string& p, int64_t in, int64_t out) {
    for (const char* layer : {"norm1.", "conv1.", "time_emb_proj.", "norm2.", "conv2."}) add(p + layer);
    if (in != out) add(p + "conv_shortcut.");
  };
  auto transformer = [&](const std::string& p, int depth) {
    add(p + "norm.");
    add(p + "proj_in.");
    for (int k = 0; k < depth; ++k) {
      const std::string b = p + "transformer_blocks." + str(k) + ".";
      for (const char* attn : {"attn1.", "attn2."}) {
        for (const char* qkv : {"to_q.", "to_k.", "to_v."}) names.push_back(b + attn + qkv + "weight");
        add(b + attn + "to_out.0.");
      }
      for (const char* layer : {"norm1.", "norm2.", "norm3.", "ff.net.0.proj.", "ff.net.2."}) add(b + layer);
    }
    add(p + "proj_out.");
  };
  const auto& ch = l.blockOutChannels;
  const int n = static_cast<int>(ch.size());
  for (const char* layer :
       {"conv_in.", "time_embedding.linear_1.", "time_embedding.linear_2.", "conv_norm_out.", "conv_out."})
    add(layer);
  if (l.addEmbedding) {
    add("add_embedding.linear_1.");
    add("add_embedding.linear_2.");
  }
  int64_t prev = ch[0];
  for (int i = 0; i < n; ++i) {
    const std::string block = "down_blocks." + str(i) + ".";
    for (int j = 0; j < l.layersPerBlock; ++j) {
      resnet(block + "resnets." + str(j) + ".", j == 0 ? prev : ch[i], ch[i]);
      if (l.downTransformerDepth[i] > 0) transformer(block + "attentions." + str(j) + ".", l.downTransformerDepth[i]);
    }
    if (i < n - 1) add(block + "downsamplers.0.conv.");
    prev = ch[i];
  }
  resnet("mid_block.resnets.0.", ch[n - 1], ch[n - 1]);
  transformer("mid_block.attentions.0.", l.midTransformerDepth);
  resnet("mid_block.resnets.1.", ch[n - 1], ch[n - 1]);
  prev = ch[n - 1];
  for (int i = 0; i < n; ++i) {
    const std::string block = "up_blocks." + str(i) + ".";
    const int64_t out = ch[n - 1 - i], skipIn = ch[std::max(n - 2 - i, 0)];
    for (int j = 0; j <= l.layersPerBlock; ++j) {
      // Each resnet takes the previous hidden state concatenated with a skip from the down path.
      const int64_t skip = j == l.layersPerBlock ? skipIn : out;
      resnet(block + "resnets." + str(j) + ".", (j == 0 ? prev : out) + skip, out);
      if (l.upTransformerDepth[i] > 0) transformer(block + "attentions." + str(j) + ".", l.upTransformerDepth[i]);
    }
    if (i < n - 1) add(block + "upsamplers.0.conv.");
    prev = out;
  }
  return names;
}

std::vector<std::string> diffusersVaeNames(const VaeLayout& l) {
  checkLayout(l);
  std::vector<std::string> names;
  auto add = [&](const std::string& prefix) {
    names.push_back(prefix + "weight");
    names.push_back(prefix + "bias");
  };
  auto resnet = [&](const std::string& p, int64_t in, int64_t out) {
    for (const char* layer : {"norm1.", "conv1.", "norm2.", "conv2."}) add(p + layer);
    if (in != out) add(p + "conv_shortcut.");
  };
  auto mid = [&](const std::string& p, int64_t c) {
    resnet(p + "mid_block.resnets.0.", c, c);
    for (const char* layer : {"group_norm.", "to_q.", "to_k.", "to_v.", "to_out.0."})
      add(p + "mid_block.attentions.0." + layer);
    resnet(p + "mid_block.resnets.1.", c, c);
  };
  const auto& ch = l.blockOutChannels;
  const int n = static_cast<int>(ch.size());
  for (const char* layer : {"quant_conv.", "post_quant_conv.", "encoder.conv_in.", "encoder.conv_norm_out.",
                            "encoder.conv_out.", "decoder.conv_in.", "decoder.conv_norm_out.", "decoder.conv_out."})
    add(layer);
  int64_t prev = ch[0];
  for (int i = 0; i < n; ++i) {
    const std::string block = "encoder.down_blocks." + str(i) + ".";
    for (int j = 0; j < l.layersPerBlock; ++j) resnet(block + "resnets." + str(j) + ".", j == 0 ? prev : ch[i], ch[i]);
    if (i < n - 1) add(block + "downsamplers.0.conv.");
    prev = ch[i];
  }
  mid("encoder.", ch[n - 1]);
  mid("decoder.", ch[n - 1]);
  prev = ch[n - 1];
  for (int i = 0; i < n; ++i) {
    const std::string block = "decoder.up_blocks." + str(i) + ".";
    const int64_t out = ch[n - 1 - i];
    for (int j = 0; j <= l.layersPerBlock; ++j) resnet(block + "resnets." + str(j) + ".", j == 0 ? prev : out, out);
    if (i < n - 1) add(block + "upsamplers.0.conv.");
    prev = out;
  }
  return names;
}

std::optional<std::string> ldmToDiffusersUnetName(const std::string& ldmName, const UnetLayout& layout) {
  auto m = fromLdm(ldmName, kLdmUnetPrefix, unetTable(layout));
  return m ? std::optional(m->name) : std::nullopt;
}

std::optional<std::string> diffusersToLdmUnetName(const std::string& name, const UnetLayout& layout) {
  auto m = toLdm(name, kLdmUnetPrefix, unetTable(layout));
  return m ? std::optional(m->name) : std::nullopt;
}

std::optional<std::string> ldmToDiffusersVaeName(const std::string& ldmName, const VaeLayout& layout) {
  auto m = fromLdm(ldmName, kLdmVaePrefix, vaeTable(layout));
  return m ? std::optional(m->name) : std::nullopt;
}

std::optional<std::string> diffusersToLdmVaeName(const std::string& name, const VaeLayout& layout) {
  auto m = toLdm(name, kLdmVaePrefix, vaeTable(layout));
  return m ? std::optional(m->name) : std::nullopt;
}

std::map<std::string, at::Tensor> ldmToDiffusersUnet(const std::map<std::string, at::Tensor>& ldm,
                                                     const UnetLayout& layout, const std::string& source) {
  const auto table = unetTable(layout);
  return mapTensors(ldm, kLdmUnetPrefix, true, source, "UNet",
                    [&](const std::string& name) { return fromLdm(name, kLdmUnetPrefix, table); });
}

std::map<std::string, at::Tensor> diffusersToLdmUnet(const std::map<std::string, at::Tensor>& unet,
                                                     const UnetLayout& layout, const std::string& source) {
  const auto table = unetTable(layout);
  return mapTensors(unet, {}, false, source, "UNet",
                    [&](const std::string& name) { return toLdm(name, kLdmUnetPrefix, table); });
}

std::map<std::string, at::Tensor> ldmToDiffusersVae(const std::map<std::string, at::Tensor>& ldm,
                                                    const VaeLayout& layout, const std::string& source) {
  const auto table = vaeTable(layout);
  return mapTensors(ldm, kLdmVaePrefix, true, source, "VAE",
                    [&](const std::string& name) { return fromLdm(name, kLdmVaePrefix, table); });
}

std::map<std::string, at::Tensor> diffusersToLdmVae(const std::map<std::string, at::Tensor>& vae,
                                                    const VaeLayout& layout, const std::string& source) {
  const auto table = vaeTable(layout);
  return mapTensors(vae, {}, false, source, "VAE",
                    [&](const std::string& name) { return toLdm(name, kLdmVaePrefix, table); });
}

SdxlWeights loadSdxlSingleFile(const std::string& path, const UnetLayout& unetLayout, const VaeLayout& vaeLayout,
                               at::ScalarType floatType) {
  SafetensorsFile file = SafetensorsFile::open(path);
  std::map<std::string, at::Tensor> unetLdm, vaeLdm;
  SdxlWeights w;
  for (const auto& e : file.entries()) {
    if (startsWith(e.name, kLdmUnetPrefix))
      unetLdm.emplace(e.name, file.tensor(e.name));
    else if (startsWith(e.name, kLdmVaePrefix))
      vaeLdm.emplace(e.name, file.tensor(e.name));
    else
      w.ignored.push_back(e.name);  // text encoders, EMA copies, ...: never mapped
  }
  if (unetLdm.empty() && vaeLdm.empty())
    fail(path, std::string("no ") + kLdmUnetPrefix + "* or " + kLdmVaePrefix +
                   "* tensors: not a single-file SDXL checkpoint");
  w.unet = ldmToDiffusersUnet(unetLdm, unetLayout, path);
  w.vae = ldmToDiffusersVae(vaeLdm, vaeLayout, path);
  for (const auto& name : diffusersUnetNames(unetLayout))
    if (!w.unet.count(name)) w.missing.push_back(*diffusersToLdmUnetName(name, unetLayout));
  for (const auto& name : diffusersVaeNames(vaeLayout))
    if (!w.vae.count(name)) w.missing.push_back(*diffusersToLdmVaeName(name, vaeLayout));
  std::sort(w.missing.begin(), w.missing.end());
  convertFloats(w.unet, floatType);
  convertFloats(w.vae, floatType);
  return w;
}

std::map<std::string, at::Tensor> upgradeLegacyVaeAttentionNames(std::map<std::string, at::Tensor> vae) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {"query.", "to_q."}, {"key.", "to_k."}, {"value.", "to_v."}, {"proj_attn.", "to_out.0."}};
  std::map<std::string, at::Tensor> out;
  for (auto& [name, t] : vae) {
    std::string renamed = name;
    const auto at = name.find("mid_block.attentions.0.");
    if (at != std::string::npos) {
      const size_t rest = at + std::string("mid_block.attentions.0.").size();
      for (const auto& [from, to] : kRenames)
        if (name.compare(rest, std::strlen(from), from) == 0) {
          renamed = name.substr(0, rest) + to + name.substr(rest + std::strlen(from));
          break;
        }
    }
    out[renamed] = std::move(t);
  }
  return out;
}

}  // namespace mumu
