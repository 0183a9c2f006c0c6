// generation_queue.h — the Studio's generation queue: a list model of jobs run one at a time by a worker thread
// that owns the loaded model (kept until a job needs another model). The GUI thread never waits on the worker:
// jobs go to it and progress, previews and results come back as queued calls. Finished images are written as PNGs
// with the full recipe (as `mumu generate` writes them) under <output root>/YYYY-MM-DD/, with the attention record
// beside each (attentionPathForImage). Torch-free header: the model lives behind the worker in the .cpp.
#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>
#include <atomic>
#include <memory>

#include "core/generation_settings.h"
#include "model/io/image_file.h"
#include "model/pipeline/prompt.h"

class QThread;

namespace mumu {

class ModelRegistry;
class GenerationWorker;

struct GenerationJob {
  enum State { Pending, Running, Done, Failed, Cancelled };

  int id = 0;
  Prompt prompt;                // image segments carry stored (asset) paths
  GenerationSettings settings;  // seed resolved at enqueue: settings.seed is the seed used
  QString modelName;            // for display
  State state = Pending;
  int step = 0, total = 0;  // progress of the running or last run
  QImage preview;           // latest per-step preview (first image of the batch), or the first result
  QString error;            // Failed: the message
  QStringList images;       // written PNGs
  QDateTime enqueued;
  std::shared_ptr<std::atomic<bool>> cancel;  // set to stop the running generation within one step
};

class GenerationQueue : public QAbstractListModel {
  Q_OBJECT

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    StateRole,     // GenerationJob::State as int
    StateTextRole, // translated state, or the error for a failed job
    StepRole,
    TotalRole,
    PreviewRole,   // QImage
    ErrorRole,
    PromptTextRole,  // promptDisplayText
    SeedRole,        // as a string (64-bit)
    ModelRole,
    ImagesRole,  // QStringList
  };

  // outputRoot: images go to <outputRoot>/YYYY-MM-DD/. registry: resolves model ids (may be null: ids are then
  // package folders). Starts the worker thread.
  explicit GenerationQueue(const QString& outputRoot, ModelRegistry* registry = nullptr, QObject* parent = nullptr);
  // Cancels the running job and stops the worker (waits at most one sampling step).
  ~GenerationQueue() override;

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  Qt::DropActions supportedDropActions() const override;
  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;
  bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                    const QModelIndex& parent) override;

  // Adds a job; a random seed is drawn now unless settings.seedLocked. Returns the job id (> 0).
  int enqueue(const Prompt& prompt, const GenerationSettings& settings);
  // Moves a pending job to position `to` (clamped) among all rows. False when it is not pending.
  bool move(int jobId, int to);
  bool moveUp(int jobId);
  bool moveDown(int jobId);
  // Pending: becomes Cancelled at once. Running: its cancel flag is set; it becomes Cancelled when the worker
  // stops (within one step) and writes nothing.
  bool cancel(int jobId);
  void cancelAll();
  // Failed or cancelled → pending again (same settings and seed), at the end of the queue.
  bool retry(int jobId);
  // Removes finished, failed and cancelled jobs from the list.
  void clearFinished();

  // Loads a model on the worker now, so the first Generate does not wait for it (errors surface on the first job).
  // device / dtype as GenerationSettings has them; a job with another device or dtype reloads the model.
  void preload(const QString& modelId, const QString& device = QStringLiteral("auto"), const QString& dtype = {});
  // Paused: no new job starts (a running one finishes).
  void setPaused(bool paused);
  bool isPaused() const { return paused_; }

  int rowOf(int jobId) const;
  const GenerationJob* job(int jobId) const;
  QList<GenerationJob> jobs() const { return jobs_; }
  QString outputRoot() const { return outputRoot_; }
  bool isBusy() const { return running_ != 0; }

 Q_SIGNALS:
  void jobStarted(int jobId);
  void jobProgress(int jobId, int step, int total);
  // One per written PNG, before jobFinished; recipeJson is the recipe embedded in the PNG (recipeToJson).
  void imageFinished(int jobId, const QString& imagePath, const QString& recipeJson);
  void jobFinished(int jobId, int state);  // Done, Failed or Cancelled
  void pausedChanged(bool paused);
  void idle();  // nothing running and nothing startable

 private:
  friend class GenerationWorker;
  void schedule();
  void onProgress(int jobId, int step, int total, const QImage& preview);
  void onImage(int jobId, const QString& path, const QString& recipeJson, const QImage& image);
  void onFinished(int jobId, int state, const QString& error);
  void changed(int row, const QList<int>& roles = {});

  QString outputRoot_;
  ModelRegistry* registry_ = nullptr;
  QList<GenerationJob> jobs_;
  int nextId_ = 1;
  int running_ = 0;  // id of the job the worker has, 0 = none
  bool paused_ = false;
  QThread* thread_ = nullptr;
  GenerationWorker* worker_ = nullptr;
};

// "<dir>/<name>.png" → "<dir>/<name>.attention.safetensors": float32 tensor "attention" [segments, h, w] at latent
// resolution (cross-attention mass per prompt segment; see pipeline.h), metadata "segments" = the count.
QString attentionPathForImage(const QString& pngPath);

// An 8-bit model image (gray, RGB or RGBA) as a QImage (a deep copy).
QImage toQImage(const Image& image);

}  // namespace mumu
