// history_db.cpp — the history database (see history_db.h).
#include "core/history_db.h"

#include <QAtomicInt>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QtEndian>
#include <algorithm>

#include "model/error.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"

namespace mumu {
namespace {

QAtomicInt connectionCounter;

// SQLite primary result codes (sqlite3.h) that get their own message.
enum SqliteCode {
  kBusy = 5,
  kLocked = 6,
  kReadOnly = 8,
  kIoErr = 10,
  kCorrupt = 11,
  kFull = 13,
  kCantOpen = 14,
  kConstraint = 19,
  kNotADb = 26
};

int sqliteCode(const QSqlError& e) {
  bool ok = false;
  const int code = e.nativeErrorCode().toInt(&ok);
  return ok ? (code & 0xff) : -1;
}

// The columns search() and get() read, in this order (rowFromQuery).
const char* const kRowColumns =
    "g.id, g.created, g.image_path, g.thumb_path, g.prompt_text, g.negative, g.model, g.sampler, g.steps, g.cfg, "
    "g.seed, g.width, g.height, g.starred, g.rating, g.trashed";

HistoryRow rowFromQuery(const QSqlQuery& q) {
  HistoryRow r;
  r.id = q.value(0).toLongLong();
  r.created = QDateTime::fromMSecsSinceEpoch(q.value(1).toLongLong(), Qt::UTC);
  r.imagePath = q.value(2).toString();
  r.thumbPath = q.value(3).toString();
  r.promptText = q.value(4).toString();
  r.negative = q.value(5).toString();
  r.model = q.value(6).toString();
  r.sampler = q.value(7).toString();
  r.steps = q.value(8).toInt();
  r.cfg = q.value(9).toDouble();
  r.seed = static_cast<quint64>(q.value(10).toLongLong());  // stored as the int64 bit pattern
  r.width = q.value(11).toInt();
  r.height = q.value(12).toInt();
  r.starred = q.value(13).toInt() != 0;
  r.rating = q.value(14).toInt();
  r.trashed = q.value(15).toLongLong();
  return r;
}

QString idList(const QList<qint64>& ids) {
  QStringList s;
  s.reserve(ids.size());
  for (qint64 id : ids) s << QString::number(id);
  return s.join(',');
}

// Ids in chunks, so a statement stays small whatever the selection size.
template <typename F>
bool forChunks(const QList<qint64>& ids, F&& f) {
  constexpr int kChunk = 500;
  for (int i = 0; i < ids.size(); i += kChunk)
    if (!f(ids.mid(i, kChunk))) return false;
  return true;
}

}  // namespace

// ---- schema ------------------------------------------------------------------------------------------------------

std::vector<HistoryMigration> historyMigrations() {
  std::vector<HistoryMigration> m;
  m.push_back({1,
               QStringLiteral("initial schema: generations, trash, boards, full-text index"),
               {
                   // created: ms since the epoch, UTC. seed: the uint64 as its int64 bit pattern.
                   // trashed: 0 = live, else the trash_batches id (the undo token) that removed it.
                   // Columns the filters read come first and the recipe lives in its own table: rows stay small
                   // (~250 bytes), so scanning 100,000 of them in time order touches few pages.
                   "CREATE TABLE generations ("
                   " id INTEGER PRIMARY KEY,"
                   " created INTEGER NOT NULL,"
                   " trashed INTEGER NOT NULL DEFAULT 0,"
                   " starred INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),"
                   " rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),"
                   " model TEXT NOT NULL DEFAULT '',"
                   " sampler TEXT NOT NULL DEFAULT '',"
                   " seed INTEGER NOT NULL DEFAULT 0,"
                   " steps INTEGER NOT NULL DEFAULT 0,"
                   " cfg REAL NOT NULL DEFAULT 0,"
                   " width INTEGER NOT NULL DEFAULT 0,"
                   " height INTEGER NOT NULL DEFAULT 0,"
                   " prompt_text TEXT NOT NULL DEFAULT '',"
                   " negative TEXT NOT NULL DEFAULT '',"
                   " image_path TEXT NOT NULL,"
                   " thumb_path TEXT NOT NULL DEFAULT '')",
                   "CREATE TABLE generation_recipes ("
                   " generation_id INTEGER PRIMARY KEY REFERENCES generations(id) ON DELETE CASCADE,"
                   " recipe_json TEXT NOT NULL)",
                   "CREATE INDEX generations_by_time ON generations(trashed, created)",
                   "CREATE INDEX generations_by_rating ON generations(trashed, rating, created)",
                   "CREATE INDEX generations_by_model ON generations(model)",
                   "CREATE INDEX generations_by_sampler ON generations(sampler)",
                   "CREATE INDEX generations_by_seed ON generations(seed)",
                   "CREATE TABLE trash_batches (id INTEGER PRIMARY KEY, created INTEGER NOT NULL)",
                   "CREATE TABLE boards (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
                   " created INTEGER NOT NULL)",
                   "CREATE TABLE generation_boards ("
                   " board_id INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,"
                   " generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,"
                   " PRIMARY KEY (board_id, generation_id)) WITHOUT ROWID",
                   "CREATE INDEX generation_boards_by_generation ON generation_boards(generation_id)",
                   // External-content FTS5 index over the prompt texts, kept in sync by the triggers below.
                   "CREATE VIRTUAL TABLE generations_fts USING fts5(prompt_text, negative, content='generations',"
                   " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
                   "CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN"
                   " INSERT INTO generations_fts(rowid, prompt_text, negative)"
                   " VALUES (new.id, new.prompt_text, new.negative); END",
                   "CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN"
                   " INSERT INTO generations_fts(generations_fts, rowid, prompt_text, negative)"
                   " VALUES ('delete', old.id, old.prompt_text, old.negative); END",
                   "CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt_text, negative ON generations BEGIN"
                   " INSERT INTO generations_fts(generations_fts, rowid, prompt_text, negative)"
                   " VALUES ('delete', old.id, old.prompt_text, old.negative);"
                   " INSERT INTO generations_fts(rowid, prompt_text, negative)"
                   " VALUES (new.id, new.prompt_text, new.negative); END",
               }});
  // Version 2 goes here: {2, "what it changes", {"ALTER TABLE …", …}}. Never edit a released step.
  return m;
}

// ---- open / close ------------------------------------------------------------------------------------------------

HistoryDb::HistoryDb() : connection_(QStringLiteral("mumu-history-%1").arg(connectionCounter.fetchAndAddRelaxed(1))) {}

HistoryDb::~HistoryDb() {
  close();
}

QSqlDatabase HistoryDb::db() const {
  return QSqlDatabase::database(connection_, false);
}

bool HistoryDb::isOpen() const {
  return QSqlDatabase::contains(connection_) && db().isOpen();
}

void HistoryDb::close() {
  if (!QSqlDatabase::contains(connection_)) return;
  {
    QSqlDatabase d = db();
    if (d.isOpen()) {
      // Keeps the planner's statistics current (cheap; SQLite's advice) — only on a file we accepted as ours.
      if (accepted_) QSqlQuery(d).exec("PRAGMA optimize");
      d.close();
    }
  }
  QSqlDatabase::removeDatabase(connection_);
  accepted_ = false;
}

bool HistoryDb::fail(const QString& message) {
  error_ = message;
  return false;
}

bool HistoryDb::failSql(const QString& what, const QSqlError& e) {
  const QString f = QDir::toNativeSeparators(file_);
  QString why;
  switch (sqliteCode(e)) {
    case kBusy:
    case kLocked:
      why = tr("the history database '%1' is locked by another program (is another MUMU Studio running?). "
               "Close it and try again; nothing was changed.")
                .arg(f);
      break;
    case kReadOnly:
      why = tr("the history database '%1' is read-only, so the change was not saved. Check the permissions of the "
               "file and its folder.")
                .arg(f);
      break;
    case kFull:
      why = tr("the disk holding '%1' is full, so the change was not saved. Free some space and try again.").arg(f);
      break;
    case kCorrupt:
    case kNotADb:
      accepted_ = false;  // damaged: not even statistics are written to it from now on
      why = tr("the history database '%1' is damaged (%2). MUMU Studio will not write to it; copy it somewhere safe "
               "before trying to repair it.")
                .arg(f, e.databaseText());
      break;
    case kIoErr:
      why = tr("a disk error occurred on '%1' (%2); the change was not saved.").arg(f, e.databaseText());
      break;
    case kCantOpen:
      why = tr("the history database '%1' cannot be opened (%2).").arg(f, e.databaseText());
      break;
    default:
      why = e.databaseText().isEmpty() ? e.text() : e.databaseText();
  }
  return fail(what.isEmpty() ? why : what + ": " + why);
}

bool HistoryDb::exec(const QString& sql, const QString& what) {
  QSqlQuery q(db());
  if (!q.exec(sql)) return failSql(what, q.lastError());
  return true;
}

// Reads the file's header before SQLite sees it: a file that is not SQLite, or is shorter than its header says
// (truncated by a crash or a bad copy), is refused here without a single byte written.
bool HistoryDb::checkFileBeforeOpen(const QString& file) {
  const QFileInfo fi(file);
  const QString f = QDir::toNativeSeparators(file);
  if (!fi.exists()) {
    if (!QDir().mkpath(fi.absolutePath()))
      return fail(tr("Cannot create the folder '%1' for the history database.").arg(fi.absolutePath()));
    return true;
  }
  if (!fi.isFile()) return fail(tr("'%1' is not a file, so it cannot hold the history.").arg(f));
  if (fi.size() == 0) return true;  // an empty file is an empty database (SQLite's view too)
  QFile in(file);
  if (!in.open(QIODevice::ReadOnly))
    return fail(tr("The history database '%1' cannot be read: %2").arg(f, in.errorString()));
  const QByteArray h = in.read(100);
  const QString untouched = tr("It was left untouched. Move it away (or restore a backup) to start a new history.");
  if (h.size() < 100 || !h.startsWith(QByteArrayLiteral("SQLite format 3\0")))
    return fail(tr("'%1' is not a MUMU Studio history database (it is not an SQLite file). %2").arg(f, untouched));
  const auto u16 = [&](int o) { return qFromBigEndian<quint16>(h.constData() + o); };
  const auto u32 = [&](int o) { return qFromBigEndian<quint32>(h.constData() + o); };
  const qint64 pageSize = u16(16) == 1 ? 65536 : u16(16);
  if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0)
    return fail(tr("The history database '%1' is damaged (bad page size in its header). %2").arg(f, untouched));
  // The header's page count is valid when its change counter matches "version-valid-for" (SQLite ≥ 3.7.0).
  const qint64 pages = u32(28);
  if (u32(24) == u32(92) && pages > 0 && fi.size() < pages * pageSize)
    return fail(tr("The history database '%1' is damaged: it is truncated (%2 of %3 bytes). %4")
                    .arg(f)
                    .arg(fi.size())
                    .arg(pages * pageSize)
                    .arg(untouched));
  return true;
}

bool HistoryDb::openDataDir(const QString& dataDir, const Options& options) {
  return open(QDir(dataDir).filePath(defaultFileName()), options);
}

bool HistoryDb::open(const QString& file, const Options& options) {
  close();
  error_.clear();
  backup_.clear();
  file_ = QFileInfo(file).absoluteFilePath();
  if (!checkFileBeforeOpen(file_)) return false;

  {
    QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection_);
    d.setDatabaseName(file_);
    d.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(std::max(0, options.busyTimeoutMs)));
    if (!d.open()) {
      failSql(tr("Cannot open the history"), d.lastError());
      d = {};
      close();
      return false;
    }
  }
  const auto refuse = [&](const QString& message) {
    close();
    return fail(message);
  };
  const QString f = QDir::toNativeSeparators(file_);

  // Read-only checks first: what the file is, and which version.
  int version = 0;
  QStringList tables;
  {
    QSqlQuery q(db());
    if (!q.exec("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      failSql(tr("Cannot open the history"), q.lastError());
      return refuse(error_);
    }
    while (q.next()) tables << q.value(0).toString();
    if (!q.exec("PRAGMA user_version") || !q.next()) {
      failSql(tr("Cannot open the history"), q.lastError());
      return refuse(error_);
    }
    version = q.value(0).toInt();
  }
  const int latest = int(options.migrations.size());
  if (version > latest)
    return refuse(tr("The history database '%1' was written by a newer MUMU Studio (schema version %2; this version "
                     "reads up to %3). It was left untouched; update MUMU Studio to open it.")
                      .arg(f)
                      .arg(version)
                      .arg(latest));
  if (version == 0 && !tables.isEmpty())
    return refuse(tr("'%1' is an SQLite database but not a MUMU Studio history (it holds other tables). It was left "
                     "untouched; choose another file.")
                      .arg(f));
  if (version > 0 && !tables.contains("generations"))
    return refuse(tr("The history database '%1' is damaged: its table of generations is missing. It was left "
                     "untouched.")
                      .arg(f));

  // WAL: readers never wait for the writer, and a crash cannot leave a half-written page.
  if (!exec("PRAGMA journal_mode = WAL", tr("Cannot open the history")) ||
      !exec("PRAGMA synchronous = NORMAL", tr("Cannot open the history")) ||
      !exec("PRAGMA foreign_keys = ON", tr("Cannot open the history")))
    return refuse(error_);

  if (version < latest && !migrate(options)) return refuse(error_);
  accepted_ = true;
  return true;
}

bool HistoryDb::migrate(const Options& options) {
  int version = schemaVersion();
  const QString f = QDir::toNativeSeparators(file_);
  if (version > 0) {
    // The user's data is about to change shape: keep a copy of the file as it was.
    if (!exec("PRAGMA wal_checkpoint(TRUNCATE)", tr("Cannot prepare the history for its upgrade"))) return false;
    QString backup = QStringLiteral("%1.v%2-backup").arg(file_).arg(version);
    if (QFileInfo::exists(backup))
      backup += QDateTime::currentDateTimeUtc().toString(QStringLiteral("-yyyyMMdd-HHmmss"));
    if (!QFile::copy(file_, backup))
      return fail(tr("Cannot back up the history database '%1' before upgrading it (is the disk full?); it was "
                     "left unchanged.")
                      .arg(f));
    backup_ = backup;
  }
  for (const HistoryMigration& m : options.migrations) {
    if (m.toVersion <= version) continue;
    if (m.toVersion != version + 1)
      return fail(
          tr("Internal error: history migration to version %1 follows version %2.").arg(m.toVersion).arg(version));
    const QString what = tr("Cannot upgrade the history database to version %1 (%2); it was left at version %3")
                             .arg(m.toVersion)
                             .arg(m.description)
                             .arg(version);
    if (!exec("BEGIN IMMEDIATE", what)) return false;
    bool ok = true;
    for (const QString& sql : m.statements)
      if (!(ok = exec(sql, what))) break;
    if (ok) ok = exec(QStringLiteral("PRAGMA user_version = %1").arg(m.toVersion), what);
    if (ok) ok = exec("COMMIT", what);
    if (!ok) {
      const QString e = error_;
      QSqlQuery(db()).exec("ROLLBACK");
      return fail(e);
    }
    version = m.toVersion;
  }
  return true;
}

int HistoryDb::schemaVersion() const {
  if (!isOpen()) return -1;
  QSqlQuery q(db());
  if (!q.exec("PRAGMA user_version") || !q.next()) return -1;
  return q.value(0).toInt();
}

QString HistoryDb::setAside(const QString& file, QString* error) {
  const QString target = file + QDateTime::currentDateTimeUtc().toString(QStringLiteral(".'damaged'-yyyyMMdd-HHmmss"));
  if (!QFile::rename(file, target)) {
    if (error) *error = tr("Cannot rename '%1' to '%2'.").arg(file, target);
    return {};
  }
  for (const char* suffix : {"-wal", "-shm"})
    if (QFileInfo::exists(file + suffix)) QFile::rename(file + suffix, target + suffix);
  return target;
}

// ---- rows --------------------------------------------------------------------------------------------------------

namespace {
// A write transaction that rolls back unless committed. IMMEDIATE: take the write lock up front, so a busy database
// waits (busy timeout) instead of failing half-way.
class WriteTxn {
 public:
  explicit WriteTxn(const QSqlDatabase& db) : db_(db) {
    QSqlQuery q(db_);
    ok_ = q.exec("BEGIN IMMEDIATE");
    error_ = q.lastError();
  }
  ~WriteTxn() {
    if (ok_ && !done_) QSqlQuery(db_).exec("ROLLBACK");
  }
  bool ok() const { return ok_; }
  const QSqlError& error() const { return error_; }
  bool commit() {
    QSqlQuery q(db_);
    done_ = q.exec("COMMIT");
    error_ = q.lastError();
    return done_;
  }

 private:
  QSqlDatabase db_;
  bool ok_ = false, done_ = false;
  QSqlError error_;
};
}  // namespace

qint64 HistoryDb::add(const QString& recipeJson, const QString& imagePath) {
  try {
    return add(recipeFromJson(recipeJson.toStdString(), imagePath.toStdString() + ": recipe"), imagePath);
  } catch (const std::exception& e) {
    fail(tr("Cannot add '%1' to the history: %2").arg(imagePath, QString::fromStdString(e.what())));
    return -1;
  }
}

qint64 HistoryDb::add(const Recipe& recipe, const QString& imagePath) {
  const QList<qint64> ids = addMany({{recipe, imagePath}});
  return ids.isEmpty() ? -1 : ids.first();
}

QList<qint64> HistoryDb::addMany(const QList<QPair<Recipe, QString>>& items) {
  QList<qint64> ids;
  const QString what = items.size() == 1 ? tr("Cannot add '%1' to the history").arg(items.first().second)
                                         : tr("Cannot add %1 images to the history").arg(items.size());
  if (!isOpen()) return fail(what + ": " + tr("the history is not open")), ids;
  WriteTxn txn(db());
  if (!txn.ok()) return failSql(what, txn.error()), ids;
  {
    QSqlQuery q(db());
    q.prepare(
        "INSERT INTO generations (created, image_path, prompt_text, negative, model, sampler, steps, cfg, seed, "
        "width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    QSqlQuery r(db());
    r.prepare("INSERT INTO generation_recipes (generation_id, recipe_json) VALUES (?, ?)");
    for (const auto& [recipe, imagePath] : items) {
      QDateTime created = QDateTime::fromString(QString::fromStdString(recipe.created), Qt::ISODate);
      if (!created.isValid()) created = QDateTime::currentDateTimeUtc();
      q.addBindValue(created.toMSecsSinceEpoch());
      q.addBindValue(QFileInfo(imagePath).absoluteFilePath());
      q.addBindValue(QString::fromStdString(promptDisplayText(recipe.prompt)));
      q.addBindValue(QString::fromStdString(recipe.negativePrompt));
      q.addBindValue(QString::fromStdString(recipe.modelName));
      q.addBindValue(QString::fromStdString(recipe.sampler));
      q.addBindValue(recipe.steps);
      q.addBindValue(recipe.cfgScale);
      q.addBindValue(static_cast<qint64>(recipe.seed));
      q.addBindValue(recipe.width);
      q.addBindValue(recipe.height);
      if (!q.exec()) return failSql(what, q.lastError()), QList<qint64>();
      const qint64 id = q.lastInsertId().toLongLong();
      r.addBindValue(id);
      r.addBindValue(QString::fromStdString(recipeToJson(recipe, -1)));
      if (!r.exec()) return failSql(what, r.lastError()), QList<qint64>();
      ids << id;
    }
  }
  if (!txn.commit()) return failSql(what, txn.error()), QList<qint64>();
  return ids;
}

std::optional<HistoryRow> HistoryDb::get(qint64 id) {
  if (!isOpen()) return fail(tr("The history is not open")), std::nullopt;
  QSqlQuery q(db());
  q.prepare(QStringLiteral(
                "SELECT %1, r.recipe_json FROM generations g LEFT JOIN generation_recipes r ON r.generation_id = g.id "
                "WHERE g.id = ?")
                .arg(kRowColumns));
  q.addBindValue(id);
  if (!q.exec()) return failSql(tr("Cannot read the history"), q.lastError()), std::nullopt;
  if (!q.next()) return fail(tr("No generation %1 in the history").arg(id)), std::nullopt;
  HistoryRow r = rowFromQuery(q);
  r.recipeJson = q.value(16).toString();
  return r;
}

std::optional<Recipe> HistoryDb::recipe(qint64 id) {
  const auto row = get(id);
  if (!row) return std::nullopt;
  try {
    return recipeFromJson(row->recipeJson.toStdString(), "history #" + std::to_string(id));
  } catch (const std::exception& e) {
    fail(QString::fromStdString(e.what()));
    return std::nullopt;
  }
}

QString HistoryDb::ftsExpression(const QString& userText) {
  constexpr int kMaxWords = 32, kMaxWordChars = 128;
  QStringList phrases;
  for (QString word : userText.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
    if (phrases.size() == kMaxWords) break;
    word.truncate(kMaxWordChars);
    // A word without a letter or digit gives the tokenizer nothing: an empty phrase would match nothing at all.
    if (std::none_of(word.begin(), word.end(), [](QChar c) { return c.isLetterOrNumber(); })) continue;
    // Inside an FTS5 string only '"' is special (doubled); operators and column names lose their meaning.
    word.replace(u'"', QStringLiteral("\"\""));
    phrases << u'"' + word + QStringLiteral("\"*");
  }
  if (phrases.isEmpty()) return {};
  return QStringLiteral("{prompt_text} : (%1)").arg(phrases.join(QStringLiteral(" AND ")));
}

// One SELECT for a query. Which side drives decides the speed at 100,000 rows: for a rare word, the FTS index
// (a few hundred lookups by id, then a small sort); for a common word, the time index (stopping after one page of
// matches). A capped count of FTS hits picks; counting and relevance order always let the FTS index drive.
// Measured (bench_history): an FTS-driven page costs ~4 µs per hit, a time-index scan ~0.15 µs per row scanned until
// a page of matches is found, so the FTS index should drive below ~1,000 hits — or below ~20,000 when other filters
// make matches rarer still.
QString HistoryDb::selectSql(const HistoryQuery& q, const QString& columns, bool forCount, QVariantList* binds) {
  const bool otherFilters = !q.model.isEmpty() || !q.sampler.isEmpty() || q.seed || q.from.isValid() ||
                            q.to.isValid() || q.starredOnly || q.minRating > 0 || q.board > 0;
  const int kFtsDriveLimit = otherFilters ? 20000 : 1000;
  const QString fts = ftsExpression(q.text);
  bool ftsDrives = false;
  if (!fts.isEmpty()) {
    ftsDrives = forCount || q.sort == HistoryQuery::Relevance;
    if (!ftsDrives) {
      QSqlQuery probe(db());
      probe.prepare(QStringLiteral("SELECT count(*) FROM (SELECT 1 FROM generations_fts WHERE generations_fts MATCH ? "
                                   "LIMIT %1)")
                        .arg(kFtsDriveLimit + 1));
      probe.addBindValue(fts);
      ftsDrives = probe.exec() && probe.next() && probe.value(0).toInt() <= kFtsDriveLimit;
    }
  }
  QStringList c;
  c << (q.trash ? QStringLiteral("g.trashed != 0") : QStringLiteral("g.trashed = 0"));
  if (!fts.isEmpty()) {
    c << (ftsDrives ? QStringLiteral("generations_fts MATCH ?")
                    : QStringLiteral("g.id IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?)"));
    *binds << fts;
  }
  if (!q.model.isEmpty()) c << QStringLiteral("g.model = ?"), *binds << q.model;
  if (!q.sampler.isEmpty()) c << QStringLiteral("g.sampler = ?"), *binds << q.sampler;
  if (q.seed) c << QStringLiteral("g.seed = ?"), *binds << static_cast<qint64>(*q.seed);
  if (q.from.isValid()) c << QStringLiteral("g.created >= ?"), *binds << q.from.toMSecsSinceEpoch();
  if (q.to.isValid()) c << QStringLiteral("g.created <= ?"), *binds << q.to.toMSecsSinceEpoch();
  if (q.starredOnly) c << QStringLiteral("g.starred = 1");
  if (q.minRating > 0) c << QStringLiteral("g.rating >= ?"), *binds << q.minRating;
  if (q.board > 0)
    c << QStringLiteral("g.id IN (SELECT generation_id FROM generation_boards WHERE board_id = ?)"), *binds << q.board;
  // CROSS JOIN keeps the written order: the FTS index is the outer loop, rows are looked up by id.
  const QString from = ftsDrives
                           ? QStringLiteral("generations_fts CROSS JOIN generations g ON g.id = generations_fts.rowid")
                           : QStringLiteral("generations g");
  QString sql = QStringLiteral("SELECT %1 FROM %2 WHERE %3").arg(columns, from, c.join(QStringLiteral(" AND ")));
  if (forCount) return sql;
  QString order = QStringLiteral("g.created DESC, g.id DESC");
  switch (q.sort) {
    case HistoryQuery::OldestFirst:
      order = QStringLiteral("g.created ASC, g.id ASC");
      break;
    case HistoryQuery::RatingFirst:
      order = QStringLiteral("g.rating DESC, g.created DESC, g.id DESC");
      break;
    case HistoryQuery::Relevance:
      if (!fts.isEmpty()) order = QStringLiteral("generations_fts.rank, g.created DESC, g.id DESC");
      break;
    case HistoryQuery::NewestFirst:
      break;
  }
  return sql + QStringLiteral(" ORDER BY %1 LIMIT %2 OFFSET %3")
                   .arg(order)
                   .arg(q.limit < 0 ? -1 : q.limit)
                   .arg(std::max(0, q.offset));
}

QList<HistoryRow> HistoryDb::search(const HistoryQuery& query) {
  QList<HistoryRow> rows;
  error_.clear();
  if (!isOpen()) return fail(tr("The history is not open")), rows;
  QVariantList binds;
  const QString sql = selectSql(query, QString::fromLatin1(kRowColumns), false, &binds);
  QSqlQuery q(db());
  q.setForwardOnly(true);
  q.prepare(sql);
  for (const QVariant& b : binds) q.addBindValue(b);
  if (!q.exec()) return failSql(tr("Cannot search the history"), q.lastError()), rows;
  while (q.next()) rows << rowFromQuery(q);
  return rows;
}

QList<qint64> HistoryDb::searchIds(const HistoryQuery& query) {
  QList<qint64> ids;
  error_.clear();
  if (!isOpen()) return fail(tr("The history is not open")), ids;
  QVariantList binds;
  const QString sql = selectSql(query, QStringLiteral("g.id"), false, &binds);
  QSqlQuery q(db());
  q.setForwardOnly(true);
  q.prepare(sql);
  for (const QVariant& b : binds) q.addBindValue(b);
  if (!q.exec()) return failSql(tr("Cannot search the history"), q.lastError()), ids;
  while (q.next()) ids << q.value(0).toLongLong();
  return ids;
}

int HistoryDb::count(const HistoryQuery& query) {
  error_.clear();
  if (!isOpen()) return fail(tr("The history is not open")), -1;
  QVariantList binds;
  const QString sql = selectSql(query, QStringLiteral("count(*)"), true, &binds);
  QSqlQuery q(db());
  q.prepare(sql);
  for (const QVariant& b : binds) q.addBindValue(b);
  if (!q.exec() || !q.next()) return failSql(tr("Cannot search the history"), q.lastError()), -1;
  return q.value(0).toInt();
}

QStringList HistoryDb::distinctModels() {
  QStringList out;
  if (!isOpen()) return out;
  QSqlQuery q(db());
  if (!q.exec("SELECT DISTINCT model FROM generations WHERE model != '' ORDER BY model")) return out;
  while (q.next()) out << q.value(0).toString();
  return out;
}

QStringList HistoryDb::distinctSamplers() {
  QStringList out;
  if (!isOpen()) return out;
  QSqlQuery q(db());
  if (!q.exec("SELECT DISTINCT sampler FROM generations WHERE sampler != '' ORDER BY sampler")) return out;
  while (q.next()) out << q.value(0).toString();
  return out;
}

bool HistoryDb::setStarred(const QList<qint64>& ids, bool starred) {
  const QString what = tr("Cannot change the star");
  if (!isOpen()) return fail(what + ": " + tr("the history is not open"));
  WriteTxn txn(db());
  if (!txn.ok()) return failSql(what, txn.error());
  const bool ok = forChunks(ids, [&](const QList<qint64>& chunk) {
    QSqlQuery q(db());
    if (q.exec(QStringLiteral("UPDATE generations SET starred = %1 WHERE id IN (%2)")
                   .arg(starred ? 1 : 0)
                   .arg(idList(chunk))))
      return true;
    return failSql(what, q.lastError());
  });
  if (!ok) return false;
  return txn.commit() || failSql(what, txn.error());
}

bool HistoryDb::setRating(const QList<qint64>& ids, int rating) {
  const QString what = tr("Cannot change the rating");
  if (rating < 0 || rating > 5) return fail(what + ": " + tr("a rating is 0 to 5 stars, not %1").arg(rating));
  if (!isOpen()) return fail(what + ": " + tr("the history is not open"));
  WriteTxn txn(db());
  if (!txn.ok()) return failSql(what, txn.error());
  const bool ok = forChunks(ids, [&](const QList<qint64>& chunk) {
    QSqlQuery q(db());
    if (q.exec(QStringLiteral("UPDATE generations SET rating = %1 WHERE id IN (%2)").arg(rating).arg(idList(chunk))))
      return true;
    return failSql(what, q.lastError());
  });
  if (!ok) return false;
  return txn.commit() || failSql(what, txn.error());
}

bool HistoryDb::setThumbPath(qint64 id, const QString& thumbPath) {
  if (!isOpen()) return fail(tr("The history is not open"));
  QSqlQuery q(db());
  q.prepare("UPDATE generations SET thumb_path = ? WHERE id = ?");
  q.addBindValue(thumbPath);
  q.addBindValue(id);
  return q.exec() || failSql(tr("Cannot record the thumbnail"), q.lastError());
}

qint64 HistoryDb::remove(const QList<qint64>& ids) {
  const QString what = tr("Cannot delete from the history");
  if (!isOpen()) return fail(what + ": " + tr("the history is not open")), 0;
  if (ids.isEmpty()) return fail(what + ": " + tr("nothing is selected")), 0;
  WriteTxn txn(db());
  if (!txn.ok()) return failSql(what, txn.error()), 0;
  qint64 token = 0;
  {
    QSqlQuery q(db());
    q.prepare("INSERT INTO trash_batches (created) VALUES (?)");
    q.addBindValue(QDateTime::currentMSecsSinceEpoch());
    if (!q.exec()) return failSql(what, q.lastError()), 0;
    token = q.lastInsertId().toLongLong();
  }
  const bool ok = forChunks(ids, [&](const QList<qint64>& chunk) {
    QSqlQuery q(db());
    if (q.exec(QStringLiteral("UPDATE generations SET trashed = %1 WHERE trashed = 0 AND id IN (%2)")
                   .arg(token)
                   .arg(idList(chunk))))
      return true;
    return failSql(what, q.lastError());
  });
  if (!ok) return 0;
  if (!txn.commit()) return failSql(what, txn.error()), 0;
  return token;
}

bool HistoryDb::restore(qint64 token) {
  const QString what = tr("Cannot restore the deleted images");
  if (!isOpen()) return fail(what + ": " + tr("the history is not open"));
  WriteTxn txn(db());
  if (!txn.ok()) return failSql(what, txn.error());
  {
    QSqlQuery q(db());
    q.prepare("UPDATE generations SET trashed = 0 WHERE trashed = ?");
    q.addBindValue(token);
    if (!q.exec()) return failSql(what, q.lastError());
    q.prepare("DELETE FROM trash_batches WHERE id = ?");
    q.addBindValue(token);
    if (!q.exec()) return failSql(what, q.lastError());
  }
  return txn.commit() || failSql(what, txn.error());
}

int HistoryDb::emptyTrash(bool deleteFiles, QStringList* failed) {
  const QString what = tr("Cannot empty the trash");
  if (!isOpen()) return fail(what + ": " + tr("the history is not open")), -1;
  QStringList files;
  int removed = 0;
  {
    WriteTxn txn(db());
    if (!txn.ok()) return failSql(what, txn.error()), -1;
    {
      QSqlQuery q(db());
      if (!q.exec("SELECT image_path, thumb_path FROM generations WHERE trashed != 0"))
        return failSql(what, q.lastError()), -1;
      while (q.next())
        for (int i = 0; i < 2; ++i)
          if (!q.value(i).toString().isEmpty()) files << q.value(i).toString();
      if (!q.exec("DELETE FROM generations WHERE trashed != 0")) return failSql(what, q.lastError()), -1;
      removed = q.numRowsAffected();
      if (!q.exec("DELETE FROM trash_batches")) return failSql(what, q.lastError()), -1;
    }
    if (!txn.commit()) return failSql(what, txn.error()), -1;
  }
  // The rows are gone for good; only now do the files go (a file left behind is harmless, a row without its file
  // would not be).
  if (deleteFiles)
    for (const QString& f : files)
      if (QFileInfo::exists(f) && !QFile::remove(f) && failed) *failed << f;
  return removed;
}

// ---- boards ------------------------------------------------------------------------------------------------------

qint64 HistoryDb::createBoard(const QString& nameIn) {
  const QString name = nameIn.trimmed();
  const QString what = tr("Cannot create the board '%1'").arg(name);
  if (!isOpen()) return fail(what + ": " + tr("the history is not open")), -1;
  if (name.isEmpty()) return fail(tr("A board needs a name.")), -1;
  QSqlQuery q(db());
  q.prepare("INSERT INTO boards (name, created) VALUES (?, ?)");
  q.addBindValue(name);
  q.addBindValue(QDateTime::currentMSecsSinceEpoch());
  if (!q.exec()) {
    if (sqliteCode(q.lastError()) == kConstraint) return fail(tr("A board named '%1' already exists.").arg(name)), -1;
    return failSql(what, q.lastError()), -1;
  }
  return q.lastInsertId().toLongLong();
}

bool HistoryDb::renameBoard(qint64 board, const QString& nameIn) {
  if (!isOpen()) return fail(tr("The history is not open"));
  const QString name = nameIn.trimmed();
  if (name.isEmpty()) return fail(tr("A board needs a name."));
  QSqlQuery q(db());
  q.prepare("UPDATE boards SET name = ? WHERE id = ?");
  q.addBindValue(name);
  q.addBindValue(board);
  if (!q.exec()) {
    if (sqliteCode(q.lastError()) == kConstraint) return fail(tr("A board named '%1' already exists.").arg(name));
    return failSql(tr("Cannot rename the board"), q.lastError());
  }
  return q.numRowsAffected() > 0 || fail(tr("No board %1").arg(board));
}

bool HistoryDb::deleteBoard(qint64 board) {
  if (!isOpen()) return fail(tr("The history is not open"));
  QSqlQuery q(db());
  q.prepare("DELETE FROM boards WHERE id = ?");  // generation_boards rows go by ON DELETE CASCADE
  q.addBindValue(board);
  return q.exec() || failSql(tr("Cannot delete the board"), q.lastError());
}

QList<HistoryBoard> HistoryDb::boards() {
  QList<HistoryBoard> out;
  if (!isOpen()) return out;
  QSqlQuery q(db());
  if (!q.exec("SELECT b.id, b.name, (SELECT count(*) FROM generation_boards gb JOIN generations g"
              " ON g.id = gb.generation_id WHERE gb.board_id = b.id AND g.trashed = 0)"
              " FROM boards b ORDER BY b.name COLLATE NOCASE"))
    return failSql(tr("Cannot read the boards"), q.lastError()), out;
  while (q.next()) out.push_back({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toInt()});
  return out;
}

bool HistoryDb::addToBoard(qint64 board, const QList<qint64>& ids) {
  const QString what = tr("Cannot add to the board");
  if (!isOpen()) return fail(what + ": " + tr("the history is not open"));
  WriteTxn txn(db());
  if (!txn.ok()) return failSql(what, txn.error());
  {
    QSqlQuery q(db());
    q.prepare("INSERT OR IGNORE INTO generation_boards (board_id, generation_id) VALUES (?, ?)");
    for (qint64 id : ids) {
      q.addBindValue(board);
      q.addBindValue(id);
      if (!q.exec()) return failSql(what, q.lastError());
    }
  }
  return txn.commit() || failSql(what, txn.error());
}

bool HistoryDb::removeFromBoard(qint64 board, const QList<qint64>& ids) {
  const QString what = tr("Cannot remove from the board");
  if (!isOpen()) return fail(what + ": " + tr("the history is not open"));
  WriteTxn txn(db());
  if (!txn.ok()) return failSql(what, txn.error());
  const bool ok = forChunks(ids, [&](const QList<qint64>& chunk) {
    QSqlQuery q(db());
    if (q.exec(QStringLiteral("DELETE FROM generation_boards WHERE board_id = %1 AND generation_id IN (%2)")
                   .arg(board)
                   .arg(idList(chunk))))
      return true;
    return failSql(what, q.lastError());
  });
  if (!ok) return false;
  return txn.commit() || failSql(what, txn.error());
}

QList<qint64> HistoryDb::boardsOf(qint64 id) {
  QList<qint64> out;
  if (!isOpen()) return fail(tr("The history is not open")), out;
  QSqlQuery q(db());
  q.prepare("SELECT board_id FROM generation_boards WHERE generation_id = ? ORDER BY board_id");
  q.addBindValue(id);
  if (!q.exec()) return failSql(tr("Cannot read the boards"), q.lastError()), out;
  while (q.next()) out << q.value(0).toLongLong();
  return out;
}

// ---- export ------------------------------------------------------------------------------------------------------

QStringList HistoryDb::exportTo(const QList<qint64>& ids, const QString& folder) {
  QStringList written;
  const QString what = tr("Cannot export to '%1'").arg(folder);
  if (!QDir().mkpath(folder)) return fail(what + ": " + tr("the folder cannot be created")), written;
  for (qint64 id : ids) {
    const auto row = get(id);
    if (!row) return written;
    const QFileInfo src(row->imagePath);
    if (!src.isFile()) return fail(what + ": " + tr("the image '%1' no longer exists").arg(row->imagePath)), written;
    QString dest = QDir(folder).filePath(src.fileName());
    for (int n = 1; QFileInfo::exists(dest); ++n)
      dest = QDir(folder).filePath(QStringLiteral("%1-%2.%3").arg(src.completeBaseName()).arg(n).arg(src.suffix()));
    // Copy under a temporary name, then rename: a full disk leaves no half image under the real name.
    const QString part = dest + QStringLiteral(".part");
    QFile::remove(part);
    if (!QFile::copy(src.filePath(), part) || !QFile::rename(part, dest)) {
      QFile::remove(part);
      return fail(what + ": " + tr("copying '%1' failed (is the disk full?)").arg(src.filePath())), written;
    }
    written << dest;
  }
  return written;
}

}  // namespace mumu
