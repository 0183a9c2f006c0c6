#include "app_settings.h"

#include <QLocale>
#include <QStandardPaths>

#include "language.h"

namespace mumu {

AppSettings::AppSettings() = default;

AppSettings::AppSettings(const QString& iniPath) : settings_(iniPath, QSettings::IniFormat) {}

QString AppSettings::language() const {
  const QString stored = settings_.value("ui/language").toString();
  if (Language::isSupported(stored)) return stored;
  const QString system = QLocale::system().name().left(2);
  return Language::isSupported(system) ? system : QStringLiteral("en");
}

void AppSettings::setLanguage(const QString& code) {
  if (Language::isSupported(code)) settings_.setValue("ui/language", code);
}

QByteArray AppSettings::windowGeometry() const { return settings_.value("window/geometry").toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& g) { settings_.setValue("window/geometry", g); }
QByteArray AppSettings::windowState() const { return settings_.value("window/state").toByteArray(); }
void AppSettings::setWindowState(const QByteArray& s) { settings_.setValue("window/state", s); }

QByteArray AppSettings::splitterState(const QString& name) const {
  return settings_.value("window/splitter/" + name).toByteArray();
}
void AppSettings::setSplitterState(const QString& name, const QByteArray& s) {
  settings_.setValue("window/splitter/" + name, s);
}

int AppSettings::currentWorkspace() const { return settings_.value("window/workspace", 0).toInt(); }
void AppSettings::setCurrentWorkspace(int index) { settings_.setValue("window/workspace", index); }

QString AppSettings::modelPath() const { return settings_.value("model/path").toString(); }
void AppSettings::setModelPath(const QString& path) { settings_.setValue("model/path", path); }

QString AppSettings::dataDir() const {
  const QString set = settings_.value("data/dir").toString();
  if (!set.isEmpty()) return set;
  const QString env = qEnvironmentVariable("MUMU_DATA_DIR");
  if (!env.isEmpty()) return env;
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}
void AppSettings::setDataDir(const QString& dir) { settings_.setValue("data/dir", dir); }

QString AppSettings::lastModelId() const { return settings_.value("model/last").toString(); }
void AppSettings::setLastModelId(const QString& id) { settings_.setValue("model/last", id); }

void AppSettings::sync() { settings_.sync(); }

}  // namespace mumu
