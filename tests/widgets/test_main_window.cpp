#include <QAction>
#include <QMenuBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "core/app_settings.h"
#include "core/language.h"
#include "widgets/main_window.h"
#include "widgets/placeholder_panel.h"

class TestMainWindow : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everyAreaExists() {
    QTemporaryDir dir;
    mumu::AppSettings settings(dir.filePath("s.ini"));
    mumu::Language lang;
    QVERIFY(lang.setLanguage("en"));
    mumu::MainWindow w(settings, lang);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    for (const char* name : {"composerArea", "queueArea", "settingsPanel", "galleryArea", "trainingWorkspace"}) {
      auto* area = w.findChild<QWidget*>(name);
      QVERIFY2(area, name);
    }
    QCOMPARE(w.workspaces()->count(), 3);
    QVERIFY(w.findChild<QAction*>("aboutAction"));
    QVERIFY(w.findChild<QAction*>("language_ko"));
    QCOMPARE(w.windowTitle(), QString("MUMU Studio"));
    QVERIFY2(!w.windowIcon().isNull() && !w.windowIcon().pixmap(32, 32).isNull(), "the icon resource is linked in");
  }

  void languageSwitchChangesVisibleStrings() {
    QTemporaryDir dir;
    mumu::AppSettings settings(dir.filePath("s.ini"));
    mumu::Language lang;
    QVERIFY(lang.setLanguage("en"));
    mumu::MainWindow w(settings, lang);
    w.show();
    QCOMPARE(w.workspaces()->tabText(0), QString("Create"));
    auto* ko = w.findChild<QAction*>("language_ko");
    ko->trigger();
    QCOMPARE(lang.current(), QString("ko"));
    // QEvent::LanguageChange is posted, so the widgets retranslate on the next event-loop turn.
    QTRY_COMPARE(w.workspaces()->tabText(0), QString::fromUtf8("만들기"));
    QCOMPARE(w.menuBar()->actions().first()->text(), QString::fromUtf8("파일(&F)"));
    QCOMPARE(settings.language(), QString("ko"));  // the choice is remembered
    w.findChild<QAction*>("language_en")->trigger();
    QTRY_COMPARE(w.workspaces()->tabText(0), QString("Create"));
  }

  void layoutIsRestoredOnNextStart() {
    QTemporaryDir dir;
    mumu::AppSettings settings(dir.filePath("s.ini"));
    mumu::Language lang;
    {
      mumu::MainWindow w(settings, lang);
      w.show();
      w.workspaces()->setCurrentIndex(2);
      w.close();
    }
    mumu::AppSettings reread(dir.filePath("s.ini"));
    mumu::MainWindow w2(reread, lang);
    QCOMPARE(w2.workspaces()->currentIndex(), 2);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
