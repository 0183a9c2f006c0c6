// test_generation_queue.cpp — the generation queue and model registry with a small random-weight package: jobs run
// to PNGs with our recipe, cancel (pending and running), retry, reorder, pause, failures shown on the item.
#include <sys/resource.h>

#include <csignal>

#include <QDir>
#include <QDirIterator>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "core/generation_queue.h"
#include "core/model_registry.h"
#include "model/io/image_file.h"
#include "model/io/png_metadata.h"
#include "model/io/safetensors.h"
#include "model/pipeline/pipeline.h"
#include "model/pipeline/recipe.h"

using namespace mumu;

namespace {

constexpr int kTimeout = 60000;  // generous (ctest runs two test processes on two cores); QTRY doubles it once on failure

QStringList pngsUnder(const QString& root) {
  QStringList out;
  QDirIterator it(root, {"*.png"}, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) out << it.next();
  return out;
}

}  // namespace

class TestGenerationQueue : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString package_;

  GenerationSettings smallSettings(int steps = 3) const {
    GenerationSettings s;
    s.modelId = package_;
    s.steps = steps;
    s.seedLocked = true;
    s.seed = 1234;
    return s;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    package_ = tmp_.filePath("small");
    createRandomMumuPackageNamed("small", package_.toStdString(), 7);
    QVERIFY(QFileInfo::exists(package_ + "/mumu.json"));
    // A reference image for prompts.
    Image ref;
    ref.width = ref.height = 24;
    ref.channels = 3;
    ref.pixels.assign(24 * 24 * 3, 200);
    writeImage(tmp_.filePath("ref.png").toStdString(), ref);
  }

  void enqueueRunsToDoneWithRecipe() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QSignalSpy images(&q, &GenerationQueue::imageFinished);
    QSignalSpy progress(&q, &GenerationQueue::jobProgress);
    Prompt p = parsePrompt("a red [img:" + tmp_.filePath("ref.png").toStdString() + ":0.8] square");
    const int id = q.enqueue(p, smallSettings(3));
    QVERIFY(id > 0);
    QCOMPARE(q.rowCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(id)->state, GenerationJob::Done, kTimeout);
    QCOMPARE(progress.count(), 3);
    QCOMPARE(q.job(id)->step, 3);
    QVERIFY(!q.job(id)->preview.isNull());
    QCOMPARE(images.count(), 1);
    const QString path = images[0][1].toString();
    QCOMPARE(images[0][0].toInt(), id);
    QVERIFY(QFileInfo(path).isFile());
    QVERIFY(path.startsWith(QDir(out.path()).filePath(QDate::currentDate().toString("yyyy-MM-dd"))));
    QCOMPARE(pngsUnder(out.path()), QStringList{path});
    QCOMPARE(q.job(id)->images, QStringList{path});

    // The PNG carries our full recipe, and the signal carries the same one.
    const auto rec = readRecipeFromPng(path.toStdString());
    QVERIFY(rec.has_value());
    QCOMPARE(int(rec->origin), int(RecoveredRecipe::Mumu));
    QCOMPARE(rec->recipe.seed, uint64_t(1234));
    QCOMPARE(rec->recipe.steps, 3);
    QCOMPARE(rec->recipe.prompt.imageCount(), 1);
    QVERIFY(!rec->recipe.prompt.segments[1].imageSha256.empty());
    QVERIFY(rec->parameters.find("Seed: 1234") != std::string::npos);
    const Recipe fromSignal = recipeFromJson(images[0][2].toString().toStdString(), "signal");
    QVERIFY(fromSignal == rec->recipe);
    const QImage png(path);
    QCOMPARE(png.width(), rec->recipe.width);

    // The attention record beside it: float32 [segments, h, w].
    const QString att = attentionPathForImage(path);
    QVERIFY(att.endsWith(".attention.safetensors"));
    QVERIFY(QFileInfo(att).isFile());
    const auto tensors = loadSafetensors(att.toStdString());
    const at::Tensor a = tensors.at("attention");
    QCOMPARE(a.dim(), int64_t(3));
    QCOMPARE(a.size(0), int64_t(3));  // "a red ", the image, " square"
    QCOMPARE(a.scalar_type(), at::kFloat);
  }

  void randomSeedIsResolvedAtEnqueue() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    q.setPaused(true);
    GenerationSettings s = smallSettings();
    s.seedLocked = false;
    s.seed = 5;
    const int a = q.enqueue(parsePrompt("x"), s), b = q.enqueue(parsePrompt("x"), s);
    QVERIFY(q.job(a)->settings.seed != q.job(b)->settings.seed);
    QVERIFY(q.job(a)->settings.seed < (quint64(1) << 48));
  }

  void pauseHoldsJobsUntilResumed() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QSignalSpy started(&q, &GenerationQueue::jobStarted);
    q.setPaused(true);
    QVERIFY(q.isPaused());
    const int id = q.enqueue(parsePrompt("paused"), smallSettings());
    QCoreApplication::processEvents();
    QCOMPARE(q.job(id)->state, GenerationJob::Pending);
    QCOMPARE(started.count(), 0);
    QVERIFY(!q.isBusy());
    q.setPaused(false);
    QCOMPARE(started.count(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(id)->state, GenerationJob::Done, kTimeout);
  }

  void cancelPendingJob() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QSignalSpy finished(&q, &GenerationQueue::jobFinished);
    q.setPaused(true);
    const int a = q.enqueue(parsePrompt("first"), smallSettings());
    const int b = q.enqueue(parsePrompt("second"), smallSettings());
    QVERIFY(q.cancel(b));
    QCOMPARE(q.job(b)->state, GenerationJob::Cancelled);
    QVERIFY(!q.cancel(b));  // nothing left to cancel
    q.setPaused(false);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(a)->state, GenerationJob::Done, kTimeout);
    QCOMPARE(q.job(b)->state, GenerationJob::Cancelled);
    QVERIFY(q.job(b)->images.isEmpty());
    QCOMPARE(pngsUnder(out.path()).size(), 1);
  }

  void cancelRunningJobWritesNothing() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QSignalSpy progress(&q, &GenerationQueue::jobProgress);
    QSignalSpy images(&q, &GenerationQueue::imageFinished);
    const int id = q.enqueue(parsePrompt("long"), smallSettings(200));
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 0, kTimeout);
    QCOMPARE(q.job(id)->state, GenerationJob::Running);
    QVERIFY(q.cancel(id));
    QTRY_COMPARE_WITH_TIMEOUT(q.job(id)->state, GenerationJob::Cancelled, kTimeout);
    QVERIFY(q.job(id)->step < 200);
    QCOMPARE(images.count(), 0);
    QVERIFY(pngsUnder(out.path()).isEmpty());
    QVERIFY(!q.isBusy());
  }

  void cancelAllStopsEverything() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QSignalSpy progress(&q, &GenerationQueue::jobProgress);
    const int a = q.enqueue(parsePrompt("a"), smallSettings(200));
    const int b = q.enqueue(parsePrompt("b"), smallSettings());
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 0, kTimeout);
    q.cancelAll();
    QCOMPARE(q.job(b)->state, GenerationJob::Cancelled);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(a)->state, GenerationJob::Cancelled, kTimeout);
    QVERIFY(pngsUnder(out.path()).isEmpty());
  }

  void retryRunsACancelledJobAgain() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    q.setPaused(true);
    const int a = q.enqueue(parsePrompt("retry me"), smallSettings());
    const int b = q.enqueue(parsePrompt("other"), smallSettings());
    QVERIFY(!q.retry(a));  // pending: nothing to retry
    QVERIFY(q.cancel(a));
    QVERIFY(q.retry(a));
    QCOMPARE(q.job(a)->state, GenerationJob::Pending);
    QCOMPARE(q.rowOf(a), 1);  // back at the end of the queue
    QCOMPARE(q.rowOf(b), 0);
    QCOMPARE(q.job(a)->settings.seed, quint64(1234));  // same seed
    q.setPaused(false);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(a)->state, GenerationJob::Done, kTimeout);
    QCOMPARE(q.job(a)->images.size(), 1);
  }

  void reorderDecidesWhatRunsFirst() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QSignalSpy started(&q, &GenerationQueue::jobStarted);
    q.setPaused(true);
    const int a = q.enqueue(parsePrompt("a"), smallSettings());
    const int b = q.enqueue(parsePrompt("b"), smallSettings());
    const int c = q.enqueue(parsePrompt("c"), smallSettings());
    QVERIFY(q.move(c, 0));
    QCOMPARE(q.rowOf(c), 0);
    QCOMPARE(q.rowOf(a), 1);
    QVERIFY(q.moveDown(a));
    QCOMPARE(q.rowOf(a), 2);
    QCOMPARE(q.rowOf(b), 1);
    QVERIFY(!q.moveDown(a));  // already last
    QVERIFY(q.moveUp(b));     // b, c, a
    QCOMPARE(q.index(0).data(GenerationQueue::IdRole).toInt(), b);
    QCOMPARE(q.index(1).data(GenerationQueue::IdRole).toInt(), c);
    // Drag and drop in a view: a's row dropped before row 1 → b, a, c.
    std::unique_ptr<QMimeData> drag(q.mimeData({q.index(q.rowOf(a))}));
    QVERIFY(q.dropMimeData(drag.get(), Qt::MoveAction, 1, 0, QModelIndex()));
    QCOMPARE(q.rowOf(b), 0);
    QCOMPARE(q.rowOf(a), 1);
    QCOMPARE(q.rowOf(c), 2);
    q.setPaused(false);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(c)->state, GenerationJob::Done, kTimeout);
    QCOMPARE(started.count(), 3);
    QCOMPARE(started[0][0].toInt(), b);
    QCOMPARE(started[1][0].toInt(), a);
    QCOMPARE(started[2][0].toInt(), c);
    QVERIFY(!q.move(a, 2));  // finished jobs stay where they are
  }

  void badModelPathFailsTheItem() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    GenerationSettings s = smallSettings();
    s.modelId = tmp_.filePath("no-such-package");
    const int id = q.enqueue(parsePrompt("x"), s);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(id)->state, GenerationJob::Failed, kTimeout);
    QVERIFY2(q.job(id)->error.contains("no-such-package"), qPrintable(q.job(id)->error));
    QVERIFY(q.index(0).data(GenerationQueue::StateTextRole).toString().contains(q.job(id)->error));
    // The queue goes on with the next job.
    const int ok = q.enqueue(parsePrompt("x"), smallSettings());
    QTRY_COMPARE_WITH_TIMEOUT(q.job(ok)->state, GenerationJob::Done, kTimeout);
  }

  // A full disk, simulated with a file-size limit (writes past it fail with EFBIG, as with ENOSPC): the item fails
  // with a message, no PNG or temporary file is left, and the next job (with room again) succeeds.
  void fullDiskFailsTheItemAndLeavesNothing() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    q.preload(package_);  // the model loads before the limit
    const int warm = q.enqueue(parsePrompt("x"), smallSettings());
    QTRY_COMPARE_WITH_TIMEOUT(q.job(warm)->state, GenerationJob::Done, kTimeout);
    const QStringList before = pngsUnder(out.path());
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit tight = old;
    tight.rlim_cur = 256;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &tight), 0);
    const int id = q.enqueue(parsePrompt("x"), smallSettings());
    QTRY_VERIFY_WITH_TIMEOUT(q.job(id)->state != GenerationJob::Pending && q.job(id)->state != GenerationJob::Running,
                             kTimeout);
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &old), 0);
    QCOMPARE(q.job(id)->state, GenerationJob::Failed);
    QVERIFY2(q.job(id)->error.contains("disk full"), qPrintable(q.job(id)->error));
    qInfo("full disk message: %s", qPrintable(q.job(id)->error));
    QCOMPARE(pngsUnder(out.path()), before);
    QDirIterator it(out.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    int files = 0;
    while (it.hasNext()) it.next(), ++files;
    QCOMPARE(files, 2 * before.size());  // each earlier PNG and its attention record, nothing half-written
    const int again = q.enqueue(parsePrompt("x"), smallSettings());
    QTRY_COMPARE_WITH_TIMEOUT(q.job(again)->state, GenerationJob::Done, kTimeout);
  }

  // Preloading is a hint: a good model is ready for the first job, a bad one fails that job with its message.
  void preloadThenGenerate() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    q.preload(tmp_.filePath("no-such-package"));
    GenerationSettings bad = smallSettings();
    bad.modelId = tmp_.filePath("no-such-package");
    const int a = q.enqueue(parsePrompt("x"), bad);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(a)->state, GenerationJob::Failed, kTimeout);
    QVERIFY2(q.job(a)->error.contains("no-such-package"), qPrintable(q.job(a)->error));
    q.preload(package_);
    const int b = q.enqueue(parsePrompt("x"), smallSettings());
    QTRY_COMPARE_WITH_TIMEOUT(q.job(b)->state, GenerationJob::Done, kTimeout);
  }

  void badRequestAndMissingReferenceFailTheItem() {
    QTemporaryDir out;
    GenerationQueue q(out.path());
    GenerationSettings s = smallSettings();
    s.sampler = "no_such_sampler";  // the pipeline refuses it
    const int a = q.enqueue(parsePrompt("x"), s);
    const int b = q.enqueue(parsePrompt("[img:" + tmp_.filePath("gone.png").toStdString() + "] x"), smallSettings());
    QTRY_COMPARE_WITH_TIMEOUT(q.job(b)->state, GenerationJob::Failed, kTimeout);
    QCOMPARE(q.job(a)->state, GenerationJob::Failed);
    QVERIFY2(q.job(a)->error.contains("no_such_sampler"), qPrintable(q.job(a)->error));
    QVERIFY2(q.job(b)->error.contains("gone.png"), qPrintable(q.job(b)->error));
    QVERIFY(pngsUnder(out.path()).isEmpty());
  }

  void unwritableOutputFailsWithMessage() {
    QTemporaryDir out;
    const QString blocker = out.filePath("not-a-folder");
    QFile f(blocker);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    GenerationQueue q(blocker);  // the output root is a file: no folder can be made under it
    const int id = q.enqueue(parsePrompt("x"), smallSettings());
    QTRY_COMPARE_WITH_TIMEOUT(q.job(id)->state, GenerationJob::Failed, kTimeout);
    QVERIFY2(q.job(id)->error.contains("cannot create"), qPrintable(q.job(id)->error));
  }

  void destroyingTheQueueStopsARunningJob() {
    QTemporaryDir out;
    auto* q = new GenerationQueue(out.path());
    QSignalSpy progress(q, &GenerationQueue::jobProgress);
    q->enqueue(parsePrompt("long"), smallSettings(200));
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 0, kTimeout);
    delete q;  // returns within a step; nothing written
    QVERIFY(pngsUnder(out.path()).isEmpty());
  }

  void registryImportsPackagesAndKeepsPresets() {
    QTemporaryDir dir;
    const QString ini = dir.filePath("s.ini");
    QString id;
    {
      ModelRegistry r(ini);
      QSignalSpy changed(&r, &ModelRegistry::modelsChanged);
      QVERIFY(r.models().size() >= 1);
      const ModelEntry nano = r.models().first();
      QCOMPARE(nano.id, QString(ModelRegistry::kShippedId));
      QVERIFY(nano.available || !nano.problem.isEmpty());  // the nano model may not be installed yet
      QString error;
      QVERIFY(r.importPackage(dir.path(), &error).isEmpty());  // no mumu.json
      QVERIFY(error.contains("mumu.json"));
      id = r.importPackage(package_, &error);
      QVERIFY2(!id.isEmpty(), qPrintable(error));
      QCOMPARE(changed.count(), 1);
      const auto e = r.find(id);
      QVERIFY(e && e->available);
      QCOMPARE(e->name, QString("small"));
      QVERIFY(e->defaults.steps > 0);
      QVERIFY(e->defaults.width % 8 == 0 && e->defaults.width > 0);
      r.savePreset(id, {"fast", "euler", 4, 3.5, 64, 32});
      r.savePreset(id, {"fast", "ddim", 5, 3.5, 64, 32});  // same name replaces
      r.savePreset(id, {"slow", "ddim", 50, 6, 32, 32});
      QVERIFY(!r.addSdxlIdefics2(dir.filePath("none.safetensors"), dir.path(), &error).size());
      QVERIFY(error.contains("none.safetensors"));
    }
    ModelRegistry r(ini);
    QVERIFY(r.find(id).has_value());
    const auto presets = r.presets(id);
    QCOMPARE(presets.size(), 2);
    QCOMPARE(presets[0], (ModelPreset{"fast", "ddim", 5, 3.5, 64, 32}));
    QVERIFY(r.removePreset(id, "slow"));
    QCOMPARE(r.presets(id).size(), 1);
    QVERIFY(r.remove(id));
    QVERIFY(!r.find(id));
    QVERIFY(!r.remove(ModelRegistry::kShippedId));  // the shipped model stays
  }

  void queueResolvesRegistryIds() {
    QTemporaryDir dir, out;
    ModelRegistry r(dir.filePath("s.ini"));
    const QString id = r.importPackage(package_);
    QVERIFY(!id.isEmpty());
    GenerationQueue q(out.path(), &r);
    GenerationSettings s = smallSettings();
    s.modelId = id;
    const int job = q.enqueue(parsePrompt("x"), s);
    QCOMPARE(q.job(job)->modelName, QString("small"));
    QTRY_COMPARE_WITH_TIMEOUT(q.job(job)->state, GenerationJob::Done, kTimeout);
  }

  void settingsJsonRoundTrip() {
    GenerationSettings s = smallSettings();
    s.seed = (quint64(1) << 60) + 3;  // beyond a double's exact range
    s.negative = "blurry";
    s.width = 64;
    s.height = 32;
    s.batch = 2;
    s.sampler = "euler_a";
    s.device = "cpu";
    s.dtype = "bfloat16";
    QCOMPARE(settingsFromJson(settingsToJson(s)), s);
    QVERIFY(availableSamplers().contains("ddim"));
    // Settings saved before the device choice existed load as "auto" in the device's best precision.
    QJsonObject old = settingsToJson(s);
    old.remove("device");
    old.remove("dtype");
    QCOMPARE(settingsFromJson(old).device, QString("auto"));
    QCOMPARE(settingsFromJson(old).dtype, QString());
    old["dtype"] = "float64";  // not a precision the model runs in
    QCOMPARE(settingsFromJson(old).dtype, QString());
  }

  // The device list the settings panel offers: automatic first, then the CPU, then each GPU with its memory.
  void devicesListTheCpu() {
    const QList<DeviceChoice> d = availableDevices();
    QVERIFY(d.size() >= 2);
    QCOMPARE(d[0].id, QString("auto"));
    QCOMPARE(d[1].id, QString("cpu"));
    QVERIFY(d[1].label.contains("CPU"));
    for (int i = 2; i < d.size(); ++i) QVERIFY(d[i].label.contains("GiB"));
  }

  // A job in another precision loads the model again in it, and the recipe records what ran.
  void jobsRunInTheChosenPrecision() {
    GenerationQueue q(tmp_.path());
    GenerationSettings s = smallSettings();
    s.device = "cpu";
    s.dtype = "bfloat16";
    QSignalSpy images(&q, &GenerationQueue::imageFinished);
    const int job = q.enqueue(parsePrompt("x"), s);
    QTRY_COMPARE_WITH_TIMEOUT(q.job(job)->state, GenerationJob::Done, kTimeout);
    QCOMPARE(images.size(), 1);
    const Recipe r = recipeFromJson(images[0][2].toString().toStdString());
    QCOMPARE(QString::fromStdString(r.deviceType), QString("cpu"));
    QCOMPARE(QString::fromStdString(r.dtype), QString("bfloat16"));
  }
};

QTEST_GUILESS_MAIN(TestGenerationQueue)
#include "test_generation_queue.moc"
