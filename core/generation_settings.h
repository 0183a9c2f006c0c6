// generation_settings.h — what the Generation settings panel produces and the queue consumes: model, sampler,
// steps, CFG, seed (locked or random), size, batch, negative prompt. Torch-free (widgets include it); the sampler
// list comes from the pipeline through generation_settings.cpp.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace mumu {

struct GenerationSettings {
  QString modelId;       // a ModelRegistry id; an id the registry does not know is taken as a package folder
  QString sampler;       // a pipeline sampler name ("" = the package's default)
  int steps = 0;         // 0 = the package's default
  double cfg = 0;        // 0 = the package's default (1 = no guidance)
  bool seedLocked = false;  // false: a fresh random seed is drawn at enqueue
  quint64 seed = 0;
  int width = 0, height = 0;  // 0 = the package's default; otherwise multiples of 8
  int batch = 1;
  QString negative;  // negative prompt in the prompt text syntax ("" = the empty prompt)
  QString device = QStringLiteral("auto");  // cpu | cuda | cuda:N | auto (the GPU when there is one)
  QString dtype;                            // float32 | bfloat16 | float16 | "" = the device's best

  bool operator==(const GenerationSettings&) const = default;
};

QJsonObject settingsToJson(const GenerationSettings& s);
GenerationSettings settingsFromJson(const QJsonObject& o);

// A device the Studio offers: id as GenerationSettings::device takes it, and a label with what it has.
struct DeviceChoice {
  QString id;     // "auto", "cpu", "cuda:0", …
  QString label;  // "CPU (2 threads)", "cuda:0 · NVIDIA H100 80GB HBM3 · 79.1 GiB"
};
// "auto" first, then the CPU and every CUDA device (model/runtime's computeDevices).
QList<DeviceChoice> availableDevices();

// The pipeline's sampler names ("ddim", "euler", "euler_karras", "euler_a", "dpmpp_2m", "dpmpp_2m_karras").
QStringList availableSamplers();

// A random seed in [0, 2^48) (what `mumu generate` draws without --seed; exact in a double and in JSON).
quint64 randomSeed();

}  // namespace mumu
