#include "core/prompt_document.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QHash>

namespace mumu {

namespace {

std::string utf8(const QString& s) {
  return s.toStdString();
}

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

PromptSyntaxError errorFrom(const PromptError& e, const QString& text) {
  PromptSyntaxError err;
  err.message = QString::fromUtf8(e.what());
  err.line = e.line();
  err.column = e.column();
  if (e.line() > 0) err.offset = PromptDocument::offsetOf(text, e.line(), e.column());
  return err;
}

}  // namespace

PromptDocument::Segment PromptDocument::Segment::makeText(const QString& text, double weight) {
  Segment s;
  s.kind = Text;
  s.text = text;
  s.weight = weight;
  return s;
}

PromptDocument::Segment PromptDocument::Segment::makeImage(const QString& path, const QString& sha256, double weight,
                                                           const QRect& crop, const QString& note) {
  Segment s;
  s.kind = Image;
  s.imagePath = path;
  s.sha256 = sha256;
  s.weight = weight;
  s.crop = crop;
  s.note = note;
  return s;
}

int PromptDocument::imageCount() const {
  int n = 0;
  for (const Segment& s : segments_) n += s.isImage();
  return n;
}

PromptDocument PromptDocument::normalized() const {
  PromptDocument out;
  for (const Segment& s : segments_) {
    if (s.isText() && s.text.isEmpty()) continue;
    if (s.isText() && !out.segments_.isEmpty()) {
      Segment& last = out.segments_.last();
      if (last.isText() && last.weight == s.weight && last.note == s.note) {
        last.text += s.text;
        continue;
      }
    }
    out.segments_.append(s);
  }
  return out;
}

mumu::Prompt PromptDocument::toPrompt() const {
  mumu::Prompt p;
  for (const Segment& s : normalized().segments_) {
    PromptSegment seg;
    seg.kind = s.isText() ? PromptSegment::Text : PromptSegment::Image;
    seg.weight = s.weight;
    seg.note = utf8(s.note);
    if (s.isText()) {
      seg.text = utf8(s.text);
    } else {
      seg.imagePath = utf8(s.imagePath);
      seg.imageSha256 = utf8(s.sha256);
      if (s.hasCrop()) seg.crop = CropBox{s.crop.x(), s.crop.y(), s.crop.width(), s.crop.height()};
    }
    p.segments.push_back(std::move(seg));
  }
  return p;
}

PromptDocument PromptDocument::fromPrompt(const mumu::Prompt& prompt) {
  PromptDocument d;
  for (const PromptSegment& seg : prompt.segments) {
    Segment s;
    s.kind = seg.isText() ? Segment::Text : Segment::Image;
    s.weight = seg.weight;
    s.note = qs(seg.note);
    if (seg.isText()) {
      s.text = qs(seg.text);
    } else {
      s.imagePath = qs(seg.imagePath);
      s.sha256 = qs(seg.imageSha256);
      if (seg.crop) s.crop = QRect(seg.crop->x, seg.crop->y, seg.crop->w, seg.crop->h);
    }
    d.segments_.append(std::move(s));
  }
  return d.normalized();
}

QString PromptDocument::toSyntax() const {
  return qs(serializePrompt(toPrompt()));
}

std::optional<PromptDocument> PromptDocument::fromSyntax(const QString& text, PromptSyntaxError* error,
                                                         const PromptDocument* previous) {
  PromptDocument d;
  try {
    d = fromPrompt(parsePrompt(utf8(text)));
  } catch (const PromptError& e) {
    if (error) *error = errorFrom(e, text);
    return std::nullopt;
  }
  if (previous) {
    // Each earlier image (in order) gives its note and SHA-256 to the first unclaimed image of the same path.
    QHash<QString, QList<const Segment*>> byPath;
    for (const Segment& s : previous->segments_)
      if (s.isImage()) byPath[s.imagePath].append(&s);
    for (Segment& s : d.segments_) {
      if (!s.isImage()) continue;
      auto it = byPath.find(s.imagePath);
      if (it == byPath.end() || it->isEmpty()) continue;
      const Segment* old = it->takeFirst();
      s.note = old->note;
      s.sha256 = old->sha256;
    }
  }
  return d;
}

QString PromptDocument::toJson(int indent) const {
  return qs(promptToJson(toPrompt(), indent));
}

std::optional<PromptDocument> PromptDocument::fromJson(const QString& json, PromptSyntaxError* error) {
  try {
    return fromPrompt(promptFromJson(utf8(json)));
  } catch (const PromptError& e) {
    if (error) *error = errorFrom(e, json);
    return std::nullopt;
  }
}

int PromptDocument::offsetOf(const QString& text, int line, int column) {
  int i = 0;
  for (int l = 1; l < line && i < text.size(); ++i)
    if (text[i] == QLatin1Char('\n')) ++l;
  for (int c = 1; c < column && i < text.size(); ++c) {
    if (text[i] == QLatin1Char('\n')) break;
    i += (text[i].isHighSurrogate() && i + 1 < text.size()) ? 2 : 1;  // columns count code points
  }
  return std::min<int>(i, text.size());
}

QString fileSha256(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    if (error)
      *error = QCoreApplication::translate("mumu::PromptDocument", "Cannot read %1: %2").arg(path, f.errorString());
    return {};
  }
  QCryptographicHash h(QCryptographicHash::Sha256);
  if (!h.addData(&f)) {
    if (error)
      *error = QCoreApplication::translate("mumu::PromptDocument", "Cannot read %1: %2").arg(path, f.errorString());
    return {};
  }
  return QString::fromLatin1(h.result().toHex());
}

}  // namespace mumu
