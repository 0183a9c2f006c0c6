// prompt_document.h — the prompt composer's document: an ordered list of text runs and reference-image chips,
// Qt-side (QString, QRect) but mapping one-to-one to mumu::Prompt, so the composer, the pipeline, the raw
// `[img:...]` syntax and the JSON recipe all describe the same thing. Qt Core only (no widgets, no torch).
#pragma once

#include <QList>
#include <QRect>
#include <QString>
#include <functional>
#include <optional>

#include "model/pipeline/prompt.h"

namespace mumu {

// Drag-and-drop formats shared by the composer and the gallery.
// A gallery item dragged onto the composer: UTF-8 file path(s) of the image, one per line.
inline constexpr char kAssetMimeType[] = "application/x-mumu-asset";
// A piece of a prompt (copy/paste, drags between composers): the JSON form of its segments (promptToJson).
inline constexpr char kPromptMimeType[] = "application/x-mumu-prompt";

// Copies a reference image into the content-addressed asset store and returns the stored path, or an empty
// string with a message in *error. AssetStore::import fits; the composer only needs this one function.
using AssetImporter = std::function<QString(const QString& path, QString* error)>;

// A syntax or JSON error, with where it is so the raw editor can put the cursor there.
struct PromptSyntaxError {
  QString message;  // the whole message, e.g. "prompt:1:17: unterminated image reference (missing ']')"
  int line = 0;     // 1-based; 0 when the error has no text position (JSON form)
  int column = 0;   // 1-based, in characters (code points)
  int offset = -1;  // index into the QString that was parsed (UTF-16 units), -1 when unknown
};

class PromptDocument {
 public:
  struct Segment {
    enum Kind { Text, Image };
    Kind kind = Text;
    QString text;       // Text: exactly as typed ('\n' for line breaks)
    QString imagePath;  // Image: the stored asset path
    QString sha256;     // Image: lower-case hex of the file bytes, empty when not known
    double weight = 1.0;
    QRect crop;  // Image: crop box in pixels of the image; a null QRect = the whole image
    QString note;

    bool isText() const { return kind == Text; }
    bool isImage() const { return kind == Image; }
    bool hasCrop() const { return !crop.isNull(); }
    static Segment makeText(const QString& text, double weight = 1.0);
    static Segment makeImage(const QString& path, const QString& sha256 = {}, double weight = 1.0,
                             const QRect& crop = {}, const QString& note = {});
    bool operator==(const Segment& o) const = default;
  };

  PromptDocument() = default;
  explicit PromptDocument(QList<Segment> segments) : segments_(std::move(segments)) {}

  const QList<Segment>& segments() const { return segments_; }
  QList<Segment>& segments() { return segments_; }
  bool isEmpty() const { return segments_.isEmpty(); }
  int imageCount() const;
  // Adjacent text runs of equal weight and note merged, empty text dropped (what the pipeline sees).
  PromptDocument normalized() const;
  bool operator==(const PromptDocument& o) const { return segments_ == o.segments_; }

  // The pipeline's prompt (and back). Segment for segment, after normalized().
  mumu::Prompt toPrompt() const;
  static PromptDocument fromPrompt(const mumu::Prompt& prompt);

  // The raw text syntax (serializePrompt): notes and SHA-256s are not part of it.
  QString toSyntax() const;
  // Parses the raw syntax; on error returns nullopt and fills *error. When `previous` is given, the notes and
  // SHA-256s of its images are carried over to images of the same path (in order), so an edit in the raw view
  // does not lose what only the rich view shows.
  static std::optional<PromptDocument> fromSyntax(const QString& text, PromptSyntaxError* error = nullptr,
                                                  const PromptDocument* previous = nullptr);

  // The JSON form used in recipes (promptToJson): every field, notes and SHA-256s included.
  QString toJson(int indent = -1) const;
  static std::optional<PromptDocument> fromJson(const QString& json, PromptSyntaxError* error = nullptr);

  // Index into `text` (UTF-16 units) of a 1-based line and code-point column, clamped to the text.
  static int offsetOf(const QString& text, int line, int column);

 private:
  QList<Segment> segments_;
};

// Lower-case hex SHA-256 of a file's bytes, or empty with a message in *error.
QString fileSha256(const QString& path, QString* error = nullptr);

}  // namespace mumu
