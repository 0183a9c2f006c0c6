#include <QAction>
#include <QMenuBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTextEdit>

#include "core/app_settings.h"
#include "core/generation_queue.h"
#include "core/history_db.h"
#include "core/language.h"
#include "model/pipeline/pipeline.h"  // the test makes a small random-weight package
#include "model/pipeline/recipe.h"
#include "widgets/gallery_view.h"
#include "widgets/image_viewer.h"
#include "widgets/main_window.h"
#include "widgets/placeholder_panel.h"
#include "widgets/prompt_composer.h"
#include "widgets/settings_panel.h"

class TestMainWindow : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everyAreaExists() {
    QTemporaryDir dir;
    mumu::AppSettings settings(dir.filePath("s.ini"));
    settings.setDataDir(dir.filePath("data"));
    mumu::Language lang;
    QVERIFY(lang.setLanguage("en"));
    mumu::MainWindow w(settings, lang);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    for (const char* name : {"composerArea", "queueArea", "settingsPanel", "galleryArea", "trainingWorkspace"}) {
      auto* area = w.findChild<QWidget*>(name);
      QVERIFY2(area, name);
    }
    QCOMPARE(w.workspaces()->count(), 4);
    QVERIFY(w.findChild<QAction*>("aboutAction"));
    QVERIFY(w.findChild<QAction*>("language_ko"));
    QCOMPARE(w.windowTitle(), QString("MUMU Studio"));
    QVERIFY2(!w.windowIcon().isNull() && !w.windowIcon().pixmap(32, 32).isNull(), "the icon resource is linked in");
  }

  void languageSwitchChangesVisibleStrings() {
    QTemporaryDir dir;
    mumu::AppSettings settings(dir.filePath("s.ini"));
    settings.setDataDir(dir.filePath("data"));
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
    // Every panel, not only the window's own strings (contexts are namespaced: mumu::GalleryView, …).
    QCOMPARE(w.findChild<QPushButton*>("generateButton")->text(), QString::fromUtf8("생성"));
    QCOMPARE(w.findChild<QLineEdit*>("gallerySearch")->placeholderText(), QString::fromUtf8("프롬프트 검색…"));
    w.findChild<QAction*>("language_en")->trigger();
    QTRY_COMPARE(w.workspaces()->tabText(0), QString("Create"));
  }

  void layoutIsRestoredOnNextStart() {
    QTemporaryDir dir;
    mumu::AppSettings settings(dir.filePath("s.ini"));
    settings.setDataDir(dir.filePath("data"));
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

  void generateSearchAndReuse();
};

// The whole Create → History loop through the real window: a prompt with a dropped reference image is generated
// by a small random-weight model, lands in the history with its recipe, is found by search, and Reuse puts text
// and image back into an emptied composer.
void TestMainWindow::generateSearchAndReuse() {
  QTemporaryDir dir;
  const QString pkg = dir.filePath("pkg");
  mumu::createRandomMumuPackageNamed("small", pkg.toStdString(), 3);
  QImage ref(24, 24, QImage::Format_RGB888);
  ref.fill(QColor(200, 30, 30));
  QVERIFY(ref.save(dir.filePath("ball.png")));
  mumu::AppSettings settings(dir.filePath("s.ini"));
  settings.setDataDir(dir.filePath("data"));
  mumu::Language lang;
  QVERIFY(lang.setLanguage("en"));
  mumu::MainWindow w(settings, lang);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));

  QVERIFY(!w.generate());  // nothing to generate yet
  w.composer()->richEditor()->setFocus();
  QTest::keyClicks(w.composer()->richEditor(), "a ");
  QCOMPARE(w.composer()->insertImageFiles({dir.filePath("ball.png")}), 1);
  QTest::keyClicks(w.composer()->richEditor(), " red ball");
  const mumu::Prompt prompt = w.composer()->prompt();
  QCOMPARE(int(prompt.segments.size()), 3);
  QVERIFY(prompt.segments[1].isImage());

  mumu::GenerationSettings g = w.settingsPanel()->settings();
  g.modelId = pkg;  // an id the registry does not know is a package folder
  g.steps = 2, g.seed = 77, g.seedLocked = true, g.width = 32, g.height = 32, g.batch = 1;
  w.settingsPanel()->setSettings(g);
  QSignalSpy finished(w.queue(), &mumu::GenerationQueue::imageFinished);
  w.findChild<QPushButton*>("generateButton")->click();
  QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);

  // The history row carries the full recipe, with the reference image by hash.
  mumu::HistoryQuery q;
  q.text = "ball";
  QTRY_COMPARE(w.history()->count(q), 1);
  const QList<mumu::HistoryRow> rows = w.history()->search(q);
  const auto recipe = w.history()->recipe(rows.at(0).id);
  QVERIFY(recipe.has_value());
  QCOMPARE(recipe->seed, quint64(77));
  QCOMPARE(recipe->steps, 2);
  QCOMPARE(int(recipe->prompt.segments.size()), 3);
  QVERIFY(!recipe->prompt.segments[1].imageSha256.empty());

  // Reuse: the composer gets text and image back.
  w.composer()->setPrompt(mumu::Prompt{});
  QVERIFY(w.composer()->prompt().segments.empty());
  w.restoreRecipe(*recipe);
  const mumu::Prompt back = w.composer()->prompt();
  QCOMPARE(int(back.segments.size()), 3);
  QCOMPARE(back.segments[0].text, std::string("a "));
  QVERIFY(back.segments[1].isImage());
  QVERIFY(QFileInfo::exists(QString::fromStdString(back.segments[1].imagePath)));
  QCOMPARE(w.settingsPanel()->settings().seed, quint64(77));
  QCOMPARE(w.workspaces()->currentIndex(), 0);

  // The viewer opens the history item with its attention record (one map per prompt segment).
  QVERIFY(w.viewGeneration(rows.at(0).id));
  QCOMPARE(w.workspaces()->currentIndex(), 2);
  QVERIFY(!w.viewGeneration(999999));
}

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
