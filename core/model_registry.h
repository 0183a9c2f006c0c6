// model_registry.h — the models the user can pick in the Studio: the shipped nano package, MUMU packages the user
// imported (folders with mumu.json), and SDXL checkpoint + Idefics2 folder pairs given by path; with each model's
// default settings (from its package) and the user's saved presets. Imports and presets persist in QSettings.
// Torch-free header; packages are validated with the pipeline's config parser in the .cpp.
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>

#include "core/generation_settings.h"

class QSettings;

namespace mumu {

struct ModelPreset {
  QString name;
  QString sampler;
  int steps = 0;
  double cfg = 0;
  int width = 0, height = 0;
  bool operator==(const ModelPreset&) const = default;
};

struct ModelEntry {
  enum class Kind { Shipped, Package, SdxlIdefics2 };
  Kind kind = Kind::Package;
  QString id;            // stable key: "nano", "package:<folder>", "sdxl:<checkpoint>|<idefics2 folder>"
  QString name;          // display name (the package's "name")
  QString path;          // package folder (Shipped, Package) or SDXL checkpoint file
  QString idefics2Path;  // SdxlIdefics2 only
  bool available = false;  // the package is there and its mumu.json parses
  QString problem;         // why not available (shown to the user)
  ModelPreset defaults;    // the package's sampler, steps, CFG and default size (name "Default")
};

class ModelRegistry : public QObject {
  Q_OBJECT

 public:
  static constexpr const char* kShippedId = "nano";

  // settingsFile: an INI file (tests); empty = the application's QSettings.
  explicit ModelRegistry(const QString& settingsFile = QString(), QObject* parent = nullptr);
  ~ModelRegistry() override;

  // The shipped model first, then imported packages and SDXL entries in the order they were added.
  QList<ModelEntry> models() const { return models_; }
  std::optional<ModelEntry> find(const QString& id) const;

  // Validates `dir` (mumu.json must parse) and remembers it. Returns the new id, or "" with *error set.
  QString importPackage(const QString& dir, QString* error = nullptr);
  // Remembers an SDXL checkpoint (single .safetensors file or diffusers folder) + Idefics2 folder; both must exist.
  QString addSdxlIdefics2(const QString& checkpoint, const QString& idefics2Dir, QString* error = nullptr);
  // Forgets an imported entry (the shipped model stays); its presets go too.
  bool remove(const QString& id);
  // Re-reads every package (a package may have appeared, e.g. the shipped model after training).
  void refresh();

  // The user's presets for a model, by name. Saving a preset with an existing name replaces it.
  QList<ModelPreset> presets(const QString& modelId) const;
  void savePreset(const QString& modelId, const ModelPreset& preset);
  bool removePreset(const QString& modelId, const QString& name);

  // Where the shipped nano package is looked for, in order: $MUMU_MODEL_DIR (the package itself, or a folder
  // holding nano/), <app dir>/../share/mumu/models/nano, the source tree's resources/models/nano.
  static QStringList shippedCandidateDirs();

 Q_SIGNALS:
  void modelsChanged();
  void presetsChanged(const QString& modelId);

 private:
  void load();
  void storeImports();
  ModelEntry describePackage(ModelEntry e) const;

  std::unique_ptr<QSettings> settings_;
  QList<ModelEntry> models_;
};

}  // namespace mumu
