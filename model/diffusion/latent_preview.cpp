// latent_preview.cpp — SDXL latents → RGB by a fixed linear approximation of the VAE decoder.
#include "model/diffusion/latent_preview.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/error.h"

namespace mumu {

namespace {

// SDXL latent → RGB factors [channel][R, G, B] and bias, the values ComfyUI publishes for SDXL previews
// (comfy/latent_formats.py, class SDXL: latent_rgb_factors / latent_rgb_factors_bias). The result is in
// [-1, 1] like the VAE's output.
constexpr float kSdxlRgbFactors[4][3] = {
    {0.3651f, 0.4232f, 0.4341f},
    {-0.2533f, -0.0042f, 0.1068f},
    {0.1076f, 0.1111f, -0.0362f},
    {-0.3165f, -0.2492f, -0.2188f},
};
constexpr float kSdxlRgbBias[3] = {0.1084f, -0.0175f, -0.0011f};

}  // namespace

at::Tensor latentsToRgb(const at::Tensor& latents) {
  if (!latents.defined() || latents.dim() != 4 || latents.size(1) != 4) {
    std::ostringstream os;
    os << "expected SDXL latents [B, 4, h, w], got " << (latents.defined() ? latents.sizes() : at::IntArrayRef{});
    fail("latent preview", os.str());
  }
  torch::NoGradGuard noGrad;
  // On the latents' own device: on a GPU only the small 8-bit preview crosses to the host.
  const at::Tensor x = at::nan_to_num(latents.detach().to(at::kFloat), 0.0, 0.0, 0.0);
  const at::Tensor w =
      at::from_blob(const_cast<float*>(&kSdxlRgbFactors[0][0]), {4, 3}, at::kFloat).to(x.device(), true);
  const at::Tensor b = at::from_blob(const_cast<float*>(kSdxlRgbBias), {1, 3, 1, 1}, at::kFloat).to(x.device(), true);
  const at::Tensor rgb = at::einsum("bchw,cr->brhw", {x, w}) + b;  // [B, 3, h, w] in about [-1, 1]
  return ((rgb + 1.0) / 2.0).clamp(0.0, 1.0);
}

std::vector<Image> latentPreviewImages(const at::Tensor& latents, int maxSide) {
  at::Tensor rgb = latentsToRgb(latents);  // [B, 3, h, w]
  const int64_t h = rgb.size(2), w = rgb.size(3);
  if (maxSide > 0 && std::max(h, w) > maxSide) {
    const double s = static_cast<double>(maxSide) / static_cast<double>(std::max(h, w));
    const int64_t oh = std::max<int64_t>(1, std::lround(h * s)), ow = std::max<int64_t>(1, std::lround(w * s));
    rgb = at::adaptive_avg_pool2d(rgb, {oh, ow});
  }
  const at::Tensor bytes =
      rgb.mul(255.0).round().clamp(0, 255).to(at::kByte).permute({0, 2, 3, 1}).contiguous().to(at::kCPU);
  std::vector<Image> out;
  for (int64_t i = 0; i < bytes.size(0); ++i) {
    Image im;
    im.height = static_cast<int>(bytes.size(1));
    im.width = static_cast<int>(bytes.size(2));
    im.channels = 3;
    im.pixels.resize(static_cast<size_t>(im.width) * im.height * 3);
    std::memcpy(im.pixels.data(), bytes[i].data_ptr<uint8_t>(), im.pixels.size());
    out.push_back(std::move(im));
  }
  return out;
}

}  // namespace mumu
