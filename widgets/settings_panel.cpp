// settings_panel.cpp — form widgets ⇄ GenerationSettings, model list and presets from the ModelRegistry.
#include "widgets/settings_panel.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QToolButton>

namespace mumu {

namespace {

const int kSizes[] = {32, 64, 128, 256, 384, 512, 576, 640, 704, 768, 832, 896, 960, 1024, 1152, 1216, 1280, 1344,
                      1536, 1792, 2048};

QComboBox* sizeCombo(QWidget* parent, const char* name) {
  auto* c = new QComboBox(parent);
  c->setObjectName(QLatin1String(name));
  c->setEditable(true);
  c->setInsertPolicy(QComboBox::NoInsert);
  c->setValidator(new QIntValidator(8, 8192, c));
  for (int s : kSizes) c->addItem(QString::number(s), s);
  return c;
}

void setComboValue(QComboBox* c, int v) {
  const int i = c->findData(v);
  if (i >= 0)
    c->setCurrentIndex(i);
  else
    c->setEditText(QString::number(v));
}

}  // namespace

int SettingsPanel::snapSize(int v) {
  return qBound(8, (v + 4) / 8 * 8, 8192);
}

SettingsPanel::SettingsPanel(ModelRegistry* registry, QWidget* parent) : QWidget(parent), registry_(registry) {
  model_ = new QComboBox(this);
  model_->setObjectName(QStringLiteral("modelCombo"));
  model_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  model_->setMinimumContentsLength(12);
  modelMenu_ = new QToolButton(this);
  modelMenu_->setObjectName(QStringLiteral("modelMenuButton"));
  modelMenu_->setText(QStringLiteral("…"));
  modelMenu_->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(modelMenu_);
  modelMenu_->setMenu(menu);
  modelProblem_ = new QLabel(this);
  modelProblem_->setObjectName(QStringLiteral("modelProblem"));
  modelProblem_->setWordWrap(true);
  modelProblem_->setStyleSheet(QStringLiteral("color: #c03030"));
  modelProblem_->hide();

  sampler_ = new QComboBox(this);
  sampler_->setObjectName(QStringLiteral("samplerCombo"));
  sampler_->addItem(QString(), QString());  // the model's default
  for (const QString& s : availableSamplers()) sampler_->addItem(s, s);

  steps_ = new QSpinBox(this);
  steps_->setObjectName(QStringLiteral("stepsSpin"));
  steps_->setRange(1, 1000);
  steps_->setValue(30);
  cfg_ = new QDoubleSpinBox(this);
  cfg_->setObjectName(QStringLiteral("cfgSpin"));
  cfg_->setRange(1.0, 30.0);
  cfg_->setSingleStep(0.5);
  cfg_->setDecimals(2);
  cfg_->setValue(6.0);

  seed_ = new QLineEdit(this);
  seed_->setObjectName(QStringLiteral("seedEdit"));
  seed_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,19}")), seed_));
  seedLock_ = new QToolButton(this);
  seedLock_->setObjectName(QStringLiteral("seedLockButton"));
  seedLock_->setCheckable(true);
  dice_ = new QToolButton(this);
  dice_->setObjectName(QStringLiteral("diceButton"));
  dice_->setText(QStringLiteral("\u2684"));  // ⚄ (DejaVu has the die faces; colour emoji fonts are rarer)
  auto* seedRow = new QHBoxLayout;
  seedRow->setContentsMargins(0, 0, 0, 0);
  seedRow->addWidget(seed_, 1);
  seedRow->addWidget(seedLock_);
  seedRow->addWidget(dice_);

  width_ = sizeCombo(this, "widthCombo");
  height_ = sizeCombo(this, "heightCombo");
  auto* sizeRow = new QHBoxLayout;
  sizeRow->setContentsMargins(0, 0, 0, 0);
  sizeRow->addWidget(width_, 1);
  sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
  sizeRow->addWidget(height_, 1);

  batch_ = new QSpinBox(this);
  batch_->setObjectName(QStringLiteral("batchSpin"));
  batch_->setRange(1, 64);
  negative_ = new QPlainTextEdit(this);
  negative_->setObjectName(QStringLiteral("negativeEdit"));
  negative_->setTabChangesFocus(true);
  negative_->setFixedHeight(negative_->fontMetrics().lineSpacing() * 4);

  // Where the model runs and in which precision: the queue loads it again when either changes.
  device_ = new QComboBox(this);
  device_->setObjectName(QStringLiteral("deviceCombo"));
  for (const DeviceChoice& d : availableDevices()) device_->addItem(d.label, d.id);
  dtype_ = new QComboBox(this);
  dtype_->setObjectName(QStringLiteral("dtypeCombo"));
  for (const char* t : {"", "float32", "bfloat16", "float16"}) dtype_->addItem(QString::fromLatin1(t), QString::fromLatin1(t));

  presets_ = new QComboBox(this);
  presets_->setObjectName(QStringLiteral("presetCombo"));
  applyPreset_ = new QPushButton(this);
  applyPreset_->setObjectName(QStringLiteral("applyPresetButton"));
  savePreset_ = new QPushButton(this);
  savePreset_->setObjectName(QStringLiteral("savePresetButton"));
  auto* presetRow = new QHBoxLayout;
  presetRow->setContentsMargins(0, 0, 0, 0);
  presetRow->addWidget(presets_, 1);
  presetRow->addWidget(applyPreset_);
  presetRow->addWidget(savePreset_);

  auto* modelRow = new QHBoxLayout;
  modelRow->setContentsMargins(0, 0, 0, 0);
  modelRow->addWidget(model_, 1);
  modelRow->addWidget(modelMenu_);

  form_ = new QFormLayout(this);
  auto addRow = [this](QLayout* l) {
    auto* label = new QLabel(this);
    labels_ << label;
    form_->addRow(label, l);
  };
  auto addWidgetRow = [this](QWidget* w) {
    auto* label = new QLabel(this);
    label->setBuddy(w);
    labels_ << label;
    form_->addRow(label, w);
  };
  addRow(modelRow);
  form_->addRow(modelProblem_);
  addRow(presetRow);
  addWidgetRow(sampler_);
  addWidgetRow(steps_);
  addWidgetRow(cfg_);
  addRow(seedRow);
  addRow(sizeRow);
  addWidgetRow(batch_);
  addWidgetRow(negative_);
  addWidgetRow(device_);
  addWidgetRow(dtype_);

  auto* importAction = menu->addAction(QString());
  importAction->setObjectName(QStringLiteral("importPackageAction"));
  auto* sdxlAction = menu->addAction(QString());
  sdxlAction->setObjectName(QStringLiteral("addSdxlAction"));
  auto* removeAction = menu->addAction(QString());
  removeAction->setObjectName(QStringLiteral("removeModelAction"));
  auto* refreshAction = menu->addAction(QString());
  refreshAction->setObjectName(QStringLiteral("refreshModelsAction"));
  connect(importAction, &QAction::triggered, this, &SettingsPanel::importPackage);
  connect(sdxlAction, &QAction::triggered, this, &SettingsPanel::addSdxl);
  connect(removeAction, &QAction::triggered, this, [this] {
    if (registry_) registry_->remove(model_->currentData().toString());
  });
  connect(refreshAction, &QAction::triggered, this, [this] {
    if (registry_) registry_->refresh();
  });

  connect(model_, &QComboBox::currentIndexChanged, this, &SettingsPanel::onModelChanged);
  connect(seedLock_, &QToolButton::toggled, this, &SettingsPanel::setSeedLocked);
  connect(dice_, &QToolButton::clicked, this, [this] {
    seed_->setText(QString::number(randomSeed()));
    Q_EMIT settingsChanged();
  });
  connect(applyPreset_, &QPushButton::clicked, this, [this] { applyPreset(presets_->currentText()); });
  connect(savePreset_, &QPushButton::clicked, this, [this] {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save preset"), tr("Preset name:"), QLineEdit::Normal,
                                               presets_->currentText(), &ok)
                             .trimmed();
    if (ok && !name.isEmpty()) savePreset(name);
  });
  // Sizes snap to multiples of 8 when the user leaves the field.
  for (QComboBox* c : {width_, height_})
    connect(c->lineEdit(), &QLineEdit::editingFinished, this, [this, c] {
      setComboValue(c, snapSize(c->currentText().toInt()));
      Q_EMIT settingsChanged();
    });
  auto changed = [this] {
    if (!updating_) Q_EMIT settingsChanged();
  };
  connect(sampler_, &QComboBox::currentIndexChanged, this, changed);
  connect(steps_, &QSpinBox::valueChanged, this, changed);
  connect(cfg_, &QDoubleSpinBox::valueChanged, this, changed);
  connect(batch_, &QSpinBox::valueChanged, this, changed);
  connect(seed_, &QLineEdit::textEdited, this, changed);
  connect(negative_, &QPlainTextEdit::textChanged, this, changed);
  connect(device_, &QComboBox::currentIndexChanged, this, changed);
  connect(dtype_, &QComboBox::currentIndexChanged, this, changed);

  if (registry_) {
    connect(registry_, &ModelRegistry::modelsChanged, this, &SettingsPanel::reloadModels);
    connect(registry_, &ModelRegistry::presetsChanged, this, [this](const QString& id) {
      if (id == model_->currentData().toString()) reloadPresets();
    });
  }
  setComboValue(width_, 1024);  // until a model's defaults arrive
  setComboValue(height_, 1024);
  retranslateUi();
  seed_->setText(QString::number(randomSeed()));
  setSeedLocked(false);
  reloadModels();
}

void SettingsPanel::reloadModels() {
  const QString current = model_->currentData().toString();
  updating_ = true;
  model_->clear();
  if (registry_)
    for (const ModelEntry& e : registry_->models()) {
      model_->addItem(e.available ? e.name : tr("%1 (unavailable)").arg(e.name), e.id);
      model_->setItemData(model_->count() - 1, e.available ? QDir::toNativeSeparators(e.path) : e.problem,
                          Qt::ToolTipRole);
    }
  // Prefer the previous choice, else the first available model.
  int index = model_->findData(current);
  if (index < 0 && registry_) {
    const auto models = registry_->models();
    for (int i = 0; i < models.size() && index < 0; ++i)
      if (models[i].available) index = i;
  }
  model_->setCurrentIndex(qMax(0, index));
  updating_ = false;
  onModelChanged();
}

void SettingsPanel::onModelChanged() {
  if (updating_) return;
  const QString id = model_->currentData().toString();
  const auto entry = registry_ ? registry_->find(id) : std::nullopt;
  modelProblem_->setVisible(entry && !entry->available);
  modelProblem_->setText(entry ? entry->problem : QString());
  reloadPresets();
  if (entry && entry->available) applyPresetValues(entry->defaults);
  Q_EMIT settingsChanged();
}

void SettingsPanel::reloadPresets() {
  presets_->clear();
  presets_->addItem(tr("Default"));
  if (registry_)
    for (const ModelPreset& p : registry_->presets(model_->currentData().toString())) presets_->addItem(p.name);
}

QStringList SettingsPanel::presetNames() const {
  QStringList out;
  for (int i = 0; i < presets_->count(); ++i) out << presets_->itemText(i);
  return out;
}

bool SettingsPanel::applyPreset(const QString& name) {
  const QString id = model_->currentData().toString();
  if (!registry_) return false;
  if (name == tr("Default") || name.isEmpty()) {
    const auto entry = registry_->find(id);
    if (!entry) return false;
    applyPresetValues(entry->defaults);
    return true;
  }
  for (const ModelPreset& p : registry_->presets(id))
    if (p.name == name) {
      applyPresetValues(p);
      return true;
    }
  return false;
}

void SettingsPanel::savePreset(const QString& name) {
  if (!registry_) return;
  const GenerationSettings s = settings();
  registry_->savePreset(s.modelId, {name, s.sampler, s.steps, s.cfg, s.width, s.height});
  presets_->setCurrentIndex(presets_->findText(name));
}

void SettingsPanel::applyPresetValues(const ModelPreset& p) {
  updating_ = true;
  sampler_->setCurrentIndex(qMax(0, sampler_->findData(p.sampler)));
  if (p.steps > 0) steps_->setValue(p.steps);
  if (p.cfg > 0) cfg_->setValue(p.cfg);
  if (p.width > 0) setComboValue(width_, snapSize(p.width));
  if (p.height > 0) setComboValue(height_, snapSize(p.height));
  updating_ = false;
  Q_EMIT settingsChanged();
}

void SettingsPanel::setSeedLocked(bool locked) {
  if (seedLock_->isChecked() != locked) seedLock_->setChecked(locked);
  seed_->setEnabled(locked);
  seedLock_->setText(tr("Lock"));
  seedLock_->setToolTip(locked ? tr("Seed locked: every generation uses this seed (click for a random seed each time)")
                               : tr("Random seed for every generation (click to lock the seed shown)"));
  if (!updating_) Q_EMIT settingsChanged();
}

GenerationSettings SettingsPanel::settings() const {
  GenerationSettings s;
  s.modelId = model_->currentData().toString();
  s.sampler = sampler_->currentData().toString();
  s.steps = steps_->value();
  s.cfg = cfg_->value();
  s.seedLocked = seedLock_->isChecked();
  s.seed = seed_->text().toULongLong();
  s.width = snapSize(width_->currentText().toInt());
  s.height = snapSize(height_->currentText().toInt());
  s.batch = batch_->value();
  s.negative = negative_->toPlainText();
  s.device = device_->currentData().toString();
  s.dtype = dtype_->currentData().toString();
  return s;
}

void SettingsPanel::setSettings(const GenerationSettings& s) {
  updating_ = true;
  int m = model_->findData(s.modelId);
  if (m < 0 && !s.modelId.isEmpty()) {
    model_->addItem(tr("%1 (not in the model list)").arg(s.modelId), s.modelId);
    m = model_->count() - 1;
  }
  if (m >= 0) model_->setCurrentIndex(m);
  updating_ = false;
  onModelChanged();  // presets and problem line of that model
  updating_ = true;
  sampler_->setCurrentIndex(qMax(0, sampler_->findData(s.sampler)));
  if (s.steps > 0) steps_->setValue(s.steps);
  if (s.cfg > 0) cfg_->setValue(s.cfg);
  seed_->setText(QString::number(s.seed));
  if (s.width > 0) setComboValue(width_, snapSize(s.width));
  if (s.height > 0) setComboValue(height_, snapSize(s.height));
  batch_->setValue(qBound(1, s.batch, 64));
  negative_->setPlainText(s.negative);
  int d = device_->findData(s.device.isEmpty() ? QStringLiteral("auto") : s.device);
  if (d < 0) {  // a recipe made on a device this machine lacks (cuda:1, or CUDA on a CPU-only machine)
    device_->addItem(tr("%1 (not on this machine)").arg(s.device), s.device);
    d = device_->count() - 1;
  }
  device_->setCurrentIndex(d);
  dtype_->setCurrentIndex(qMax(0, dtype_->findData(s.dtype)));
  setSeedLocked(s.seedLocked);
  updating_ = false;
  Q_EMIT settingsChanged();
}

void SettingsPanel::importPackage() {
  if (!registry_) return;
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Import a MUMU model package (folder with mumu.json)"));
  if (dir.isEmpty()) return;
  QString error;
  const QString id = registry_->importPackage(dir, &error);
  if (id.isEmpty()) {
    QMessageBox::warning(this, tr("Import model"), tr("This folder is not a usable MUMU package:\n%1").arg(error));
    return;
  }
  model_->setCurrentIndex(model_->findData(id));
}

void SettingsPanel::addSdxl() {
  if (!registry_) return;
  const QString ckpt = QFileDialog::getOpenFileName(this, tr("SDXL checkpoint"), QString(),
                                                    tr("Safetensors (*.safetensors);;All files (*)"));
  if (ckpt.isEmpty()) return;
  const QString idefics2 = QFileDialog::getExistingDirectory(this, tr("Idefics2 folder"));
  if (idefics2.isEmpty()) return;
  QString error;
  const QString id = registry_->addSdxlIdefics2(ckpt, idefics2, &error);
  if (id.isEmpty()) {
    QMessageBox::warning(this, tr("Add model"), error);
    return;
  }
  model_->setCurrentIndex(model_->findData(id));
}

void SettingsPanel::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void SettingsPanel::retranslateUi() {
  const QStringList texts = {tr("&Model"), tr("Pre&set"), tr("S&ampler"), tr("S&teps"),          tr("&CFG scale"),
                             tr("S&eed"),  tr("Si&ze"),   tr("&Batch"),   tr("&Negative prompt"), tr("De&vice"),
                             tr("&Precision")};
  for (int i = 0; i < labels_.size() && i < texts.size(); ++i) labels_[i]->setText(texts[i]);
  labels_[0]->setBuddy(model_);
  labels_[1]->setBuddy(presets_);
  labels_[5]->setBuddy(seed_);
  labels_[6]->setBuddy(width_);
  sampler_->setItemText(0, tr("Model default"));
  device_->setItemText(0, tr("Automatic (GPU when present)"));
  dtype_->setItemText(0, tr("Automatic (bfloat16 on a GPU, float32 on the CPU)"));
  device_->setToolTip(tr("Where the model runs. Images made on another device type have other pixels for the "
                         "same seed."));
  dice_->setToolTip(tr("Draw a new random seed"));
  applyPreset_->setText(tr("Apply"));
  savePreset_->setText(tr("Save…"));
  negative_->setPlaceholderText(tr("What the image should not show (text and [img:…] references)"));
  const auto actions = modelMenu_->menu()->actions();
  actions[0]->setText(tr("Import MUMU package…"));
  actions[1]->setText(tr("Add SDXL checkpoint + Idefics2…"));
  actions[2]->setText(tr("Remove from list"));
  actions[3]->setText(tr("Rescan models"));
  modelMenu_->setToolTip(tr("Import or remove models"));
  if (!presets_->count()) return;
  presets_->setItemText(0, tr("Default"));
  setSeedLocked(seedLock_->isChecked());
}

}  // namespace mumu
