// model_registry.cpp — model list, package validation through the pipeline's mumu.json parser, QSettings storage.
#include "core/model_registry.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>

#include <exception>

#include "model/pipeline/mumu_config.h"

#ifndef MUMU_SOURCE_DIR
#define MUMU_SOURCE_DIR ""
#endif

namespace mumu {

namespace {

const char* kPackagesKey = "models/packages";  // QStringList of folders
const char* kSdxlKey = "models/sdxl";          // JSON [{"checkpoint": …, "idefics2": …}]
const char* kPresetsKey = "models/presets";    // JSON {model id: [{preset}, …]}

QString canonical(const QString& path) {
  const QFileInfo fi(path);
  const QString c = fi.canonicalFilePath();
  return QDir::cleanPath(c.isEmpty() ? fi.absoluteFilePath() : c);
}

QJsonObject presetToJson(const ModelPreset& p) {
  return {{"name", p.name}, {"sampler", p.sampler}, {"steps", p.steps},
          {"cfg", p.cfg},   {"width", p.width},     {"height", p.height}};
}

ModelPreset presetFromJson(const QJsonObject& o) {
  ModelPreset p;
  p.name = o.value("name").toString();
  p.sampler = o.value("sampler").toString();
  p.steps = qBound(0, o.value("steps").toInt(), 1000);
  p.cfg = qBound(0.0, o.value("cfg").toDouble(), 100.0);
  p.width = qBound(0, o.value("width").toInt() / 8 * 8, 8192);
  p.height = qBound(0, o.value("height").toInt() / 8 * 8, 8192);
  return p;
}

}  // namespace

ModelRegistry::ModelRegistry(const QString& settingsFile, QObject* parent)
    : QObject(parent),
      settings_(settingsFile.isEmpty() ? std::make_unique<QSettings>()
                                       : std::make_unique<QSettings>(settingsFile, QSettings::IniFormat)) {
  load();
}

ModelRegistry::~ModelRegistry() = default;

QStringList ModelRegistry::shippedCandidateDirs() {
  QStringList dirs;
  const QString env = qEnvironmentVariable("MUMU_MODEL_DIR");
  if (!env.isEmpty()) {
    dirs << env;
    dirs << QDir(env).filePath("nano");
  }
  if (QCoreApplication::instance())
    dirs << QDir::cleanPath(QCoreApplication::applicationDirPath() + "/../share/mumu/models/nano");
  const QString source = QStringLiteral(MUMU_SOURCE_DIR);
  if (!source.isEmpty()) dirs << QDir(source).filePath("resources/models/nano");
  return dirs;
}

ModelEntry ModelRegistry::describePackage(ModelEntry e) const {
  e.available = false;
  if (!QFileInfo(QDir(e.path).filePath("mumu.json")).isFile()) {
    e.problem = tr("No mumu.json in %1").arg(QDir::toNativeSeparators(e.path));
    return e;
  }
  try {
    const MumuConfig c = loadMumuConfig(e.path.toStdString());
    if (e.name.isEmpty() || e.kind == ModelEntry::Kind::Package) e.name = QString::fromStdString(c.name);
    e.defaults = {tr("Default"), QString::fromStdString(c.sampler), c.steps, c.cfg, c.width, c.height};
    e.available = true;
    e.problem.clear();
  } catch (const std::exception& ex) {
    e.problem = QString::fromStdString(ex.what());
  }
  return e;
}

void ModelRegistry::load() {
  models_.clear();
  // The shipped model: always listed, so the user sees why it cannot be used while it is missing.
  ModelEntry nano;
  nano.kind = ModelEntry::Kind::Shipped;
  nano.id = kShippedId;
  nano.name = QStringLiteral("nano");
  const QStringList candidates = shippedCandidateDirs();
  for (const QString& d : candidates)
    if (QFileInfo(QDir(d).filePath("mumu.json")).isFile()) {
      nano.path = canonical(d);
      break;
    }
  if (nano.path.isEmpty()) {
    nano.problem = tr("The nano model is not installed (looked in: %1)").arg(candidates.join(QStringLiteral(", ")));
  } else {
    nano = describePackage(nano);
    nano.name = QStringLiteral("nano");
  }
  models_ << nano;

  for (const QString& dir : settings_->value(kPackagesKey).toStringList()) {
    ModelEntry e;
    e.kind = ModelEntry::Kind::Package;
    e.id = "package:" + dir;
    e.path = dir;
    e.name = QFileInfo(dir).fileName();
    models_ << describePackage(e);
  }

  const QJsonArray sdxl = QJsonDocument::fromJson(settings_->value(kSdxlKey).toByteArray()).array();
  for (const auto& v : sdxl) {
    const QJsonObject o = v.toObject();
    ModelEntry e;
    e.kind = ModelEntry::Kind::SdxlIdefics2;
    e.path = o.value("checkpoint").toString();
    e.idefics2Path = o.value("idefics2").toString();
    e.id = "sdxl:" + e.path + "|" + e.idefics2Path;
    e.name = QFileInfo(e.path).completeBaseName() + " + " + QFileInfo(e.idefics2Path).fileName();
    e.defaults = {tr("Default"), QStringLiteral("ddim"), 50, 6.0, 1024, 1024};  // the paper's sampling
    // TODO(issue 8): generating needs a trained MUMU connector for this pair; until a package can be assembled
    // from checkpoint + Idefics2 + connector weights, these entries are listed but not runnable.
    if (!QFileInfo::exists(e.path))
      e.problem = tr("SDXL checkpoint not found: %1").arg(QDir::toNativeSeparators(e.path));
    else if (!QFileInfo(e.idefics2Path).isDir())
      e.problem = tr("Idefics2 folder not found: %1").arg(QDir::toNativeSeparators(e.idefics2Path));
    else
      e.problem = tr("An SDXL checkpoint with Idefics2 needs a trained MUMU connector; import a MUMU package that "
                     "uses them instead");
    models_ << e;
  }
}

void ModelRegistry::storeImports() {
  QStringList packages;
  QJsonArray sdxl;
  for (const auto& e : models_) {
    if (e.kind == ModelEntry::Kind::Package) packages << e.path;
    if (e.kind == ModelEntry::Kind::SdxlIdefics2)
      sdxl.append(QJsonObject{{"checkpoint", e.path}, {"idefics2", e.idefics2Path}});
  }
  settings_->setValue(kPackagesKey, packages);
  settings_->setValue(kSdxlKey, QJsonDocument(sdxl).toJson(QJsonDocument::Compact));
  settings_->sync();
}

std::optional<ModelEntry> ModelRegistry::find(const QString& id) const {
  for (const auto& e : models_)
    if (e.id == id) return e;
  return std::nullopt;
}

QString ModelRegistry::importPackage(const QString& dir, QString* error) {
  const QString path = canonical(dir);
  ModelEntry e;
  e.kind = ModelEntry::Kind::Package;
  e.id = "package:" + path;
  e.path = path;
  e = describePackage(e);
  if (!e.available) {
    if (error) *error = e.problem;
    return QString();
  }
  if (find(e.id)) return e.id;  // already there
  models_ << e;
  storeImports();
  Q_EMIT modelsChanged();
  return e.id;
}

QString ModelRegistry::addSdxlIdefics2(const QString& checkpoint, const QString& idefics2Dir, QString* error) {
  if (!QFileInfo::exists(checkpoint)) {
    if (error) *error = tr("SDXL checkpoint not found: %1").arg(QDir::toNativeSeparators(checkpoint));
    return QString();
  }
  if (!QFileInfo(idefics2Dir).isDir() || !QFileInfo(QDir(idefics2Dir).filePath("config.json")).isFile()) {
    if (error) *error = tr("Not an Idefics2 folder (no config.json): %1").arg(QDir::toNativeSeparators(idefics2Dir));
    return QString();
  }
  const QString id = "sdxl:" + canonical(checkpoint) + "|" + canonical(idefics2Dir);
  if (!find(id)) {
    QJsonArray sdxl = QJsonDocument::fromJson(settings_->value(kSdxlKey).toByteArray()).array();
    sdxl.append(QJsonObject{{"checkpoint", canonical(checkpoint)}, {"idefics2", canonical(idefics2Dir)}});
    settings_->setValue(kSdxlKey, QJsonDocument(sdxl).toJson(QJsonDocument::Compact));
    settings_->sync();
    load();
    Q_EMIT modelsChanged();
  }
  return id;
}

bool ModelRegistry::remove(const QString& id) {
  for (int i = 0; i < models_.size(); ++i) {
    if (models_[i].id != id || models_[i].kind == ModelEntry::Kind::Shipped) continue;
    models_.removeAt(i);
    storeImports();
    QJsonObject all = QJsonDocument::fromJson(settings_->value(kPresetsKey).toByteArray()).object();
    all.remove(id);
    settings_->setValue(kPresetsKey, QJsonDocument(all).toJson(QJsonDocument::Compact));
    Q_EMIT modelsChanged();
    return true;
  }
  return false;
}

void ModelRegistry::refresh() {
  load();
  Q_EMIT modelsChanged();
}

QList<ModelPreset> ModelRegistry::presets(const QString& modelId) const {
  QList<ModelPreset> out;
  const QJsonObject all = QJsonDocument::fromJson(settings_->value(kPresetsKey).toByteArray()).object();
  for (const auto& v : all.value(modelId).toArray()) out << presetFromJson(v.toObject());
  return out;
}

void ModelRegistry::savePreset(const QString& modelId, const ModelPreset& preset) {
  QJsonObject all = QJsonDocument::fromJson(settings_->value(kPresetsKey).toByteArray()).object();
  QJsonArray list;
  bool replaced = false;
  for (const auto& v : all.value(modelId).toArray()) {
    if (v.toObject().value("name").toString() == preset.name) {
      list.append(presetToJson(preset));
      replaced = true;
    } else {
      list.append(v);
    }
  }
  if (!replaced) list.append(presetToJson(preset));
  all.insert(modelId, list);
  settings_->setValue(kPresetsKey, QJsonDocument(all).toJson(QJsonDocument::Compact));
  settings_->sync();
  Q_EMIT presetsChanged(modelId);
}

bool ModelRegistry::removePreset(const QString& modelId, const QString& name) {
  QJsonObject all = QJsonDocument::fromJson(settings_->value(kPresetsKey).toByteArray()).object();
  QJsonArray list;
  bool found = false;
  for (const auto& v : all.value(modelId).toArray()) {
    if (v.toObject().value("name").toString() == name)
      found = true;
    else
      list.append(v);
  }
  if (!found) return false;
  all.insert(modelId, list);
  settings_->setValue(kPresetsKey, QJsonDocument(all).toJson(QJsonDocument::Compact));
  settings_->sync();
  Q_EMIT presetsChanged(modelId);
  return true;
}

}  // namespace mumu
