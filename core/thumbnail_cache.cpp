// thumbnail_cache.cpp — thumbnails made off the GUI thread, cached on disk and in memory (see thumbnail_cache.h).
#include "core/thumbnail_cache.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QMutexLocker>
#include <QPainter>
#include <QThread>

namespace mumu {
namespace {
constexpr int kMaxPending = 2000;      // older requests beyond this are dropped (scrolled far past)
constexpr int kMemoryKiB = 96 * 1024;  // ~ 380 thumbnails of 256 px
}  // namespace

ThumbnailCache::ThumbnailCache(const QString& dataDir, int size, QObject* parent)
    : QObject(parent), folder_(QDir(dataDir).filePath("thumbs")), size_(std::max(16, size)), memory_(kMemoryKiB) {
  // Two workers: fast enough to keep up with scrolling, and they leave cores to the generation worker.
  pool_.setMaxThreadCount(2);
}

ThumbnailCache::~ThumbnailCache() {
  {
    QMutexLocker lock(&mutex_);
    pending_.clear();
  }
  pool_.waitForDone();
}

QString ThumbnailCache::thumbFile(const QString& imagePath) const {
  const QFileInfo fi(imagePath);
  const QByteArray key = (fi.absoluteFilePath() + u'\n' + QString::number(fi.size()) + u'\n' +
                          QString::number(fi.lastModified().toMSecsSinceEpoch()) + u'\n' + QString::number(size_))
                             .toUtf8();
  const QString hash = QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha1).toHex());
  return QDir(folder_).filePath(hash.left(2) + u'/' + hash + QStringLiteral(".jpg"));
}

QImage ThumbnailCache::produce(const QString& imagePath, const QString& thumbFile, int size, QString* error) {
  if (QFileInfo::exists(thumbFile)) {
    QImage cached(thumbFile);
    if (!cached.isNull()) return cached;
  }
  QImageReader reader(imagePath);
  reader.setAutoTransform(true);
  const QSize full = reader.size();
  // Large JPEGs decode straight at a reduced size; then one smooth scale to the target.
  if (full.isValid() && full.width() > 4 * size && full.height() > 4 * size)
    reader.setScaledSize(full.scaled(2 * size, 2 * size, Qt::KeepAspectRatio));
  QImage img = reader.read();
  if (img.isNull()) {
    if (error) *error = QStringLiteral("%1: %2").arg(imagePath, reader.errorString());
    return {};
  }
  if (img.width() > size || img.height() > size)
    img = img.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  QImage rgb(img.size(), QImage::Format_RGB888);
  rgb.fill(Qt::white);  // JPEG has no alpha: transparent parts on white
  {
    QPainter p(&rgb);
    p.drawImage(0, 0, img);
  }
  // Written under a temporary name and renamed: a reader never loads half a thumbnail. A failure (full disk) only
  // costs making it again next time.
  QDir().mkpath(QFileInfo(thumbFile).absolutePath());
  const QString part = thumbFile + QStringLiteral(".%1.part").arg(quintptr(QThread::currentThreadId()));
  if (rgb.save(part, "JPG", 88)) {
    QFile::remove(thumbFile);
    if (!QFile::rename(part, thumbFile)) QFile::remove(part);
  } else {
    QFile::remove(part);
  }
  return rgb;
}

QImage ThumbnailCache::thumbnail(const QString& imagePath) {
  if (const QImage* hit = memory_.object(imagePath)) return *hit;
  request(imagePath);
  return {};
}

bool ThumbnailCache::isPending(const QString& imagePath) const {
  QMutexLocker lock(&mutex_);
  return inFlight_.contains(imagePath);
}

void ThumbnailCache::request(const QString& imagePath) {
  if (imagePath.isEmpty() || memory_.contains(imagePath) || failed_.contains(imagePath)) return;
  {
    QMutexLocker lock(&mutex_);
    if (inFlight_.contains(imagePath)) {
      // Already waiting: move it to the front of the line (it is on screen again).
      if (pending_.removeOne(imagePath)) pending_.append(imagePath);
      return;
    }
    inFlight_.insert(imagePath);
    pending_.append(imagePath);
    if (pending_.size() > kMaxPending) inFlight_.remove(pending_.takeFirst());
  }
  pool_.start([this] { work(); });
}

void ThumbnailCache::clearPending() {
  QMutexLocker lock(&mutex_);
  for (const QString& p : std::as_const(pending_)) inFlight_.remove(p);
  pending_.clear();
  failed_.clear();
}

bool ThumbnailCache::waitForDone(int msecs) {
  return pool_.waitForDone(msecs);
}

void ThumbnailCache::work() {
  QString path;
  {
    QMutexLocker lock(&mutex_);
    if (pending_.isEmpty()) return;  // dropped or cleared meanwhile
    path = pending_.takeLast();      // newest first
  }
  QString error;
  const QImage img = produce(path, thumbFile(path), size_, &error);
  QMetaObject::invokeMethod(
      this, [this, path, img, error] { deliver(path, img, error); }, Qt::QueuedConnection);
}

void ThumbnailCache::deliver(const QString& imagePath, const QImage& image, const QString& error) {
  {
    QMutexLocker lock(&mutex_);
    inFlight_.remove(imagePath);
  }
  if (image.isNull()) {
    failed_.insert(imagePath);
    Q_EMIT thumbnailFailed(imagePath, error);
    return;
  }
  memory_.insert(imagePath, new QImage(image), std::max<qsizetype>(1, image.sizeInBytes() / 1024));
  Q_EMIT thumbnailReady(imagePath, image);
}

}  // namespace mumu
