// asset_store.h — the content-addressed store of reference images: <dataDir>/assets/<sha256>.<ext>, named by the
// SHA-256 of the file bytes, so a recipe's images are found again after the user moves or deletes the originals.
// Imports are validated (non-empty, decodable image) and written atomically (QSaveFile): a failed import leaves
// nothing behind and never touches what is already stored.
#pragma once

#include <QCoreApplication>
#include <QString>

class QImage;

namespace mumu {

struct PromptSegment;

class AssetStore {
  Q_DECLARE_TR_FUNCTIONS(mumu::AssetStore)

 public:
  // Files live in <dataDir>/assets (created on the first import).
  explicit AssetStore(const QString& dataDir);

  QString root() const { return root_; }

  // Copies the image at `path` into the store and returns the stored path (the same path again when the bytes are
  // already stored). Empty on failure, with a message naming the file in `error` (missing, unreadable, 0 bytes,
  // not an image, disk full).
  QString import(const QString& path, QString* error = nullptr);
  // Stores `image` (a clipboard paste) as PNG; returns the stored path, or empty with `error`.
  QString importImage(const QImage& image, QString* error = nullptr);
  // Stores encoded image bytes under `ext` ("png", "jpg", …) after checking they decode.
  QString importBytes(const QByteArray& bytes, const QString& ext, const QString& source, QString* error = nullptr);

  // The stored file with this SHA-256 (lower-case hex, any extension), or empty.
  QString find(const QString& sha256) const;

  // Where a recipe's reference image is now: the store (by SHA-256), the recorded path, or the same name next to
  // `pngDir`; a candidate with a recorded SHA-256 must match it. Empty when not found.
  QString locate(const PromptSegment& segment, const QString& pngDir = {}) const;

  // Lower-case hex SHA-256 of a file's bytes, or empty with `error`.
  static QString sha256OfFile(const QString& path, QString* error = nullptr);

 private:
  QString root_;
};

}  // namespace mumu
