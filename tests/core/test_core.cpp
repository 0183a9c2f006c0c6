#include <QCoreApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "core/app_settings.h"
#include "core/language.h"

class TestCore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void settingsPersistAcrossInstances() {
    QTemporaryDir dir;
    const QString ini = dir.filePath("studio.ini");
    {
      mumu::AppSettings s(ini);
      s.setLanguage("ko");
      s.setCurrentWorkspace(2);
      s.setSplitterState("create", QByteArray("\x01\x02", 2));
      s.setModelPath("/models/nano");
      s.sync();
    }
    mumu::AppSettings s(ini);
    QCOMPARE(s.language(), QString("ko"));
    QCOMPARE(s.currentWorkspace(), 2);
    QCOMPARE(s.splitterState("create"), QByteArray("\x01\x02", 2));
    QCOMPARE(s.modelPath(), QString("/models/nano"));
  }

  void unsupportedLanguageIsNotStored() {
    QTemporaryDir dir;
    mumu::AppSettings s(dir.filePath("s.ini"));
    s.setLanguage("ko");
    s.setLanguage("xx");
    QCOMPARE(s.language(), QString("ko"));
  }

  void languageSwitchTranslates() {
    mumu::Language lang;
    QSignalSpy spy(&lang, &mumu::Language::languageChanged);
    QVERIFY(lang.setLanguage("ko"));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(lang.current(), QString("ko"));
    // A string every translation must carry: the main window's title.
    QCOMPARE(QCoreApplication::translate("mumu::MainWindow", "Create"), QString::fromUtf8("만들기"));
    QVERIFY(lang.setLanguage("en"));
    QCOMPARE(QCoreApplication::translate("mumu::MainWindow", "Create"), QString("Create"));
    QVERIFY(!lang.setLanguage("xx"));
    QCOMPARE(lang.current(), QString("en"));
  }
};

QTEST_GUILESS_MAIN(TestCore)
#include "test_core.moc"
