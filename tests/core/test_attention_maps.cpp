// test_attention_maps.cpp — reading the attention record beside a generated image (core/attention_maps): a round
// trip through the model/io safetensors writer, heat-map size and alpha, and hostile files that must give a
// message naming the file, never a crash.
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <cstring>
#include <limits>

#include "core/attention_maps.h"
#include "core/generation_queue.h"
#include "model/io/safetensors.h"
#include "model/pipeline/pipeline.h"
#include "model/pipeline/recipe.h"

using namespace mumu;

namespace {

// A safetensors file by hand: u64 LE header length, the JSON header, then `data` (for files the writer refuses).
void writeRaw(const QString& path, const QByteArray& header, const QByteArray& data) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  const quint64 n = quint64(header.size());
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = char((n >> (8 * i)) & 0xff);
  f.write(len, 8);
  f.write(header);
  f.write(data);
}

}  // namespace

class TestAttentionMaps : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }

  // A record of 3 segments on a 4×6 latent: segment s peaks at column s*2 (a known hot spot per segment).
  at::Tensor sample() const {
    at::Tensor a = torch::full({3, 4, 6}, 0.01f);
    for (int s = 0; s < 3; ++s) a[s][1][s * 2] = 0.9f;
    return a;
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void roundTrip() {
    const QString png = path("120000-42.png");
    const QString file = attentionPathForImage(png);
    QCOMPARE(QFileInfo(file).fileName(), QStringLiteral("120000-42.attention.safetensors"));
    const at::Tensor a = sample();
    saveSafetensors(file.toStdString(), {{"attention", a}}, {{"format", "mumu-attention"}, {"segments", "3"}});

    const AttentionMaps m = readAttentionMaps(file);
    QVERIFY2(m.ok(), qPrintable(m.error));
    QVERIFY(m.error.isEmpty());
    QCOMPARE(m.segments, 3);
    QCOMPARE(m.h, 4);
    QCOMPARE(m.w, 6);
    QCOMPARE(m.data.size(), size_t(72));
    const at::Tensor flat = a.flatten();
    for (int i = 0; i < 72; ++i) QCOMPARE(m.data[size_t(i)], flat[i].item<float>());
    QCOMPARE(m.map(2)[1 * 6 + 4], 0.9f);
    QVERIFY(m.map(3) == nullptr);
    QVERIFY(m.map(-1) == nullptr);
  }

  void heatMapSizeAndAlpha() {
    AttentionMaps m = readAttentionMaps(attentionPathForImage(path("120000-42.png")));
    QVERIFY2(m.ok(), qPrintable(m.error));
    // Native size: the hot spot is opaque and bright, the rest transparent.
    const QImage native = heatMap(m, 1, QSize(6, 4));
    QCOMPARE(native.size(), QSize(6, 4));
    QVERIFY(native.hasAlphaChannel());
    QCOMPARE(qAlpha(native.pixel(2, 1)), 255);
    QCOMPARE(qAlpha(native.pixel(0, 0)), 0);
    QCOMPARE(qAlpha(native.pixel(4, 1)), 0);  // segment 2's spot is not segment 1's

    // Scaled to the image (bilinear): the right size, the hot cell (column 2 of 6, row 1 of 4 → x 32..47, y 16..31
    // of 96×64) holds the most opaque pixel, far corners stay transparent.
    const QImage big = heatMap(m, 1, QSize(96, 64));
    QCOMPARE(big.size(), QSize(96, 64));
    QVERIFY(qAlpha(big.pixel(40, 24)) > 200);
    QPoint brightest;
    int most = -1;
    for (int y = 0; y < big.height(); ++y)
      for (int x = 0; x < big.width(); ++x)
        if (qAlpha(big.pixel(x, y)) > most) most = qAlpha(big.pixel(x, y)), brightest = QPoint(x, y);
    QVERIFY2(QRect(32, 16, 16, 16).contains(brightest), qPrintable(QString("%1,%2").arg(brightest.x()).arg(brightest.y())));
    QCOMPARE(qAlpha(big.pixel(90, 60)), 0);

    // Out of range or empty size: null, no crash.
    QVERIFY(heatMap(m, 3, QSize(10, 10)).isNull());
    QVERIFY(heatMap(m, -1, QSize(10, 10)).isNull());
    QVERIFY(heatMap(m, 0, QSize(0, 10)).isNull());
    QVERIFY(heatMap(AttentionMaps{}, 0, QSize(10, 10)).isNull());

    // A flat map (uniform attention) says nothing: fully transparent rather than a division by zero.
    m.data.assign(m.data.size(), 0.5f);
    const QImage flat = heatMap(m, 0, QSize(12, 8));
    QCOMPARE(flat.size(), QSize(12, 8));
    QCOMPARE(qAlpha(flat.pixel(5, 5)), 0);
  }

  // What the generation queue really writes (small random-weight model): one map per recipe segment, at latent
  // resolution, readable and drawable at the image's size.
  void recordFromTheQueue() {
    const QString package = path("small");
    createRandomMumuPackageNamed("small", package.toStdString(), 7);
    QTemporaryDir out;
    GenerationQueue q(out.path());
    QSignalSpy images(&q, &GenerationQueue::imageFinished);
    GenerationSettings s;
    s.modelId = package;
    s.steps = 2;
    s.seedLocked = true;
    s.seed = 5;
    const int id = q.enqueue(parsePrompt("a red (square:1.4) on grey"), s);
    QVERIFY(id > 0);
    QTRY_COMPARE_WITH_TIMEOUT(images.count(), 1, 60000);
    const QString png = images[0][1].toString();
    const Recipe recipe = recipeFromJson(images[0][2].toString().toStdString(), "signal");
    const AttentionMaps m = readAttentionMaps(attentionPathForImage(png));
    QVERIFY2(m.ok(), qPrintable(m.error));
    QCOMPARE(size_t(m.segments), recipe.prompt.segments.size());
    // Latent resolution: the image divided by the VAE's factor (8 for SDXL's, smaller for the tiny random VAE).
    QVERIFY(m.w <= recipe.width && recipe.width % m.w == 0);
    QCOMPARE(recipe.width / m.w, recipe.height / m.h);
    for (int i = 0; i < m.segments; ++i) {
      const QImage h = heatMap(m, i, QSize(recipe.width, recipe.height));
      QCOMPARE(h.size(), QSize(recipe.width, recipe.height));
    }
  }

  void hostileFiles_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expect");  // a part of the message

    QTest::newRow("missing") << "missing.attention.safetensors" << "no such file";
    {
      QFile f(path("empty.safetensors"));
      QVERIFY(f.open(QIODevice::WriteOnly));
    }
    QTest::newRow("zero bytes") << "empty.safetensors" << "too short";
    {
      QFile f(path("garbage.safetensors"));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(QByteArray(64, '\xff'));
    }
    QTest::newRow("garbage") << "garbage.safetensors" << "header length";
    saveSafetensors(path("f16.safetensors").toStdString(), {{"attention", sample().to(at::kHalf)}});
    QTest::newRow("wrong dtype") << "f16.safetensors" << "F16, expected F32";
    saveSafetensors(path("rank2.safetensors").toStdString(), {{"attention", torch::ones({4, 6})}});
    QTest::newRow("wrong rank") << "rank2.safetensors" << "expected 3";
    saveSafetensors(path("other.safetensors").toStdString(), {{"weights", torch::ones({1, 2, 2})}});
    QTest::newRow("no attention tensor") << "other.safetensors" << "no tensor 'attention'";
    saveSafetensors(path("emptyshape.safetensors").toStdString(), {{"attention", torch::ones({0, 4, 4})}});
    QTest::newRow("empty shape") << "emptyshape.safetensors" << "empty shape";
    {
      at::Tensor a = sample();
      a[0][0][0] = std::numeric_limits<float>::quiet_NaN();
      saveSafetensors(path("nan.safetensors").toStdString(), {{"attention", a}});
    }
    QTest::newRow("non-finite") << "nan.safetensors" << "non-finite";
    {
      // A valid file cut short in its data section.
      saveSafetensors(path("full.safetensors").toStdString(), {{"attention", sample()}});
      QFile f(path("full.safetensors"));
      QVERIFY(f.open(QIODevice::ReadOnly));
      QByteArray bytes = f.readAll();
      bytes.chop(40);
      QFile t(path("truncated.safetensors"));
      QVERIFY(t.open(QIODevice::WriteOnly));
      t.write(bytes);
    }
    QTest::newRow("truncated") << "truncated.safetensors" << "past the end";
    // A header that claims a huge tensor whose bytes "are there" by its offsets: refused by the size check or
    // the reader, never allocated.
    writeRaw(path("huge.safetensors"),
             R"({"attention":{"dtype":"F32","shape":[100000,100000,100000],"data_offsets":[0,16]}})",
             QByteArray(16, 0));
    QTest::newRow("huge shape") << "huge.safetensors" << "huge.safetensors";
    writeRaw(path("json.safetensors"), "{not json", QByteArray());
    QTest::newRow("bad json") << "json.safetensors" << "JSON";
    QVERIFY(QDir(dir_.path()).mkpath("folder.safetensors"));
    QTest::newRow("folder") << "folder.safetensors" << "not a regular file";
  }

  void hostileFiles() {
    QFETCH(QString, name);
    QFETCH(QString, expect);
    const AttentionMaps m = readAttentionMaps(path(name));
    QVERIFY(!m.ok());
    QVERIFY(m.data.empty());
    QVERIFY2(m.error.contains(name), qPrintable(m.error));  // names the file
    QVERIFY2(m.error.contains(expect), qPrintable(m.error));
    QVERIFY(heatMap(m, 0, QSize(8, 8)).isNull());
  }
};

QTEST_GUILESS_MAIN(TestAttentionMaps)
#include "test_attention_maps.moc"
