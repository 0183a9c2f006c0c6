// generation_queue.cpp — the job list (GUI thread) and the worker (its own thread, owns the model). They talk only
// through queued calls: the list posts a job description to the worker; the worker posts progress, previews, written
// images and the outcome back. Errors of any kind end as a failed job with the message, never as a crash.
#include "core/generation_queue.h"

#include <QCoreApplication>
#include <QDate>
#include <QDir>
#include <QFileInfo>
#include <QMimeData>
#include <QThread>
#include <QTime>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <exception>
#include <filesystem>

#include "core/model_registry.h"
#include "model/error.h"
#include "model/io/png_metadata.h"
#include "model/io/safetensors.h"
#include "model/pipeline/generation_io.h"
#include "model/device.h"
#include "model/pipeline/pipeline.h"
#include "model/pipeline/recipe.h"

namespace mumu {

namespace {

const char* kJobMime = "application/x-mumu-queue-job";

// Everything the worker needs, copied: the worker never touches the job list.
struct JobSpec {
  int id = 0;
  Prompt prompt;
  std::string negative;
  std::string modelDir;
  std::string device = "auto", dtype;  // what the model is loaded on / in
  std::string modelProblem;  // non-empty: fail with this instead of loading
  std::string sampler;
  int steps = 0, width = 0, height = 0, batch = 1;
  double cfg = 0;
  uint64_t seed = 0;
  QString outputRoot;
  std::shared_ptr<std::atomic<bool>> cancel;
};

QString fromStd(const std::string& s) {
  return QString::fromStdString(s);
}

}  // namespace

QImage toQImage(const Image& image) {
  if (image.empty() || image.pixels.size() != size_t(image.width) * image.height * image.channels) return QImage();
  QImage::Format f = image.channels == 1   ? QImage::Format_Grayscale8
                     : image.channels == 3 ? QImage::Format_RGB888
                     : image.channels == 4 ? QImage::Format_RGBA8888
                                           : QImage::Format_Invalid;
  if (f == QImage::Format_Invalid) return QImage();
  return QImage(image.pixels.data(), image.width, image.height, image.width * image.channels, f).copy();
}

QString attentionPathForImage(const QString& pngPath) {
  const QFileInfo fi(pngPath);
  return fi.dir().filePath(fi.completeBaseName() + ".attention.safetensors");
}

// ---- worker (runs in the queue's thread) -----------------------------------------------------------------------

class GenerationWorker : public QObject {
 public:
  explicit GenerationWorker(GenerationQueue* queue) : queue_(queue) {}

  void run(const JobSpec& job) {
    try {
      runJob(job);
    } catch (const std::exception& e) {
      finish(job.id, GenerationJob::Failed, fromStd(e.what()));
    } catch (...) {
      finish(job.id, GenerationJob::Failed, QCoreApplication::translate("mumu::GenerationQueue", "Unknown error"));
    }
  }

  // Loads `dir` ahead of the first job (the Studio opens ready to generate). A failure is not reported here: the
  // first job that needs the model reports it on its item.
  void preload(const std::string& dir, const std::string& device, const std::string& dtype) {
    try {
      ensureModel(dir, device, dtype);
    } catch (...) {
      model_.reset();
      modelDir_.clear();
    }
  }

  // Lower this thread's (and its OpenMP team's, created from it) scheduling priority a little, so the GUI thread
  // wins the cores when both want them: the event loop stays smooth while a generation runs.
  void lowerPriority() {
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 5);
  }

 private:
  void ensureModel(const std::string& dir, const std::string& device, const std::string& dtype) {
    // Compared as resolved ("auto" is cuda:0 or the CPU, "" is the device's dtype): Reuse of an image made here
    // must not reload a model that is already loaded where the recipe asks.
    const c10::Device d = parseDevice(device);
    const std::string key = d.str() + " " + dtypeName(parseDtype(dtype, d));
    if (model_ && modelDir_ == dir && loadedOn_ == key) return;
    model_.reset();  // free the old model before loading the next
    modelDir_.clear();
    model_ = openMumuPackage(dir, device, dtype);
    modelDir_ = dir, loadedOn_ = key;
    info_ = describeMumuModel(*model_);
  }

  void runJob(const JobSpec& job) {
    if (!job.modelProblem.empty()) fail("", job.modelProblem);
    if (job.modelDir.empty()) fail("", "no model selected");
    ensureModel(job.modelDir, job.device, job.dtype);
    if (job.cancel->load()) return finish(job.id, GenerationJob::Cancelled, {});

    Prompt prompt = job.prompt;
    hashPromptImages(prompt, "prompt");  // checks every reference image too
    GenerationRequest req;
    req.prompt = generationSegments(prompt, "prompt");
    if (!job.negative.empty())
      req.negative = generationSegments(resolveImagePaths(parsePromptAny(job.negative, "negative"), ""), "negative");
    req.sampler = job.sampler;
    req.steps = job.steps;
    if (job.cfg > 0) req.cfg = job.cfg;
    req.width = job.width;
    req.height = job.height;
    req.batch = job.batch;
    req.seed = job.seed;
    req.previews = true;
    req.recordAttention = true;

    const int id = job.id;
    GenerationResult out = generate(
        *model_, req,
        [this, id](const GenerationProgress& p) {
          QImage preview = p.previews.empty() ? QImage() : toQImage(p.previews.front());
          GenerationQueue* q = queue_;
          QMetaObject::invokeMethod(
              q, [q, id, step = p.step, total = p.total, preview] { q->onProgress(id, step, total, preview); },
              Qt::QueuedConnection);
          return true;
        },
        job.cancel.get());
    if (out.cancelled || job.cancel->load()) return finish(id, GenerationJob::Cancelled, {});

    // <root>/YYYY-MM-DD/HHMMSS-<seed>[-<index>].png, never over an existing file.
    const QDateTime now = QDateTime::currentDateTime();
    const QDir day(QDir(job.outputRoot).filePath(now.date().toString(QStringLiteral("yyyy-MM-dd"))));
    if (!day.mkpath(QStringLiteral(".")))
      fail(day.path().toStdString(), "cannot create the output folder (is the disk full or read-only?)");
    for (size_t i = 0; i < out.images.size(); ++i) {
      if (job.cancel->load()) return finish(id, GenerationJob::Cancelled, {});
      const QString base = now.time().toString(QStringLiteral("HHmmss")) + "-" + QString::number(out.seeds[i]) +
                           (out.images.size() > 1 ? "-" + QString::number(i) : QString());
      QString path = day.filePath(base + ".png");
      for (int n = 2; QFileInfo::exists(path) || QFileInfo::exists(attentionPathForImage(path)); ++n)
        path = day.filePath(base + "_" + QString::number(n) + ".png");
      const Recipe recipe = recipeForImage(prompt, job.negative, out, i, info_);
      try {
        writePngWithRecipe(path.toStdString(), out.images[i], recipe);
        if (out.attention.defined()) {
          const at::Tensor a = out.attention[static_cast<int64_t>(i)].to(at::kFloat).contiguous();
          saveSafetensors(attentionPathForImage(path).toStdString(), {{"attention", a}},
                          {{"format", "mumu-attention"}, {"segments", std::to_string(a.size(0))}});
        }
      } catch (const std::exception& e) {
        fail("", QCoreApplication::translate("mumu::GenerationQueue", "Could not save the image: %1")
                     .arg(fromStd(e.what()))
                     .toStdString());
      }
      const QString json = fromStd(recipeToJson(recipe));
      const QImage image = toQImage(out.images[i]);
      GenerationQueue* q = queue_;
      QMetaObject::invokeMethod(
          q, [q, id, path, json, image] { q->onImage(id, path, json, image); }, Qt::QueuedConnection);
    }
    finish(id, GenerationJob::Done, {});
  }

  void finish(int id, GenerationJob::State state, const QString& error) {
    GenerationQueue* q = queue_;
    QMetaObject::invokeMethod(
        q, [q, id, state, error] { q->onFinished(id, state, error); }, Qt::QueuedConnection);
  }

  GenerationQueue* queue_;
  std::shared_ptr<MumuModel> model_;  // cached until a job needs another package
  std::string modelDir_, loadedOn_;  // the package and the resolved "device dtype" it is loaded on
  MumuModelInfo info_;
};

// ---- the list (GUI thread) -------------------------------------------------------------------------------------

GenerationQueue::GenerationQueue(const QString& outputRoot, ModelRegistry* registry, QObject* parent)
    : QAbstractListModel(parent), outputRoot_(outputRoot), registry_(registry) {
  thread_ = new QThread(this);
  thread_->setObjectName(QStringLiteral("mumu-generation"));
  worker_ = new GenerationWorker(this);
  worker_->moveToThread(thread_);
  thread_->start();
  GenerationWorker* w = worker_;
  QMetaObject::invokeMethod(w, [w] { w->lowerPriority(); }, Qt::QueuedConnection);
}

GenerationQueue::~GenerationQueue() {
  for (auto& j : jobs_)
    if (j.cancel) j.cancel->store(true);
  thread_->quit();
  thread_->wait();
  delete worker_;
}

int GenerationQueue::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(jobs_.size());
}

QVariant GenerationQueue::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= jobs_.size()) return {};
  const GenerationJob& j = jobs_[index.row()];
  auto stateText = [&]() -> QString {
    switch (j.state) {
      case GenerationJob::Pending: return paused_ ? tr("Paused") : tr("Waiting");
      case GenerationJob::Running:
        if (j.cancel && j.cancel->load()) return tr("Cancelling…");
        return j.total > 0 ? tr("Step %1 of %2").arg(j.step).arg(j.total) : tr("Loading model…");
      case GenerationJob::Done: return tr("Done");
      case GenerationJob::Failed: return tr("Failed: %1").arg(j.error);
      case GenerationJob::Cancelled: return tr("Cancelled");
    }
    return {};
  };
  switch (role) {
    case Qt::DisplayRole:
    case PromptTextRole: {
      // Reference images are stored under their SHA-256 names: show a marker, not 64 hex digits.
      QString text;
      for (const auto& seg : j.prompt.segments) text += seg.isImage() ? tr("[image]") : fromStd(seg.text);
      return text.simplified();
    }
    case Qt::ToolTipRole: return fromStd(serializePrompt(j.prompt)) + "\n" + stateText();
    case Qt::DecorationRole:
    case PreviewRole: return j.preview;
    case IdRole: return j.id;
    case StateRole: return static_cast<int>(j.state);
    case StateTextRole: return stateText();
    case StepRole: return j.step;
    case TotalRole: return j.total;
    case ErrorRole: return j.error;
    case SeedRole: return QString::number(j.settings.seed);
    case ModelRole: return j.modelName;
    case ImagesRole: return j.images;
    default: return {};
  }
}

QHash<int, QByteArray> GenerationQueue::roleNames() const {
  auto r = QAbstractListModel::roleNames();
  r.insert({{IdRole, "jobId"},
            {StateRole, "state"},
            {StateTextRole, "stateText"},
            {StepRole, "step"},
            {TotalRole, "total"},
            {PreviewRole, "preview"},
            {ErrorRole, "error"},
            {PromptTextRole, "promptText"},
            {SeedRole, "seed"},
            {ModelRole, "model"},
            {ImagesRole, "images"}});
  return r;
}

Qt::ItemFlags GenerationQueue::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::ItemIsDropEnabled;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDropEnabled;
  if (jobs_[index.row()].state == GenerationJob::Pending) f |= Qt::ItemIsDragEnabled;
  return f;
}

Qt::DropActions GenerationQueue::supportedDropActions() const {
  return Qt::MoveAction;
}

QStringList GenerationQueue::mimeTypes() const {
  return {QString::fromLatin1(kJobMime)};
}

QMimeData* GenerationQueue::mimeData(const QModelIndexList& indexes) const {
  QStringList ids;
  for (const auto& i : indexes)
    if (i.isValid()) ids << QString::number(jobs_[i.row()].id);
  auto* m = new QMimeData;
  m->setData(kJobMime, ids.join(',').toLatin1());
  return m;
}

bool GenerationQueue::dropMimeData(const QMimeData* data, Qt::DropAction, int row, int, const QModelIndex& parent) {
  if (!data || !data->hasFormat(kJobMime)) return false;
  int to = row >= 0 ? row : parent.isValid() ? parent.row() : static_cast<int>(jobs_.size());
  bool any = false;
  for (const QByteArray& s : data->data(kJobMime).split(',')) {
    const int id = s.toInt();
    const int from = rowOf(id);
    if (from < 0) continue;
    const int target = from < to ? to - 1 : to;  // `to` is an insertion point before the drop
    any |= move(id, target);
    if (from >= to) ++to;
  }
  // The move is done here; the model has no removeRows, so the view removes nothing afterwards.
  return any;
}

int GenerationQueue::enqueue(const Prompt& prompt, const GenerationSettings& settings) {
  GenerationJob j;
  j.id = nextId_++;
  j.prompt = prompt;
  j.settings = settings;
  if (!settings.seedLocked) j.settings.seed = randomSeed();
  j.settings.batch = qBound(1, settings.batch, 64);
  j.modelName = settings.modelId;
  if (registry_)
    if (auto e = registry_->find(settings.modelId)) j.modelName = e->name;
  if (j.modelName.startsWith(QLatin1Char('/'))) j.modelName = QFileInfo(j.modelName).fileName();
  j.enqueued = QDateTime::currentDateTime();
  j.cancel = std::make_shared<std::atomic<bool>>(false);
  const int row = static_cast<int>(jobs_.size());
  beginInsertRows(QModelIndex(), row, row);
  jobs_.append(j);
  endInsertRows();
  schedule();
  return j.id;
}

int GenerationQueue::rowOf(int jobId) const {
  for (int i = 0; i < jobs_.size(); ++i)
    if (jobs_[i].id == jobId) return i;
  return -1;
}

const GenerationJob* GenerationQueue::job(int jobId) const {
  const int r = rowOf(jobId);
  return r < 0 ? nullptr : &jobs_[r];
}

void GenerationQueue::changed(int row, const QList<int>& roles) {
  const QModelIndex i = index(row);
  Q_EMIT dataChanged(i, i, roles);
}

bool GenerationQueue::move(int jobId, int to) {
  const int from = rowOf(jobId);
  if (from < 0 || jobs_[from].state != GenerationJob::Pending) return false;
  to = qBound(0, to, static_cast<int>(jobs_.size()) - 1);
  if (to == from) return true;
  if (!beginMoveRows(QModelIndex(), from, from, QModelIndex(), to > from ? to + 1 : to)) return false;
  jobs_.move(from, to);
  endMoveRows();
  return true;
}

bool GenerationQueue::moveUp(int jobId) {
  const int r = rowOf(jobId);
  return r > 0 && move(jobId, r - 1);
}

bool GenerationQueue::moveDown(int jobId) {
  const int r = rowOf(jobId);
  return r >= 0 && r + 1 < jobs_.size() && move(jobId, r + 1);
}

bool GenerationQueue::cancel(int jobId) {
  const int r = rowOf(jobId);
  if (r < 0) return false;
  GenerationJob& j = jobs_[r];
  if (j.state == GenerationJob::Pending) {
    j.state = GenerationJob::Cancelled;
    changed(r);
    Q_EMIT jobFinished(jobId, GenerationJob::Cancelled);
    return true;
  }
  if (j.state == GenerationJob::Running) {
    j.cancel->store(true);  // the worker stops within one step and reports Cancelled
    changed(r, {StateTextRole, Qt::ToolTipRole});
    return true;
  }
  return false;
}

void GenerationQueue::cancelAll() {
  QList<int> ids;
  for (const auto& j : jobs_)
    if (j.state == GenerationJob::Pending || j.state == GenerationJob::Running) ids << j.id;
  for (int id : ids) cancel(id);
}

bool GenerationQueue::retry(int jobId) {
  int r = rowOf(jobId);
  if (r < 0 || (jobs_[r].state != GenerationJob::Failed && jobs_[r].state != GenerationJob::Cancelled)) return false;
  GenerationJob& j = jobs_[r];
  j.state = GenerationJob::Pending;
  j.error.clear();
  j.step = j.total = 0;
  j.preview = QImage();
  j.images.clear();
  j.cancel = std::make_shared<std::atomic<bool>>(false);
  changed(r);
  const int last = static_cast<int>(jobs_.size()) - 1;
  if (r != last && beginMoveRows(QModelIndex(), r, r, QModelIndex(), last + 1)) {
    jobs_.move(r, last);
    endMoveRows();
  }
  schedule();
  return true;
}

void GenerationQueue::clearFinished() {
  for (int r = static_cast<int>(jobs_.size()) - 1; r >= 0; --r) {
    const auto s = jobs_[r].state;
    if (s == GenerationJob::Done || s == GenerationJob::Failed || s == GenerationJob::Cancelled) {
      beginRemoveRows(QModelIndex(), r, r);
      jobs_.removeAt(r);
      endRemoveRows();
    }
  }
}

void GenerationQueue::setPaused(bool paused) {
  if (paused_ == paused) return;
  paused_ = paused;
  if (!jobs_.isEmpty()) Q_EMIT dataChanged(index(0), index(static_cast<int>(jobs_.size()) - 1), {StateTextRole});
  Q_EMIT pausedChanged(paused);
  schedule();
}

void GenerationQueue::preload(const QString& modelId, const QString& device, const QString& dtype) {
  QString dir;
  if (std::optional<ModelEntry> entry = registry_ ? registry_->find(modelId) : std::nullopt) {
    if (!entry->available || entry->kind == ModelEntry::Kind::SdxlIdefics2) return;
    dir = entry->path;
  } else {
    dir = modelId.startsWith(QLatin1String("package:")) ? modelId.mid(8) : modelId;
  }
  if (dir.isEmpty() || !worker_) return;
  GenerationWorker* w = worker_;
  QMetaObject::invokeMethod(
      w, [w, d = dir.toStdString(), dev = device.toStdString(), t = dtype.toStdString()] { w->preload(d, dev, t); },
      Qt::QueuedConnection);
}

void GenerationQueue::schedule() {
  if (running_ != 0 || paused_) return;
  int r = 0;
  while (r < jobs_.size() && jobs_[r].state != GenerationJob::Pending) ++r;
  if (r == jobs_.size()) {
    Q_EMIT idle();
    return;
  }
  GenerationJob& j = jobs_[r];
  JobSpec spec;
  spec.id = j.id;
  spec.prompt = j.prompt;
  spec.negative = j.settings.negative.toStdString();
  // The model is resolved when the job starts: a package may have appeared or gone since it was queued.
  std::optional<ModelEntry> entry = registry_ ? registry_->find(j.settings.modelId) : std::nullopt;
  if (entry) {
    if (!entry->available || entry->kind == ModelEntry::Kind::SdxlIdefics2)
      spec.modelProblem = (entry->problem.isEmpty() ? tr("Model %1 is not available").arg(entry->name)
                                                    : entry->problem)
                              .toStdString();
    else
      spec.modelDir = entry->path.toStdString();
  } else if (j.settings.modelId.startsWith(QLatin1String("package:"))) {
    spec.modelDir = j.settings.modelId.mid(8).toStdString();
  } else {
    spec.modelDir = j.settings.modelId.toStdString();
  }
  spec.device = j.settings.device.isEmpty() ? "auto" : j.settings.device.toStdString();
  spec.dtype = j.settings.dtype.toStdString();
  spec.sampler = j.settings.sampler.toStdString();
  spec.steps = j.settings.steps;
  spec.cfg = j.settings.cfg;
  spec.width = j.settings.width;
  spec.height = j.settings.height;
  spec.batch = j.settings.batch;
  spec.seed = j.settings.seed;
  spec.outputRoot = outputRoot_;
  spec.cancel = j.cancel;
  j.state = GenerationJob::Running;
  j.step = j.total = 0;
  running_ = j.id;
  changed(r);
  Q_EMIT jobStarted(j.id);
  GenerationWorker* w = worker_;
  QMetaObject::invokeMethod(w, [w, spec] { w->run(spec); }, Qt::QueuedConnection);
}

void GenerationQueue::onProgress(int jobId, int step, int total, const QImage& preview) {
  const int r = rowOf(jobId);
  if (r < 0) return;
  GenerationJob& j = jobs_[r];
  j.step = step;
  j.total = total;
  if (!preview.isNull()) j.preview = preview;
  changed(r, {StepRole, TotalRole, StateTextRole, PreviewRole, Qt::DecorationRole, Qt::ToolTipRole});
  Q_EMIT jobProgress(jobId, step, total);
}

void GenerationQueue::onImage(int jobId, const QString& path, const QString& recipeJson, const QImage& image) {
  const int r = rowOf(jobId);
  if (r >= 0) {
    GenerationJob& j = jobs_[r];
    if (j.images.isEmpty() && !image.isNull()) j.preview = image;
    j.images << path;
    changed(r, {ImagesRole, PreviewRole, Qt::DecorationRole});
  }
  Q_EMIT imageFinished(jobId, path, recipeJson);
}

void GenerationQueue::onFinished(int jobId, int state, const QString& error) {
  if (running_ == jobId) running_ = 0;
  const int r = rowOf(jobId);
  if (r >= 0) {
    GenerationJob& j = jobs_[r];
    j.state = static_cast<GenerationJob::State>(state);
    j.error = error;
    changed(r);
  }
  Q_EMIT jobFinished(jobId, state);
  schedule();
}

}  // namespace mumu
