#include "widgets/prompt_composer.h"

#include <QAbstractTextDocumentLayout>
#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QDrag>
#include <QDropEvent>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHash>
#include <QHelpEvent>
#include <QImageReader>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QStackedWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextDocumentFragment>
#include <QTextEdit>
#include <QTextLayout>
#include <QTextObjectInterface>
#include <QToolButton>
#include <QToolTip>
#include <QUrl>
#include <QUuid>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/chip_editor.h"

namespace mumu {

namespace {

using Segment = PromptDocument::Segment;
constexpr QChar kObjectChar = QChar::ObjectReplacementCharacter;

bool isChipFormat(const QTextFormat& f) {
  return f.objectType() == PromptComposer::kChipObjectType;
}

Segment segmentFromChipFormat(const QTextCharFormat& f) {
  Segment s;
  s.kind = Segment::Image;
  s.imagePath = f.stringProperty(PromptComposer::ChipPath);
  s.sha256 = f.stringProperty(PromptComposer::ChipSha256);
  s.weight = f.hasProperty(PromptComposer::ChipWeight) ? f.doubleProperty(PromptComposer::ChipWeight) : 1.0;
  if (f.hasProperty(PromptComposer::ChipCrop)) s.crop = f.property(PromptComposer::ChipCrop).toRect();
  s.note = f.stringProperty(PromptComposer::ChipNote);
  return s;
}

double textWeight(const QTextCharFormat& f) {
  return f.hasProperty(PromptComposer::TextWeight) ? f.doubleProperty(PromptComposer::TextWeight) : 1.0;
}

// Warm for emphasis, cool for de-emphasis; stronger the further from 1.
QColor weightTint(double w) {
  if (w > 1) return QColor(255, 150, 0, std::clamp(int(50 + 40 * (w - 1)), 50, 170));
  return QColor(70, 130, 255, std::clamp(int(50 + 120 * (1 - w)), 50, 170));
}

// The text format of a phrase with `weight` and `note`, starting from `base` (font etc. kept).
QTextCharFormat textFormat(double weight, const QString& note, QTextCharFormat base = {}) {
  if (isChipFormat(base)) base = QTextCharFormat();
  if (weight == 1.0) {
    base.clearProperty(PromptComposer::TextWeight);
    base.clearBackground();
  } else {
    base.setProperty(PromptComposer::TextWeight, weight);
    base.setBackground(weightTint(weight));
  }
  if (note.isEmpty())
    base.clearProperty(PromptComposer::TextNote);
  else
    base.setProperty(PromptComposer::TextNote, note);
  return base;
}

// The char format of the character at `pos` (not the one before it, as QTextCursor::charFormat would give).
QTextCharFormat formatAt(const QTextDocument* doc, int pos) {
  const QTextBlock block = doc->findBlock(pos);
  for (auto it = block.begin(); !it.atEnd(); ++it) {
    const QTextFragment f = it.fragment();
    if (f.contains(pos)) return f.charFormat();
  }
  return {};
}

QString cropText(const QRect& c) {
  return QStringLiteral("%1,%2 %3×%4").arg(c.x()).arg(c.y()).arg(c.width()).arg(c.height());
}

QString weightText(double w) {
  return QStringLiteral("×") + QString::number(w, 'g', 4);
}

// Checks a dropped/pasted file before anything is stored: exists, is a file, not empty, readable, decodes.
QString checkImageFile(const QString& path) {
  const QFileInfo fi(path);
  const QString name = QDir::toNativeSeparators(path);
  if (!fi.exists()) return PromptComposer::tr("%1 does not exist.").arg(name);
  if (fi.isDir()) return PromptComposer::tr("%1 is a folder, not an image.").arg(name);
  if (fi.size() == 0) return PromptComposer::tr("%1 is empty (0 bytes).").arg(name);
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return PromptComposer::tr("%1 cannot be read: %2").arg(name, f.errorString());
  f.close();
  QImageReader reader(path);
  if (!reader.canRead()) return PromptComposer::tr("%1 is not an image (or a format that cannot be read).").arg(name);
  const QSize size = reader.size();
  if (size.isValid() && size.width() > 64 && size.height() > 64)
    reader.setScaledSize(size.scaled(64, 64, Qt::KeepAspectRatio));  // decoding is the check; keep it cheap
  if (reader.read().isNull())
    return PromptComposer::tr("%1 cannot be decoded as an image: %2").arg(name, reader.errorString());
  return {};
}

}  // namespace

// ---- the chip renderer ---------------------------------------------------------------------------------

// Draws a chip: the (cropped) thumbnail of its image, a border showing selection and weight, a weight badge and a
// dot when it has a note. Thumbnails are cached per path + crop.
class ChipTextObject : public QObject, public QTextObjectInterface {
  Q_OBJECT
  Q_INTERFACES(QTextObjectInterface)

 public:
  ChipTextObject(QTextEdit* edit, QObject* parent) : QObject(parent), edit_(edit) {}

  int chipHeight() const { return std::max(28, int(edit_->fontMetrics().height() * 2.2)); }

  QImage thumbnail(const QString& path, const QRect& crop) {
    const QString key = path + QLatin1Char('|') + (crop.isNull() ? QString() : cropText(crop));
    auto it = cache_.find(key);
    if (it != cache_.end()) return *it;
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const int side = chipHeight() * 2;  // room for high-DPI screens
    QImage img;
    if (crop.isNull()) {
      const QSize s = reader.size();
      if (s.isValid() && (s.width() > side || s.height() > side))
        reader.setScaledSize(s.scaled(side, side, Qt::KeepAspectRatio));
      img = reader.read();
    } else {
      reader.setClipRect(crop);
      img = reader.read();
    }
    if (!img.isNull() && (img.width() > side || img.height() > side))
      img = img.scaled(side, side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    if (cache_.size() > 500) cache_.clear();  // a bound, not an LRU: prompts hold a handful of images
    cache_.insert(key, img);
    return img;
  }

  QSizeF intrinsicSize(QTextDocument*, int, const QTextFormat& format) override {
    const Segment s = segmentFromChipFormat(format.toCharFormat());
    const int h = chipHeight();
    const QImage img = thumbnail(s.imagePath, s.crop);
    double w = h;
    if (!img.isNull() && img.height() > 0) w = std::clamp(h * double(img.width()) / img.height(), 0.6 * h, 1.8 * h);
    return {w + 4, double(h)};
  }

  void drawObject(QPainter* p, const QRectF& rect, QTextDocument*, int pos, const QTextFormat& format) override {
    const Segment s = segmentFromChipFormat(format.toCharFormat());
    const QPalette pal = edit_->palette();
    const QTextCursor sel = edit_->textCursor();
    const bool selected = sel.hasSelection() && pos >= sel.selectionStart() && pos < sel.selectionEnd();
    const QRectF r = rect.adjusted(2, 1, -2, -1);
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    p->setRenderHint(QPainter::SmoothPixmapTransform);
    QPainterPath path;
    path.addRoundedRect(r, 4, 4);
    p->fillPath(path, pal.color(QPalette::AlternateBase));
    const QImage img = thumbnail(s.imagePath, s.crop);
    if (!img.isNull()) {
      p->setClipPath(path);
      const QSizeF fit = QSizeF(img.size()).scaled(r.size(), Qt::KeepAspectRatioByExpanding);
      p->drawImage(QRectF(r.center() - QPointF(fit.width() / 2, fit.height() / 2), fit), img);
      p->setClipping(false);
    } else {
      p->setPen(pal.color(QPalette::PlaceholderText));
      p->drawText(r, Qt::AlignCenter, QStringLiteral("?"));
    }
    QColor border = pal.color(QPalette::Mid);
    if (s.weight > 1) border = QColor(230, 130, 0);
    if (s.weight < 1) border = QColor(60, 120, 240);
    if (img.isNull()) border = QColor(200, 40, 40);
    if (selected) border = pal.color(QPalette::Highlight);
    p->setPen(QPen(border, selected ? 3 : 1.5));
    p->drawPath(path);
    if (selected)
      p->fillPath(path, QColor(pal.color(QPalette::Highlight).red(), pal.color(QPalette::Highlight).green(),
                               pal.color(QPalette::Highlight).blue(), 60));
    QFont small = edit_->font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.7));
    p->setFont(small);
    if (s.hasCrop()) {  // corner marks: the thumbnail shows a crop, not the whole image
      const QRectF m = r.adjusted(3, 3, -3, -3);
      const qreal k = std::min(6.0, m.width() / 4);
      p->setPen(QPen(Qt::white, 2));
      p->drawPolyline(QPolygonF({m.topLeft() + QPointF(0, k), m.topLeft(), m.topLeft() + QPointF(k, 0)}));
      p->drawPolyline(QPolygonF({m.bottomLeft() - QPointF(0, k), m.bottomLeft(), m.bottomLeft() + QPointF(k, 0)}));
    }
    if (s.weight != 1.0) {
      const QString badge = weightText(s.weight);
      const QFontMetricsF fm(small);
      QRectF b(0, 0, fm.horizontalAdvance(badge) + 4, fm.height());
      b.moveBottomRight(r.bottomRight() - QPointF(1, 1));
      p->setPen(Qt::NoPen);
      p->setBrush(QColor(0, 0, 0, 170));
      p->drawRoundedRect(b, 3, 3);
      p->setPen(Qt::white);
      p->drawText(b, Qt::AlignCenter, badge);
    }
    if (!s.note.isEmpty()) {
      p->setPen(Qt::NoPen);
      p->setBrush(QColor(255, 210, 0));
      p->drawEllipse(QPointF(r.right() - 5, r.top() + 5), 3, 3);
    }
    p->restore();
  }

 private:
  QTextEdit* edit_;
  QHash<QString, QImage> cache_;
};

// ---- the rich editor -----------------------------------------------------------------------------------

class ComposerTextEdit : public QTextEdit {
 public:
  explicit ComposerTextEdit(PromptComposer* composer) : QTextEdit(composer), composer_(composer) {
    setAcceptRichText(false);  // foreign HTML comes in as plain text; our own fragments use kPromptMimeType
    setAcceptDrops(true);
    setTabChangesFocus(true);
  }

  // Document position of the chip under a viewport point, or -1.
  int chipIndexAt(const QPoint& vp) const {
    const int c = cursorForPosition(vp).position();
    for (int p : {c - 1, c}) {
      if (p < 0 || !composer_->chipAt(p)) continue;
      if (chipRect(p).contains(vp)) return p;
    }
    return -1;
  }

  // The viewport rectangle of the character at `pos`.
  QRectF chipRect(int pos) const {
    const QTextBlock block = document()->findBlock(pos);
    const QTextLayout* layout = block.layout();
    if (!layout) return {};
    const int rel = pos - block.position();
    const QTextLine line = layout->lineForTextPosition(rel);
    if (!line.isValid()) return {};
    const qreal x0 = line.cursorToX(rel), x1 = line.cursorToX(rel + 1);
    QRectF r(layout->position().x() + std::min(x0, x1), layout->position().y() + line.y(), std::abs(x1 - x0),
             line.height());
    r.translate(-horizontalScrollBar()->value(), -verticalScrollBar()->value());
    return r;
  }

  // Typing next to a chip must not inherit the chip's object format (QTextEdit types with the format of the
  // character before the cursor).
  bool cleanTypingFormat(const QString& typed) {
    QTextCursor c = textCursor();
    if (!isChipFormat(c.charFormat())) return false;
    if (c.hasSelection()) {
      c.beginEditBlock();
      c.removeSelectedText();
      c.insertText(typed, QTextCharFormat());
      c.endEditBlock();
      setTextCursor(c);
      return true;
    }
    c.setCharFormat(QTextCharFormat());  // no selection: only the cursor's typing format, no undo step
    setTextCursor(c);
    return false;
  }

 protected:
  bool canInsertFromMimeData(const QMimeData* source) const override {
    return composer_->canDrop(source) || QTextEdit::canInsertFromMimeData(source);
  }

  void insertFromMimeData(const QMimeData* source) override {
    if (composer_->handleDrop(source, -1)) return;
    QString text = source->text();
    if (text.isEmpty() && source->hasHtml()) text = QTextDocumentFragment::fromHtml(source->html()).toPlainText();
    if (text.isEmpty()) return;
    text.remove(kObjectChar);  // a stray object character would become a chip-less object
    QTextCursor c = textCursor();
    const QTextCharFormat f = c.charFormat();
    c.insertText(text, isChipFormat(f) ? QTextCharFormat() : f);
    setTextCursor(c);
  }

  QMimeData* createMimeDataFromSelection() const override {
    const QTextCursor c = textCursor();
    const PromptDocument piece = composer_->documentFrom(c.selectionStart(), c.selectionEnd());
    auto* mime = new QMimeData;
    mime->setData(kPromptMimeType, piece.toJson().toUtf8());
    mime->setText(piece.toSyntax());
    return mime;
  }

  void dropEvent(QDropEvent* e) override {
    const QMimeData* mime = e->mimeData();
    const int pos = cursorForPosition(e->position().toPoint()).position();
    if (mime->hasFormat(kChipMimeType)) {
      const QJsonObject o = QJsonDocument::fromJson(mime->data(kChipMimeType)).object();
      if (o.value("composer").toString() == composer_->id()) {
        endDropFeedback();
        composer_->moveChip(o.value("position").toInt(-1), pos);
        e->setDropAction(Qt::MoveAction);
        e->accept();
        setFocus();
        return;
      }
    }
    // Files, gallery items, images and chips from another composer: inserted at the drop point. Text and our own
    // prompt fragments go through QTextEdit, which also removes the source of an internal move.
    const bool ours = mime->hasFormat(kChipMimeType) || mime->hasFormat(kAssetMimeType) || mime->hasUrls() ||
                      (mime->hasImage() && !mime->hasFormat(kPromptMimeType));
    if (!ours) return QTextEdit::dropEvent(e);
    endDropFeedback();
    composer_->handleDrop(mime, pos);
    e->setDropAction(Qt::CopyAction);
    e->accept();
    setFocus();
  }

  void mousePressEvent(QMouseEvent* e) override {
    const int chip = e->button() == Qt::LeftButton ? chipIndexAt(e->position().toPoint()) : -1;
    if (chip < 0) return QTextEdit::mousePressEvent(e);
    // Select the chip (shown highlighted) and remember it: moving far enough starts a chip drag.
    pressChip_ = chip;
    pressPoint_ = e->position().toPoint();
    QTextCursor c = textCursor();
    c.setPosition(chip);
    c.setPosition(chip + 1, QTextCursor::KeepAnchor);
    setTextCursor(c);
    viewport()->update();
    e->accept();
  }

  void mouseMoveEvent(QMouseEvent* e) override {
    if (pressChip_ < 0) return QTextEdit::mouseMoveEvent(e);
    if ((e->position().toPoint() - pressPoint_).manhattanLength() < QApplication::startDragDistance()) return;
    const int chip = pressChip_;
    pressChip_ = -1;
    auto* drag = new QDrag(this);
    drag->setMimeData(composer_->createChipMimeData(chip));
    const QRectF r = chipRect(chip);
    if (r.isValid()) {
      drag->setPixmap(viewport()->grab(r.toAlignedRect()));
      drag->setHotSpot(pressPoint_ - r.toAlignedRect().topLeft());
    }
    drag->exec(Qt::MoveAction | Qt::CopyAction, Qt::MoveAction);  // the drop (in dropEvent) does the move
  }

  void mouseReleaseEvent(QMouseEvent* e) override {
    if (pressChip_ >= 0) {
      pressChip_ = -1;
      e->accept();
      return;
    }
    QTextEdit::mouseReleaseEvent(e);
  }

  void mouseDoubleClickEvent(QMouseEvent* e) override {
    const int chip = e->button() == Qt::LeftButton ? chipIndexAt(e->position().toPoint()) : -1;
    if (chip < 0) return QTextEdit::mouseDoubleClickEvent(e);
    pressChip_ = -1;
    e->accept();
    composer_->openChipEditor(chip);
  }

  void contextMenuEvent(QContextMenuEvent* e) override { composer_->showContextMenu(e->pos()); }

  void keyPressEvent(QKeyEvent* e) override {
    if ((e->key() == Qt::Key_Return || e->key() == Qt::Key_Enter) && (e->modifiers() & Qt::ControlModifier)) {
      e->accept();
      Q_EMIT composer_->generateRequested();
      return;
    }
    const QString t = e->text();
    if (!t.isEmpty() && t.at(0).isPrint() && cleanTypingFormat(t)) {
      e->accept();
      return;
    }
    QTextEdit::keyPressEvent(e);
  }

  void inputMethodEvent(QInputMethodEvent* e) override {
    if (!e->commitString().isEmpty() || !e->preeditString().isEmpty()) cleanTypingFormat(QString());
    QTextEdit::inputMethodEvent(e);
  }

  bool viewportEvent(QEvent* e) override {
    if (e->type() == QEvent::ToolTip) {
      auto* he = static_cast<QHelpEvent*>(e);
      const QString tip = toolTipAt(he->pos());
      if (tip.isEmpty())
        QToolTip::hideText();
      else
        QToolTip::showText(he->globalPos(), tip, viewport());
      return true;
    }
    return QTextEdit::viewportEvent(e);
  }

  // Weighted phrases show their weight as a small label after the phrase (the tint alone says only "weighted").
  void paintEvent(QPaintEvent* e) override {
    QTextEdit::paintEvent(e);
    QPainter p(viewport());
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.65));
    p.setFont(small);
    const QFontMetrics fm(small);
    for (QTextBlock b = document()->begin(); b.isValid(); b = b.next()) {
      double runWeight = 1.0;
      int runEnd = -1;
      auto flush = [&] {
        if (runEnd < 0 || runWeight == 1.0) return;
        QTextCursor c(document());
        c.setPosition(runEnd);
        const QRect cr = cursorRect(c);
        const QString label = weightText(runWeight);
        // On a line made tall by chips there is room above the words: the label goes inside the phrase's top
        // right corner; on a plain line it follows the phrase like an exponent.
        QRect lr(cr.left() + 1, cr.top() - 1, fm.horizontalAdvance(label) + 2, fm.height());
        if (cr.height() >= fontMetrics().height() + fm.height()) lr.moveRight(cr.left() - 1);
        if (!lr.intersects(e->rect())) return;
        QColor ink = weightTint(runWeight);
        ink.setAlpha(255);
        p.setPen(ink.darker(160));
        p.drawText(lr, Qt::AlignLeft | Qt::AlignTop, label);
      };
      for (auto it = b.begin(); !it.atEnd(); ++it) {
        const QTextFragment f = it.fragment();
        const QTextCharFormat fmt = f.charFormat();
        const double w = isChipFormat(fmt) ? 1.0 : textWeight(fmt);
        if (w != runWeight) flush();
        runWeight = w;
        runEnd = f.position() + f.length();
      }
      flush();
    }
  }

 private:
  void endDropFeedback() {
    // QTextEdit draws a drop caret while dragging; a leave event removes it when we handle the drop ourselves.
    QDragLeaveEvent leave;
    QTextEdit::dragLeaveEvent(&leave);
  }

  QString toolTipAt(const QPoint& vp) const {
    const int chip = chipIndexAt(vp);
    if (chip >= 0) {
      const Segment s = *composer_->chipAt(chip);
      QStringList lines{QDir::toNativeSeparators(s.imagePath)};
      lines << PromptComposer::tr("Weight: %1").arg(s.weight);
      if (s.hasCrop()) lines << PromptComposer::tr("Crop: %1").arg(cropText(s.crop));
      if (!s.note.isEmpty()) lines << PromptComposer::tr("Note: %1").arg(s.note);
      lines << PromptComposer::tr("Double-click to edit, drag to move.");
      return lines.join('\n');
    }
    const int pos = cursorForPosition(vp).position();
    if (pos >= document()->characterCount() - 1) return {};
    const QTextCharFormat f = formatAt(document(), pos);
    if (isChipFormat(f)) return {};
    QStringList lines;
    if (textWeight(f) != 1.0) lines << PromptComposer::tr("Weight: %1").arg(textWeight(f));
    if (f.hasProperty(PromptComposer::TextNote))
      lines << PromptComposer::tr("Note: %1").arg(f.stringProperty(PromptComposer::TextNote));
    return lines.join('\n');
  }

  PromptComposer* composer_;
  int pressChip_ = -1;
  QPoint pressPoint_;
};

// ---- PromptComposer ------------------------------------------------------------------------------------

PromptComposer::PromptComposer(QWidget* parent) : QWidget(parent), id_(QUuid::createUuid().toString()) {
  setObjectName("promptComposer");
  edit_ = new ComposerTextEdit(this);
  edit_->setObjectName("composerEditor");
  chipObject_ = new ChipTextObject(edit_, this);
  edit_->document()->documentLayout()->registerHandler(kChipObjectType, chipObject_);

  raw_ = new QPlainTextEdit(this);
  raw_->setObjectName("composerSyntax");
  raw_->installEventFilter(this);
  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  raw_->setFont(mono);

  stack_ = new QStackedWidget(this);
  stack_->addWidget(edit_);
  stack_->addWidget(raw_);

  // No shortcuts here: the editors take Ctrl+Z / Ctrl+Shift+Z themselves, and the main window's Edit menu may
  // carry the same keys (two actions on one key would make both ambiguous).
  undoAction_ = new QAction(this);
  undoAction_->setObjectName("composerUndo");
  redoAction_ = new QAction(this);
  redoAction_->setObjectName("composerRedo");
  rawAction_ = new QAction(this);
  rawAction_->setObjectName("composerRawMode");
  rawAction_->setCheckable(true);
  connect(undoAction_, &QAction::triggered, this, &PromptComposer::undo);
  connect(redoAction_, &QAction::triggered, this, &PromptComposer::redo);
  connect(rawAction_, &QAction::toggled, this, [this](bool raw) {
    if (!setRawMode(raw)) {
      const QSignalBlocker block(rawAction_);
      rawAction_->setChecked(isRawMode());
    }
  });

  undoButton_ = new QToolButton(this);
  undoButton_->setDefaultAction(undoAction_);
  redoButton_ = new QToolButton(this);
  redoButton_->setDefaultAction(redoAction_);
  rawButton_ = new QToolButton(this);
  rawButton_->setDefaultAction(rawAction_);
  rawButton_->setToolButtonStyle(Qt::ToolButtonTextOnly);

  status_ = new QLabel(this);
  status_->setObjectName("composerStatus");
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(0, 0, 0, 0);
  bar->addWidget(undoButton_);
  bar->addWidget(redoButton_);
  bar->addStretch(1);
  bar->addWidget(rawButton_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(stack_, 1);
  layout->addWidget(status_);

  connect(edit_->document(), &QTextDocument::contentsChanged, this, [this] {
    status_->clear();
    Q_EMIT changed();
  });
  connect(raw_, &QPlainTextEdit::textChanged, this, [this] {
    if (isRawMode()) Q_EMIT changed();
  });
  connect(edit_->document(), &QTextDocument::undoAvailable, this, &PromptComposer::updateUndoActions);
  connect(edit_->document(), &QTextDocument::redoAvailable, this, &PromptComposer::updateUndoActions);
  connect(raw_->document(), &QTextDocument::undoAvailable, this, &PromptComposer::updateUndoActions);
  connect(raw_->document(), &QTextDocument::redoAvailable, this, &PromptComposer::updateUndoActions);
  connect(edit_, &QTextEdit::selectionChanged, edit_->viewport(), qOverload<>(&QWidget::update));  // chip highlight
  retranslateUi();
  updateUndoActions();
  setFocusProxy(edit_);
}

PromptComposer::~PromptComposer() = default;

void PromptComposer::retranslateUi() {
  undoAction_->setText(tr("Undo"));
  undoAction_->setToolTip(tr("Undo the last edit of the prompt"));
  redoAction_->setText(tr("Redo"));
  redoAction_->setToolTip(tr("Redo the edit that was undone"));
  rawAction_->setText(tr("Syntax"));
  rawAction_->setToolTip(tr("Show and edit the prompt as text, with [img:path:weight@x,y,w,h] for images"));
  edit_->setPlaceholderText(
      tr("Describe the image. Drop or paste reference images where they belong among the words. "
         "Ctrl+Return generates."));
  raw_->setPlaceholderText(tr("a photo of [img:cat.png] (wearing a red hat:1.3)"));
}

void PromptComposer::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

bool PromptComposer::eventFilter(QObject* watched, QEvent* event) {
  if (watched == raw_ && event->type() == QEvent::KeyPress) {
    auto* k = static_cast<QKeyEvent*>(event);
    if ((k->key() == Qt::Key_Return || k->key() == Qt::Key_Enter) && (k->modifiers() & Qt::ControlModifier)) {
      Q_EMIT generateRequested();
      return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

QTextEdit* PromptComposer::richEditor() const {
  return edit_;
}

QTextDocument* PromptComposer::textDocument() const {
  return edit_->document();
}

void PromptComposer::showMessage(const QString& text) {
  status_->setText(text);
  Q_EMIT message(text);
}

void PromptComposer::clearMessage() {
  status_->clear();
}

// ---- reading the document ----

PromptDocument PromptComposer::documentFrom(int from, int to) const {
  PromptDocument out;
  QList<Segment>& segs = out.segments();
  const QTextDocument* doc = edit_->document();
  for (QTextBlock b = doc->findBlock(from); b.isValid() && b.position() < to; b = b.next()) {
    if (b.position() > from && b.position() <= to) {
      // The block break is a '\n' of the weight around it (the same on both sides), else of weight 1.
      Segment nl = Segment::makeText(QStringLiteral("\n"));
      const QTextCharFormat next = formatAt(doc, b.position());
      if (!segs.isEmpty() && segs.last().isText() && !isChipFormat(next) && b.length() > 1 &&
          segs.last().weight == textWeight(next) && segs.last().note == next.stringProperty(TextNote)) {
        nl.weight = segs.last().weight;
        nl.note = segs.last().note;
      }
      segs.append(nl);
    }
    for (auto it = b.begin(); !it.atEnd(); ++it) {
      const QTextFragment f = it.fragment();
      const int a = std::max(from, f.position()), e = std::min(to, f.position() + f.length());
      if (a >= e) continue;
      const QTextCharFormat fmt = f.charFormat();
      const QString text = f.text().mid(a - f.position(), e - a);
      if (isChipFormat(fmt)) {
        for (QChar ch : text)  // equal chips next to each other share one fragment
          if (ch == kObjectChar) segs.append(segmentFromChipFormat(fmt));
        continue;
      }
      QString t = text;
      t.remove(kObjectChar);
      t.replace(QChar::LineSeparator, QLatin1Char('\n'));
      t.replace(QChar::ParagraphSeparator, QLatin1Char('\n'));
      t.replace(QChar::Nbsp, QLatin1Char(' '));
      Segment s = Segment::makeText(t, textWeight(fmt));
      s.note = fmt.stringProperty(TextNote);
      segs.append(s);
    }
  }
  return out.normalized();
}

PromptDocument PromptComposer::document() const {
  const PromptDocument rich = documentFrom(0, edit_->document()->characterCount() - 1);
  if (isRawMode() && raw_->toPlainText() != rawSource_) {
    if (auto parsed = PromptDocument::fromSyntax(raw_->toPlainText(), nullptr, &rich)) return *parsed;
  }
  return rich;
}

mumu::Prompt PromptComposer::prompt() const {
  return document().toPrompt();
}

QString PromptComposer::syntax() const {
  if (isRawMode()) return raw_->toPlainText();
  return document().toSyntax();
}

std::optional<Segment> PromptComposer::chipAt(int pos) const {
  const QTextDocument* doc = edit_->document();
  if (pos < 0 || pos >= doc->characterCount() - 1 || doc->characterAt(pos) != kObjectChar) return std::nullopt;
  const QTextCharFormat f = formatAt(doc, pos);
  if (!isChipFormat(f)) return std::nullopt;
  return segmentFromChipFormat(f);
}

QList<int> PromptComposer::chipPositions() const {
  QList<int> out;
  const QTextDocument* doc = edit_->document();
  for (QTextBlock b = doc->begin(); b.isValid(); b = b.next())
    for (auto it = b.begin(); !it.atEnd(); ++it) {
      const QTextFragment f = it.fragment();
      if (!isChipFormat(f.charFormat())) continue;
      const QString t = f.text();
      for (int i = 0; i < t.size(); ++i)
        if (t[i] == kObjectChar) out.append(f.position() + i);
    }
  return out;
}

// ---- changing the document ----

QTextCharFormat PromptComposer::chipFormat(const Segment& s) const {
  QTextCharFormat f;
  f.setObjectType(kChipObjectType);
  f.setProperty(ChipPath, s.imagePath);
  if (!s.sha256.isEmpty()) f.setProperty(ChipSha256, s.sha256);
  if (s.weight != 1.0) f.setProperty(ChipWeight, s.weight);
  if (s.hasCrop()) f.setProperty(ChipCrop, s.crop);
  if (!s.note.isEmpty()) f.setProperty(ChipNote, s.note);
  return f;
}

void PromptComposer::insertSegmentsAt(QTextCursor& cursor, const QList<Segment>& segments) {
  for (const Segment& s : segments) {
    if (s.isImage()) {
      cursor.insertText(QString(kObjectChar), chipFormat(s));
    } else if (!s.text.isEmpty()) {
      QString t = s.text;
      t.remove(kObjectChar);
      cursor.insertText(t, textFormat(s.weight, s.note));
    }
  }
}

void PromptComposer::insertSegments(const QList<Segment>& segments, int pos) {
  QTextCursor c = edit_->textCursor();
  if (pos >= 0) c.setPosition(std::clamp(pos, 0, edit_->document()->characterCount() - 1));
  c.beginEditBlock();
  c.removeSelectedText();
  insertSegmentsAt(c, segments);
  c.endEditBlock();
  c.setCharFormat(QTextCharFormat());  // what is typed next is plain text
  edit_->setTextCursor(c);
}

void PromptComposer::setDocument(const PromptDocument& document) {
  QTextCursor c(edit_->document());
  c.beginEditBlock();
  c.select(QTextCursor::Document);
  c.removeSelectedText();
  c.setBlockCharFormat(QTextCharFormat());
  insertSegmentsAt(c, document.segments());
  c.endEditBlock();
  c.setCharFormat(QTextCharFormat());
  edit_->setTextCursor(c);
  if (isRawMode()) {
    rawSource_ = document.toSyntax();
    raw_->setPlainText(rawSource_);
  }
}

void PromptComposer::setPrompt(const mumu::Prompt& prompt) {
  setDocument(PromptDocument::fromPrompt(prompt));
}

QString PromptComposer::importFile(const QString& path, QString* sha256, QString* error) const {
  const QString problem = checkImageFile(path);
  if (!problem.isEmpty()) {
    *error = problem;
    return {};
  }
  QString stored = QFileInfo(path).absoluteFilePath();
  if (assetImporter_) {
    QString why;
    stored = assetImporter_(path, &why);
    if (stored.isEmpty()) {
      *error = why.isEmpty() ? tr("%1 could not be stored.").arg(QDir::toNativeSeparators(path)) : why;
      return {};
    }
  }
  QString why;
  *sha256 = fileSha256(stored, &why);
  if (sha256->isEmpty()) {
    *error = why;
    return {};
  }
  return stored;
}

int PromptComposer::insertImageFiles(const QStringList& paths, int pos) {
  QList<Segment> segs;
  QStringList problems;
  for (const QString& path : paths) {
    QString sha, error;
    const QString stored = importFile(path, &sha, &error);
    if (stored.isEmpty()) {
      problems << error;
      continue;
    }
    segs.append(Segment::makeImage(stored, sha));
  }
  if (!segs.isEmpty()) insertSegments(segs, pos);  // one undo step for the whole drop
  if (!problems.isEmpty()) {
    const QString head = segs.isEmpty() ? tr("Nothing was added.") : tr("Some images were not added.");
    showMessage(head + QLatin1Char(' ') + problems.join(QLatin1Char(' ')));
  }
  return int(segs.size());
}

bool PromptComposer::insertImage(const QImage& image, int pos) {
  if (image.isNull() || image.width() <= 0 || image.height() <= 0) {
    showMessage(tr("The pasted image is empty; nothing was added."));
    return false;
  }
  if (!imageImporter_) {
    showMessage(tr("Cannot paste the image: there is no asset store to keep it in. Drop an image file instead."));
    return false;
  }
  QString error;
  const QString stored = imageImporter_(image, &error);
  if (stored.isEmpty()) {
    showMessage(tr("The pasted image could not be stored: %1").arg(error));
    return false;
  }
  const QString sha = fileSha256(stored, &error);
  insertSegments({Segment::makeImage(stored, sha)}, pos);
  return true;
}

bool PromptComposer::moveChip(int from, int to) {
  if (!chipAt(from)) return false;
  QTextDocument* doc = edit_->document();
  to = std::clamp(to, 0, doc->characterCount() - 1);
  if (to == from || to == from + 1) return false;  // dropped onto itself
  const QTextCharFormat fmt = formatAt(doc, from);
  QTextCursor c(doc);
  c.beginEditBlock();
  c.setPosition(from);
  c.setPosition(from + 1, QTextCursor::KeepAnchor);
  c.removeSelectedText();
  const int target = to > from ? to - 1 : to;
  c.setPosition(target);
  c.insertText(QString(kObjectChar), fmt);
  c.endEditBlock();
  c.setCharFormat(QTextCharFormat());
  edit_->setTextCursor(c);
  return true;
}

bool PromptComposer::editChip(int pos, const Segment& segment) {
  const auto old = chipAt(pos);
  if (!old) return false;
  Segment s = *old;
  s.weight = std::clamp(segment.weight, 0.0, kMaxPromptWeight);
  s.crop = segment.crop;
  s.note = segment.note;
  if (s == *old) return false;
  QTextCursor c(edit_->document());
  c.setPosition(pos);
  c.setPosition(pos + 1, QTextCursor::KeepAnchor);
  c.setCharFormat(chipFormat(s));  // a format change: one step on the document's undo stack
  return true;
}

bool PromptComposer::openChipEditor(int pos) {
  const auto chip = chipAt(pos);
  if (!chip) return false;
  ChipEditor dialog(*chip, this);
  if (dialog.exec() != QDialog::Accepted) return false;
  return editChip(pos, dialog.segment());
}

bool PromptComposer::setSelectionWeight(double weight) {
  QTextCursor sel = edit_->textCursor();
  if (!sel.hasSelection()) {
    showMessage(tr("Select the words to weight first."));
    return false;
  }
  weight = std::clamp(weight, 0.0, kMaxPromptWeight);
  const int from = sel.selectionStart(), to = sel.selectionEnd();
  QTextDocument* doc = edit_->document();
  // Collect first: changing formats re-splits fragments under the iterator.
  struct Run {
    int a, b;
    QTextCharFormat f;
  };
  QList<Run> runs;
  for (QTextBlock b = doc->findBlock(from); b.isValid() && b.position() < to; b = b.next())
    for (auto it = b.begin(); !it.atEnd(); ++it) {
      const QTextFragment f = it.fragment();
      const int a = std::max(from, f.position()), e = std::min(to, f.position() + f.length());
      if (a < e && !isChipFormat(f.charFormat())) runs.append({a, e, f.charFormat()});
    }
  if (runs.isEmpty()) return false;
  QTextCursor c(doc);
  c.beginEditBlock();
  for (const Run& r : runs) {
    c.setPosition(r.a);
    c.setPosition(r.b, QTextCursor::KeepAnchor);
    c.setCharFormat(textFormat(weight, r.f.stringProperty(TextNote), r.f));
  }
  c.endEditBlock();
  return true;
}

QMimeData* PromptComposer::createChipMimeData(int pos) const {
  const auto chip = chipAt(pos);
  if (!chip) return nullptr;
  const PromptDocument piece({*chip});
  QJsonObject o;
  o.insert("composer", id_);
  o.insert("position", pos);
  auto* mime = new QMimeData;
  mime->setData(kChipMimeType, QJsonDocument(o).toJson(QJsonDocument::Compact));
  mime->setData(kPromptMimeType, piece.toJson().toUtf8());
  mime->setText(piece.toSyntax());
  return mime;
}

bool PromptComposer::canDrop(const QMimeData* mime) const {
  return mime && (mime->hasFormat(kChipMimeType) || mime->hasFormat(kPromptMimeType) ||
                  mime->hasFormat(kAssetMimeType) || mime->hasUrls() || mime->hasImage());
}

bool PromptComposer::handleDrop(const QMimeData* mime, int pos) {
  if (!mime) return false;
  if (mime->hasFormat(kPromptMimeType)) {  // our own fragments, and chips from another composer
    PromptSyntaxError err;
    const auto piece = PromptDocument::fromJson(QString::fromUtf8(mime->data(kPromptMimeType)), &err);
    if (!piece) {
      showMessage(tr("The dropped prompt could not be read: %1").arg(err.message));
      return true;
    }
    insertSegments(piece->segments(), pos);
    return true;
  }
  if (mime->hasFormat(kAssetMimeType)) {
    QStringList paths;
    for (const QString& line : QString::fromUtf8(mime->data(kAssetMimeType)).split(QLatin1Char('\n')))
      if (!line.trimmed().isEmpty()) paths << line.trimmed();
    insertImageFiles(paths, pos);
    return true;
  }
  if (mime->hasUrls()) {
    QStringList paths;
    int remote = 0;
    for (const QUrl& url : mime->urls()) {
      if (url.isLocalFile())
        paths << url.toLocalFile();
      else
        ++remote;
    }
    if (paths.isEmpty() && mime->hasImage()) {  // an image dragged from a web page: its pixels
      insertImage(qvariant_cast<QImage>(mime->imageData()), pos);
      return true;
    }
    if (paths.isEmpty()) {
      showMessage(tr("Only image files on this computer can be dropped; nothing was added."));
      return true;
    }
    insertImageFiles(paths, pos);
    if (remote > 0 && status_->text().isEmpty())
      showMessage(tr("%n dropped link(s) are not local files and were skipped.", nullptr, remote));
    return true;
  }
  if (mime->hasImage()) {
    insertImage(qvariant_cast<QImage>(mime->imageData()), pos);
    return true;
  }
  return false;
}

// ---- views, undo, menus ----

bool PromptComposer::isRawMode() const {
  return stack_->currentWidget() == raw_;
}

bool PromptComposer::setRawMode(bool raw) {
  if (raw == isRawMode()) return true;
  if (raw) {
    rawSource_ = document().toSyntax();
    raw_->setPlainText(rawSource_);
    stack_->setCurrentWidget(raw_);
    raw_->setFocus();
  } else {
    const QString text = raw_->toPlainText();
    if (text != rawSource_) {
      const PromptDocument rich = documentFrom(0, edit_->document()->characterCount() - 1);
      PromptSyntaxError err;
      const auto parsed = PromptDocument::fromSyntax(text, &err, &rich);
      if (!parsed) {
        QString what = err.message;
        const QString prefix = QStringLiteral("prompt:%1:%2: ").arg(err.line).arg(err.column);
        if (what.startsWith(prefix)) what = what.mid(prefix.size());
        showMessage(tr("Syntax error at line %1, column %2: %3").arg(err.line).arg(err.column).arg(what));
        if (err.offset >= 0) {
          QTextCursor c = raw_->textCursor();
          c.setPosition(std::min(err.offset, int(text.size())));
          raw_->setTextCursor(c);
        }
        raw_->setFocus();
        return false;
      }
      setDocument(*parsed);
    }
    stack_->setCurrentWidget(edit_);
    edit_->setFocus();
  }
  {
    const QSignalBlocker block(rawAction_);
    rawAction_->setChecked(raw);
  }
  updateUndoActions();
  return true;
}

bool PromptComposer::isUndoAvailable() const {
  return isRawMode() ? raw_->document()->isUndoAvailable() : edit_->document()->isUndoAvailable();
}

bool PromptComposer::isRedoAvailable() const {
  return isRawMode() ? raw_->document()->isRedoAvailable() : edit_->document()->isRedoAvailable();
}

void PromptComposer::updateUndoActions() {
  const bool u = isUndoAvailable(), r = isRedoAvailable();
  const bool uChanged = u != undoAction_->isEnabled(), rChanged = r != redoAction_->isEnabled();
  undoAction_->setEnabled(u);
  redoAction_->setEnabled(r);
  if (uChanged) Q_EMIT undoAvailable(u);
  if (rChanged) Q_EMIT redoAvailable(r);
}

void PromptComposer::undo() {
  if (isRawMode())
    raw_->undo();
  else
    edit_->undo();
  updateUndoActions();
}

void PromptComposer::redo() {
  if (isRawMode())
    raw_->redo();
  else
    edit_->redo();
  updateUndoActions();
}

void PromptComposer::showContextMenu(const QPoint& viewportPos) {
  const QPoint docPos =
      viewportPos + QPoint(edit_->horizontalScrollBar()->value(), edit_->verticalScrollBar()->value());
  QMenu* menu = edit_->createStandardContextMenu(docPos);
  menu->setAttribute(Qt::WA_DeleteOnClose);
  QAction* first = menu->actions().value(0);
  const int chip = edit_->chipIndexAt(viewportPos);
  if (chip >= 0) {
    QAction* editAction = new QAction(tr("Edit reference image…"), menu);
    connect(editAction, &QAction::triggered, this, [this, chip] { openChipEditor(chip); });
    QAction* removeAction = new QAction(tr("Remove reference image"), menu);
    connect(removeAction, &QAction::triggered, this, [this, chip] {
      if (!chipAt(chip)) return;
      QTextCursor c(edit_->document());
      c.setPosition(chip);
      c.setPosition(chip + 1, QTextCursor::KeepAnchor);
      c.removeSelectedText();
    });
    menu->insertAction(first, editAction);
    menu->insertAction(first, removeAction);
  } else {
    QAction* weightAction = new QAction(tr("Weight…"), menu);
    weightAction->setEnabled(edit_->textCursor().hasSelection());
    connect(weightAction, &QAction::triggered, this, [this] {
      const QTextCursor sel = edit_->textCursor();
      const double current = textWeight(formatAt(edit_->document(), sel.selectionStart()));
      bool ok = false;
      const double w = QInputDialog::getDouble(this, tr("Phrase weight"),
                                               tr("Weight of the selected words (1 = normal, 0 = ignored):"), current,
                                               0.0, kMaxPromptWeight, 2, &ok, {}, 0.1);
      if (ok) setSelectionWeight(w);
    });
    menu->insertAction(first, weightAction);
  }
  menu->insertSeparator(first);
  menu->addSeparator();
  menu->addAction(rawAction_);
  menu->popup(edit_->viewport()->mapToGlobal(viewportPos));
}

}  // namespace mumu

#include "prompt_composer.moc"
