// language.h — switching the UI language at run time. Installs the compiled translation (.qm, embedded
// under :/i18n) on the application; widgets retranslate on QEvent::LanguageChange.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTranslator>
#include <memory>

namespace mumu {

class Language : public QObject {
  Q_OBJECT

 public:
  explicit Language(QObject* parent = nullptr);
  ~Language() override;

  static QStringList supported();                 // {"en", "ko"}
  static bool isSupported(const QString& code);
  static QString nativeName(const QString& code); // "English", "한국어"

  QString current() const { return current_; }
  // Loads and installs the translation; false (and the language unchanged) if it cannot be loaded.
  bool setLanguage(const QString& code);

 Q_SIGNALS:
  void languageChanged(const QString& code);

 private:
  QString current_ = QStringLiteral("en");
  std::unique_ptr<QTranslator> translator_;
};

}  // namespace mumu
