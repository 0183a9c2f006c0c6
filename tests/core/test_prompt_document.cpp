// test_prompt_document.cpp — the composer's document model: prompt ↔ document ↔ syntax ↔ JSON round trips
// (weights, crops, notes, SHA-256s), and syntax errors that carry their position.
#include <QTemporaryDir>
#include <QtTest>

#include "core/prompt_document.h"

using mumu::PromptDocument;
using Seg = mumu::PromptDocument::Segment;

namespace {

const QString kSha = QString(64, QLatin1Char('a'));

PromptDocument sample() {
  return PromptDocument({
      Seg::makeImage("/assets/man.png", kSha, 0.8, QRect(10, 20, 30, 40), QString::fromUtf8("the face, 얼굴")),
      Seg::makeText(" man riding a "),
      Seg::makeText("red", 1.3),
      Seg::makeText(" scooter: (fast) [sic]\nin "),
      Seg::makeImage("/my dir/new york.jpg"),
      Seg::makeText(" New York", 0.5),
  });
}

}  // namespace

class TestPromptDocument : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void promptRoundTrip() {
    const PromptDocument d = sample();
    const mumu::Prompt p = d.toPrompt();
    QCOMPARE(p.segments.size(), size_t(6));
    QCOMPARE(p.imageCount(), 2);
    QVERIFY(p.segments[0].isImage());
    QCOMPARE(p.segments[0].imagePath, std::string("/assets/man.png"));
    QCOMPARE(p.segments[0].weight, 0.8);
    QVERIFY(p.segments[0].crop.has_value());
    QCOMPARE(p.segments[0].crop->x, 10);
    QCOMPARE(p.segments[0].crop->h, 40);
    QCOMPARE(p.segments[0].note, std::string("the face, 얼굴"));
    QCOMPARE(p.segments[0].imageSha256, kSha.toStdString());
    QCOMPARE(p.segments[2].text, std::string("red"));
    QCOMPARE(p.segments[2].weight, 1.3);
    QVERIFY(!p.segments[4].crop.has_value());
    QCOMPARE(PromptDocument::fromPrompt(p), d);
  }

  void normalizesLikeThePipeline() {
    PromptDocument d({Seg::makeText("a "), Seg::makeText(""), Seg::makeText("b"), Seg::makeText("c", 2.0)});
    const PromptDocument n = d.normalized();
    QCOMPARE(n.segments().size(), 2);
    QCOMPARE(n.segments()[0].text, QString("a b"));
    QCOMPARE(n.segments()[1].weight, 2.0);
    QCOMPARE(d.toPrompt().segments.size(), size_t(2));
  }

  void syntaxRoundTrip() {
    const PromptDocument d = sample();
    const QString syntax = d.toSyntax();
    QVERIFY2(syntax.startsWith("[img:/assets/man.png:0.8@10,20,30,40] man riding a (red:1.3)"), qPrintable(syntax));
    QVERIFY2(syntax.contains("[img:\"/my dir/new york.jpg\"]"), qPrintable(syntax));
    QVERIFY2(syntax.contains("\\(fast\\) \\[sic\\]"), qPrintable(syntax));
    QCOMPARE(QString::fromStdString(mumu::serializePrompt(d.toPrompt())), syntax);

    // The syntax has no notes or SHA-256s: without `previous` they are gone, with it they come back.
    mumu::PromptSyntaxError err;
    auto bare = PromptDocument::fromSyntax(syntax, &err);
    QVERIFY2(bare, qPrintable(err.message));
    QCOMPARE(bare->segments().size(), 6);
    QVERIFY(bare->segments()[0].note.isEmpty());
    QVERIFY(bare->segments()[0].sha256.isEmpty());
    QCOMPARE(bare->segments()[0].crop, QRect(10, 20, 30, 40));
    QCOMPARE(bare->segments()[3].text, QString(" scooter: (fast) [sic]\nin "));
    auto full = PromptDocument::fromSyntax(syntax, &err, &d);
    QVERIFY(full);
    QCOMPARE(*full, d);
  }

  void syntaxCarriesNotesByPathInOrder() {
    PromptDocument prev({Seg::makeImage("a.png", kSha, 1, {}, "first"), Seg::makeText(" x "),
                         Seg::makeImage("a.png", {}, 1, {}, "second"), Seg::makeImage("b.png", {}, 1, {}, "b")});
    // The user deleted the first a.png and added c.png in the raw view.
    auto d = PromptDocument::fromSyntax(" x [img:a.png][img:c.png][img:b.png:2]", nullptr, &prev);
    QVERIFY(d);
    QCOMPARE(d->segments().size(), 4);
    QCOMPARE(d->segments()[1].note, QString("first"));  // first a.png in the new text takes the first note
    QCOMPARE(d->segments()[2].note, QString());
    QCOMPARE(d->segments()[3].note, QString("b"));
    QCOMPARE(d->segments()[3].weight, 2.0);
  }

  void jsonRoundTrip() {
    const PromptDocument d = sample();
    const QString json = d.toJson();
    QVERIFY(json.contains("\"note\""));
    QVERIFY(json.contains("\"sha256\""));
    QVERIFY(json.contains("[10,20,30,40]"));
    mumu::PromptSyntaxError err;
    auto back = PromptDocument::fromJson(json, &err);
    QVERIFY2(back, qPrintable(err.message));
    QCOMPARE(*back, d);
    // Same as the model's own JSON reader.
    QCOMPARE(PromptDocument::fromPrompt(mumu::promptFromJson(json.toStdString())), d);
    QVERIFY(!PromptDocument::fromJson("[{\"image\": \"a.png\", \"crop\": [1, 2]}]", &err));
    QVERIFY2(err.message.contains("prompt[0].crop"), qPrintable(err.message));
    QCOMPARE(err.offset, -1);
  }

  void badSyntaxCarriesPosition() {
    mumu::PromptSyntaxError err;
    const QString text = QString::fromUtf8("한국어 line\nred [img:a.png:0.5 more");
    QVERIFY(!PromptDocument::fromSyntax(text, &err));
    QCOMPARE(err.line, 2);
    QCOMPARE(err.column, 5);
    QVERIFY2(err.message.startsWith("prompt:2:5: "), qPrintable(err.message));
    QVERIFY2(err.message.contains("unterminated"), qPrintable(err.message));
    QCOMPARE(err.offset, text.indexOf('['));

    QVERIFY(!PromptDocument::fromSyntax("a (red hat:99)", &err));
    QCOMPARE(err.line, 1);
    QVERIFY2(err.message.contains("above the maximum"), qPrintable(err.message));
    QCOMPARE(err.offset, 11);  // at the weight, after ':'

    QVERIFY(!PromptDocument::fromSyntax("oops ]", &err));
    QCOMPARE(err.column, 6);
    QCOMPARE(err.offset, 5);
  }

  void offsetsCountCodePoints() {
    const QString text = QString::fromUtf8("😀x\nab");
    QCOMPARE(PromptDocument::offsetOf(text, 1, 2), 2);  // after the surrogate pair
    QCOMPARE(PromptDocument::offsetOf(text, 2, 2), 5);
    QCOMPARE(PromptDocument::offsetOf(text, 9, 9), text.size());
  }

  void fileSha256() {
    QTemporaryDir dir;
    QFile f(dir.filePath("x.bin"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("abc");
    f.close();
    QCOMPARE(mumu::fileSha256(f.fileName()),
             QString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QString error;
    QVERIFY(mumu::fileSha256(dir.filePath("missing.png"), &error).isEmpty());
    QVERIFY(error.contains("missing.png"));
  }
};

QTEST_GUILESS_MAIN(TestPromptDocument)
#include "test_prompt_document.moc"
