// test_composer.cpp — the prompt composer driven offscreen with real key events and real drop events carrying
// real mime data (file URLs, gallery items, the composer's own chip format).
//
// Moving a chip by mouse runs QDrag::exec, whose drag loop needs a windowing system and cannot run offscreen.
// The tests therefore build the drop the way a real drag delivers it: createChipMimeData() (exactly what the
// composer puts on its QDrag when a chip is dragged) in QDragEnter/Move/Drop events at the target point.
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTextEdit>
#include <QTimer>
#include <QUrl>
#include <QtTest>

#include "core/prompt_document.h"
#include "widgets/chip_editor.h"
#include "widgets/prompt_composer.h"

using mumu::PromptComposer;
using mumu::PromptDocument;
using Seg = mumu::PromptDocument::Segment;

namespace {

QString writePng(const QString& path, QSize size, QColor color) {
  QImage img(size, QImage::Format_RGB32);
  img.fill(color);
  if (!img.save(path, "PNG")) return {};
  return path;
}

// The viewport point of a document position (the middle of the caret there).
QPoint pointAt(QTextEdit* e, int pos) {
  QTextCursor c(e->document());
  c.setPosition(pos);
  return e->cursorRect(c).center();
}

// Delivers a drag that enters, moves and drops at `pt`, as a real drag does.
void dropAt(QTextEdit* e, const QPoint& pt, const QMimeData* mime, Qt::DropActions actions = Qt::CopyAction) {
  QWidget* vp = e->viewport();
  QDragEnterEvent enter(pt, actions, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(vp, &enter);
  QDragMoveEvent move(pt, actions, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(vp, &move);
  QDropEvent drop(QPointF(pt), actions, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(vp, &drop);
}

void dropFiles(QTextEdit* e, int pos, const QStringList& files) {
  QMimeData mime;
  QList<QUrl> urls;
  for (const QString& f : files) urls << QUrl::fromLocalFile(f);
  mime.setUrls(urls);
  mime.setText(files.join('\n'));  // file managers add the paths as text too; the URLs must win
  QCOMPARE(e->cursorForPosition(pointAt(e, pos)).position(), pos);
  dropAt(e, pointAt(e, pos), &mime);
}

QString describe(const PromptDocument& d) {
  QStringList parts;
  for (const Seg& s : d.segments())
    parts << (s.isText() ? QString("T'%1':%2").arg(s.text).arg(s.weight)
                         : QString("I'%1':%2").arg(QFileInfo(s.imagePath).fileName()).arg(s.weight));
  return parts.join(" | ");
}

}  // namespace

class TestComposer : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString red_, blue_, green_;
  QString store_;
  int imports_ = 0;

  // A stand-in for AssetStore::import: copies into <dir>/assets/<sha256>.png.
  mumu::AssetImporter importer() {
    return [this](const QString& path, QString* error) -> QString {
      ++imports_;
      const QString sha = mumu::fileSha256(path, error);
      if (sha.isEmpty()) return {};
      const QString dest = store_ + "/" + sha + ".png";
      if (!QFile::exists(dest) && !QFile::copy(path, dest)) {
        *error = "copy failed";
        return {};
      }
      return dest;
    };
  }

  void setUp(PromptComposer& c) {
    c.setAssetImporter(importer());
    c.resize(700, 300);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    c.richEditor()->setFocus();
  }

  QString stored(const QString& original) { return store_ + "/" + mumu::fileSha256(original) + ".png"; }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    red_ = writePng(dir_.filePath("red.png"), {40, 30}, Qt::red);
    blue_ = writePng(dir_.filePath("blue.png"), {20, 20}, Qt::blue);
    green_ = writePng(dir_.filePath("green.png"), {16, 32}, Qt::green);
    QVERIFY(!red_.isEmpty() && !blue_.isEmpty() && !green_.isEmpty());
    store_ = dir_.filePath("assets");
    QVERIFY(QDir().mkpath(store_));
  }

  // Issue #8, done-when: dropping two image files and typing text builds the expected segments.
  void dropTwoFilesAndTypeBuildsSegments() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    QTest::keyClicks(e, "a man riding a scooter");
    dropFiles(e, 0, {red_});  // before "a man"
    const int scooter = e->document()->toPlainText().indexOf("scooter");
    QVERIFY(scooter > 0);
    dropFiles(e, scooter, {blue_});
    QTest::keyClick(e, Qt::Key_End, Qt::ControlModifier);
    QTest::keyClicks(e, " in Seoul");

    const PromptDocument d = c.document();
    QCOMPARE(describe(d), QString("I'%1':1 | T'a man riding a ':1 | I'%2':1 | T'scooter in Seoul':1")
                              .arg(QFileInfo(stored(red_)).fileName(), QFileInfo(stored(blue_)).fileName()));
    // Imported into the (stand-in) asset store, with the SHA-256 of the bytes.
    QCOMPARE(d.segments()[0].imagePath, stored(red_));
    QCOMPARE(d.segments()[0].sha256, mumu::fileSha256(red_));
    QCOMPARE(d.segments()[2].sha256, mumu::fileSha256(blue_));
    const mumu::Prompt p = c.prompt();
    QCOMPARE(p.segments.size(), size_t(4));
    QCOMPARE(p.imageCount(), 2);
    QCOMPARE(p.segments[3].text, std::string("scooter in Seoul"));
    QCOMPARE(c.syntax(), QString("[img:%1]a man riding a [img:%2]scooter in Seoul").arg(stored(red_), stored(blue_)));
    QCOMPARE(c.chipPositions(), (QList<int>{0, scooter}));  // `scooter` counted the first chip
  }

  void twoFilesInOneDropAreOneUndoStep() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    QTest::keyClicks(e, "x");
    dropFiles(e, 1, {red_, blue_});
    QCOMPARE(c.document().imageCount(), 2);
    QCOMPARE(c.document().segments()[1].imagePath, stored(red_));
    QCOMPARE(c.document().segments()[2].imagePath, stored(blue_));
    c.undo();
    QCOMPARE(describe(c.document()), QString("T'x':1"));
  }

  // Issue #8, done-when: reordering a chip by drag.
  void reorderChipByDrag() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    c.setDocument(PromptDocument(
        {Seg::makeImage(red_, "", 0.7), Seg::makeText(" cat and "), Seg::makeImage(blue_), Seg::makeText(" dog")}));
    QCOMPARE(c.chipPositions(), (QList<int>{0, 10}));
    // Drag the red chip (position 0) to the end of the text.
    std::unique_ptr<QMimeData> mime(c.createChipMimeData(0));
    QVERIFY(mime);
    QVERIFY(mime->hasFormat(mumu::kChipMimeType));
    const int end = e->document()->characterCount() - 1;
    dropAt(e, pointAt(e, end), mime.get(), Qt::MoveAction | Qt::CopyAction);
    QCOMPARE(describe(c.document()), QString("T' cat and ':1 | I'blue.png':1 | T' dog':1 | I'red.png':0.7"));
    // …and the blue one in front of "cat" (positions after the first move).
    std::unique_ptr<QMimeData> mime2(c.createChipMimeData(9));
    QVERIFY(mime2);
    dropAt(e, pointAt(e, 1), mime2.get(), Qt::MoveAction);
    QCOMPARE(describe(c.document()), QString("T' ':1 | I'blue.png':1 | T'cat and  dog':1 | I'red.png':0.7"));
    // Each move is one undo step.
    c.undo();
    QCOMPARE(describe(c.document()), QString("T' cat and ':1 | I'blue.png':1 | T' dog':1 | I'red.png':0.7"));
    c.undo();
    QCOMPARE(describe(c.document()), QString("I'red.png':0.7 | T' cat and ':1 | I'blue.png':1 | T' dog':1"));
    c.redo();
    QCOMPARE(describe(c.document()), QString("T' cat and ':1 | I'blue.png':1 | T' dog':1 | I'red.png':0.7"));
    // Dropping a chip onto itself changes nothing.
    const int redPos = c.chipPositions().last();
    std::unique_ptr<QMimeData> mime3(c.createChipMimeData(redPos));
    dropAt(e, pointAt(e, redPos), mime3.get(), Qt::MoveAction);
    QCOMPARE(describe(c.document()), QString("T' cat and ':1 | I'blue.png':1 | T' dog':1 | I'red.png':0.7"));
  }

  void chipFromAnotherComposerIsCopied() {
    PromptComposer a, b;
    setUp(a);
    setUp(b);
    a.setDocument(PromptDocument({Seg::makeImage(red_, "", 1.5, QRect(1, 2, 3, 4), "n")}));
    std::unique_ptr<QMimeData> mime(a.createChipMimeData(0));
    dropAt(b.richEditor(), pointAt(b.richEditor(), 0), mime.get(), Qt::MoveAction | Qt::CopyAction);
    QCOMPARE(b.document(), a.document());
    QCOMPARE(a.document().imageCount(), 1);
  }

  // Issue #8, done-when: undo/redo — typing, chip insertion, chip move and chip weight edit.
  void undoRedoEveryEdit() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    QSignalSpy undoSpy(&c, &PromptComposer::undoAvailable);
    QVERIFY(!c.isUndoAvailable());
    QTest::keyClicks(e, "hello");
    QVERIFY(c.isUndoAvailable());
    QVERIFY(c.undoAction()->isEnabled());
    QVERIFY(undoSpy.count() >= 1);
    const QString b = describe(c.document());
    QCOMPARE(b, QString("T'hello':1"));
    dropFiles(e, 5, {red_});  // chip insertion
    const QString cState = describe(c.document());
    QVERIFY(c.moveChip(5, 0));  // chip move (what a chip drop does)
    const QString d = describe(c.document());
    QCOMPARE(d, QString("I'%1':1 | T'hello':1").arg(QFileInfo(stored(red_)).fileName()));
    Seg edited = *c.chipAt(0);
    edited.weight = 2.5;
    edited.crop = QRect(5, 5, 10, 10);
    QVERIFY(c.editChip(0, edited));  // chip weight/crop edit
    const QString eState = describe(c.document());
    QCOMPARE(c.document().segments()[0].weight, 2.5);
    QCOMPARE(c.document().segments()[0].crop, QRect(5, 5, 10, 10));

    c.undo();
    QCOMPARE(describe(c.document()), d);
    QVERIFY(!c.document().segments()[0].hasCrop());
    c.undo();
    QCOMPARE(describe(c.document()), cState);
    c.undo();
    QCOMPARE(describe(c.document()), b);
    // Typing may be one or several steps (QTextDocument merges adjacent keystrokes): undo it all.
    for (int i = 0; i < 10 && c.isUndoAvailable(); ++i) c.undo();
    QVERIFY(!c.isUndoAvailable());
    QVERIFY(c.document().isEmpty());
    QVERIFY(c.isRedoAvailable());
    QVERIFY(c.redoAction()->isEnabled());
    for (int i = 0; i < 20 && c.isRedoAvailable(); ++i) c.redo();
    QCOMPARE(describe(c.document()), eState);
    QCOMPARE(c.document().segments()[0].crop, QRect(5, 5, 10, 10));
    // The actions do the same as the slots.
    c.undoAction()->trigger();
    QCOMPARE(describe(c.document()), d);
    c.redoAction()->trigger();
    QCOMPARE(describe(c.document()), eState);
  }

  void typingNextToAChipIsPlainText() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    c.setDocument(PromptDocument({Seg::makeImage(red_, "", 2.0), Seg::makeText("tail")}));
    QTextCursor cur = e->textCursor();
    cur.setPosition(1);  // right after the chip: QTextEdit would type with the chip's format
    e->setTextCursor(cur);
    QTest::keyClicks(e, "ab");
    QCOMPARE(describe(c.document()), QString("I'red.png':2 | T'abtail':1"));
    QCOMPARE(c.chipPositions(), QList<int>{0});
  }

  // Issue #8, done-when / bad input: a 0-byte and a garbage file give a message and change nothing.
  void badDropsGiveAMessageAndChangeNothing() {
    QFile empty(dir_.filePath("empty.png"));
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.close();
    QFile garbage(dir_.filePath("garbage.png"));
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write(QByteArray(1000, 'x') + "not a png at all");
    garbage.close();
    QFile truncated(dir_.filePath("truncated.png"));
    QFile full(red_);
    QVERIFY(full.open(QIODevice::ReadOnly) && truncated.open(QIODevice::WriteOnly));
    truncated.write(full.readAll().left(40));  // a valid PNG signature and header, then nothing
    truncated.close();

    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    c.setDocument(PromptDocument({Seg::makeText("keep "), Seg::makeImage(blue_), Seg::makeText(" me")}));
    const PromptDocument before = c.document();
    const int undoSteps = e->document()->availableUndoSteps();
    QSignalSpy messages(&c, &PromptComposer::message);
    const int importsBefore = imports_;

    dropFiles(e, 2, {empty.fileName()});
    QCOMPARE(messages.count(), 1);
    QString msg = messages.takeFirst().at(0).toString();
    QVERIFY2(msg.contains("empty.png") && msg.contains("0 bytes"), qPrintable(msg));
    QCOMPARE(c.statusLabel()->text(), msg);

    dropFiles(e, 2, {garbage.fileName()});
    QCOMPARE(messages.count(), 1);
    msg = messages.takeFirst().at(0).toString();
    QVERIFY2(msg.contains("garbage.png") && msg.contains("not an image"), qPrintable(msg));

    dropFiles(e, 2, {truncated.fileName()});
    QCOMPARE(messages.count(), 1);
    msg = messages.takeFirst().at(0).toString();
    QVERIFY2(msg.contains("truncated.png"), qPrintable(msg));

    dropFiles(e, 2, {dir_.filePath("no-such-file.png")});
    QCOMPARE(messages.count(), 1);
    QVERIFY(messages.takeFirst().at(0).toString().contains("does not exist"));

    QMimeData gallery;  // a gallery item whose file is gone
    gallery.setData(mumu::kAssetMimeType, dir_.filePath("gone.png").toUtf8());
    dropAt(e, pointAt(e, 2), &gallery);
    QCOMPARE(messages.count(), 1);
    messages.clear();

    QCOMPARE(c.document(), before);
    QCOMPARE(e->document()->availableUndoSteps(), undoSteps);  // not even an empty undo step
    QCOMPARE(imports_, importsBefore);                         // nothing reached the asset store

    // A mixed drop adds the good image and names the bad one.
    dropFiles(e, 0, {garbage.fileName(), red_});
    QCOMPARE(c.document().imageCount(), 2);
    QCOMPARE(messages.count(), 1);
    QVERIFY(messages.takeFirst().at(0).toString().contains("garbage.png"));
  }

  void galleryItemDrop() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    QTest::keyClicks(e, "ab");
    QMimeData gallery;
    gallery.setData(mumu::kAssetMimeType, green_.toUtf8());
    QVERIFY(e->cursorForPosition(pointAt(e, 1)).position() == 1);
    dropAt(e, pointAt(e, 1), &gallery);
    QCOMPARE(describe(c.document()), QString("T'a':1 | I'%1':1 | T'b':1").arg(QFileInfo(stored(green_)).fileName()));
  }

  void pasteImageFromClipboard() {
    PromptComposer c;
    setUp(c);
    QSignalSpy messages(&c, &PromptComposer::message);
    QImage img(8, 8, QImage::Format_RGB32);
    img.fill(Qt::yellow);
    QApplication::clipboard()->setImage(img);
    if (!QApplication::clipboard()->mimeData()->hasImage()) QSKIP("this platform plugin has no clipboard");
    // Without an image importer there is nowhere to keep the pixels: a message, nothing inserted.
    c.richEditor()->paste();
    QCOMPARE(messages.count(), 1);
    QVERIFY(c.document().isEmpty());
    int stores = 0;
    c.setImageImporter([&](const QImage& image, QString*) {
      ++stores;
      const QString path = store_ + "/pasted.png";
      return image.save(path) ? path : QString();
    });
    c.richEditor()->paste();
    QCOMPARE(stores, 1);
    QCOMPARE(c.document().imageCount(), 1);
    QCOMPARE(c.document().segments()[0].imagePath, store_ + "/pasted.png");
    QCOMPARE(c.document().segments()[0].sha256, mumu::fileSha256(store_ + "/pasted.png"));
  }

  // Issue #8, done-when: Reuse restores text and images — setPrompt(prompt) then prompt() is the same.
  void setPromptThenPromptIsTheSame() {
    mumu::Prompt p;
    p.segments.push_back(mumu::PromptSegment::makeText("a photo of "));
    auto img = mumu::PromptSegment::makeImage(red_.toStdString(), 0.8, mumu::CropBox{1, 2, 30, 20});
    img.note = "the cat, 고양이";
    img.imageSha256 = mumu::fileSha256(red_).toStdString();
    p.segments.push_back(img);
    p.segments.push_back(mumu::PromptSegment::makeText(" wearing a "));
    p.segments.push_back(mumu::PromptSegment::makeText("red\nhat", 1.3));
    p.segments.push_back(mumu::PromptSegment::makeText(", and "));
    p.segments.push_back(mumu::PromptSegment::makeImage(blue_.toStdString()));
    p.segments.push_back(mumu::PromptSegment::makeImage(blue_.toStdString()));  // the same image twice
    auto quiet = mumu::PromptSegment::makeText(" softly", 0.4);
    quiet.note = "text note";
    p.segments.push_back(quiet);
    p.segments.push_back(mumu::PromptSegment::makeText("\n\nend"));

    PromptComposer c;
    setUp(c);
    QTest::keyClicks(c.richEditor(), "old text");
    QSignalSpy changed(&c, &PromptComposer::changed);
    c.setPrompt(p);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(c.prompt(), p);
    QCOMPARE(c.syntax().toStdString(), mumu::serializePrompt(p));
    QCOMPARE(c.document().toJson().toStdString(), mumu::promptToJson(p));
    QCOMPARE(c.chipPositions().size(), 3);
    // Reuse is undoable like any edit.
    c.undo();
    QCOMPARE(describe(c.document()), QString("T'old text':1"));
    c.redo();
    QCOMPARE(c.prompt(), p);
  }

  void phraseWeight() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    QTest::keyClicks(e, "a red hat");
    QVERIFY(!c.setSelectionWeight(1.3));  // nothing selected: a message, no change
    QTextCursor cur = e->textCursor();
    cur.setPosition(2);
    cur.setPosition(5, QTextCursor::KeepAnchor);
    e->setTextCursor(cur);
    QVERIFY(c.setSelectionWeight(1.3));
    QCOMPARE(describe(c.document()), QString("T'a ':1 | T'red':1.3 | T' hat':1"));
    QCOMPARE(c.syntax(), QString("a (red:1.3) hat"));
    QTextCursor probe(e->document());
    probe.setPosition(3);
    QVERIFY(probe.charFormat().background().style() != Qt::NoBrush);  // shown tinted
    // Weighting a selection that holds a chip leaves the chip's own weight alone.
    c.setDocument(PromptDocument({Seg::makeText("x "), Seg::makeImage(red_, "", 0.5), Seg::makeText(" y")}));
    cur.setPosition(0);
    cur.setPosition(e->document()->characterCount() - 1, QTextCursor::KeepAnchor);
    e->setTextCursor(cur);
    QVERIFY(c.setSelectionWeight(2));
    QCOMPARE(describe(c.document()), QString("T'x ':2 | I'red.png':0.5 | T' y':2"));
    c.undo();
    QCOMPARE(describe(c.document()), QString("T'x ':1 | I'red.png':0.5 | T' y':1"));
    // Weight 1 clears.
    c.redo();
    e->setTextCursor(cur);
    QVERIFY(c.setSelectionWeight(1));
    QCOMPARE(describe(c.document()), QString("T'x ':1 | I'red.png':0.5 | T' y':1"));
  }

  void rawSyntaxView() {
    PromptComposer c;
    setUp(c);
    c.setDocument(
        PromptDocument({Seg::makeText("a "), Seg::makeImage(red_, "abc", 1.0, {}, "my note"), Seg::makeText(" cat")}));
    const PromptDocument rich = c.document();
    QVERIFY(c.setRawMode(true));
    QVERIFY(c.isRawMode());
    QVERIFY(c.rawModeAction()->isChecked());
    QCOMPARE(c.rawEditor()->toPlainText(), QString("a [img:%1] cat").arg(red_));

    // A syntax error: stays in raw mode, message with line and column, cursor at the error, rich view unchanged.
    QSignalSpy messages(&c, &PromptComposer::message);
    c.rawEditor()->setPlainText("a cat\n(red hat:1.5");
    QVERIFY(!c.setRawMode(false));
    QVERIFY(c.isRawMode());
    QVERIFY(c.rawModeAction()->isChecked());
    QCOMPARE(messages.count(), 1);
    const QString msg = messages.takeFirst().at(0).toString();
    QVERIFY2(msg.contains("line 2, column 1") && msg.contains("unterminated weighted text"), qPrintable(msg));
    QCOMPARE(c.rawEditor()->textCursor().position(), 6);
    QCOMPARE(c.prompt(), rich.toPrompt());  // invalid raw text: prompt() is still the rich content
    // The toggle action refuses too.
    c.rawModeAction()->trigger();
    QVERIFY(c.isRawMode());
    QVERIFY(c.rawModeAction()->isChecked());

    // A valid edit: applied as one undoable step; the note of the same image is kept.
    c.rawEditor()->setPlainText(QString("(big:2) [img:%1:0.5@1,1,5,5] cat").arg(red_));
    QCOMPARE(c.syntax(), c.rawEditor()->toPlainText());
    QVERIFY(c.setRawMode(false));
    QVERIFY(!c.isRawMode());
    QCOMPARE(describe(c.document()), QString("T'big':2 | T' ':1 | I'red.png':0.5 | T' cat':1"));
    QCOMPARE(c.document().segments()[2].note, QString("my note"));
    QCOMPARE(c.document().segments()[2].sha256, QString("abc"));
    QCOMPARE(c.document().segments()[2].crop, QRect(1, 1, 5, 5));
    c.undo();
    QCOMPARE(c.document(), rich);

    // Unchanged raw text leaves the rich content exactly as it was (no undo step).
    const int steps = c.textDocument()->availableUndoSteps();
    QVERIFY(c.setRawMode(true));
    QVERIFY(c.setRawMode(false));
    QCOMPARE(c.textDocument()->availableUndoSteps(), steps);
    QCOMPARE(c.document(), rich);
  }

  void ctrlReturnRequestsGeneration() {
    PromptComposer c;
    setUp(c);
    QSignalSpy gen(&c, &PromptComposer::generateRequested);
    QTest::keyClicks(c.richEditor(), "cat");
    QTest::keyClick(c.richEditor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(gen.count(), 1);
    QCOMPARE(c.richEditor()->toPlainText(), QString("cat"));  // no line break typed
    c.setRawMode(true);
    QTest::keyClick(c.rawEditor(), Qt::Key_Enter, Qt::ControlModifier);
    QCOMPARE(gen.count(), 2);
  }

  // The chip editor: weight, a crop box drawn with the mouse, a note; applied as one undoable step.
  void chipEditorDialog() {
    PromptComposer c;
    setUp(c);
    c.setDocument(PromptDocument({Seg::makeText("a "), Seg::makeImage(red_)}));
    bool seen = false;
    QTimer::singleShot(0, &c, [&] {
      auto* dlg = c.findChild<mumu::ChipEditor*>();
      QVERIFY(dlg);
      seen = true;
      dlg->weightBox()->setValue(0.6);
      dlg->noteEdit()->setText("just the face");
      mumu::CropView* view = dlg->cropView();
      view->resize(200, 160);
      QCOMPARE(view->imageSize(), QSize(40, 30));
      const QRectF r = view->imageRect();
      const double s = r.width() / 40.0;
      const QPointF a = r.topLeft() + QPointF(10, 5) * s, b = r.topLeft() + QPointF(30, 25) * s;
      QMouseEvent press(QEvent::MouseButtonPress, a, view->mapToGlobal(a), Qt::LeftButton, Qt::LeftButton, {});
      QApplication::sendEvent(view, &press);
      QMouseEvent move(QEvent::MouseMove, b, view->mapToGlobal(b), Qt::NoButton, Qt::LeftButton, {});
      QApplication::sendEvent(view, &move);
      QMouseEvent release(QEvent::MouseButtonRelease, b, view->mapToGlobal(b), Qt::LeftButton, Qt::NoButton, {});
      QApplication::sendEvent(view, &release);
      QCOMPARE(view->crop(), QRect(10, 5, 20, 20));
      dlg->accept();
    });
    QVERIFY(c.openChipEditor(2));
    QVERIFY(seen);
    const Seg chip = c.document().segments()[1];
    QCOMPARE(chip.weight, 0.6);
    QCOMPARE(chip.crop, QRect(10, 5, 20, 20));
    QCOMPARE(chip.note, QString("just the face"));
    QCOMPARE(c.syntax(), QString("a [img:%1:0.6@10,5,20,20]").arg(red_));
    c.undo();
    QCOMPARE(c.document().segments()[1], Seg::makeImage(red_));

    // Cancel changes nothing.
    QTimer::singleShot(0, &c, [&] {
      auto* dlg = c.findChild<mumu::ChipEditor*>();
      QVERIFY(dlg);
      dlg->weightBox()->setValue(3);
      dlg->reject();
    });
    QVERIFY(!c.openChipEditor(2));
    QCOMPARE(c.document().segments()[1], Seg::makeImage(red_));
  }

  // Double-clicking a chip (hit-tested in the viewport) opens its editor.
  void doubleClickOpensChipEditor() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    c.setDocument(PromptDocument({Seg::makeText("a cat "), Seg::makeImage(red_), Seg::makeText(" on a mat")}));
    const QPoint mid = (pointAt(e, 6) + pointAt(e, 7)) / 2;
    int opened = 0;
    QTimer::singleShot(0, &c, [&] {
      if (auto* dlg = c.findChild<mumu::ChipEditor*>()) {
        ++opened;
        dlg->weightBox()->setValue(1.5);
        dlg->accept();
      }
    });
    QTest::mouseDClick(e->viewport(), Qt::LeftButton, {}, mid);
    QCOMPARE(opened, 1);
    QCOMPARE(c.document().segments()[1].weight, 1.5);
    if (qEnvironmentVariableIsSet("MUMU_COMPOSER_SHOT")) {
      c.setDocument(
          PromptDocument({Seg::makeText("a photo of "), Seg::makeImage(red_, "", 1.4), Seg::makeText(" a man "),
                          Seg::makeText("riding", 1.3), Seg::makeText(" a "), Seg::makeImage(blue_, "", 1, {}, "n"),
                          Seg::makeText(" scooter in "), Seg::makeImage(green_, "", 0.6, QRect(0, 0, 8, 8)),
                          Seg::makeText(" Seoul at night", 0.7)}));
      c.grab().save(qEnvironmentVariable("MUMU_COMPOSER_SHOT"));
    }
    // A double-click on plain text does not.
    QTimer::singleShot(0, &c, [&] {
      if (auto* dlg = c.findChild<mumu::ChipEditor*>()) {
        ++opened;
        dlg->reject();
      }
    });
    QTest::mouseDClick(e->viewport(), Qt::LeftButton, {}, pointAt(e, 2));
    QCOMPARE(opened, 1);
  }

  // Pressing on a chip selects it (the start of a chip drag). Dragging further runs QDrag::exec, which the
  // offscreen platform answers at once with "ignored": the document must stay as it was.
  void pressOnChipSelectsIt() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    c.setDocument(PromptDocument({Seg::makeText("ab "), Seg::makeImage(red_), Seg::makeText(" cd")}));
    const PromptDocument before = c.document();
    const QPoint mid = (pointAt(e, 3) + pointAt(e, 4)) / 2;
    QTest::mousePress(e->viewport(), Qt::LeftButton, {}, mid);
    QCOMPARE(e->textCursor().selectionStart(), 3);
    QCOMPARE(e->textCursor().selectionEnd(), 4);
    QMouseEvent move(QEvent::MouseMove, mid + QPoint(40, 0), e->viewport()->mapToGlobal(mid + QPoint(40, 0)),
                     Qt::NoButton, Qt::LeftButton, {});
    QApplication::sendEvent(e->viewport(), &move);
    QTest::mouseRelease(e->viewport(), Qt::LeftButton, {}, mid + QPoint(40, 0));
    QCOMPARE(c.document(), before);
  }

  // The context menu of a chip edits or removes it; on selected words it offers "Weight…".
  void contextMenus() {
    PromptComposer c;
    setUp(c);
    QTextEdit* e = c.richEditor();
    c.setDocument(PromptDocument({Seg::makeText("ab "), Seg::makeImage(red_), Seg::makeText(" cd")}));
    auto openMenu = [&](const QPoint& pt) -> QMenu* {
      QContextMenuEvent ev(QContextMenuEvent::Mouse, pt, e->viewport()->mapToGlobal(pt));
      QApplication::sendEvent(e->viewport(), &ev);
      for (QWidget* w : QApplication::topLevelWidgets())
        if (auto* m = qobject_cast<QMenu*>(w); m && m->isVisible()) return m;
      return nullptr;
    };
    auto action = [](QMenu* m, const QString& text) -> QAction* {
      for (QAction* a : m->actions())
        if (a->text() == text) return a;
      return nullptr;
    };
    QMenu* m = openMenu((pointAt(e, 3) + pointAt(e, 4)) / 2);
    QVERIFY(m);
    QVERIFY(action(m, "Edit reference image…"));
    QAction* remove = action(m, "Remove reference image");
    QVERIFY(remove);
    QVERIFY(action(m, "Syntax"));
    remove->trigger();
    m->close();
    QCOMPARE(describe(c.document()), QString("T'ab  cd':1"));
    c.undo();
    QCOMPARE(c.document().imageCount(), 1);

    QTextCursor cur = e->textCursor();
    cur.setPosition(0);
    cur.setPosition(2, QTextCursor::KeepAnchor);
    e->setTextCursor(cur);
    m = openMenu(pointAt(e, 1));
    QVERIFY(m);
    QAction* weight = action(m, "Weight…");
    QVERIFY(weight);
    QVERIFY(weight->isEnabled());
    QVERIFY(!action(m, "Remove reference image"));
    m->close();
  }

  void chipEditorShowsUnreadableImage() {
    mumu::ChipEditor dlg(Seg::makeImage(dir_.filePath("gone.png"), "", 2.0, QRect(1, 1, 4, 4)));
    QVERIFY(dlg.cropView()->imageSize().isEmpty());
    QCOMPARE(dlg.segment().crop, QRect(1, 1, 4, 4));  // kept: nothing was drawn
    QCOMPARE(dlg.segment().weight, 2.0);
  }

  void copySelectionKeepsChips() {
    PromptComposer a, b;
    setUp(a);
    setUp(b);
    a.setDocument(PromptDocument({Seg::makeText("one "),
                                  Seg::makeImage(red_, mumu::fileSha256(red_), 1.2, QRect(0, 0, 5, 5), "n"),
                                  Seg::makeText(" two", 1.5)}));
    a.richEditor()->selectAll();
    a.richEditor()->copy();
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (!mime || !mime->hasFormat(mumu::kPromptMimeType)) QSKIP("this platform plugin has no clipboard");
    QCOMPARE(mime->text(), a.syntax());
    b.richEditor()->paste();
    QCOMPARE(describe(b.document()), describe(a.document()));
    QCOMPARE(b.document(), a.document());
  }
};

QTEST_MAIN(TestComposer)
#include "test_composer.moc"
