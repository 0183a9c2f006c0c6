// SDXL checkpoints: diffusers folders (plain, fp16 variant, sharded) and the single-file LDM naming, checked
// against the tiny parity models (every tensor, both ways) and the full-size SDXL parameter lists.
#include <gtest/gtest.h>

#include "model/error.h"
#include "model/io/safetensors.h"
#include "model/io/sdxl_checkpoint.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;
using namespace mumu;

namespace {

const std::string kParity = std::string(MUMU_PARITY_DIR);

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// What the UNet engineer does with the parsed config.json, done here on the raw JSON.
UnetLayout unetLayoutFromConfig(const nlohmann::json& c) {
  UnetLayout l;
  l.blockOutChannels = c["block_out_channels"].get<std::vector<int64_t>>();
  l.layersPerBlock = c["layers_per_block"].get<int>();
  const size_t n = l.blockOutChannels.size();
  std::vector<int> depth(n, 1);
  if (c["transformer_layers_per_block"].is_array()) depth = c["transformer_layers_per_block"].get<std::vector<int>>();
  std::vector<int> reverse(depth.rbegin(), depth.rend());
  if (c["reverse_transformer_layers_per_block"].is_array())
    reverse = c["reverse_transformer_layers_per_block"].get<std::vector<int>>();
  for (size_t i = 0; i < n; ++i) {
    const bool down = c["down_block_types"][i].get<std::string>().find("CrossAttn") != std::string::npos;
    const bool up = c["up_block_types"][i].get<std::string>().find("CrossAttn") != std::string::npos;
    l.downTransformerDepth.push_back(down ? depth[i] : 0);
    l.upTransformerDepth.push_back(up ? reverse[i] : 0);
  }
  l.midTransformerDepth = depth.back();
  l.addEmbedding = c["addition_embed_type"] == "text_time";
  return l;
}

VaeLayout vaeLayoutFromConfig(const nlohmann::json& c) {
  VaeLayout l;
  l.blockOutChannels = c["block_out_channels"].get<std::vector<int64_t>>();
  l.layersPerBlock = c["layers_per_block"].get<int>();
  return l;
}

std::set<std::string> paramsJsonNames(const std::string& path) {
  std::set<std::string> names;
  const nlohmann::json params = readJson(path);
  for (const auto& t : params["tensors"]) names.insert(t["name"].get<std::string>());
  return names;
}

template <class Map>
std::set<std::string> keysOf(const Map& m) {
  std::set<std::string> keys;
  for (const auto& [k, v] : m) keys.insert(k);
  return keys;
}

UnetLayout tinyUnet() {
  return unetLayoutFromConfig(readJson(kParity + "/unet_sdxl_tiny/config.json"));
}
VaeLayout tinyVae() {
  return vaeLayoutFromConfig(readJson(kParity + "/vae_sdxl_tiny/config.json"));
}
UnetLayout fullUnet() {
  return unetLayoutFromConfig(readJson(kParity + "/fullsize/sdxl_base_unet/config.json"));
}
VaeLayout fullVae() {
  return vaeLayoutFromConfig(readJson(kParity + "/fullsize/sdxl_vae/config.json"));
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("mumu_sdxl_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

// ---- layouts ----

TEST(SdxlLayout, ConfigsGiveTheKnownLayouts) {
  const UnetLayout full = fullUnet(), base = sdxlBaseUnetLayout();
  EXPECT_EQ(full.blockOutChannels, base.blockOutChannels);
  EXPECT_EQ(full.downTransformerDepth, base.downTransformerDepth);
  EXPECT_EQ(full.upTransformerDepth, base.upTransformerDepth);
  EXPECT_EQ(full.midTransformerDepth, base.midTransformerDepth);
  EXPECT_EQ(full.layersPerBlock, base.layersPerBlock);
  EXPECT_EQ(fullVae().blockOutChannels, sdxlVaeLayout().blockOutChannels);
  const UnetLayout tiny = tinyUnet();
  EXPECT_EQ(tiny.downTransformerDepth, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(tiny.upTransformerDepth, (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(tiny.midTransformerDepth, 2);
}

TEST(SdxlLayout, GeneratedNamesMatchTheDiffusersModels) {
  auto asSet = [](const std::vector<std::string>& v) { return std::set<std::string>(v.begin(), v.end()); };
  const auto fullNames = diffusersUnetNames(fullUnet());
  EXPECT_EQ(fullNames.size(), 1680u);
  EXPECT_EQ(asSet(fullNames), paramsJsonNames(kParity + "/fullsize/sdxl_base_unet/params.json"));
  EXPECT_EQ(asSet(diffusersVaeNames(fullVae())), paramsJsonNames(kParity + "/fullsize/sdxl_vae/params.json"));
  EXPECT_EQ(asSet(diffusersUnetNames(tinyUnet())),
            keysOf(loadSafetensors(kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors")));
  EXPECT_EQ(asSet(diffusersVaeNames(tinyVae())),
            keysOf(loadSafetensors(kParity + "/vae_sdxl_tiny/diffusion_pytorch_model.safetensors")));
}

TEST(SdxlLayout, InconsistentLayoutsAreErrors) {
  UnetLayout l = sdxlBaseUnetLayout();
  l.upTransformerDepth.pop_back();
  EXPECT_THROW(diffusersToLdmUnetName("conv_in.weight", l), Error);
  EXPECT_THROW(diffusersUnetNames(UnetLayout{}), Error);
  EXPECT_THROW(diffusersVaeNames(VaeLayout{}), Error);
}

// ---- the tiny parity models, every tensor both ways ----

TEST(SdxlMapping, TinyUnetRoundTripIsIdentity) {
  const auto layout = tinyUnet();
  const auto diffusers = loadSafetensors(kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors");
  ASSERT_EQ(diffusers.size(), 618u);
  const auto ldm = diffusersToLdmUnet(diffusers, layout);
  ASSERT_EQ(ldm.size(), diffusers.size());  // none lost, no two names merged
  for (const auto& [name, t] : ldm) EXPECT_EQ(name.rfind(kLdmUnetPrefix, 0), 0u) << name;
  const auto back = ldmToDiffusersUnet(ldm, layout);
  ASSERT_EQ(keysOf(back), keysOf(diffusers));
  for (const auto& [name, t] : diffusers) {
    EXPECT_EQ(back.at(name).data_ptr(), t.data_ptr()) << name;  // passed through, not copied
    EXPECT_EQ(back.at(name).sizes(), t.sizes()) << name;
  }
  // The tiny model has SDXL's structure, so its LDM names are SDXL's.
  EXPECT_TRUE(ldm.count("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight"));
  EXPECT_TRUE(ldm.count("model.diffusion_model.output_blocks.2.2.conv.weight"));
  EXPECT_TRUE(ldm.count("model.diffusion_model.middle_block.1.transformer_blocks.1.ff.net.2.bias"));
  EXPECT_TRUE(ldm.count("model.diffusion_model.label_emb.0.2.weight"));
}

TEST(SdxlMapping, TinyVaeRoundTripIsIdentityAndReshapesAttention) {
  const auto layout = tinyVae();
  const auto diffusers = loadSafetensors(kParity + "/vae_sdxl_tiny/diffusion_pytorch_model.safetensors");
  ASSERT_EQ(diffusers.size(), 124u);
  const auto ldm = diffusersToLdmVae(diffusers, layout);
  ASSERT_EQ(ldm.size(), diffusers.size());
  for (const auto& [name, t] : ldm) EXPECT_EQ(name.rfind(kLdmVaePrefix, 0), 0u) << name;
  // 1×1 conv weights in LDM files, linears in diffusers.
  EXPECT_EQ(ldm.at("first_stage_model.encoder.mid.attn_1.q.weight").sizes(), (std::vector<int64_t>{32, 32, 1, 1}));
  EXPECT_EQ(ldm.at("first_stage_model.decoder.mid.attn_1.proj_out.weight").sizes(),
            (std::vector<int64_t>{32, 32, 1, 1}));
  EXPECT_EQ(ldm.at("first_stage_model.decoder.mid.attn_1.proj_out.bias").sizes(), (std::vector<int64_t>{32}));
  EXPECT_EQ(ldm.at("first_stage_model.decoder.mid.attn_1.norm.weight").sizes(), (std::vector<int64_t>{32}));
  const auto back = ldmToDiffusersVae(ldm, layout);
  ASSERT_EQ(keysOf(back), keysOf(diffusers));
  for (const auto& [name, t] : diffusers) {
    EXPECT_EQ(back.at(name).sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(back.at(name), t)) << name;
  }
}

// ---- full-size SDXL: every name maps to a unique LDM name and back ----

TEST(SdxlMapping, FullSizeUnetNamesMapBothWays) {
  const auto layout = fullUnet();
  std::set<std::string> ldmNames;
  for (const auto& name : paramsJsonNames(kParity + "/fullsize/sdxl_base_unet/params.json")) {
    const auto ldm = diffusersToLdmUnetName(name, layout);
    ASSERT_TRUE(ldm) << name;
    EXPECT_TRUE(ldmNames.insert(*ldm).second) << "two names map to " << *ldm;
    const auto back = ldmToDiffusersUnetName(*ldm, layout);
    ASSERT_TRUE(back) << *ldm;
    EXPECT_EQ(*back, name);
  }
  EXPECT_EQ(ldmNames.size(), 1680u);
}

TEST(SdxlMapping, FullSizeVaeNamesMapBothWays) {
  const auto layout = fullVae();
  std::set<std::string> ldmNames;
  for (const auto& name : paramsJsonNames(kParity + "/fullsize/sdxl_vae/params.json")) {
    const auto ldm = diffusersToLdmVaeName(name, layout);
    ASSERT_TRUE(ldm) << name;
    EXPECT_TRUE(ldmNames.insert(*ldm).second) << "two names map to " << *ldm;
    const auto back = ldmToDiffusersVaeName(*ldm, layout);
    ASSERT_TRUE(back) << *ldm;
    EXPECT_EQ(*back, name);
  }
  EXPECT_EQ(ldmNames.size(), 248u);
}

TEST(SdxlMapping, WellKnownSdxlUnetNames) {
  const auto layout = sdxlBaseUnetLayout();
  const std::pair<const char*, const char*> known[] = {
      {"input_blocks.0.0.weight", "conv_in.weight"},
      {"time_embed.0.weight", "time_embedding.linear_1.weight"},
      {"time_embed.2.bias", "time_embedding.linear_2.bias"},
      {"label_emb.0.0.weight", "add_embedding.linear_1.weight"},
      {"label_emb.0.2.bias", "add_embedding.linear_2.bias"},
      {"input_blocks.1.0.in_layers.0.weight", "down_blocks.0.resnets.0.norm1.weight"},
      {"input_blocks.1.0.in_layers.2.bias", "down_blocks.0.resnets.0.conv1.bias"},
      {"input_blocks.2.0.emb_layers.1.weight", "down_blocks.0.resnets.1.time_emb_proj.weight"},
      {"input_blocks.2.0.out_layers.0.bias", "down_blocks.0.resnets.1.norm2.bias"},
      {"input_blocks.2.0.out_layers.3.weight", "down_blocks.0.resnets.1.conv2.weight"},
      {"input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight"},
      {"input_blocks.4.0.skip_connection.weight", "down_blocks.1.resnets.0.conv_shortcut.weight"},
      {"input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight",
       "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight"},
      {"input_blocks.5.1.proj_in.weight", "down_blocks.1.attentions.1.proj_in.weight"},
      {"input_blocks.6.0.op.bias", "down_blocks.1.downsamplers.0.conv.bias"},
      {"input_blocks.8.1.transformer_blocks.9.ff.net.0.proj.weight",
       "down_blocks.2.attentions.1.transformer_blocks.9.ff.net.0.proj.weight"},
      {"middle_block.0.in_layers.0.weight", "mid_block.resnets.0.norm1.weight"},
      {"middle_block.1.transformer_blocks.9.attn2.to_k.weight",
       "mid_block.attentions.0.transformer_blocks.9.attn2.to_k.weight"},
      {"middle_block.2.out_layers.3.weight", "mid_block.resnets.1.conv2.weight"},
      {"output_blocks.0.0.skip_connection.bias", "up_blocks.0.resnets.0.conv_shortcut.bias"},
      {"output_blocks.0.1.proj_out.weight", "up_blocks.0.attentions.0.proj_out.weight"},
      // SDXL's first up block has attentions, so its upsampler is the third module of output_blocks.2
      // (SD 1.x, whose first up block has none, has it at output_blocks.2.1: see the test below).
      {"output_blocks.2.2.conv.weight", "up_blocks.0.upsamplers.0.conv.weight"},
      {"output_blocks.5.2.conv.bias", "up_blocks.1.upsamplers.0.conv.bias"},
      {"output_blocks.5.1.transformer_blocks.1.norm3.weight",
       "up_blocks.1.attentions.2.transformer_blocks.1.norm3.weight"},
      {"output_blocks.8.0.skip_connection.weight", "up_blocks.2.resnets.2.conv_shortcut.weight"},
      {"out.0.weight", "conv_norm_out.weight"},
      {"out.2.bias", "conv_out.bias"},
  };
  for (const auto& [ldmShort, diffusers] : known) {
    const std::string ldm = std::string(kLdmUnetPrefix) + ldmShort;
    EXPECT_EQ(ldmToDiffusersUnetName(ldm, layout).value_or("<none>"), diffusers) << ldm;
    EXPECT_EQ(diffusersToLdmUnetName(diffusers, layout).value_or("<none>"), ldm) << diffusers;
  }
}

TEST(SdxlMapping, Sd1StyleLayoutPutsTheFirstUpsamplerAtOutputBlock2Slot1) {
  // The same code with SD 1.x's structure: four blocks, no attention in the deepest one.
  UnetLayout sd1;
  sd1.blockOutChannels = {320, 640, 1280, 1280};
  sd1.layersPerBlock = 2;
  sd1.downTransformerDepth = {1, 1, 1, 0};
  sd1.upTransformerDepth = {0, 1, 1, 1};
  sd1.midTransformerDepth = 1;
  sd1.addEmbedding = false;
  const std::pair<const char*, const char*> known[] = {
      {"model.diffusion_model.output_blocks.2.1.conv.weight", "up_blocks.0.upsamplers.0.conv.weight"},
      {"model.diffusion_model.output_blocks.5.2.conv.weight", "up_blocks.1.upsamplers.0.conv.weight"},
      {"model.diffusion_model.output_blocks.8.2.conv.weight", "up_blocks.2.upsamplers.0.conv.weight"},
      {"model.diffusion_model.input_blocks.9.0.op.weight", "down_blocks.2.downsamplers.0.conv.weight"},
      {"model.diffusion_model.input_blocks.11.0.out_layers.3.weight", "down_blocks.3.resnets.1.conv2.weight"},
      {"model.diffusion_model.output_blocks.11.1.proj_out.bias", "up_blocks.3.attentions.2.proj_out.bias"},
  };
  for (const auto& [ldm, diffusers] : known) {
    EXPECT_EQ(ldmToDiffusersUnetName(ldm, sd1).value_or("<none>"), diffusers) << ldm;
    EXPECT_EQ(diffusersToLdmUnetName(diffusers, sd1).value_or("<none>"), ldm) << diffusers;
  }
  EXPECT_FALSE(ldmToDiffusersUnetName("model.diffusion_model.label_emb.0.0.weight", sd1));
  const auto names = diffusersUnetNames(sd1);
  EXPECT_EQ(names.size(), 686u);  // SD 1.5's UNet2DConditionModel state_dict
}

TEST(SdxlMapping, WellKnownSdxlVaeNames) {
  const auto layout = sdxlVaeLayout();
  const std::pair<const char*, const char*> known[] = {
      {"decoder.up.3.block.0.conv1.weight", "decoder.up_blocks.0.resnets.0.conv1.weight"},
      {"decoder.up.0.block.2.norm2.bias", "decoder.up_blocks.3.resnets.2.norm2.bias"},
      {"decoder.up.1.block.0.nin_shortcut.weight", "decoder.up_blocks.2.resnets.0.conv_shortcut.weight"},
      {"decoder.up.1.upsample.conv.weight", "decoder.up_blocks.2.upsamplers.0.conv.weight"},
      {"decoder.up.3.upsample.conv.bias", "decoder.up_blocks.0.upsamplers.0.conv.bias"},
      {"encoder.down.1.block.0.nin_shortcut.weight", "encoder.down_blocks.1.resnets.0.conv_shortcut.weight"},
      {"encoder.down.0.downsample.conv.weight", "encoder.down_blocks.0.downsamplers.0.conv.weight"},
      {"encoder.mid.block_1.conv1.weight", "encoder.mid_block.resnets.0.conv1.weight"},
      {"encoder.mid.attn_1.norm.weight", "encoder.mid_block.attentions.0.group_norm.weight"},
      {"encoder.mid.attn_1.q.weight", "encoder.mid_block.attentions.0.to_q.weight"},
      {"decoder.mid.attn_1.k.bias", "decoder.mid_block.attentions.0.to_k.bias"},
      {"decoder.mid.attn_1.v.weight", "decoder.mid_block.attentions.0.to_v.weight"},
      {"decoder.mid.attn_1.proj_out.weight", "decoder.mid_block.attentions.0.to_out.0.weight"},
      {"decoder.mid.block_2.norm2.weight", "decoder.mid_block.resnets.1.norm2.weight"},
      {"encoder.norm_out.weight", "encoder.conv_norm_out.weight"},
      {"decoder.conv_out.bias", "decoder.conv_out.bias"},
      {"quant_conv.weight", "quant_conv.weight"},
      {"post_quant_conv.bias", "post_quant_conv.bias"},
  };
  for (const auto& [ldmShort, diffusers] : known) {
    const std::string ldm = std::string(kLdmVaePrefix) + ldmShort;
    EXPECT_EQ(ldmToDiffusersVaeName(ldm, layout).value_or("<none>"), diffusers) << ldm;
    EXPECT_EQ(diffusersToLdmVaeName(diffusers, layout).value_or("<none>"), ldm) << diffusers;
  }
}

TEST(SdxlMapping, NamesOutsideTheLayoutHaveNoCounterpart) {
  const auto unet = sdxlBaseUnetLayout();
  for (const char* name : {
           "model.diffusion_model.input_blocks.9.0.in_layers.0.weight",  // SDXL has input_blocks 0..8
           "model.diffusion_model.input_blocks.1.1.proj_in.weight",      // no attention in SDXL's first block
           "model.diffusion_model.input_blocks.0.0.scale",               // a layer with only weight/bias
           "model.diffusion_model.input_blocks.1.0.in_layers.1.weight",  // the SiLU slot
           "model.diffusion_model.output_blocks.8.2.conv.weight",        // no upsampler after the last block
           "model.diffusion_model.input_blocks.4.1.",                    // nothing below the prefix
           "conditioner.embedders.0.transformer.text_model.final_layer_norm.weight",
           "input_blocks.0.0.weight",  // without the prefix
       })
    EXPECT_FALSE(ldmToDiffusersUnetName(name, unet)) << name;
  EXPECT_FALSE(diffusersToLdmUnetName("down_blocks.3.resnets.0.norm1.weight", unet));
  EXPECT_FALSE(diffusersToLdmUnetName("up_blocks.2.upsamplers.0.conv.weight", unet));
  const auto vae = sdxlVaeLayout();
  EXPECT_FALSE(ldmToDiffusersVaeName("first_stage_model.encoder.down.3.downsample.conv.weight", vae));
  EXPECT_FALSE(ldmToDiffusersVaeName("first_stage_model.decoder.up.4.block.0.conv1.weight", vae));
  EXPECT_FALSE(ldmToDiffusersVaeName("first_stage_model.encoder.down.0.block.2.conv1.weight", vae));
  EXPECT_FALSE(diffusersToLdmVaeName("decoder.up_blocks.3.upsamplers.0.conv.weight", vae));

  // The map functions name what they cannot place.
  std::map<std::string, at::Tensor> ldm = {
      {"model.diffusion_model.input_blocks.9.0.in_layers.0.weight", torch::ones({1})},
      {"conditioner.x", torch::ones({1})}};
  try {
    ldmToDiffusersUnet(ldm, unet, "sd15.safetensors");
    ADD_FAILURE();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("sd15.safetensors: ", 0), 0u) << msg;
    EXPECT_NE(msg.find("model.diffusion_model.input_blocks.9.0.in_layers.0.weight"), std::string::npos) << msg;
  }
  EXPECT_THROW(diffusersToLdmVae({{"decoder.nothing.weight", torch::ones({1})}}, vae), Error);
}

TEST(SdxlMapping, UpgradesLegacyVaeAttentionNames) {
  std::map<std::string, at::Tensor> old = {
      {"encoder.mid_block.attentions.0.query.weight", torch::ones({2, 2})},
      {"encoder.mid_block.attentions.0.proj_attn.bias", torch::ones({2})},
      {"decoder.mid_block.attentions.0.group_norm.weight", torch::ones({2})},
      {"decoder.conv_in.weight", torch::ones({1})},
  };
  const auto renamed = upgradeLegacyVaeAttentionNames(old);
  EXPECT_EQ(keysOf(renamed),
            (std::set<std::string>{"encoder.mid_block.attentions.0.to_q.weight",
                                   "encoder.mid_block.attentions.0.to_out.0.bias",
                                   "decoder.mid_block.attentions.0.group_norm.weight", "decoder.conv_in.weight"}));
}

// ---- the single-file loader ----

class SdxlSingleFile : public TempDir {};

TEST_F(SdxlSingleFile, SplitsUnetAndVaeAndIgnoresTheRest) {
  const auto unet = loadSafetensors(kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors");
  const auto vae = loadSafetensors(kParity + "/vae_sdxl_tiny/diffusion_pytorch_model.safetensors");
  auto all = diffusersToLdmUnet(unet, tinyUnet());
  for (auto& [name, t] : diffusersToLdmVae(vae, tinyVae())) all.emplace(name, t.to(at::kHalf));  // a half VAE
  all["conditioner.embedders.0.transformer.text_model.embeddings.position_ids"] = torch::arange(4);
  all["conditioner.embedders.1.model.ln_final.weight"] = torch::ones({8});
  const std::string path = (dir_ / "sdxl_tiny.safetensors").string();
  saveSafetensors(path, all);

  const SdxlWeights w = loadSdxlSingleFile(path, tinyUnet(), tinyVae());
  EXPECT_TRUE(w.missing.empty());
  EXPECT_EQ(w.ignored.size(), 2u);
  ASSERT_EQ(keysOf(w.unet), keysOf(unet));
  ASSERT_EQ(keysOf(w.vae), keysOf(vae));
  for (const auto& [name, t] : unet) EXPECT_TRUE(torch::equal(w.unet.at(name), t)) << name;
  for (const auto& [name, t] : vae) {
    EXPECT_EQ(w.vae.at(name).scalar_type(), at::kFloat) << name;  // half files load as float32
    EXPECT_TRUE(torch::allclose(w.vae.at(name), t, 1e-2, 1e-3)) << name;
  }
}

TEST_F(SdxlSingleFile, ReportsMissingKeysByTheirLdmNames) {
  auto all =
      diffusersToLdmUnet(loadSafetensors(kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors"), tinyUnet());
  all.erase("model.diffusion_model.output_blocks.2.2.conv.bias");
  const std::string path = (dir_ / "unet_only.safetensors").string();
  saveSafetensors(path, all);
  const SdxlWeights w = loadSdxlSingleFile(path, tinyUnet(), tinyVae());
  EXPECT_TRUE(w.vae.empty());
  EXPECT_EQ(w.missing.size(), 1u + 124u);  // the erased bias and the whole VAE
  EXPECT_TRUE(std::count(w.missing.begin(), w.missing.end(), "model.diffusion_model.output_blocks.2.2.conv.bias"));
  EXPECT_TRUE(std::count(w.missing.begin(), w.missing.end(), "first_stage_model.decoder.up.0.block.1.conv2.weight"));
}

TEST_F(SdxlSingleFile, RejectsFilesWithoutUnetOrVaeAndForeignLayouts) {
  const std::string path = (dir_ / "clip_only.safetensors").string();
  saveSafetensors(path, {{"conditioner.embedders.0.x", torch::ones({1})}});
  try {
    loadSdxlSingleFile(path, tinyUnet(), tinyVae());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a single-file SDXL checkpoint"), std::string::npos) << e.what();
  }
  // The tiny checkpoint read with the full-size layout still maps names (same structure) ...
  const std::string tiny = (dir_ / "tiny.safetensors").string();
  saveSafetensors(
      tiny,
      diffusersToLdmUnet(loadSafetensors(kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors"), tinyUnet()));
  EXPECT_NO_THROW(loadSdxlSingleFile(tiny, fullUnet(), fullVae()));
  // ... but a layout with fewer transformer layers or blocks cannot place every key.
  UnetLayout shallow = tinyUnet();
  shallow.layersPerBlock = 1;
  EXPECT_THROW(loadSdxlSingleFile(tiny, shallow, tinyVae()), Error);
}

// ---- diffusers folders ----

class DiffusersFolder : public TempDir {};

TEST_F(DiffusersFolder, LoadsThePlainFile) {
  fs::create_directories(dir_ / "unet");
  fs::copy_file(kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors",
                dir_ / "unet" / "diffusion_pytorch_model.safetensors");
  const auto w = loadDiffusersWeights(dir_.string(), "unet");
  EXPECT_EQ(w.size(), 618u);
  EXPECT_EQ(w.at("conv_in.weight").scalar_type(), at::kFloat);
  // An empty sub means the folder itself.
  EXPECT_EQ(loadDiffusersWeights((dir_ / "unet").string(), "").size(), 618u);
}

TEST_F(DiffusersFolder, LoadsTheFp16VariantAsFloat32) {
  fs::create_directories(dir_ / "vae");
  std::map<std::string, at::Tensor> half;
  const auto vae = loadSafetensors(kParity + "/vae_sdxl_tiny/diffusion_pytorch_model.safetensors");
  for (const auto& [name, t] : vae) half[name] = t.to(at::kHalf);
  half["counter"] = torch::arange(3);  // integers stay integers
  saveSafetensors((dir_ / "vae" / "diffusion_pytorch_model.fp16.safetensors").string(), half);
  const auto w = loadDiffusersWeights(dir_.string(), "vae");
  EXPECT_EQ(w.size(), 125u);
  EXPECT_EQ(w.at("decoder.conv_out.weight").scalar_type(), at::kFloat);
  EXPECT_TRUE(torch::allclose(w.at("decoder.conv_out.weight"), vae.at("decoder.conv_out.weight"), 1e-2, 1e-3));
  EXPECT_EQ(w.at("counter").scalar_type(), at::kLong);
  EXPECT_EQ(loadDiffusersWeights(dir_.string(), "vae", at::kBFloat16).at("decoder.conv_out.weight").scalar_type(),
            at::kBFloat16);
}

TEST_F(DiffusersFolder, MergesShards) {
  fs::create_directories(dir_ / "unet");
  const auto unet = loadSafetensors(kParity + "/unet_sdxl_tiny/diffusion_pytorch_model.safetensors");
  std::map<std::string, at::Tensor> first, second;
  nlohmann::json index = {{"metadata", {{"total_size", 1}}}, {"weight_map", nlohmann::json::object()}};
  for (const auto& [name, t] : unet) {
    const bool one = name < "mid";
    (one ? first : second)[name] = t;
    index["weight_map"][name] = one ? "diffusion_pytorch_model-00001-of-00002.safetensors"
                                    : "diffusion_pytorch_model-00002-of-00002.safetensors";
  }
  saveSafetensors((dir_ / "unet" / "diffusion_pytorch_model-00001-of-00002.safetensors").string(), first);
  saveSafetensors((dir_ / "unet" / "diffusion_pytorch_model-00002-of-00002.safetensors").string(), second);
  writeText(dir_ / "unet" / "diffusion_pytorch_model.safetensors.index.json", index.dump());
  const auto w = loadDiffusersWeights(dir_.string(), "unet");
  ASSERT_EQ(keysOf(w), keysOf(unet));
  for (const auto& [name, t] : unet) EXPECT_TRUE(torch::equal(w.at(name), t)) << name;
}

TEST_F(DiffusersFolder, HostileIndexFilesAreErrors) {
  fs::create_directories(dir_ / "unet");
  const fs::path index = dir_ / "unet" / "diffusion_pytorch_model.safetensors.index.json";
  saveSafetensors((dir_ / "unet" / "shard.safetensors").string(), {{"a", torch::ones({1})}});
  auto expectError = [&](const std::string& text, const std::string& needle) {
    writeText(index, text);
    try {
      loadDiffusersWeights(dir_.string(), "unet");
      ADD_FAILURE() << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expectError("{not json", "not valid JSON");
  expectError(R"({"metadata": {}})", "no \"weight_map\"");
  expectError(R"({"weight_map": {"a": 3}})", "is not a file name");
  expectError(R"({"weight_map": {"a": "../unet/shard.safetensors"}})", "not a file beside the index");
  expectError(R"({"weight_map": {"a": ".."}})", "not a file beside the index");
  expectError(R"({"weight_map": {"b": "shard.safetensors"}})", "which has no such tensor");
  expectError(R"({"weight_map": {"a": "absent.safetensors"}})", "cannot open");
}

TEST_F(DiffusersFolder, NothingFoundNamesTheFilesLookedFor) {
  fs::create_directories(dir_ / "unet");
  try {
    loadDiffusersWeights(dir_.string(), "unet");
    ADD_FAILURE();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind((dir_ / "unet").string() + ": no weights found", 0), 0u) << msg;
    for (const char* name : {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors",
                             "diffusion_pytorch_model.safetensors.index.json"})
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
  }
  EXPECT_THROW(loadDiffusersWeights((dir_ / "absent").string(), "vae"), Error);
}
