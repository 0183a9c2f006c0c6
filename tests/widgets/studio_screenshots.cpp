// studio_screenshots.cpp — the README's pictures of the real window: drives MUMU Studio through a session (a prompt
// with reference-image chips, a running queue with live previews, the history with its detail panel) and saves
// each screen. Run under a real X server (xvfb-run) with the shipped model:
//   MUMU_SCREENSHOT_DIR=docs xvfb-run -a -s "-screen 0 1400x900x24" build/tests/widgets/studio_screenshots
// Without MUMU_SCREENSHOT_DIR it only checks the session runs (a ctest with a small random model).
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextEdit>
#include <QtTest>

#include "core/app_settings.h"
#include "core/generation_queue.h"
#include "core/language.h"
#include "core/model_registry.h"
#include "model/io/image_file.h"
#include "model/pipeline/pipeline.h"
#include "training/bootstrap/rng.h"
#include "training/bootstrap/shape_world.h"
#include "widgets/gallery_view.h"
#include "widgets/image_viewer.h"
#include "widgets/main_window.h"
#include "widgets/prompt_composer.h"
#include "widgets/settings_panel.h"

using namespace mumu;

namespace {

// A shape-world object alone, as a reference image (what a user would drop for "this shape").
QString writeObject(const QString& path, training::Shape shape, int colour, training::Style style) {
  training::ShapeObject o;
  o.shape = shape, o.colour = colour, o.radius = 13, o.cx = 16, o.cy = 16, o.fill = training::Fill::Solid;
  o.box = training::objectBox(o);
  training::Scene s;
  s.width = s.height = 32;
  s.objects.push_back(o);
  writeImage(path.toStdString(), training::renderScene(s, style, 1).image);
  return path;
}

QString writeStyleReference(const QString& path, training::Style style) {
  training::ShapeWorldOptions w;
  w.maxObjects = 2;
  training::Rng rng(5);
  writeImage(path.toStdString(), training::renderScene(training::sampleScene(w, rng), style, 3).image);
  return path;
}

}  // namespace

class StudioScreenshots : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void session() {
    const QString shots = qEnvironmentVariable("MUMU_SCREENSHOT_DIR");
    QTemporaryDir dir;
    // The shipped nano model when it is there and pictures are wanted; else a small random one (the ctest).
    QString model;
    const auto shipped = ModelRegistry(dir.filePath("probe.ini")).find(ModelRegistry::kShippedId);
    if (!shots.isEmpty() && shipped && shipped->available) {
      model = shipped->id;
    } else {
      model = dir.filePath("pkg");
      createRandomMumuPackageNamed("small", model.toStdString(), 11);
    }
    AppSettings settings(dir.filePath("s.ini"));
    settings.setDataDir(dir.filePath("data"));
    Language lang;
    QVERIFY(lang.setLanguage(qEnvironmentVariable("MUMU_SCREENSHOT_LANGUAGE", "en")));
    MainWindow w(settings, lang);
    w.resize(1360, 860);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));

    const QString star = writeObject(dir.filePath("red-star.png"), training::Shape::Star, 0, training::Style::Flat);
    const QString inked = writeStyleReference(dir.filePath("inked-style.png"), training::Style::Inked);
    PromptComposer* c = w.composer();
    c->richEditor()->setFocus();
    QTest::keyClicks(c->richEditor(), "a ");
    QCOMPARE(c->insertImageFiles({star}), 1);
    QTest::keyClicks(c->richEditor(), " on a plain background, in the style of ");
    QCOMPARE(c->insertImageFiles({inked}), 1);
    QCOMPARE(int(c->prompt().segments.size()), 4);

    GenerationSettings g = w.settingsPanel()->settings();
    g.modelId = model;
    g.steps = 20, g.seed = 4, g.seedLocked = true, g.batch = 1;
    if (g.modelId != QLatin1String(ModelRegistry::kShippedId)) g.width = g.height = 32;
    w.settingsPanel()->setSettings(g);
    QSignalSpy progress(w.queue(), &GenerationQueue::jobProgress);
    QSignalSpy images(w.queue(), &GenerationQueue::imageFinished);
    QVERIFY(w.generate());
    g.seed = 5;
    w.settingsPanel()->setSettings(g);
    QVERIFY(w.generate());
    g.seed = 6;
    w.settingsPanel()->setSettings(g);
    QVERIFY(w.generate());
    // Mid-run: the first job shows its live preview, the others wait.
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 8 || images.count() >= 1, 120000);
    if (!shots.isEmpty()) QVERIFY(w.grab().save(shots + "/studio-create.png"));
    QTRY_VERIFY_WITH_TIMEOUT(images.count() == 3, 300000);

    // A few more, text only, so the history has a page of variety.
    // (The shipped nano model knows one object on a plain background: what its stage-2 data shows.)
    const char* prompts[] = {"a large red circle on a plain background, in flat style",
                             "a large green triangle on a plain background, in inked style",
                             "a large purple hexagon on a plain background, in flat style"};
    for (const char* p : prompts) {
      c->setPrompt(parsePrompt(p));
      g.seed += 1;
      w.settingsPanel()->setSettings(g);
      QVERIFY(w.generate());
    }
    QTRY_VERIFY_WITH_TIMEOUT(images.count() == 6, 300000);
    if (!shots.isEmpty()) QVERIFY(w.grab().save(shots + "/studio-queue-done.png"));

    w.workspaces()->setCurrentIndex(1);
    w.gallery()->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(w.gallery()->listView()->model()->rowCount() == 6, 10000);
    const QModelIndex last = w.gallery()->listView()->model()->index(5, 0);
    w.gallery()->listView()->setCurrentIndex(last);
    QTest::qWait(1500);  // thumbnails arrive off the GUI thread
    if (!shots.isEmpty()) QVERIFY(w.grab().save(shots + "/studio-history.png"));

    // The viewer on the first generation (the prompt with chips), its star chip's attention overlaid.
    QVERIFY(w.viewGeneration(1));
    QCOMPARE(w.viewer()->segmentCount(), 4);
    w.viewer()->showSegment(1);
    QCOMPARE(w.viewer()->overlaySegment(), 1);
    QTest::qWait(300);
    if (!shots.isEmpty()) QVERIFY(w.grab().save(shots + "/studio-viewer.png"));
  }
};

QTEST_MAIN(StudioScreenshots)
#include "studio_screenshots.moc"
