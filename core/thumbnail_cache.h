// thumbnail_cache.h — gallery thumbnails (longest side `size`, 256 px by default): made off the GUI thread from the
// image, kept on disk under <dataDir>/thumbs/ (JPEG, named by a hash of the image's path, size and time, so an image
// rewritten in place gets a new thumbnail) and in a bounded memory cache. Requests are served newest first, so
// while the user scrolls the rows on screen come before the ones scrolled past.
#pragma once

#include <QCache>
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QThreadPool>

namespace mumu {

class ThumbnailCache : public QObject {
  Q_OBJECT

 public:
  explicit ThumbnailCache(const QString& dataDir, int size = 256, QObject* parent = nullptr);
  ~ThumbnailCache() override;  // drops pending requests and waits for the running ones

  int size() const { return size_; }
  QString folder() const { return folder_; }

  // The thumbnail when it is in memory; otherwise a null image, and the thumbnail is loaded or made off the GUI
  // thread, then thumbnailReady (or thumbnailFailed) is emitted on this object's thread.
  QImage thumbnail(const QString& imagePath);
  void request(const QString& imagePath);
  bool isPending(const QString& imagePath) const;
  // Forgets requests not yet started (the view moved on). Running ones still finish.
  void clearPending();
  // Tests and benchmarks: waits for the workers (the signals arrive when the event loop runs).
  bool waitForDone(int msecs = -1);

  // Where the thumbnail of `imagePath` lives on disk (the image must exist: its size and time are part of the name).
  QString thumbFile(const QString& imagePath) const;
  // Loads the thumbnail from `thumbFile`, or makes it from the image and writes it there. Thread-safe; a failure
  // to write the file still returns the image. Null with `error` when the image cannot be read.
  static QImage produce(const QString& imagePath, const QString& thumbFile, int size, QString* error = nullptr);

 Q_SIGNALS:
  void thumbnailReady(const QString& imagePath, const QImage& image);
  void thumbnailFailed(const QString& imagePath, const QString& error);

 private:
  void work();
  void deliver(const QString& imagePath, const QImage& image, const QString& error);

  QString folder_;
  int size_;
  QThreadPool pool_;
  mutable QMutex mutex_;
  QStringList pending_;             // newest last; guarded by mutex_
  QSet<QString> inFlight_;          // pending or running (GUI thread + mutex_)
  QSet<QString> failed_;            // GUI thread: not retried until clearPending()
  QCache<QString, QImage> memory_;  // cost in KiB
};

}  // namespace mumu
