// attention_maps.h — the pipeline's attention record of one image (what each prompt segment drove), read from the
// `<image>.attention.safetensors` file the generation queue writes beside each PNG (attentionPathForImage), and
// turned into colour-mapped heat maps for the viewer's attention inspector. Torch-free header: the safetensors
// reader (torch) stays in the .cpp. Never throws: a missing or damaged file comes back with a message.
#pragma once

#include <QCoreApplication>
#include <QImage>
#include <QSize>
#include <QString>

#include <vector>

namespace mumu {

struct AttentionMaps {
  int segments = 0, h = 0, w = 0;  // one map per prompt segment (Recipe::prompt.segments, same order)
  std::vector<float> data;         // row-major [segments, h, w]: cross-attention mass at each latent position
  QString error;                   // why nothing was read (empty when ok)

  bool ok() const { return segments > 0 && h > 0 && w > 0 && data.size() == size_t(segments) * h * w; }
  // The h × w map of `segment`, or nullptr when out of range.
  const float* map(int segment) const {
    return ok() && segment >= 0 && segment < segments ? data.data() + size_t(segment) * h * w : nullptr;
  }
};

class AttentionMapReader {
  Q_DECLARE_TR_FUNCTIONS(mumu::AttentionMapReader)

 public:
  // Reads the tensor "attention" (F32, rank 3, finite values) of a safetensors file. Errors name the file:
  // "<path>: no such file", "<path>: tensor 'attention' is F16, expected F32", …
  static AttentionMaps read(const QString& path);
};

inline AttentionMaps readAttentionMaps(const QString& path) {
  return AttentionMapReader::read(path);
}

// The heat map of one segment scaled (bilinear) to `targetSize`: values normalised to the segment's own
// min…max, colour-mapped (dark violet → red → yellow) with alpha growing with the value, so that unattended
// regions stay transparent over the image. ARGB32 premultiplied; a null image when the segment or size is
// invalid.
QImage heatMap(const AttentionMaps& maps, int segment, QSize targetSize);

}  // namespace mumu
