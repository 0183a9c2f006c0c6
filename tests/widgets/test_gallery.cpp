// test_gallery.cpp — the History workspace: lazy grid, search, Reuse, delete + undo, open image (offscreen).
#include <QBuffer>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QUndoStack>
#include <QtTest>

#include "core/asset_store.h"
#include "core/history_db.h"
#include "core/thumbnail_cache.h"
#include "model/io/png_metadata.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"
#include "widgets/gallery_view.h"

using namespace mumu;

namespace {

Recipe makeRecipe(const QString& prompt, quint64 seed, const QString& model = "nano") {
  Recipe r;
  r.prompt = parsePrompt(prompt.toStdString());
  r.sampler = "ddim";
  r.steps = 12;
  r.cfgScale = 5;
  r.seed = seed;
  r.width = 32;
  r.height = 32;
  r.modelName = model.toStdString();
  r.modelHash = "abcdef";
  r.created = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000LL + qint64(seed) * 1000, Qt::UTC)
                  .toString(Qt::ISODate)
                  .toStdString();
  return r;
}

QByteArray pngBytes(QColor color) {
  QImage img(32, 32, QImage::Format_RGB32);
  img.fill(color);
  QByteArray bytes;
  QBuffer b(&bytes);
  b.open(QIODevice::WriteOnly);
  img.save(&b, "PNG");
  return bytes;
}

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

void writeRecipePng(const QString& path, const Recipe& r) {
  const QByteArray png = pngBytes(Qt::magenta);
  const std::string out = embedRecipe(std::string_view(png.constData(), png.size()), r, path.toStdString());
  writeFile(path, QByteArray(out.data(), qsizetype(out.size())));
}

void fetchAll(GalleryModel* m) {
  while (m->canFetchMore({})) m->fetchMore({});
}

}  // namespace

class TestGallery : public QObject {
  Q_OBJECT

  struct Fixture {
    QTemporaryDir dir;
    HistoryDb db;
    ThumbnailCache thumbs{dir.path(), 64};
    QList<qint64> ids;  // oldest first
    Fixture() { db.openDataDir(dir.path()); }
  };

  // n rows: every third is an astronaut, the rest are cats; model "xl" for every fifth.
  static void fill(Fixture& f, int n) {
    for (int i = 0; i < n; ++i) {
      const QString prompt =
          i % 3 == 0 ? QStringLiteral("an astronaut number %1").arg(i) : QStringLiteral("a cat number %1").arg(i);
      const qint64 id = f.db.add(makeRecipe(prompt, quint64(i), i % 5 == 0 ? "xl" : "nano"),
                                 f.dir.filePath(QStringLiteral("img%1.png").arg(i)));
      QVERIFY2(id > 0, qPrintable(f.db.lastError()));
      f.ids << id;
    }
  }

 private Q_SLOTS:
  void modelWithNRowsShowsN() {
    Fixture f;
    QVERIFY(f.db.isOpen());
    fill(f, 450);
    GalleryView view(f.db, f.thumbs);
    GalleryModel* m = view.model();
    QCOMPARE(m->totalCount(), 450);
    QCOMPARE(m->rowCount(), GalleryModel::kPageSize);  // lazy: one page at first
    QVERIFY(m->canFetchMore({}));
    fetchAll(m);
    QCOMPARE(m->rowCount(), 450);
    QVERIFY(!m->canFetchMore({}));
    QCOMPARE(m->idAt(0), f.ids.last());  // newest first
    QCOMPARE(m->idAt(449), f.ids.first());
    QVERIFY(view.findChild<QLabel*>("galleryCount")->text().contains("450"));
  }

  void searchNarrows() {
    Fixture f;
    fill(f, 300);
    GalleryView view(f.db, f.thumbs);
    view.searchBox()->setText("astro");
    QTest::keyClick(view.searchBox(), Qt::Key_Return);
    QCOMPARE(view.model()->totalCount(), 100);
    fetchAll(view.model());
    for (int r = 0; r < view.model()->rowCount(); ++r)
      QVERIFY(view.model()->rowAt(r)->promptText.contains("astronaut"));
    // Filters combine with the search: model "xl" and astronaut = every 15th row.
    auto* models = view.findChild<QComboBox*>("galleryModelFilter");
    QVERIFY(models);
    models->setCurrentIndex(models->findData("xl"));
    QCOMPARE(view.model()->totalCount(), 20);
    view.searchBox()->setText("\"unbalanced NEAR( AND");
    QTest::keyClick(view.searchBox(), Qt::Key_Return);
    QCOMPARE(view.model()->totalCount(), 0);
    QVERIFY(!view.messageLabel()->isVisible() || !view.messageLabel()->property("error").toBool());
    view.searchBox()->clear();
    models->setCurrentIndex(0);
    QTest::keyClick(view.searchBox(), Qt::Key_Return);
    QCOMPARE(view.model()->totalCount(), 300);
  }

  void reuseEmitsTheRecipeWithItsImages() {
    Fixture f;
    AssetStore assets(f.dir.path());
    const QString ref = f.dir.filePath("ref.png");
    writeFile(ref, pngBytes(Qt::blue));
    const QString stored = assets.import(ref);
    QVERIFY(!stored.isEmpty());
    Recipe r = makeRecipe(QStringLiteral("a [img:%1:0.8] man riding a scooter").arg(ref), 7);
    r.prompt.segments[1].imageSha256 = QFileInfo(stored).completeBaseName().toStdString();
    QFile::remove(ref);  // the user moved the original: the store still has it
    const qint64 id = f.db.add(r, f.dir.filePath("out.png"));
    QVERIFY(id > 0);
    GalleryView view(f.db, f.thumbs);
    view.setAssetStore(&assets);
    QSignalSpy reuse(&view, &GalleryView::reuseRequested);
    view.selectIds({id});
    QCOMPARE(view.selectedIds(), QList<qint64>{id});
    QVERIFY(view.reuseButton()->isEnabled());
    QVERIFY(view.recipeView()->toHtml().contains("scooter"));
    QTest::mouseClick(view.reuseButton(), Qt::LeftButton);
    QCOMPARE(reuse.count(), 1);
    const Recipe back = recipeFromJson(reuse.first().at(0).toString().toStdString());
    QCOMPARE(back.prompt.segments.size(), size_t(3));
    QCOMPARE(QString::fromStdString(back.prompt.segments[1].imagePath), stored);
    QCOMPARE(back.prompt.segments[1].weight, 0.8);
    QCOMPARE(back.seed, quint64(7));
    Recipe expected = r;
    expected.prompt.segments[1].imagePath = stored.toStdString();
    QVERIFY(back == expected);
  }

  void deleteAndUndo() {
    Fixture f;
    fill(f, 10);
    GalleryView view(f.db, f.thumbs);
    const QList<qint64> victims{f.ids[9], f.ids[8]};  // the two newest: rows 0 and 1
    view.selectIds(victims);
    QCOMPARE(view.selectedIds(), victims);
    QTest::keyClick(view.listView(), Qt::Key_Delete);
    QCOMPARE(view.model()->totalCount(), 8);
    QCOMPARE(f.db.count({}), 8);
    QCOMPARE(view.model()->rowOf(f.ids[9]), -1);
    QCOMPARE(view.undoStack()->count(), 1);
    view.undoStack()->undo();
    QCOMPARE(view.model()->totalCount(), 10);
    QCOMPARE(view.model()->idAt(0), f.ids[9]);
    QCOMPARE(view.selectedIds(), victims);  // the restored images come back selected
    view.undoStack()->redo();
    QCOMPARE(f.db.count({}), 8);
    view.undoStack()->undo();
    QCOMPARE(f.db.count({}), 10);
  }

  void starAndRatingKeys() {
    Fixture f;
    fill(f, 3);
    GalleryView view(f.db, f.thumbs);
    view.selectIds({f.ids[1]});
    QTest::keyClick(view.listView(), Qt::Key_S);
    QVERIFY(f.db.get(f.ids[1])->starred);
    QVERIFY(view.model()->data(view.model()->index(view.model()->rowOf(f.ids[1])), GalleryModel::StarredRole).toBool());
    QTest::keyClick(view.listView(), Qt::Key_4);
    QCOMPARE(f.db.get(f.ids[1])->rating, 4);
    QTest::keyClick(view.listView(), Qt::Key_S);
    QVERIFY(!f.db.get(f.ids[1])->starred);
    // Every mark is undoable, back to the exact previous state.
    view.undoStack()->undo();
    QVERIFY(f.db.get(f.ids[1])->starred);
    view.undoStack()->undo();
    QCOMPARE(f.db.get(f.ids[1])->rating, 0);
    view.undoStack()->undo();
    QVERIFY(!f.db.get(f.ids[1])->starred);
    QVERIFY(!view.model()->data(view.model()->index(view.model()->rowOf(f.ids[1])), GalleryModel::StarredRole).toBool());
    view.undoStack()->redo();
    QVERIFY(f.db.get(f.ids[1])->starred);
  }

  void compareNeedsTwo() {
    Fixture f;
    fill(f, 3);
    GalleryView view(f.db, f.thumbs);
    QSignalSpy compare(&view, &GalleryView::compareRequested);
    view.selectIds({f.ids[0]});
    QVERIFY(!view.compareButton()->isEnabled());
    view.selectIds({f.ids[2], f.ids[0]});
    QVERIFY(view.compareButton()->isEnabled());
    QTest::mouseClick(view.compareButton(), Qt::LeftButton);
    QCOMPARE(compare.count(), 1);
    QCOMPARE(compare.first().at(0).toLongLong(), f.ids[2]);
    QCOMPARE(compare.first().at(1).toLongLong(), f.ids[0]);
  }

  void openImageRecoversRecipe() {
    Fixture f;
    GalleryView view(f.db, f.thumbs);
    QSignalSpy recovered(&view, &GalleryView::recipeRecovered);
    QSignalSpy reuse(&view, &GalleryView::reuseRequested);
    const QString png = f.dir.filePath("dropped.png");
    writeRecipePng(png, makeRecipe("a lighthouse at dusk", 99));
    QVERIFY(view.openImageFile(png));
    QCOMPARE(recovered.count(), 1);
    QCOMPARE(recovered.first().at(1).toString(), png);
    QCOMPARE(recovered.first().at(2).toBool(), false);
    QVERIFY(view.recipeView()->toHtml().contains("lighthouse"));
    QTest::mouseClick(view.reuseButton(), Qt::LeftButton);
    QCOMPARE(reuse.count(), 1);
    QCOMPARE(recipeFromJson(reuse.first().at(0).toString().toStdString()).seed, quint64(99));
    // Bad input: a clear message, no crash, nothing recovered.
    const QString empty = f.dir.filePath("empty.png");
    writeFile(empty, {});
    QVERIFY(!view.openImageFile(empty));
    QCOMPARE(recovered.count(), 1);
    QVERIFY(view.messageLabel()->text().contains("0 bytes"));
    QVERIFY(view.messageLabel()->property("error").toBool());
  }

  void unopenedDatabaseShowsAMessage() {
    QTemporaryDir dir;
    HistoryDb db;  // never opened (the lead's open failed: corrupt or locked file)
    ThumbnailCache thumbs(dir.path());
    GalleryView view(db, thumbs);
    QCOMPARE(view.model()->rowCount(), 0);
    QVERIFY(view.messageLabel()->property("error").toBool());
    QVERIFY2(view.messageLabel()->text().contains("not open"), qPrintable(view.messageLabel()->text()));
    view.deleteSelected();  // nothing selected, nothing happens
    QCOMPARE(view.undoStack()->count(), 0);
  }

  // The whole workspace renders with real thumbnails and a detail panel; MUMU_GALLERY_SCREENSHOT=file.png saves it.
  void rendersGridAndDetail() {
    Fixture f;
    AssetStore assets(f.dir.path());
    const QString ref = f.dir.filePath("ref.png");
    writeFile(ref, pngBytes(Qt::darkYellow));
    const QString stored = assets.import(ref);
    constexpr int kImages = 12;
    for (int i = 0; i < kImages; ++i) {
      const QString png = f.dir.filePath(QStringLiteral("gen%1.png").arg(i));
      Recipe r = makeRecipe(QStringLiteral("a [img:%1] (glowing:1.2) lantern number %2 in the rain").arg(ref).arg(i),
                            quint64(100 + i));
      r.prompt.segments[1].imageSha256 = QFileInfo(stored).completeBaseName().toStdString();
      QImage img(256, 256, QImage::Format_RGB32);
      img.fill(QColor::fromHsv(i * 360 / kImages, 160, 220));
      QBuffer b;
      b.open(QIODevice::WriteOnly);
      img.save(&b, "PNG");
      const std::string out = embedRecipe(std::string_view(b.data().constData(), b.data().size()), r, "gen");
      writeFile(png, QByteArray(out.data(), qsizetype(out.size())));
      QVERIFY(f.db.add(r, png) > 0);
    }
    GalleryView view(f.db, f.thumbs);
    view.setAssetStore(&assets);
    QSignalSpy ready(&f.thumbs, &ThumbnailCache::thumbnailReady);
    view.resize(1200, 760);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), kImages, 20000);
    view.selectIds({view.model()->idAt(2)});
    QVERIFY(f.db.setStarred({view.model()->idAt(0)}, true));
    QVERIFY(f.db.setRating({view.model()->idAt(1)}, 3));
    view.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(view.findChild<QLabel*>("galleryPreview")->pixmap().width() > 0, 20000);
    QVERIFY(view.recipeView()->toHtml().contains("<img"));  // the reference image inline in the prompt
    const QImage shot = view.grab().toImage();
    QVERIFY(!shot.isNull());
    if (const QByteArray out = qgetenv("MUMU_GALLERY_SCREENSHOT"); !out.isEmpty())
      shot.save(QString::fromLocal8Bit(out));
  }

  void thumbnailsArriveAsynchronously() {
    Fixture f;
    const QString png = f.dir.filePath("real.png");
    writeFile(png, pngBytes(Qt::green));
    const qint64 id = f.db.add(makeRecipe("a green square", 1), png);
    QVERIFY(id > 0);
    GalleryView view(f.db, f.thumbs);
    const QModelIndex i = view.model()->index(0);
    QSignalSpy changed(view.model(), &QAbstractItemModel::dataChanged);
    QVERIFY(!view.model()->data(i, Qt::DecorationRole).value<QPixmap>().isNull());  // the placeholder
    if (!view.model()->data(i, GalleryModel::ThumbnailReadyRole).toBool()) QVERIFY(changed.wait(10000));
    QVERIFY(view.model()->data(i, GalleryModel::ThumbnailReadyRole).toBool());
    QCOMPARE(view.model()->data(i, Qt::DecorationRole).value<QPixmap>().size(), QSize(32, 32));
  }
};

QTEST_MAIN(TestGallery)
#include "test_gallery.moc"
