// mumu-studio — the desktop application.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include "core/app_settings.h"
#include "core/language.h"
#include "model/runtime.h"
#include "mumu_version.h"
#include "widgets/main_window.h"

int main(int argc, char** argv) {
  mumu::ensureFastBlas(argc, argv);  // before any work: may re-exec once
  QApplication app(argc, argv);
  QApplication::setOrganizationName("MUMU");
  QApplication::setOrganizationDomain("mumu.studio");
  QApplication::setApplicationName("MUMU Studio");
  QApplication::setApplicationVersion(MUMU_VERSION_STRING);
  QApplication::setWindowIcon(QIcon(":/icons/mumu-studio.svg"));

  QCommandLineParser cli;
  cli.setApplicationDescription("MUMU Studio: image generation from prompts that mix text and reference images.");
  cli.addHelpOption();
  cli.addVersionOption();
  QCommandLineOption settingsOpt("settings", "Read and write settings in FILE (INI) instead of the user's.", "FILE");
  QCommandLineOption languageOpt("language", "Start in this language (en, ko).", "CODE");
  cli.addOption(settingsOpt);
  cli.addOption(languageOpt);
  cli.process(app);

  mumu::initRuntime();
  auto settings = cli.isSet(settingsOpt) ? std::make_unique<mumu::AppSettings>(cli.value(settingsOpt))
                                         : std::make_unique<mumu::AppSettings>();
  mumu::Language language;
  const QString lang = cli.isSet(languageOpt) ? cli.value(languageOpt) : settings->language();
  if (!language.setLanguage(lang)) {
    qWarning("mumu-studio: unsupported or missing language '%s', using English", qPrintable(lang));
    language.setLanguage("en");
  }

  mumu::MainWindow window(*settings, language);
  window.show();
  return app.exec();
}
