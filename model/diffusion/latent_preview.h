// latent_preview.h — cheap live previews of SDXL latents while sampling: a fixed linear map from the 4 latent
// channels to RGB plus a bias (no VAE), one pixel per latent (1/8 of the final size), optionally smaller.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "model/io/image_file.h"

namespace mumu {

// [B, 4, h, w] latents in the UNet's space (VAE latents × scaling factor 0.13025) → [B, 3, h, w] float32 RGB
// in [0, 1], on the CPU. Non-finite values show as black.
at::Tensor latentsToRgb(const at::Tensor& latents);

// One 8-bit RGB image per batch item: w × h, or fitted inside maxSide × maxSide by area averaging when
// maxSide > 0 and the latent is larger (aspect ratio kept, at least 1 pixel per side).
std::vector<Image> latentPreviewImages(const at::Tensor& latents, int maxSide = 0);

}  // namespace mumu
