// The Qt side of reading images (gallery thumbnails, asset imports of dropped files) on the same kinds of file as
// the pipeline's reader (tests/model/test_image_file.cpp, EveryKindReadsUprightInItsColoursOrIsRefused): upright, in
// their colours, or refused with the file's name.
#include <QTemporaryDir>
#include <QtTest>

#include "core/asset_store.h"
#include "core/thumbnail_cache.h"

class TestImageKinds : public QObject {
  Q_OBJECT

  static QString data(const char* name) { return QStringLiteral(MUMU_TEST_DATA "/images/") + QLatin1String(name); }
  static bool near(QRgb c, int r, int g, int b, int tol) {
    return std::abs(qRed(c) - r) <= tol && std::abs(qGreen(c) - g) <= tol && std::abs(qBlue(c) - b) <= tol;
  }

 private Q_SLOTS:
  void thumbnailsAreUprightAndInColour() {
    QTemporaryDir tmp;
    QString error;
    auto thumb = [&](const char* name) {
      return mumu::ThumbnailCache::produce(data(name), tmp.filePath(QLatin1String(name) + ".jpg"), 64, &error);
    };
    const QImage cmyk = thumb("cmyk-red.jpg");
    QVERIFY2(near(cmyk.pixel(4, 4), 255, 0, 0, 40), qPrintable(QString::number(cmyk.pixel(4, 4), 16)));
    QVERIFY(near(thumb("red-16bit.png").pixel(3, 3), 255, 0, 0, 1));
    // Transparent parts on white (thumbnails are JPEG): half-transparent red is pink.
    QVERIFY(near(thumb("palette-trns-red.png").pixel(0, 0), 255, 127, 127, 6));
    QVERIFY(near(thumb("grey-alpha.png").pixel(5, 5), 191, 191, 191, 6));
    const QImage turned = thumb("exif-rotated.jpg");
    QCOMPARE(turned.size(), QSize(4, 8));
    QVERIFY(near(turned.pixel(2, 1), 255, 0, 0, 60));
    QVERIFY(near(turned.pixel(2, 6), 0, 0, 255, 60));
    error.clear();
    QVERIFY(thumb("huge-declared.png").isNull());
    QVERIFY2(error.contains("huge-declared.png"), qPrintable(error));
  }

  void importsKeepTheFileAndRefuseTheHugeOne() {
    QTemporaryDir tmp;
    mumu::AssetStore store(tmp.path());
    QString error;
    for (const char* ok : {"cmyk-red.jpg", "red-16bit.png", "palette-trns-red.png", "grey-alpha.png", "exif-rotated.jpg"})
      QVERIFY2(!store.import(data(ok), &error).isEmpty(), qPrintable(error));
    QVERIFY(store.import(data("huge-declared.png"), &error).isEmpty());
    QVERIFY2(error.contains("huge-declared.png"), qPrintable(error));
  }
};

QTEST_GUILESS_MAIN(TestImageKinds)
#include "test_image_kinds.moc"
