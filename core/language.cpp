#include "language.h"

#include <QCoreApplication>

namespace mumu {

Language::Language(QObject* parent) : QObject(parent) {}

Language::~Language() {
  if (translator_) QCoreApplication::removeTranslator(translator_.get());
}

QStringList Language::supported() { return {QStringLiteral("en"), QStringLiteral("ko")}; }

bool Language::isSupported(const QString& code) { return supported().contains(code); }

QString Language::nativeName(const QString& code) {
  if (code == QLatin1String("ko")) return QStringLiteral("한국어");
  return QStringLiteral("English");
}

bool Language::setLanguage(const QString& code) {
  if (!isSupported(code)) return false;
  auto next = std::make_unique<QTranslator>();
  // English is the source language, but its .qm exists too (plural forms), so both load the same way.
  if (!next->load(QStringLiteral(":/i18n/mumu_%1.qm").arg(code))) return false;
  if (translator_) QCoreApplication::removeTranslator(translator_.get());
  translator_ = std::move(next);
  QCoreApplication::installTranslator(translator_.get());
  const bool changed = code != current_;
  current_ = code;
  if (changed) Q_EMIT languageChanged(code);
  return true;
}

}  // namespace mumu
