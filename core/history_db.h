// history_db.h — the Studio's history: one row per finished image (its recipe, settings, star, rating, boards) in
// an embedded SQLite database (Qt SQL, QSQLITE) at <dataDir>/history.sqlite, with full-text search over the prompts
// (FTS5, kept in sync by triggers). The schema is versioned with PRAGMA user_version and ordered migrations; an
// existing file is copied aside before it is migrated. A file that is not ours, is damaged, is newer than this
// build, or is locked by another instance is refused with a message that says so, and is never written, repaired
// or deleted. Deleting is a move to the trash (undoable) — files on disk go only when the trash is emptied.
// GUI-thread object; every method reports failure through its return value and lastError().
#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <functional>
#include <optional>
#include <vector>

class QSqlDatabase;
class QSqlError;

namespace mumu {

struct Recipe;

// One schema step: brings a database at version toVersion-1 to toVersion, inside one transaction.
struct HistoryMigration {
  int toVersion = 0;
  QString description;
  QStringList statements;
};

struct HistoryRow {
  qint64 id = 0;
  QDateTime created;  // UTC
  QString imagePath;
  QString thumbPath;
  QString promptText;  // A1111-style display text (image references as file names)
  QString negative;
  QString model;
  QString sampler;
  int steps = 0;
  double cfg = 0;
  quint64 seed = 0;
  int width = 0, height = 0;
  QString recipeJson;  // filled by get(); search() leaves it empty (pages stay light)
  bool starred = false;
  int rating = 0;      // 0–5
  qint64 trashed = 0;  // 0 = live; else the undo token of the removal that trashed it
};

struct HistoryQuery {
  enum Sort { NewestFirst, OldestFirst, RatingFirst, Relevance };
  QString text;            // user words: every word must occur in the prompt (as a word prefix); quotes are literal
  QString model, sampler;  // exact; empty = any
  std::optional<quint64> seed;
  QDateTime from, to;  // created within [from, to]; invalid = open
  bool starredOnly = false;
  int minRating = 0;
  qint64 board = 0;    // 0 = any
  bool trash = false;  // the trash instead of the live history
  Sort sort = NewestFirst;
  int offset = 0;
  int limit = -1;  // -1 = all
};

struct HistoryBoard {
  qint64 id = 0;
  QString name;
  int count = 0;  // live generations on it
};

// The ordered schema migrations of this build (element i brings version i to i+1).
std::vector<HistoryMigration> historyMigrations();

struct HistoryDbOptions {
  int busyTimeoutMs = 3000;  // how long a write waits for another connection before "locked"
  std::vector<HistoryMigration> migrations = historyMigrations();  // tests add future versions
};

class HistoryDb {
  Q_DECLARE_TR_FUNCTIONS(mumu::HistoryDb)

 public:
  static constexpr int kSchemaVersion = 1;

  using Options = HistoryDbOptions;

  HistoryDb();
  ~HistoryDb();
  HistoryDb(const HistoryDb&) = delete;
  HistoryDb& operator=(const HistoryDb&) = delete;

  static std::vector<HistoryMigration> migrations() { return historyMigrations(); }
  static QString defaultFileName() { return QStringLiteral("history.sqlite"); }

  // Opens (creating when missing) <dataDir>/history.sqlite / an explicit file. False with lastError() when the file
  // is not a SQLite database, is damaged, is newer than this build, cannot be migrated or is locked.
  bool openDataDir(const QString& dataDir, const Options& options = {});
  bool open(const QString& file, const Options& options = {});
  void close();
  bool isOpen() const;
  QString fileName() const { return file_; }
  int schemaVersion() const;  // user_version of the open file
  // The last failure's message; search(), searchIds() and count() clear it when they succeed.
  QString lastError() const { return error_; }
  // Where open() copied the file before migrating it (empty when it did not).
  QString backupFile() const { return backup_; }

  // Renames a refused file (and its -wal/-shm) to "<file>.damaged-<UTC time>" so a new history can start; nothing is
  // deleted. Returns the new name, or empty with `error`.
  static QString setAside(const QString& file, QString* error = nullptr);

  // ---- rows ----
  // A finished image: its recipe (JSON or parsed) and the PNG. Returns the new id, or -1 with lastError().
  qint64 add(const Recipe& recipe, const QString& imagePath);
  qint64 add(const QString& recipeJson, const QString& imagePath);
  // Many at once, in one transaction (an import, a batch): all or none. The new ids in order, empty on failure.
  QList<qint64> addMany(const QList<QPair<Recipe, QString>>& items);
  std::optional<HistoryRow> get(qint64 id);
  std::optional<Recipe> recipe(qint64 id);

  QList<HistoryRow> search(const HistoryQuery& query);
  QList<qint64> searchIds(const HistoryQuery& query);
  int count(const HistoryQuery& query);  // -1 on error
  QStringList distinctModels();
  QStringList distinctSamplers();

  bool setStarred(const QList<qint64>& ids, bool starred);
  bool setRating(const QList<qint64>& ids, int rating);
  bool setThumbPath(qint64 id, const QString& thumbPath);

  // Moves rows to the trash; returns the undo token (> 0), or 0 with lastError(). restore(token) brings them back.
  qint64 remove(const QList<qint64>& ids);
  bool restore(qint64 token);
  // Deletes trashed rows for good, and their image and thumbnail files when `deleteFiles`. Files that could not be
  // deleted are listed in `failed`. Returns the number of rows removed, -1 on error.
  int emptyTrash(bool deleteFiles = true, QStringList* failed = nullptr);

  // ---- boards ----
  qint64 createBoard(const QString& name);  // -1 with lastError() (empty or duplicate name)
  bool renameBoard(qint64 board, const QString& name);
  bool deleteBoard(qint64 board);  // the generations stay in the history
  QList<HistoryBoard> boards();
  bool addToBoard(qint64 board, const QList<qint64>& ids);
  bool removeFromBoard(qint64 board, const QList<qint64>& ids);
  QList<qint64> boardsOf(qint64 id);

  // Copies the images (PNGs keep their recipe metadata) into `folder`; names that exist there get "-1", "-2", ….
  // Returns the written paths; a failure stops and sets lastError().
  QStringList exportTo(const QList<qint64>& ids, const QString& folder);

  // The FTS5 MATCH expression for user words (exposed for tests): each word quoted ("" doubled) with a prefix *,
  // restricted to the prompt column; empty when there is nothing to search for.
  static QString ftsExpression(const QString& userText);

 private:
  bool fail(const QString& message);
  bool failSql(const QString& what, const QSqlError& e);
  bool exec(const QString& sql, const QString& what);
  bool checkFileBeforeOpen(const QString& file);
  bool migrate(const Options& options);
  QString selectSql(const HistoryQuery& q, const QString& columns, bool forCount, QVariantList* binds);
  QSqlDatabase db() const;

  QString connection_;
  QString file_;
  QString error_;
  QString backup_;
  bool accepted_ = false;  // open() accepted the file as a history of ours
};

}  // namespace mumu
