// prompt_composer.h — the prompt composer: a rich text editor where reference images sit among the words as
// thumbnail chips (placed by dropping files or gallery items, by pasting, moved by dragging), text phrases can be
// weighted, every edit is undoable, and a toggle shows the raw `[img:...]` syntax for editing. Its content maps
// one-to-one to mumu::Prompt (via PromptDocument), which is what the lead hands to the generation queue.
//
// How the document stores a prompt: text is ordinary characters; a chip is one U+FFFC object character whose
// QTextCharFormat has objectType kChipObjectType and carries the segment (path, SHA-256, weight, crop, note) as
// properties; text weights and notes are char-format properties too (shown with a tinted background). So
// QTextDocument's own undo stack records typing, chip insertion, moves and chip/phrase edits alike.
#pragma once

#include <QImage>
#include <QTextFormat>
#include <QWidget>
#include <functional>

#include "core/prompt_document.h"

class QAction;
class QLabel;
class QMimeData;
class QPlainTextEdit;
class QStackedWidget;
class QTextCursor;
class QTextDocument;
class QTextEdit;
class QToolButton;

namespace mumu {

class ChipTextObject;
class ComposerTextEdit;

// Stores a pasted clipboard image in the asset store (AssetStore::importImage fits); stored path or empty + error.
using ImageImporter = std::function<QString(const QImage& image, QString* error)>;

// The composer's own drag format: a chip being moved inside (or between) composers. JSON with the source
// composer's id, the chip's document position and its segment.
inline constexpr char kChipMimeType[] = "application/x-mumu-composer-chip";

class PromptComposer : public QWidget {
  Q_OBJECT

 public:
  // Char-format properties of the rich document.
  enum Property {
    ChipPath = QTextFormat::UserProperty + 100,
    ChipSha256,
    ChipWeight,
    ChipCrop,  // QRect; absent = whole image
    ChipNote,
    TextWeight,  // double; absent = 1
    TextNote,
  };
  static constexpr int kChipObjectType = QTextFormat::UserObject + 8;

  explicit PromptComposer(QWidget* parent = nullptr);
  ~PromptComposer() override;

  // ---- API for the main window ----
  // The prompt as the pipeline sees it. In raw mode: the raw text when it parses, else the last rich content.
  mumu::Prompt prompt() const;
  PromptDocument document() const;
  // Replaces the content (one undoable step): "Reuse" from the history restores text and images.
  void setPrompt(const mumu::Prompt& prompt);
  void setDocument(const PromptDocument& document);
  // The raw syntax of the current content (notes and SHA-256s are only in prompt()/JSON).
  QString syntax() const;

  // Where imported reference images go. Without an importer, files are referenced where they are.
  void setAssetImporter(AssetImporter importer) { assetImporter_ = std::move(importer); }
  // Where pasted clipboard images go. Without one, pasting an image gives a message.
  void setImageImporter(ImageImporter importer) { imageImporter_ = std::move(importer); }

  // ---- editing (also used by the context menu, drops and tests) ----
  // Inserts reference images at document position `pos` (-1 = the cursor): files are validated (exists, not empty,
  // decodes as an image) and imported; a bad one gives message() and is skipped. Returns how many were inserted.
  int insertImageFiles(const QStringList& paths, int pos = -1);
  bool insertImage(const QImage& image, int pos = -1);
  // Inserts segments at `pos` (-1 = the cursor) as one undoable step.
  void insertSegments(const QList<PromptDocument::Segment>& segments, int pos = -1);
  // Moves the chip at `from` so it sits at cursor position `to` (positions before the move). One undoable step.
  bool moveChip(int from, int to);
  // Replaces the chip at `pos` with `segment`'s weight, crop and note (one undoable step).
  bool editChip(int pos, const PromptDocument::Segment& segment);
  // Opens the chip editor dialog for the chip at `pos`; applies the result when accepted.
  bool openChipEditor(int pos);
  // Weights the text of the current selection (chips keep their own weight); 1 clears. One undoable step.
  bool setSelectionWeight(double weight);
  // The chip at a document position, if there is one.
  std::optional<PromptDocument::Segment> chipAt(int pos) const;
  QList<int> chipPositions() const;

  // The mime data a chip drag carries (what the drag started by mouse puts on the QDrag).
  QMimeData* createChipMimeData(int pos) const;

  // ---- views ----
  bool isRawMode() const;
  // Switches views. Leaving raw mode parses the raw text: on a syntax error it stays in raw mode, puts the
  // cursor at the error, sends message() with line and column, leaves the rich content as it was, returns false.
  bool setRawMode(bool raw);
  QTextEdit* richEditor() const;
  QPlainTextEdit* rawEditor() const { return raw_; }
  QTextDocument* textDocument() const;
  QLabel* statusLabel() const { return status_; }

  QAction* undoAction() const { return undoAction_; }
  QAction* redoAction() const { return redoAction_; }
  QAction* rawModeAction() const { return rawAction_; }
  bool isUndoAvailable() const;
  bool isRedoAvailable() const;

  QString id() const { return id_; }

 public Q_SLOTS:
  void undo();
  void redo();
  void clearMessage();

 Q_SIGNALS:
  void changed();
  void message(const QString& text);
  void generateRequested();
  void undoAvailable(bool available);
  void redoAvailable(bool available);

 protected:
  void changeEvent(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;  // Ctrl+Return in the raw view

 private:
  friend class ComposerTextEdit;

  void showMessage(const QString& text);
  void retranslateUi();
  void updateUndoActions();
  QString importFile(const QString& path, QString* sha256, QString* error) const;
  QTextCharFormat chipFormat(const PromptDocument::Segment& segment) const;
  void insertSegmentsAt(QTextCursor& cursor, const QList<PromptDocument::Segment>& segments);
  PromptDocument documentFrom(int from, int to) const;
  bool handleDrop(const QMimeData* mime, int pos);
  bool canDrop(const QMimeData* mime) const;
  void showContextMenu(const QPoint& viewportPos);

  QString id_;
  ComposerTextEdit* edit_ = nullptr;
  QPlainTextEdit* raw_ = nullptr;
  QStackedWidget* stack_ = nullptr;
  QLabel* status_ = nullptr;
  QToolButton* rawButton_ = nullptr;
  QToolButton* undoButton_ = nullptr;
  QToolButton* redoButton_ = nullptr;
  QAction* undoAction_ = nullptr;
  QAction* redoAction_ = nullptr;
  QAction* rawAction_ = nullptr;
  ChipTextObject* chipObject_ = nullptr;
  QString rawSource_;  // the syntax the raw view was filled with: unchanged text leaves the rich content as is
  AssetImporter assetImporter_;
  ImageImporter imageImporter_;
};

}  // namespace mumu
