// generation_settings.cpp — JSON form of the settings (presets, QSettings) and the torch-side sampler list.
#include "core/generation_settings.h"

#include <QCoreApplication>
#include <QRandomGenerator>

#include "model/pipeline/pipeline.h"
#include "model/runtime.h"

namespace mumu {

QJsonObject settingsToJson(const GenerationSettings& s) {
  return QJsonObject{{"model", s.modelId},
                     {"sampler", s.sampler},
                     {"steps", s.steps},
                     {"cfg", s.cfg},
                     {"seed_locked", s.seedLocked},
                     {"seed", QString::number(s.seed)},  // a string: JSON numbers lose bits above 2^53
                     {"width", s.width},
                     {"height", s.height},
                     {"batch", s.batch},
                     {"negative", s.negative},
                     {"device", s.device},
                     {"dtype", s.dtype}};
}

GenerationSettings settingsFromJson(const QJsonObject& o) {
  GenerationSettings s;
  s.modelId = o.value("model").toString();
  s.sampler = o.value("sampler").toString();
  s.steps = qBound(0, o.value("steps").toInt(), 1000);
  s.cfg = qBound(0.0, o.value("cfg").toDouble(), 100.0);
  s.seedLocked = o.value("seed_locked").toBool();
  s.seed = o.value("seed").toString().toULongLong();
  s.width = qBound(0, o.value("width").toInt() / 8 * 8, 8192);
  s.height = qBound(0, o.value("height").toInt() / 8 * 8, 8192);
  s.batch = qBound(1, o.value("batch").toInt(1), 64);
  s.negative = o.value("negative").toString();
  s.device = o.value("device").toString(QStringLiteral("auto"));
  s.dtype = o.value("dtype").toString();
  static const QStringList dtypes{QString(), QStringLiteral("float32"), QStringLiteral("bfloat16"),
                                  QStringLiteral("float16")};
  if (!dtypes.contains(s.dtype)) s.dtype.clear();
  return s;
}

QList<DeviceChoice> availableDevices() {
  QList<DeviceChoice> out{{QStringLiteral("auto"),
                           QCoreApplication::translate("mumu::GenerationSettings", "Automatic (GPU when present)")}};
  for (const ComputeDevice& d : computeDevices()) {
    QString label = QString::fromStdString(d.name);
    if (d.id != "cpu")
      label = QStringLiteral("%1 · %2 · %3 GiB")
                  .arg(QString::fromStdString(d.id), label)
                  .arg(static_cast<double>(d.totalBytes) / (1 << 30), 0, 'f', 1);
    out.push_back({QString::fromStdString(d.id), label});
  }
  return out;
}

QStringList availableSamplers() {
  QStringList out;
  for (const auto& n : mumuSamplerNames()) out << QString::fromStdString(n);
  return out;
}

quint64 randomSeed() {
  return QRandomGenerator::global()->generate64() & ((quint64(1) << 48) - 1);
}

}  // namespace mumu
