// test_queue_view.cpp — the queue view shows jobs with live progress and its buttons act on the selected job; the
// settings panel round-trips GenerationSettings and per-model presets.
#include <QAction>
#include <QComboBox>
#include <QListView>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "core/generation_queue.h"
#include "core/model_registry.h"
#include "model/pipeline/pipeline.h"
#include "widgets/queue_view.h"
#include "widgets/settings_panel.h"

using namespace mumu;

namespace {
constexpr int kTimeout = 60000;  // generous (ctest runs two test processes on two cores); QTRY doubles it once on failure
}

class TestQueueView : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString package_;

  GenerationSettings smallSettings(int steps = 3) const {
    GenerationSettings s;
    s.modelId = package_;
    s.steps = steps;
    s.seedLocked = true;
    s.seed = 99;
    return s;
  }

 private Q_SLOTS:
  void initTestCase() {
    package_ = tmp_.filePath("small");
    createRandomMumuPackageNamed("small", package_.toStdString(), 3);
  }

  void viewShowsItemsAndProgress() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QueueView view(&q);
    view.resize(500, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy progress(&q, &GenerationQueue::jobProgress);
    const int id = q.enqueue(parsePrompt("a blue circle"), smallSettings(4));
    QCOMPARE(view.listView()->model()->rowCount(), 1);
    QCOMPARE(view.listView()->model()->index(0, 0).data(GenerationQueue::PromptTextRole).toString(),
             QString("a blue circle"));
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 0, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(id)->state, GenerationJob::Done, kTimeout);
    const QModelIndex i = q.index(0);
    QCOMPARE(i.data(GenerationQueue::StepRole).toInt(), 4);
    QCOMPARE(i.data(GenerationQueue::TotalRole).toInt(), 4);
    QVERIFY(!i.data(GenerationQueue::PreviewRole).value<QImage>().isNull());
    QCOMPARE(i.data(GenerationQueue::StateTextRole).toString(), QString("Done"));
    // The row paints (preview, progress bar, texts) without trouble.
    const QImage shot = view.grab().toImage();
    QVERIFY(!shot.isNull());
    QVERIFY(view.listView()->visualRect(i).height() >= 64);
  }

  void cancelButtonCancelsTheSelectedJob() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QueueView view(&q);
    view.show();
    auto* pause = view.findChild<QToolButton*>("pauseButton");
    auto* cancel = view.findChild<QToolButton*>("cancelButton");
    auto* retry = view.findChild<QToolButton*>("retryButton");
    auto* up = view.findChild<QToolButton*>("moveUpButton");
    QVERIFY(pause && cancel && retry && up);
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(q.isPaused());
    const int a = q.enqueue(parsePrompt("a"), smallSettings());
    const int b = q.enqueue(parsePrompt("b"), smallSettings());
    view.setCurrentJob(b);
    QCOMPARE(view.currentJobId(), b);
    QVERIFY(cancel->isEnabled());
    QVERIFY(up->isEnabled());
    QVERIFY(!retry->isEnabled());
    QTest::mouseClick(up, Qt::LeftButton);
    QCOMPARE(q.rowOf(b), 0);
    QCOMPARE(view.currentJobId(), b);  // the selection follows the job
    QTest::mouseClick(cancel, Qt::LeftButton);
    QCOMPARE(q.job(b)->state, GenerationJob::Cancelled);
    QVERIFY(!cancel->isEnabled());
    QVERIFY(retry->isEnabled());
    QCOMPARE(q.job(a)->state, GenerationJob::Pending);
    // Cancel all, then resume: nothing runs.
    view.cancelAllAction()->trigger();
    QCOMPARE(q.job(a)->state, GenerationJob::Cancelled);
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(!q.isPaused());
    QVERIFY(!q.isBusy());
  }

  void settingsPanelRoundTrip() {
    QTemporaryDir dir;
    ModelRegistry r(dir.filePath("s.ini"));
    const QString id = r.importPackage(package_);
    QVERIFY(!id.isEmpty());
    SettingsPanel panel(&r);
    panel.show();
    GenerationSettings s;
    s.modelId = id;
    s.sampler = "euler_a";
    s.steps = 17;
    s.cfg = 4.5;
    s.seedLocked = true;
    s.seed = (quint64(1) << 47) + 11;
    s.width = 64;
    s.height = 40;
    s.batch = 3;
    s.negative = "blurry, [img:/tmp/x.png]";
    panel.setSettings(s);
    QCOMPARE(panel.settings(), s);

    // Sizes snap to multiples of 8; a random seed unlocks.
    s.width = 1001;
    s.seedLocked = false;
    panel.setSettings(s);
    QCOMPARE(panel.settings().width, 1000);
    QVERIFY(!panel.settings().seedLocked);
    QCOMPARE(SettingsPanel::snapSize(3), 8);
    QCOMPARE(SettingsPanel::snapSize(9999), 8192);

    // Presets per model: save, change, apply back; "Default" is the package's own settings.
    panel.savePreset("mine");
    QVERIFY(panel.presetNames().contains("mine"));
    QCOMPARE(r.presets(id).size(), 1);
    panel.findChild<QSpinBox*>("stepsSpin")->setValue(5);
    QVERIFY(panel.applyPreset("mine"));
    QCOMPARE(panel.settings().steps, 17);
    QVERIFY(panel.applyPreset("Default"));
    QCOMPARE(panel.settings().steps, r.find(id)->defaults.steps);
    QVERIFY(!panel.applyPreset("nope"));

    // An unknown model id (e.g. from an old recipe) is kept, not silently replaced.
    s.modelId = "/somewhere/else";
    s.width = 64;
    panel.setSettings(s);
    QCOMPARE(panel.settings().modelId, QString("/somewhere/else"));
    auto* combo = panel.findChild<QComboBox*>("modelCombo");
    QVERIFY(combo && combo->count() >= 3);  // nano (maybe unavailable), the package, the unknown id
  }
};

QTEST_MAIN(TestQueueView)
#include "test_queue_view.moc"
