// test_history.cpp — the history database, asset store, thumbnail cache and recipe recovery (core/).
#include <sys/resource.h>

#include <csignal>

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include "core/asset_store.h"
#include "core/history_db.h"
#include "core/recipe_recovery.h"
#include "core/thumbnail_cache.h"
#include "model/io/png_metadata.h"
#include "model/io/sha256.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"

using namespace mumu;

namespace {

Recipe makeRecipe(const QString& prompt, const QString& model = "nano", const QString& sampler = "ddim",
                  quint64 seed = 1, const QString& created = "2026-11-20T10:00:00Z") {
  Recipe r;
  r.prompt = parsePrompt(prompt.toStdString());
  r.negativePrompt = "blurry, lowres";
  r.sampler = sampler.toStdString();
  r.steps = 20;
  r.cfgScale = 6.5;
  r.seed = seed;
  r.width = 64;
  r.height = 48;
  r.rngSource = "torch.cpu.mt19937:" + std::to_string(seed);
  r.modelName = model.toStdString();
  r.modelHash = "abcdef0123";
  r.deviceType = "cpu";
  r.dtype = "float32";
  r.appVersion = "0.1.0";
  r.created = created.toStdString();
  return r;
}

QByteArray pngBytes(QColor color, int w = 64, int h = 48) {
  QImage img(w, h, QImage::Format_RGB32);
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
  QCOMPARE(f.write(bytes), bytes.size());
}

QByteArray readFile(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.readAll();
}

// A PNG carrying our recipe (both chunks, as the pipeline writes it).
QString writeRecipePng(const QString& path, const Recipe& r, QColor color = Qt::red) {
  const QByteArray png = pngBytes(color);
  const std::string withRecipe = embedRecipe(std::string_view(png.constData(), png.size()), r, path.toStdString());
  writeFile(path, QByteArray(withRecipe.data(), qsizetype(withRecipe.size())));
  return path;
}

}  // namespace

class TestHistory : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // A DB with three generations of different prompts, models, samplers, seeds and dates.
  void fill(HistoryDb& db, QList<qint64>* ids) {
    const QString images = dir_.filePath("images");
    QDir().mkpath(images);
    struct Row {
      const char* prompt;
      const char* model;
      const char* sampler;
      quint64 seed;
      const char* created;
    };
    const Row rows[] = {
        {"an astronaut riding a horse", "nano", "ddim", 11, "2026-01-05T10:00:00Z"},
        {"a (red hat:1.3) on a cat", "nano", "euler_a", 22, "2026-03-05T10:00:00Z"},
        {"café au lait on a red table, 고양이", "mumu-xl", "ddim", 18446744073709551615ull, "2026-06-05T10:00:00Z"},
    };
    for (const Row& r : rows) {
      const QString png = QDir(images).filePath(QStringLiteral("img%1.png").arg(ids->size()));
      const Recipe recipe = makeRecipe(r.prompt, r.model, r.sampler, r.seed, r.created);
      writeRecipePng(png, recipe);
      const qint64 id = db.add(recipe, png);
      QVERIFY2(id > 0, qPrintable(db.lastError()));
      ids->append(id);
    }
  }

  QList<qint64> ids(HistoryDb& db, HistoryQuery q) {
    q.sort = HistoryQuery::OldestFirst;
    return db.searchIds(q);
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  // A full disk (simulated with a file-size limit at the database's current size): adding fails with a message,
  // and every row already stored is still there, readable, once there is room again.
  void fullDiskLosesNothingStored() {
    QTemporaryDir d;
    {
      HistoryDb db;
      QVERIFY2(db.openDataDir(d.path()), qPrintable(db.lastError()));
      for (int i = 0; i < 20; ++i)
        QVERIFY(db.add(makeRecipe(QString("a red fox number %1").arg(i), "nano", "ddim", quint64(i)),
                       d.filePath(QString("img%1.png").arg(i))) > 0);
    }
    HistoryDb db;
    QVERIFY2(db.openDataDir(d.path()), qPrintable(db.lastError()));
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit tight = old;
    tight.rlim_cur = 4096;  // below the database's size: any write that grows a file fails
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &tight), 0);
    qint64 id = 0;
    for (int i = 0; i < 200 && id >= 0; ++i)  // until the write-ahead log or the file would grow past the limit
      id = db.add(makeRecipe(QString(2000, QChar('x')) + " big prompt", "nano", "ddim", 99), d.filePath("big.png"));
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &old), 0);
    QVERIFY2(id < 0, "the limit was never hit");
    QVERIFY2(!db.lastError().isEmpty(), "a message says why");
    qInfo("full disk message: %s", qPrintable(db.lastError()));
    db.close();
    HistoryDb again;
    QVERIFY2(again.openDataDir(d.path()), qPrintable(again.lastError()));
    HistoryQuery q;
    q.text = "fox";
    QCOMPARE(again.count(q), 20);
  }

  void addAndGet() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY2(db.openDataDir(d.path()), qPrintable(db.lastError()));
    QCOMPARE(db.schemaVersion(), HistoryDb::kSchemaVersion);
    QVERIFY(QFileInfo::exists(d.filePath("history.sqlite")));
    Recipe r = makeRecipe("a [img:ref.png:0.8] man riding a scooter", "nano", "dpmpp_2m_karras", 1234);
    r.prompt.segments[1].imageSha256 = std::string(64, 'a');
    const qint64 id = db.add(QString::fromStdString(recipeToJson(r)), d.filePath("out.png"));
    QVERIFY2(id > 0, qPrintable(db.lastError()));
    const auto row = db.get(id);
    QVERIFY(row);
    QCOMPARE(row->promptText, QString("a ref.png man riding a scooter"));
    QCOMPARE(row->negative, QString("blurry, lowres"));
    QCOMPARE(row->model, QString("nano"));
    QCOMPARE(row->sampler, QString("dpmpp_2m_karras"));
    QCOMPARE(row->steps, 20);
    QCOMPARE(row->cfg, 6.5);
    QCOMPARE(row->seed, quint64(1234));
    QCOMPARE(row->width, 64);
    QCOMPARE(row->height, 48);
    QCOMPARE(row->imagePath, d.filePath("out.png"));
    QCOMPARE(row->created, QDateTime::fromString("2026-11-20T10:00:00Z", Qt::ISODate));
    const auto back = db.recipe(id);
    QVERIFY(back);
    QVERIFY(*back == r);
    QVERIFY(!db.get(id + 100));
    // A recipe that fails validation is refused with the reason.
    QCOMPARE(db.add(QStringLiteral("{\"schema_version\": 1}"), d.filePath("x.png")), qint64(-1));
    QVERIFY(db.lastError().contains("x.png"));
  }

  void searchFindsByWord() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY(db.openDataDir(d.path()));
    QList<qint64> all;
    fill(db, &all);
    HistoryQuery q;
    QCOMPARE(ids(db, q), all);
    q.text = "astronaut";
    QCOMPARE(ids(db, q), QList<qint64>{all[0]});
    q.text = "ASTRO";  // prefix, case-insensitive
    QCOMPARE(ids(db, q), QList<qint64>{all[0]});
    q.text = "red";
    QCOMPARE(ids(db, q), (QList<qint64>{all[1], all[2]}));
    q.text = "red cat";  // every word
    QCOMPARE(ids(db, q), QList<qint64>{all[1]});
    q.text = "cafe";  // diacritics folded
    QCOMPARE(ids(db, q), QList<qint64>{all[2]});
    q.text = QString::fromUtf8("고양이");
    QCOMPARE(ids(db, q), QList<qint64>{all[2]});
    q.text = "blurry";  // only in the negative prompt: not a match
    QCOMPARE(db.count(q), 0);
    q.text = "zebra";
    QCOMPARE(db.count(q), 0);
    q.text = "red";
    q.sort = HistoryQuery::Relevance;
    QCOMPARE(db.searchIds(q).size(), 2);
    QCOMPARE(db.count(q), 2);
    // Pages.
    HistoryQuery page;
    page.sort = HistoryQuery::NewestFirst;
    page.limit = 2;
    QCOMPARE(db.searchIds(page), (QList<qint64>{all[2], all[1]}));
    page.offset = 2;
    QCOMPARE(db.searchIds(page), QList<qint64>{all[0]});
    QCOMPARE(db.search(page).first().id, all[0]);
  }

  void filters() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY(db.openDataDir(d.path()));
    QList<qint64> all;
    fill(db, &all);
    HistoryQuery q;
    q.model = "nano";
    QCOMPARE(ids(db, q), (QList<qint64>{all[0], all[1]}));
    q = {};
    q.sampler = "ddim";
    QCOMPARE(ids(db, q), (QList<qint64>{all[0], all[2]}));
    q = {};
    q.seed = 18446744073709551615ull;  // full uint64 range survives SQLite's int64
    QCOMPARE(ids(db, q), QList<qint64>{all[2]});
    QCOMPARE(db.get(all[2])->seed, 18446744073709551615ull);
    q = {};
    q.from = QDateTime::fromString("2026-02-01T00:00:00Z", Qt::ISODate);
    q.to = QDateTime::fromString("2026-04-01T00:00:00Z", Qt::ISODate);
    QCOMPARE(ids(db, q), QList<qint64>{all[1]});
    q = {};
    q.model = "nano";
    q.text = "cat";
    QCOMPARE(ids(db, q), QList<qint64>{all[1]});
    QCOMPARE(db.distinctModels(), (QStringList{"mumu-xl", "nano"}));
    QCOMPARE(db.distinctSamplers(), (QStringList{"ddim", "euler_a"}));
  }

  void starAndRating() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY(db.openDataDir(d.path()));
    QList<qint64> all;
    fill(db, &all);
    QVERIFY(db.setStarred({all[0], all[2]}, true));
    QVERIFY(db.setRating({all[1]}, 4));
    QVERIFY(db.setRating({all[2]}, 2));
    QVERIFY(!db.setRating({all[2]}, 6));
    QVERIFY(db.lastError().contains("6"));
    QCOMPARE(db.get(all[2])->rating, 2);
    HistoryQuery q;
    q.starredOnly = true;
    QCOMPARE(ids(db, q), (QList<qint64>{all[0], all[2]}));
    q = {};
    q.minRating = 2;
    QCOMPARE(ids(db, q), (QList<qint64>{all[1], all[2]}));
    q.minRating = 3;
    QCOMPARE(ids(db, q), QList<qint64>{all[1]});
    q = {};
    q.sort = HistoryQuery::RatingFirst;
    QCOMPARE(db.searchIds(q), (QList<qint64>{all[1], all[2], all[0]}));
    QVERIFY(db.setStarred({all[0]}, false));
    QVERIFY(!db.get(all[0])->starred);
  }

  void boards() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY(db.openDataDir(d.path()));
    QList<qint64> all;
    fill(db, &all);
    const qint64 cats = db.createBoard("Cats");
    const qint64 red = db.createBoard("Red things");
    QVERIFY(cats > 0 && red > 0);
    QCOMPARE(db.createBoard("cats"), qint64(-1));  // names are unique, case-insensitively
    QVERIFY(db.lastError().contains("already exists"));
    QCOMPARE(db.createBoard("   "), qint64(-1));
    QVERIFY(db.addToBoard(cats, {all[1], all[2]}));
    QVERIFY(db.addToBoard(cats, {all[1]}));  // twice is once
    QVERIFY(db.addToBoard(red, {all[1]}));
    HistoryQuery q;
    q.board = cats;
    QCOMPARE(ids(db, q), (QList<qint64>{all[1], all[2]}));
    QCOMPARE(db.boardsOf(all[1]), (QList<qint64>{cats, red}));
    QVERIFY(db.removeFromBoard(cats, {all[2]}));
    QCOMPARE(ids(db, q), QList<qint64>{all[1]});
    QVERIFY(db.renameBoard(cats, "Kittens"));
    QVERIFY(!db.renameBoard(red, "kittens"));
    const auto list = db.boards();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list[0].name, QString("Kittens"));
    QCOMPARE(list[0].count, 1);
    QVERIFY(db.deleteBoard(cats));
    QCOMPARE(db.boards().size(), 1);
    QCOMPARE(db.count({}), 3);  // the generations stay
    QCOMPARE(db.boardsOf(all[1]), QList<qint64>{red});
  }

  void removeAndUndo() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY(db.openDataDir(d.path()));
    QList<qint64> all;
    fill(db, &all);
    const QString file0 = db.get(all[0])->imagePath;
    const qint64 token = db.remove({all[0], all[1]});
    QVERIFY2(token > 0, qPrintable(db.lastError()));
    QCOMPARE(ids(db, {}), QList<qint64>{all[2]});
    HistoryQuery trash;
    trash.trash = true;
    QCOMPARE(ids(db, trash), (QList<qint64>{all[0], all[1]}));
    {
      HistoryQuery q;
      q.text = "astronaut";
      QCOMPARE(db.count(q), 0);
    }
    QVERIFY(QFileInfo::exists(file0));  // nothing leaves the disk before the trash is emptied
    QVERIFY(db.restore(token));
    QCOMPARE(ids(db, {}), all);
    HistoryQuery q;
    q.text = "astronaut";
    QCOMPARE(db.count(q), 1);
    // Delete again, then empty the trash: rows and files go.
    QVERIFY(db.remove({all[0]}) > 0);
    QStringList failed;
    QCOMPARE(db.emptyTrash(true, &failed), 1);
    QVERIFY(failed.isEmpty());
    QVERIFY(!QFileInfo::exists(file0));
    QVERIFY(!db.get(all[0]));
    QCOMPARE(db.count(q), 0);  // the FTS row went with it (trigger)
    QCOMPARE(db.count({}), 2);
  }

  void exportCopiesPngs() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY(db.openDataDir(d.path()));
    QList<qint64> all;
    fill(db, &all);
    const QString out = d.filePath("export");
    QStringList written = db.exportTo({all[0], all[1]}, out);
    QCOMPARE(written.size(), 2);
    QCOMPARE(readFile(written[0]), readFile(db.get(all[0])->imagePath));
    // The copy keeps its recipe.
    QCOMPARE(recoverRecipe(written[0]).origin, RecipeRecovery::Mumu);
    written = db.exportTo({all[0]}, out);  // name taken: "-1"
    QCOMPARE(QFileInfo(written.value(0)).fileName(), QString("img0-1.png"));
  }

  void migratesV0File() {
    QTemporaryDir d;
    const QString file = d.filePath("history.sqlite");
    {
      QSqlDatabase raw = QSqlDatabase::addDatabase("QSQLITE", "v0");
      raw.setDatabaseName(file);
      QVERIFY(raw.open());
      QSqlQuery(raw).exec("PRAGMA user_version = 0");
      QSqlQuery(raw).exec("VACUUM");  // a real (empty) SQLite file
      raw.close();
    }
    QSqlDatabase::removeDatabase("v0");
    HistoryDb db;
    QVERIFY2(db.open(file), qPrintable(db.lastError()));
    QCOMPARE(db.schemaVersion(), 1);
    QVERIFY(db.backupFile().isEmpty());  // nothing to keep from an empty file
    QVERIFY(db.add(makeRecipe("a dog"), d.filePath("a.png")) > 0);
  }

  void migratesV1ToFutureVersionWithBackup() {
    QTemporaryDir d;
    const QString file = d.filePath("history.sqlite");
    QList<qint64> all;
    {
      HistoryDb db;
      QVERIFY(db.open(file));
      fill(db, &all);
    }
    const QByteArray v1Bytes = readFile(file);
    // A build that knows version 2 (a column added) opens the v1 file: data kept, a backup made first.
    HistoryDb::Options v2;
    v2.migrations.push_back(
        {2, "add a note column", {"ALTER TABLE generations ADD COLUMN note TEXT NOT NULL DEFAULT ''"}});
    {
      HistoryDb db;
      QVERIFY2(db.open(file, v2), qPrintable(db.lastError()));
      QCOMPARE(db.schemaVersion(), 2);
      QCOMPARE(db.count({}), 3);
      QVERIFY(!db.backupFile().isEmpty());
      QCOMPARE(readFile(db.backupFile()), v1Bytes);
      HistoryQuery q;
      q.text = "astronaut";
      QCOMPARE(db.searchIds(q), QList<qint64>{all[0]});
    }
    // This build (version 1) refuses the newer file and leaves it as it is.
    const QByteArray v2Bytes = readFile(file);
    HistoryDb old;
    QVERIFY(!old.open(file));
    QVERIFY2(old.lastError().contains("newer"), qPrintable(old.lastError()));
    QVERIFY(!old.isOpen());
    QCOMPARE(readFile(file), v2Bytes);
    // A migration that fails leaves the file at its version.
    HistoryDb::Options broken = v2;
    broken.migrations.push_back({3, "broken", {"ALTER TABLE no_such_table ADD COLUMN x"}});
    HistoryDb db3;
    QVERIFY(!db3.open(file, broken));
    QVERIFY2(db3.lastError().contains("version 3"), qPrintable(db3.lastError()));
    HistoryDb db2;
    QVERIFY(db2.open(file, v2));
    QCOMPARE(db2.schemaVersion(), 2);
    QCOMPARE(db2.count({}), 3);
  }

  void hostileFtsStrings() {
    QTemporaryDir d;
    HistoryDb db;
    QVERIFY(db.openDataDir(d.path()));
    QList<qint64> all;
    fill(db, &all);
    const QStringList hostile = {
        "\"",
        "\"\"",
        "\"unbalanced quote",
        "unbalanced\" quote",
        "AND",
        "OR NOT",
        "NOT",
        "*",
        "**",
        "NEAR(",
        "NEAR(a b",
        "prompt_text:",
        "negative : blurry",
        "{negative} : blurry",
        "^red",
        "-red",
        "+",
        "(",
        ")",
        "a\"b",
        "'); DROP TABLE generations; --",
        "red' OR '1'='1",
        "\\",
        "%",
        "_",
        QString(3000, u'x'),
        QString(200, u'"'),
        "red\u0000hat",
        QString::fromUtf8("\xF0\x9F\x98\x80"),
        "col:red",
        "rank",
        "*red*",
    };
    for (const QString& text : hostile) {
      HistoryQuery q;
      q.text = text;
      const int n = db.count(q);
      QVERIFY2(n >= 0, qPrintable(text.left(40) + ": " + db.lastError()));
      QVERIFY2(db.lastError().isEmpty(), qPrintable(db.lastError()));
      q.sort = HistoryQuery::Relevance;
      QCOMPARE(db.searchIds(q).size(), n);
      QVERIFY2(db.lastError().isEmpty(), qPrintable(db.lastError()));
    }
    // Operators are words, not operators; the negative column cannot be reached.
    HistoryQuery q;
    q.text = "negative : blurry";
    QCOMPARE(db.count(q), 0);
    q.text = "^red";
    QCOMPARE(db.count(q), 2);
    q.text = "a\"b";
    QVERIFY(HistoryDb::ftsExpression(q.text).contains("\"a\"\"b\"*"));
    QCOMPARE(db.count({}), 3);  // nothing dropped
  }

  void corruptFileRefusedAndUntouched() {
    QTemporaryDir d;
    // Not SQLite at all.
    const QString garbage = d.filePath("garbage.sqlite");
    QByteArray junk;
    for (int i = 0; i < 5000; ++i) junk.append(char((i * 7919) & 0xff));
    writeFile(garbage, junk);
    {
      HistoryDb db;
      QVERIFY(!db.open(garbage));
      QVERIFY2(db.lastError().contains("not a MUMU Studio history"), qPrintable(db.lastError()));
      QVERIFY(db.lastError().contains("untouched"));
    }
    QCOMPARE(readFile(garbage), junk);
    QVERIFY(!QFileInfo::exists(garbage + "-wal"));
    // A real history, truncated.
    const QString file = d.filePath("history.sqlite");
    {
      HistoryDb db;
      QVERIFY(db.open(file));
      for (int i = 0; i < 300; ++i)
        QVERIFY(db.add(makeRecipe(QStringLiteral("prompt number %1 with some words to fill pages").arg(i)),
                       d.filePath(QStringLiteral("%1.png").arg(i))) > 0);
    }
    QByteArray whole = readFile(file);
    QVERIFY(whole.size() > 8192);
    const QByteArray truncated = whole.left(whole.size() / 2);
    writeFile(file, truncated);
    {
      HistoryDb db;
      QVERIFY(!db.open(file));
      QVERIFY2(db.lastError().contains("truncated"), qPrintable(db.lastError()));
    }
    QCOMPARE(readFile(file), truncated);
    // Set aside: renamed, never deleted, and a new history can start.
    QString error;
    const QString aside = HistoryDb::setAside(file, &error);
    QVERIFY2(!aside.isEmpty(), qPrintable(error));
    QCOMPARE(readFile(aside), truncated);
    HistoryDb fresh;
    QVERIFY(fresh.open(file));
    QCOMPARE(fresh.count({}), 0);
    // An SQLite file that is someone else's database.
    const QString other = d.filePath("other.sqlite");
    {
      QSqlDatabase raw = QSqlDatabase::addDatabase("QSQLITE", "other");
      raw.setDatabaseName(other);
      QVERIFY(raw.open());
      QVERIFY(QSqlQuery(raw).exec("CREATE TABLE accounts (id INTEGER, balance REAL)"));
      raw.close();
    }
    QSqlDatabase::removeDatabase("other");
    const QByteArray otherBytes = readFile(other);
    HistoryDb db;
    QVERIFY(!db.open(other));
    QVERIFY2(db.lastError().contains("other tables"), qPrintable(db.lastError()));
    QCOMPARE(readFile(other), otherBytes);
  }

  void damagedPagesGiveAMessageAndNoWrites() {
    QTemporaryDir d;
    const QString file = d.filePath("history.sqlite");
    {
      HistoryDb db;
      QVERIFY(db.open(file));
      QList<QPair<Recipe, QString>> many;
      for (int i = 0; i < 2000; ++i)
        many.append({makeRecipe(QStringLiteral("lantern %1 in the rain with many more words").arg(i)),
                     d.filePath(QStringLiteral("%1.png").arg(i))});
      QCOMPARE(db.addMany(many).size(), 2000);
    }
    // Scribble over the second half of the file, keeping its size and header: SQLite finds out only when it reads.
    QByteArray bytes = readFile(file);
    for (qsizetype i = bytes.size() / 2; i < bytes.size(); ++i) bytes[i] = char((i * 131) & 0xff);
    writeFile(file, bytes);
    HistoryDb db;
    if (db.open(file)) {
      HistoryQuery all;
      all.sort = HistoryQuery::OldestFirst;
      QList<HistoryRow> rows = db.search(all);
      HistoryQuery q;
      q.text = "lantern";
      const int n = db.count(q);
      const bool failed = !db.lastError().isEmpty() || n < 0 || rows.size() < 2000;
      qInfo("damaged file: %d rows read, count %d, message: %s", int(rows.size()), n, qPrintable(db.lastError()));
      QVERIFY(failed);
      if (!db.lastError().isEmpty())
        QVERIFY2(db.lastError().contains("damaged") || db.lastError().contains("malformed"),
                 qPrintable(db.lastError()));
      db.close();
    } else {
      QVERIFY2(db.lastError().contains("damaged"), qPrintable(db.lastError()));
    }
    QCOMPARE(readFile(file), bytes);  // never written
  }

  void lockedDatabaseMessage() {
    QTemporaryDir d;
    const QString file = d.filePath("history.sqlite");
    {
      HistoryDb db;
      QVERIFY(db.open(file));
      QVERIFY(db.add(makeRecipe("first"), d.filePath("1.png")) > 0);
    }
    QSqlDatabase other = QSqlDatabase::addDatabase("QSQLITE", "other-instance");
    other.setDatabaseName(file);
    QVERIFY(other.open());
    QSqlQuery lock(other);
    QVERIFY2(lock.exec("BEGIN EXCLUSIVE"), qPrintable(lock.lastError().text()));
    HistoryDb::Options fast;
    fast.busyTimeoutMs = 50;
    HistoryDb db;
    // Opening may succeed (WAL readers are not blocked), but a write must fail with a clear message.
    if (db.open(file, fast)) {
      QCOMPARE(db.add(makeRecipe("second"), d.filePath("2.png")), qint64(-1));
      QVERIFY2(db.lastError().contains("locked by another program"), qPrintable(db.lastError()));
      QCOMPARE(db.count({}), 1);
    } else {
      QVERIFY2(db.lastError().contains("locked by another program"), qPrintable(db.lastError()));
    }
    QVERIFY(lock.exec("ROLLBACK"));
    lock = QSqlQuery();
    other.close();
    other = QSqlDatabase();
    QSqlDatabase::removeDatabase("other-instance");
    if (!db.isOpen()) QVERIFY(db.open(file, fast));
    QVERIFY2(db.add(makeRecipe("second"), d.filePath("2.png")) > 0, qPrintable(db.lastError()));
    QCOMPARE(db.count({}), 2);
  }

  void twoInstancesHaveOwnConnections() {
    QTemporaryDir d;
    HistoryDb a, b;
    QVERIFY(a.open(d.filePath("a.sqlite")));
    QVERIFY(b.open(d.filePath("b.sqlite")));
    QVERIFY(a.add(makeRecipe("only in a"), d.filePath("a.png")) > 0);
    QCOMPARE(a.count({}), 1);
    QCOMPARE(b.count({}), 0);
  }

  void assetStore() {
    QTemporaryDir d;
    AssetStore store(d.path());
    const QString src = d.filePath("ref.png");
    const QByteArray png = pngBytes(Qt::blue);
    writeFile(src, png);
    QString error;
    const QString stored = store.import(src, &error);
    QVERIFY2(!stored.isEmpty(), qPrintable(error));
    const QString sha = QString::fromStdString(sha256Hex(std::string_view(png.constData(), png.size())));
    QCOMPARE(QFileInfo(stored).fileName(), sha + ".png");
    QCOMPARE(QFileInfo(stored).absolutePath(), QDir(d.filePath("assets")).absolutePath());
    QCOMPARE(readFile(stored), png);
    QCOMPARE(store.import(src), stored);  // the same bytes are stored once
    QCOMPARE(store.find(sha), stored);
    QCOMPARE(store.find(sha.toUpper()), stored);
    QVERIFY(store.find(QString(64, u'0')).isEmpty());
    QVERIFY(store.find("../../etc/passwd").isEmpty());
    // The original can go: the stored copy stays.
    QFile::remove(src);
    QVERIFY(QFileInfo::exists(stored));

    const QString empty = d.filePath("empty.png");
    writeFile(empty, {});
    QVERIFY(store.import(empty, &error).isEmpty());
    QVERIFY2(error.contains("0 bytes"), qPrintable(error));
    const QString junk = d.filePath("junk.png");
    writeFile(junk, QByteArray("this is not an image at all, only text"));
    QVERIFY(store.import(junk, &error).isEmpty());
    QVERIFY2(error.contains("not an image"), qPrintable(error));
    // A PNG cut short: the header parses, the pixels do not.
    const QString cut = d.filePath("cut.png");
    writeFile(cut, pngBytes(Qt::green, 300, 300).left(60));
    QVERIFY(store.import(cut, &error).isEmpty());
    QVERIFY(store.import(d.filePath("missing.png"), &error).isEmpty());
    QVERIFY2(error.contains("no such file"), qPrintable(error));
    QCOMPARE(QDir(store.root()).entryList(QDir::Files).size(), 1);  // only the good one, no leftovers

    QImage pasted(10, 10, QImage::Format_ARGB32);
    pasted.fill(Qt::yellow);
    const QString fromClipboard = store.importImage(pasted, &error);
    QVERIFY2(fromClipboard.endsWith(".png"), qPrintable(error));
    QCOMPARE(QImage(fromClipboard).pixelColor(5, 5), QColor(Qt::yellow));
    QVERIFY(store.importImage(QImage(), &error).isEmpty());

    // locate: by SHA-256 from the store even though the recorded path is gone.
    PromptSegment seg = PromptSegment::makeImage(src.toStdString());
    seg.imageSha256 = sha.toStdString();
    QCOMPARE(store.locate(seg), stored);
  }

  void recoverRecipeFromOurPng() {
    QTemporaryDir d;
    Recipe r = makeRecipe("a [img:ref.png] man riding a scooter", "nano", "dpmpp_2m_karras", 77);
    const QString png = writeRecipePng(d.filePath("ours.png"), r);
    const RecipeRecovery got = recoverRecipe(png);
    QVERIFY2(got.ok(), qPrintable(got.message));
    QCOMPARE(got.origin, RecipeRecovery::Mumu);
    QVERIFY(got.recipe == r);
    QVERIFY(got.recipeJson.contains("\"seed\": 77"));
    QVERIFY(got.parameters.contains("Seed: 77"));
  }

  void recoverRecipeFromA1111Png() {
    QTemporaryDir d;
    const QString path = d.filePath("a1111.png");
    const QByteArray png = pngBytes(Qt::gray);
    PngTextChunk params;
    params.keyword = "parameters";
    params.type = PngTextChunk::TEXt;
    params.text =
        "a photo of a (red hat:1.2) on a cat\nNegative prompt: ugly, blurry\n"
        "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 987654321, Size: 832x1216, "
        "Model hash: 0123456789, Model: sd_xl_base_1.0";
    const std::string bytes =
        embedPngTextChunks(std::string_view(png.constData(), png.size()), {params}, path.toStdString());
    writeFile(path, QByteArray(bytes.data(), qsizetype(bytes.size())));
    const RecipeRecovery got = recoverRecipe(path);
    QVERIFY2(got.ok(), qPrintable(got.message));
    QCOMPARE(got.origin, RecipeRecovery::A1111);
    QCOMPARE(QString::fromStdString(promptDisplayText(got.recipe.prompt)),
             QString("a photo of a (red hat:1.2) on a cat"));
    QCOMPARE(got.recipe.negativePrompt, std::string("ugly, blurry"));
    QCOMPARE(got.recipe.steps, 28);
    QCOMPARE(got.recipe.cfgScale, 7.5);
    QCOMPARE(got.recipe.seed, quint64(987654321));
    QCOMPARE(got.recipe.width, 832);
    QCOMPARE(got.recipe.height, 1216);
    QCOMPARE(got.recipe.modelName, std::string("sd_xl_base_1.0"));
    QVERIFY(!got.message.isEmpty());  // says it is text only
  }

  void recoverRecipeRefusesOtherFiles() {
    QTemporaryDir d;
    const QString plain = d.filePath("plain.png");
    writeFile(plain, pngBytes(Qt::white));
    RecipeRecovery got = recoverRecipe(plain);
    QVERIFY(!got.ok());
    QVERIFY2(got.message.contains("neither"), qPrintable(got.message));
    const QString jpeg = d.filePath("photo.jpg");
    QImage(8, 8, QImage::Format_RGB32).save(jpeg, "JPG");
    got = recoverRecipe(jpeg);
    QVERIFY(!got.ok());
    QVERIFY2(got.message.contains("not a PNG"), qPrintable(got.message));
    const QString empty = d.filePath("empty.png");
    writeFile(empty, {});
    QVERIFY(recoverRecipe(empty).message.contains("0 bytes"));
    // A damaged PNG (bad CRC) gives the reader's message, not a crash.
    QByteArray bad = pngBytes(Qt::white);
    bad[20] = char(bad[20] ^ 0x55);
    const QString damaged = d.filePath("damaged.png");
    writeFile(damaged, bad);
    got = recoverRecipe(damaged);
    QVERIFY(!got.ok());
    QVERIFY2(got.message.contains("damaged.png"), qPrintable(got.message));
    QVERIFY(!recoverRecipe(d.filePath("missing.png")).ok());
  }

  void thumbnailsOffThread() {
    QTemporaryDir d;
    const QString image = d.filePath("big.png");
    QImage big(600, 300, QImage::Format_RGB32);
    big.fill(Qt::darkCyan);
    QVERIFY(big.save(image));
    const QString bad = d.filePath("bad.png");
    writeFile(bad, QByteArray("not a png"));
    ThumbnailCache cache(d.path(), 128);
    QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);
    QSignalSpy failed(&cache, &ThumbnailCache::thumbnailFailed);
    QVERIFY(cache.thumbnail(image).isNull());  // not yet: requested
    cache.request(bad);
    QVERIFY(ready.wait(10000));
    if (failed.isEmpty()) QVERIFY(failed.wait(10000));
    QCOMPARE(ready.first().at(0).toString(), image);
    const QImage thumb = ready.first().at(1).value<QImage>();
    QCOMPARE(thumb.size(), QSize(128, 64));
    QCOMPARE(failed.first().at(0).toString(), bad);
    QVERIFY(QFileInfo::exists(cache.thumbFile(image)));
    QVERIFY(cache.thumbFile(image).startsWith(QDir(d.filePath("thumbs")).absolutePath()));
    QCOMPARE(cache.thumbnail(image).size(), QSize(128, 64));  // now from memory
    // A second cache (next start of the app) reads the file from disk.
    const QString thumbFile = cache.thumbFile(image);
    QFile::remove(image);
    QString error;
    QCOMPARE(ThumbnailCache::produce(image, thumbFile, 128, &error).size(), QSize(128, 64));
    QFile::remove(thumbFile);
    QVERIFY(ThumbnailCache::produce(image, thumbFile, 128, &error).isNull());  // neither image nor thumbnail
    QVERIFY(!error.isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "test_history.moc"
