// test_viewer.cpp — the viewer (widgets/image_viewer, widgets/compare_view): zoom in/out/fit/1:1 change the scale;
// hovering a recipe chip overlays that segment's heat map (and leaving removes it); a damaged or missing attention
// record or image gives a message, not a crash; the compare view highlights exactly the differing recipe fields and
// keeps both images at the same zoom.
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QtTest>

#include <cstring>

#include "core/attention_maps.h"
#include "core/generation_queue.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"
#include "widgets/compare_view.h"
#include "widgets/image_viewer.h"

using namespace mumu;

namespace {

Recipe makeRecipe(const Prompt& prompt, uint64_t seed = 7, int steps = 20) {
  Recipe r;
  r.prompt = prompt;
  r.negativePrompt = "blurry";
  r.sampler = "ddim";
  r.steps = steps;
  r.cfgScale = 6.5;
  r.seed = seed;
  r.width = 64;
  r.height = 32;
  r.rngSource = "torch.cpu.mt19937:" + std::to_string(seed);
  r.modelName = "small";
  r.modelHash = std::string(64, 'a');
  r.deviceType = "cpu";
  r.dtype = "float32";
  r.appVersion = "0.1.0";
  r.created = "2026-11-26T19:00:00Z";
  return r;
}

// Segment s of `segments` is hot in the s-th vertical band of an 8×4 latent (64×32 image).
AttentionMaps bandMaps(int segments) {
  AttentionMaps m;
  m.segments = segments, m.h = 4, m.w = 8;
  m.data.assign(size_t(segments) * 32, 0.01f);
  for (int s = 0; s < segments; ++s)
    for (int y = 0; y < 4; ++y) m.data[size_t(s) * 32 + size_t(y) * 8 + size_t((s * 2) % 8)] = 0.9f;
  return m;
}

// The safetensors file the generation queue writes, by hand (this test is torch-free like the widgets).
void writeAttentionFile(const QString& path, const AttentionMaps& m) {
  const QByteArray header = QStringLiteral(R"({"attention":{"dtype":"F32","shape":[%1,%2,%3],"data_offsets":[0,%4]}})")
                                .arg(m.segments)
                                .arg(m.h)
                                .arg(m.w)
                                .arg(m.data.size() * 4)
                                .toUtf8();
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = char((quint64(header.size()) >> (8 * i)) & 0xff);
  f.write(len, 8);
  f.write(header);
  f.write(reinterpret_cast<const char*>(m.data.data()), qint64(m.data.size() * sizeof(float)));
}

void hover(QWidget* w, bool enter) {
  if (enter) {
    QEnterEvent e(QPointF(5, 5), QPointF(5, 5), w->mapToGlobal(QPointF(5, 5)));
    QApplication::sendEvent(w, &e);
  } else {
    QEvent e(QEvent::Leave);
    QApplication::sendEvent(w, &e);
  }
}

}  // namespace

class TestViewer : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString image_, ref_;
  Prompt prompt_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    image_ = tmp_.filePath("120000-7.png");
    QImage img(64, 32, QImage::Format_RGB32);
    img.fill(Qt::darkGreen);
    QVERIFY(img.save(image_));
    ref_ = tmp_.filePath("ref.png");
    QImage ref(40, 40, QImage::Format_RGB32);
    ref.fill(Qt::red);
    QVERIFY(ref.save(ref_));
    // text, image (relative to the PNG's folder), text, image that no longer exists.
    prompt_.segments = {PromptSegment::makeText("a red "), PromptSegment::makeImage("ref.png", 0.8),
                        PromptSegment::makeText(" hat on a cat", 1.3), PromptSegment::makeImage("/nowhere/gone.png")};
  }

  void zoomChangesScale() {
    ImageViewer viewer;
    viewer.resize(500, 400);
    viewer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&viewer));
    QVERIFY(viewer.setImage(image_));
    ZoomView* v = viewer.view();
    QVERIFY(v->isFitMode());
    const double fit = v->zoom();
    // Fitted: the 64×32 image fills the viewport's width (or height), so it is scaled up.
    QVERIFY2(fit > 2.0, qPrintable(QString::number(fit)));
    QVERIFY(64 * fit <= v->viewport()->width() + 1e-6 && 32 * fit <= v->viewport()->height() + 1e-6);

    v->zoomIn();
    QVERIFY(!v->isFitMode());
    QCOMPARE(v->zoom(), fit * ZoomView::kZoomStep);
    v->zoomOut();
    v->zoomOut();
    QCOMPARE(v->zoom(), fit / ZoomView::kZoomStep);
    v->actualSize();
    QCOMPARE(v->zoom(), 1.0);
    v->fitToWindow();
    QCOMPARE(v->zoom(), fit);
    QVERIFY(v->isFitMode());

    // Keys and the wheel.
    v->setFocus();
    QTest::keyClick(v, Qt::Key_Plus);
    QCOMPARE(v->zoom(), fit * ZoomView::kZoomStep);
    QTest::keyClick(v, Qt::Key_1);
    QCOMPARE(v->zoom(), 1.0);
    QTest::keyClick(v, Qt::Key_Minus);
    QCOMPARE(v->zoom(), 1.0 / ZoomView::kZoomStep);
    QTest::keyClick(v, Qt::Key_0);
    QCOMPARE(v->zoom(), fit);
    const QPointF at(v->viewport()->rect().center());
    QWheelEvent wheel(at, v->viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(v->viewport(), &wheel);
    QVERIFY(qAbs(v->zoom() - fit * ZoomView::kZoomStep) < 1e-9);
    // Clamped at the limits.
    for (int i = 0; i < 100; ++i) v->zoomIn();
    QCOMPARE(v->zoom(), ZoomView::kMaxZoom);
    for (int i = 0; i < 100; ++i) v->zoomOut();
    QCOMPARE(v->zoom(), ZoomView::kMinZoom);
  }

  void badImage() {
    ImageViewer viewer;
    const QString empty = tmp_.filePath("empty.png");
    {
      QFile f(empty);
      QVERIFY(f.open(QIODevice::WriteOnly));
    }
    QVERIFY(!viewer.setImage(empty));
    QVERIFY2(viewer.view()->lastError().contains("empty.png"), qPrintable(viewer.view()->lastError()));
    QVERIFY(viewer.view()->image().isNull());
    const QString junk = tmp_.filePath("junk.png");
    {
      QFile f(junk);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("definitely not a png");
    }
    QVERIFY(!viewer.setImage(junk));
    QVERIFY(!viewer.view()->lastError().isEmpty());
    QVERIFY(!viewer.setImage(tmp_.filePath("absent.png")));
    // Zooming an empty view does nothing, hovering shows nothing.
    viewer.view()->zoomIn();
    viewer.setAttention(bandMaps(4), makeRecipe(prompt_), tmp_.path());
    hover(viewer.segmentChip(0), true);
    QCOMPARE(viewer.overlaySegment(), -1);
  }

  void hoverShowsSegmentOverlay() {
    ImageViewer viewer;
    viewer.resize(600, 400);
    viewer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&viewer));
    QVERIFY(viewer.setImage(image_));
    viewer.setAttention(bandMaps(4), makeRecipe(prompt_), tmp_.path());
    QCOMPARE(viewer.segmentCount(), 4);
    QCOMPARE(viewer.overlaySegment(), -1);
    QVERIFY(!viewer.view()->hasOverlay());

    // One chip per segment: the reference image as a thumbnail, the missing one marked, text as its phrase.
    for (int i = 0; i < 4; ++i) {
      QVERIFY(viewer.segmentChip(i));
      QCOMPARE(viewer.segmentChip(i)->property("segment").toInt(), i);
    }
    QVERIFY(!viewer.segmentChip(4));
    bool thumb = false;
    for (QLabel* l : viewer.segmentChip(1)->findChildren<QLabel*>()) thumb |= !l->pixmap().isNull();
    QVERIFY(thumb);
    bool missing = false;
    for (QLabel* l : viewer.segmentChip(3)->findChildren<QLabel*>()) missing |= l->pixmap().isNull() && !l->text().isEmpty();
    QVERIFY(missing);
    QVERIFY(viewer.segmentChip(3)->toolTip().contains("gone.png"));
    bool phrase = false;
    for (QLabel* l : viewer.segmentChip(2)->findChildren<QLabel*>()) phrase |= l->text().contains("hat on a cat");
    QVERIFY(phrase);

    QSignalSpy spy(&viewer, &ImageViewer::hoveredSegmentChanged);
    hover(viewer.segmentChip(1), true);
    QCOMPARE(viewer.overlaySegment(), 1);
    QVERIFY(viewer.view()->hasOverlay());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.last().at(0).toInt(), 1);

    // Moving to the next chip: Leave(1) may arrive after Enter(2); the overlay follows the pointer either way.
    hover(viewer.segmentChip(2), true);
    hover(viewer.segmentChip(1), false);
    QCOMPARE(viewer.overlaySegment(), 2);
    hover(viewer.segmentChip(2), false);
    QCOMPARE(viewer.overlaySegment(), -1);
    QVERIFY(!viewer.view()->hasOverlay());
    QCOMPARE(spy.last().at(0).toInt(), -1);

    // The missing reference image's chip still shows its heat map.
    hover(viewer.segmentChip(3), true);
    QCOMPARE(viewer.overlaySegment(), 3);
    hover(viewer.segmentChip(3), false);
    QCOMPARE(viewer.overlaySegment(), -1);

    // Opacity reaches the overlay.
    viewer.setOverlayOpacity(0.25);
    QCOMPARE(viewer.overlayOpacity(), 0.25);

    // Fewer maps than segments (a record that does not match the recipe): a message; hover beyond shows nothing.
    viewer.setAttention(bandMaps(2), makeRecipe(prompt_), tmp_.path());
    QVERIFY2(viewer.attentionMessage().contains("2"), qPrintable(viewer.attentionMessage()));
    hover(viewer.segmentChip(3), true);
    QCOMPARE(viewer.overlaySegment(), -1);
    hover(viewer.segmentChip(3), false);
    hover(viewer.segmentChip(0), true);
    QCOMPARE(viewer.overlaySegment(), 0);
    hover(viewer.segmentChip(0), false);
  }

  void generationFromFiles() {
    ImageViewer viewer;
    viewer.resize(600, 400);
    // The record beside the PNG, as the generation queue writes it.
    writeAttentionFile(attentionPathForImage(image_), bandMaps(4));
    viewer.setGeneration(image_, makeRecipe(prompt_));
    QVERIFY2(viewer.attention().ok(), qPrintable(viewer.attention().error));
    hover(viewer.segmentChip(2), true);
    QCOMPARE(viewer.overlaySegment(), 2);
    hover(viewer.segmentChip(2), false);

    // A damaged record: the chips stay, the message names the file, no heat maps.
    QFile f(attentionPathForImage(image_));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("garbage!garbage!");
    f.close();
    viewer.setGeneration(image_, makeRecipe(prompt_));
    QVERIFY(!viewer.attention().ok());
    QVERIFY2(viewer.attentionMessage().contains("attention.safetensors"), qPrintable(viewer.attentionMessage()));
    QCOMPARE(viewer.segmentCount(), 4);
    hover(viewer.segmentChip(2), true);
    QCOMPARE(viewer.overlaySegment(), -1);
    QVERIFY(QFile::remove(attentionPathForImage(image_)));
  }

  void compareHighlightsDifferences() {
    const QString imageB = tmp_.filePath("120001-8.png");
    QImage img(64, 32, QImage::Format_RGB32);
    img.fill(Qt::darkBlue);
    QVERIFY(img.save(imageB));
    const Recipe a = makeRecipe(prompt_, 7, 20);
    const Recipe b = makeRecipe(prompt_, 8, 30);  // differs in seed (and so its RNG name) and steps only

    CompareView view;
    view.resize(900, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setItems(image_, QString::fromStdString(recipeToJson(a)), imageB, QString::fromStdString(recipeToJson(b)));
    QCOMPARE(view.differingFields(), (QStringList{"steps", "seed"}));
    QTableWidget* t = view.recipeTable();
    QVERIFY(t->rowCount() >= 10);
    int highlighted = 0;
    for (int row = 0; row < t->rowCount(); ++row) {
      const QString key = t->item(row, 0)->data(CompareView::kKeyRole).toString();
      const bool differs = key == "steps" || key == "seed";
      for (int col = 0; col < 3; ++col) {
        QCOMPARE(t->item(row, col)->data(CompareView::kDiffersRole).toBool(), differs);
        QCOMPARE(t->item(row, col)->background().style() != Qt::NoBrush, differs);
      }
      highlighted += differs;
      if (key == "seed") {
        QCOMPARE(t->item(row, 1)->text(), QStringLiteral("7"));
        QCOMPARE(t->item(row, 2)->text(), QStringLiteral("8"));
      }
    }
    QCOMPARE(highlighted, 2);

    // Synchronised zoom and pan: zooming A zooms B (same-size images: the same scale and centre).
    view.viewA()->zoomIn();
    view.viewA()->zoomIn();
    QCOMPARE(view.viewB()->zoom(), view.viewA()->zoom());
    view.viewB()->setZoom(8.0);
    QCOMPARE(view.viewA()->zoom(), 8.0);
    view.viewA()->centerOn(10, 10);
    const QPointF ca = view.viewA()->normalizedCenter(), cb = view.viewB()->normalizedCenter();
    QVERIFY2(qAbs(ca.x() - cb.x()) < 0.05 && qAbs(ca.y() - cb.y()) < 0.05,
             qPrintable(QString("%1,%2 vs %3,%4").arg(ca.x()).arg(ca.y()).arg(cb.x()).arg(cb.y())));
    view.viewB()->fitToWindow();
    QVERIFY(view.viewA()->isFitMode());

    // Identical recipes: nothing highlighted. A broken recipe: no comparison, no crash.
    view.setItems(image_, QString::fromStdString(recipeToJson(a)), imageB, QString::fromStdString(recipeToJson(a)));
    QVERIFY(view.differingFields().isEmpty());
    view.setItems(image_, QString::fromStdString(recipeToJson(a)), tmp_.filePath("absent.png"), "{\"steps\": ");
    QVERIFY(view.differingFields().isEmpty());
    QVERIFY(!view.viewB()->lastError().isEmpty());
    QVERIFY(t->toolTip().contains("Recipe B"));
  }
};

QTEST_MAIN(TestViewer)
#include "test_viewer.moc"
