// settings_panel.h — the Generation settings panel: model (from the registry, with import), sampler, steps, CFG,
// seed with lock and dice, size (multiples of 8), batch, negative prompt, device and precision, and per-model presets. settings() is what
// Generate enqueues; setSettings() restores a recipe's settings (Reuse).
#pragma once

#include <QWidget>

#include "core/generation_settings.h"
#include "core/model_registry.h"

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace mumu {

class SettingsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SettingsPanel(ModelRegistry* registry, QWidget* parent = nullptr);

  GenerationSettings settings() const;
  // Selects the model (added to the list as-is when the registry does not know it) and sets every field.
  void setSettings(const GenerationSettings& s);

  // Applies one of the current model's presets ("Default" = the package's own settings). False if unknown.
  bool applyPreset(const QString& name);
  // Saves sampler, steps, CFG and size as a preset of the current model.
  void savePreset(const QString& name);
  QStringList presetNames() const;

  // Rounds to a multiple of 8 within 8 … 8192 (what the pipeline accepts).
  static int snapSize(int v);

 Q_SIGNALS:
  void settingsChanged();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void reloadModels();
  void reloadPresets();
  void onModelChanged();
  void applyPresetValues(const ModelPreset& p);
  void setSeedLocked(bool locked);
  void retranslateUi();
  void importPackage();
  void addSdxl();

  ModelRegistry* registry_;
  bool updating_ = false;
  QFormLayout* form_ = nullptr;
  QComboBox* model_ = nullptr;
  QToolButton* modelMenu_ = nullptr;
  QComboBox* sampler_ = nullptr;
  QSpinBox* steps_ = nullptr;
  QDoubleSpinBox* cfg_ = nullptr;
  QLineEdit* seed_ = nullptr;
  QToolButton* seedLock_ = nullptr;
  QToolButton* dice_ = nullptr;
  QComboBox* width_ = nullptr;
  QComboBox* height_ = nullptr;
  QSpinBox* batch_ = nullptr;
  QPlainTextEdit* negative_ = nullptr;
  QComboBox* device_ = nullptr;
  QComboBox* dtype_ = nullptr;
  QComboBox* presets_ = nullptr;
  QPushButton* applyPreset_ = nullptr;
  QPushButton* savePreset_ = nullptr;
  QLabel* modelProblem_ = nullptr;
  QList<QLabel*> labels_;
};

}  // namespace mumu
