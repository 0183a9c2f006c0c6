// asset_store.cpp — content-addressed reference images (see asset_store.h).
#include "core/asset_store.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QSaveFile>

#include "model/error.h"
#include "model/io/image_file.h"
#include "model/io/sha256.h"
#include "model/pipeline/prompt.h"

namespace mumu {
namespace {

constexpr qint64 kMaxAssetBytes = qint64(256) << 20;  // a reference image larger than this is surely a mistake

void setError(QString* error, const QString& message) {
  if (error) *error = message;
}

bool isSha256(const QString& s) {
  if (s.size() != 64) return false;
  for (QChar c : s)
    if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) return false;
  return true;
}

}  // namespace

AssetStore::AssetStore(const QString& dataDir) : root_(QDir(dataDir).filePath("assets")) {}

QString AssetStore::sha256OfFile(const QString& path, QString* error) {
  try {
    return QString::fromStdString(sha256File(path.toStdString()));
  } catch (const std::exception& e) {
    setError(error, QString::fromStdString(e.what()));
    return {};
  }
}

QString AssetStore::import(const QString& path, QString* error) {
  const QFileInfo fi(path);
  if (!fi.exists()) {
    setError(error, tr("'%1': no such file").arg(path));
    return {};
  }
  if (!fi.isFile()) {
    setError(error, tr("'%1' is not a file").arg(path));
    return {};
  }
  if (fi.size() == 0) {
    setError(error, tr("'%1' is empty (0 bytes): not an image").arg(path));
    return {};
  }
  if (fi.size() > kMaxAssetBytes) {
    setError(error, tr("'%1' is too large for a reference image (%2 MiB)").arg(path).arg(fi.size() >> 20));
    return {};
  }
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    setError(error, tr("'%1' cannot be read: %2").arg(path, f.errorString()));
    return {};
  }
  const QByteArray bytes = f.readAll();
  if (bytes.size() != fi.size()) {
    setError(error, tr("'%1' cannot be read completely: %2").arg(path, f.errorString()));
    return {};
  }
  return importBytes(bytes, fi.suffix(), path, error);
}

QString AssetStore::importImage(const QImage& image, QString* error) {
  if (image.isNull() || image.width() == 0 || image.height() == 0) {
    setError(error, tr("The pasted image is empty"));
    return {};
  }
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, "PNG")) {
    setError(error, tr("The pasted image could not be encoded as PNG"));
    return {};
  }
  return importBytes(bytes, "png", tr("pasted image"), error);
}

QString AssetStore::importBytes(const QByteArray& bytes, const QString& extIn, const QString& source, QString* error) {
  if (bytes.isEmpty()) {
    setError(error, tr("'%1' is empty (0 bytes): not an image").arg(source));
    return {};
  }
  // Decode it fully: a file whose header parses but whose pixels do not is no use as a reference.
  QString ext = extIn.toLower();
  {
    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setAutoTransform(true);
    QImage img;
    if (reader.canRead()) img = reader.read();
    if (img.isNull()) {
      // Formats OpenImageIO reads but Qt does not (EXR, WebP, …): the pipeline reads references with OIIO.
      bool oiioOk = false;
      if (QFileInfo::exists(source)) {
        try {
          oiioOk = !readImage(source.toStdString()).empty();
        } catch (const Error&) {
        }
      }
      if (!oiioOk) {
        const QString why = reader.errorString();
        setError(error, tr("'%1' is not an image MUMU Studio can read (%2)").arg(source, why));
        return {};
      }
    } else if (ext.isEmpty() || ext.size() > 5) {
      ext = QString::fromLatin1(reader.format()).toLower();
    }
  }
  if (ext.isEmpty()) ext = "img";
  for (QChar c : ext)
    if (!c.isLetterOrNumber()) {
      ext = "img";
      break;
    }

  const QString sha = QString::fromStdString(sha256Hex(std::string_view(bytes.constData(), size_t(bytes.size()))));
  if (const QString existing = find(sha); !existing.isEmpty()) return existing;

  if (!QDir().mkpath(root_)) {
    setError(error, tr("Cannot create the asset folder '%1'").arg(root_));
    return {};
  }
  const QString dest = QDir(root_).filePath(sha + "." + ext);
  QSaveFile out(dest);
  if (!out.open(QIODevice::WriteOnly)) {
    setError(error, tr("Cannot store '%1' as '%2': %3").arg(source, dest, out.errorString()));
    return {};
  }
  if (out.write(bytes) != bytes.size() || !out.commit()) {
    setError(error, tr("Cannot store '%1' as '%2' (is the disk full?): %3").arg(source, dest, out.errorString()));
    out.cancelWriting();
    return {};
  }
  return dest;
}

QString AssetStore::find(const QString& sha256) const {
  const QString sha = sha256.toLower();
  if (!isSha256(sha)) return {};
  const QDir dir(root_);
  const QStringList hits = dir.entryList({sha + ".*"}, QDir::Files);
  return hits.isEmpty() ? QString() : dir.filePath(hits.first());
}

QString AssetStore::locate(const PromptSegment& segment, const QString& pngDir) const {
  if (!segment.isImage()) return {};
  const QString sha = QString::fromStdString(segment.imageSha256);
  if (!sha.isEmpty())
    if (QString hit = find(sha); !hit.isEmpty()) return hit;
  const QString recorded = QString::fromStdString(segment.imagePath);
  QStringList candidates{recorded};
  if (!pngDir.isEmpty()) {
    candidates << QDir(pngDir).filePath(recorded) << QDir(pngDir).filePath(QFileInfo(recorded).fileName());
  }
  for (const QString& c : candidates) {
    if (c.isEmpty() || !QFileInfo(c).isFile()) continue;
    if (sha.isEmpty() || sha256OfFile(c) == sha.toLower()) return QFileInfo(c).absoluteFilePath();
  }
  return {};
}

}  // namespace mumu
