// app_settings.h — the user's persistent settings (QSettings), typed, with defaults in one place.
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>

namespace mumu {

class AppSettings {
 public:
  // Uses the application's default QSettings location (organisation/application names set in main).
  AppSettings();
  // Uses an explicit INI file: tests, and `--settings FILE`.
  explicit AppSettings(const QString& iniPath);

  QString language() const;               // "en" or "ko"; default: the system locale if supported, else "en"
  void setLanguage(const QString& code);

  QByteArray windowGeometry() const;
  void setWindowGeometry(const QByteArray& g);
  QByteArray windowState() const;
  void setWindowState(const QByteArray& s);
  QByteArray splitterState(const QString& name) const;
  void setSplitterState(const QString& name, const QByteArray& s);
  int currentWorkspace() const;
  void setCurrentWorkspace(int index);

  QString modelPath() const;              // the model package to load; empty = the shipped nano model
  void setModelPath(const QString& path);

  // Where history, assets, thumbnails and images live: the "data/dir" setting, else $MUMU_DATA_DIR, else the
  // platform's application data folder (~/.local/share/MUMU/MUMU Studio).
  QString dataDir() const;
  void setDataDir(const QString& dir);
  QString lastModelId() const;  // the model picked last ("" = the shipped one)
  void setLastModelId(const QString& id);

  void sync();
  QString fileName() const { return settings_.fileName(); }

 private:
  QSettings settings_;
};

}  // namespace mumu
