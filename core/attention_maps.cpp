// attention_maps.cpp — reading the attention record (safetensors, torch-side) and drawing heat maps (Qt-side).
#include "core/attention_maps.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <exception>

#include "model/io/safetensors.h"

namespace mumu {

namespace {

// Far beyond any real record (a 4096² image has a 512² latent; prompts have tens of segments), small enough that
// a hostile header cannot make us allocate gigabytes.
constexpr int64_t kMaxSegments = 4096;
constexpr int64_t kMaxSide = 8192;
constexpr int64_t kMaxElements = int64_t(64) << 20;

AttentionMaps failed(const QString& path, const QString& what) {
  AttentionMaps m;
  m.error = QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), what);
  return m;
}

}  // namespace

AttentionMaps AttentionMapReader::read(const QString& path) {
  const QFileInfo fi(path);
  if (path.isEmpty()) return failed(path, tr("no attention record file given"));
  if (!fi.exists()) return failed(path, tr("no such file (this image has no attention record)"));
  if (!fi.isFile()) return failed(path, tr("not a regular file"));
  try {
    const SafetensorsFile file = SafetensorsFile::open(path.toStdString());
    if (!file.contains("attention")) return failed(path, tr("no tensor 'attention' in the file"));
    const SafetensorsEntry& e = file.entry("attention");
    if (e.dtype != "F32")
      return failed(path, tr("tensor 'attention' is %1, expected F32").arg(QString::fromStdString(e.dtype)));
    if (e.shape.size() != 3)
      return failed(path, tr("tensor 'attention' has rank %1, expected 3 [segments, height, width]")
                              .arg(e.shape.size()));
    const int64_t s = e.shape[0], h = e.shape[1], w = e.shape[2];
    if (s < 1 || h < 1 || w < 1)
      return failed(path, tr("tensor 'attention' has an empty shape [%1, %2, %3]").arg(s).arg(h).arg(w));
    if (s > kMaxSegments || h > kMaxSide || w > kMaxSide || s * h * w > kMaxElements)
      return failed(path, tr("tensor 'attention' shape [%1, %2, %3] is implausibly large").arg(s).arg(h).arg(w));
    const at::Tensor t = file.tensor("attention").contiguous();
    if (t.scalar_type() != at::kFloat || t.numel() != s * h * w)
      return failed(path, tr("tensor 'attention' does not hold %1 float32 values").arg(s * h * w));
    AttentionMaps m;
    m.segments = int(s), m.h = int(h), m.w = int(w);
    m.data.resize(size_t(s * h * w));
    std::memcpy(m.data.data(), t.data_ptr<float>(), m.data.size() * sizeof(float));
    const auto bad = std::find_if(m.data.begin(), m.data.end(), [](float v) { return !std::isfinite(v); });
    if (bad != m.data.end())
      return failed(path, tr("tensor 'attention' holds a non-finite value at element %1").arg(bad - m.data.begin()));
    return m;
  } catch (const std::exception& e) {
    // The reader's messages already start with the path ("<path>: header length … runs past the end …").
    AttentionMaps m;
    m.error = QString::fromStdString(e.what());
    if (!m.error.contains(path)) m.error = QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), m.error);
    return m;
  }
}

namespace {

// A perceptual ramp close to matplotlib's "inferno": stops at t = 0, 0.25, 0.5, 0.75, 1.
constexpr std::array<std::array<float, 3>, 5> kRamp{{
    {0.0f, 0.0f, 4.0f},
    {87.0f, 16.0f, 110.0f},
    {188.0f, 55.0f, 84.0f},
    {249.0f, 142.0f, 9.0f},
    {252.0f, 255.0f, 164.0f},
}};

QRgb colourAt(float t) {
  t = std::clamp(t, 0.0f, 1.0f);
  const float x = t * float(kRamp.size() - 1);
  const int i = std::min(int(x), int(kRamp.size()) - 2);
  const float f = x - float(i);
  const auto mix = [&](int c) { return kRamp[i][c] + (kRamp[i + 1][c] - kRamp[i][c]) * f; };
  // Alpha rises faster than linear so mid-strength regions read clearly; 0 stays fully transparent.
  const float a = std::sqrt(t);
  const auto pm = [a](float v) { return int(std::lround(v * a)); };  // premultiplied
  return qRgba(pm(mix(0)), pm(mix(1)), pm(mix(2)), int(std::lround(a * 255.0f)));
}

}  // namespace

QImage heatMap(const AttentionMaps& maps, int segment, QSize targetSize) {
  const float* v = maps.map(segment);
  if (!v || targetSize.isEmpty()) return QImage();
  const size_t n = size_t(maps.h) * maps.w;
  const auto [lo, hi] = std::minmax_element(v, v + n);
  const float range = *hi - *lo;
  QImage small(maps.w, maps.h, QImage::Format_ARGB32_Premultiplied);
  for (int y = 0; y < maps.h; ++y) {
    auto* line = reinterpret_cast<QRgb*>(small.scanLine(y));
    for (int x = 0; x < maps.w; ++x) {
      // A flat map says nothing about where the segment acted: draw it fully transparent.
      const float t = range > 1e-12f ? (v[size_t(y) * maps.w + x] - *lo) / range : 0.0f;
      line[x] = colourAt(t);
    }
  }
  if (small.size() == targetSize) return small;
  return small.scaled(targetSize, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
      .convertToFormat(QImage::Format_ARGB32_Premultiplied);
}

}  // namespace mumu
