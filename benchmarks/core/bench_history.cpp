// bench_history.cpp — the history at scale: fills a database with 100,000 synthetic generations (varied prompts,
// models, samplers, dates, stars, ratings), then times what the gallery does: full-text search (goal ≤ 50 ms),
// counts, the first and a deep page, opening the database, and opening the gallery (model construct + first page,
// and the whole GalleryView). Median of several runs each; prints a table.
//   bench_history [rows=100000] [folder]   (a new or empty folder; a temporary one by default)
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "core/history_db.h"
#include "core/thumbnail_cache.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"
#include "widgets/gallery_view.h"

using namespace mumu;

namespace {

const char* const kSubjects[] = {"astronaut", "cat",        "dog",    "woman",    "man",    "robot",   "dragon",
                                 "castle",    "lighthouse", "forest", "city",     "car",    "scooter", "horse",
                                 "owl",       "fox",        "ship",   "mountain", "garden", "teapot",  "violin",
                                 "samurai",   "wizard",     "knight", "bicycle",  "tiger"};
const char* const kAdjectives[] = {"red",     "blue",    "golden", "ancient", "tiny",  "giant",
                                   "glowing", "rusty",   "fluffy", "neon",    "misty", "frozen",
                                   "wooden",  "crystal", "velvet", "shiny",   "broken"};
const char* const kPlaces[] = {"in New York", "on the moon",  "under the sea", "in a desert",    "at sunset",
                               "in the rain", "on a rooftop", "in a library",  "in Seoul",       "in a snowy village",
                               "by a river",  "in space",     "at dawn",       "in a cathedral", "on a beach"};
const char* const kStyles[] = {"watercolor", "oil painting",    "photograph",      "35mm film",
                               "pixel art",  "ukiyo-e",         "studio lighting", "cinematic",
                               "isometric",  "charcoal sketch", "low poly",        "bokeh"};
const char* const kModels[] = {"nano", "mumu-xl", "sdxl-base"};
const char* const kSamplers[] = {"ddim", "euler_a", "dpmpp_2m_karras", "euler"};

template <typename T, size_t N>
const char* pick(QRandomGenerator& rng, const T (&list)[N]) {
  return list[rng.bounded(int(N))];
}

Recipe syntheticRecipe(QRandomGenerator& rng, int i) {
  Recipe r;
  QString text = QStringLiteral("a %1 %2 %3, %4")
                     .arg(pick(rng, kAdjectives), pick(rng, kSubjects), pick(rng, kPlaces), pick(rng, kStyles));
  if (rng.bounded(3) == 0) text += QStringLiteral(", with a %1 %2").arg(pick(rng, kAdjectives), pick(rng, kSubjects));
  text += QStringLiteral(", variation %1").arg(i);  // a unique word per row, as real prompts have
  r.prompt.segments.push_back(PromptSegment::makeText(text.toStdString()));
  if (rng.bounded(4) == 0) {
    PromptSegment img = PromptSegment::makeImage("/refs/ref" + std::to_string(rng.bounded(500)) + ".png", 0.8);
    img.imageSha256 = std::string(64, 'a');
    r.prompt.segments.insert(r.prompt.segments.begin() + 0, img);
  }
  r.negativePrompt = rng.bounded(2) ? "blurry, lowres" : "";
  r.sampler = pick(rng, kSamplers);
  r.steps = 20 + rng.bounded(31);
  r.cfgScale = 4 + rng.bounded(8);
  r.seed = rng.generate64();
  r.width = r.height = 1024;
  r.modelName = pick(rng, kModels);
  r.modelHash = "abcdef0123456789";
  r.deviceType = "cuda";
  r.dtype = "bfloat16";
  r.appVersion = "0.1.0";
  // One year of history, oldest first.
  r.created = QDateTime::fromMSecsSinceEpoch(1'735'689'600'000LL + qint64(i) * 315'000LL, Qt::UTC)
                  .toString(Qt::ISODate)
                  .toStdString();
  return r;
}

double medianMs(int runs, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    QElapsedTimer timer;
    timer.start();
    f();
    t.push_back(timer.nsecsElapsed() / 1e6);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void row(const QString& what, double ms, const QString& note = {}) {
  std::printf("| %-58s | %9.2f | %-28s |\n", qPrintable(what), ms, qPrintable(note));
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const int rows = argc > 1 ? std::max(1000, atoi(argv[1])) : 100000;
  QTemporaryDir tmp;
  const QString dir = argc > 2 ? QString::fromLocal8Bit(argv[2]) : tmp.path();
  if (QDir(dir).exists() && !QDir(dir).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
    return std::fprintf(stderr, "%s is not empty: give a new or empty folder\n", qPrintable(dir)), 1;
  QDir().mkpath(dir);
  constexpr int kRuns = 7;

  std::printf("History benchmark: %d rows, folder %s\n\n", rows, qPrintable(dir));
  std::printf("| %-58s | %9s | %-28s |\n", "what", "ms", "note");
  std::printf("|%s|%s|%s|\n", QByteArray(60, '-').constData(), QByteArray(11, '-').constData(),
              QByteArray(30, '-').constData());

  QElapsedTimer total;
  total.start();
  {
    HistoryDb db;
    if (!db.openDataDir(dir)) return std::fprintf(stderr, "%s\n", qPrintable(db.lastError())), 1;
    QRandomGenerator rng(20261126);
    // Single adds as the queue makes them (one transaction each), then the rest in batches of 5,000.
    constexpr int kSingles = 1000;
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < kSingles; ++i)
      if (db.add(syntheticRecipe(rng, i), QStringLiteral("/out/%1.png").arg(i)) < 0)
        return std::fprintf(stderr, "%s\n", qPrintable(db.lastError())), 1;
    row("add() one row (own transaction), mean of 1,000", t.nsecsElapsed() / 1e6 / kSingles);
    t.restart();
    for (int i = kSingles; i < rows;) {
      QList<QPair<Recipe, QString>> batch;
      for (int k = 0; k < 5000 && i < rows; ++k, ++i)
        batch.append({syntheticRecipe(rng, i), QStringLiteral("/out/%1.png").arg(i)});
      if (db.addMany(batch).isEmpty()) return std::fprintf(stderr, "%s\n", qPrintable(db.lastError())), 1;
    }
    const double fill = t.nsecsElapsed() / 1e6;
    row(QStringLiteral("addMany() fill of %1 rows").arg(rows - kSingles), fill,
        QStringLiteral("%1 rows/s").arg(int((rows - kSingles) / (fill / 1000))));
    // Stars and ratings on a few percent.
    QList<qint64> some;
    for (qint64 id = 1; id <= rows; id += 37) some << id;
    db.setStarred(some, true);
    db.setRating(some.mid(0, some.size() / 2), 4);
  }
  const qint64 fileBytes = QFileInfo(QDir(dir).filePath("history.sqlite")).size();

  HistoryDb db;
  row("open the 100k database (header check, version, WAL)",
      medianMs(kRuns,
               [&] {
                 db.close();
                 if (!db.openDataDir(dir)) std::fprintf(stderr, "%s\n", qPrintable(db.lastError()));
               }),
      QStringLiteral("file %1 MiB").arg(fileBytes / 1048576.0, 0, 'f', 1));

  HistoryQuery all;
  all.limit = GalleryModel::kPageSize;
  row("count(), no filter", medianMs(kRuns, [&] { db.count(all); }), QStringLiteral("%1 rows").arg(db.count(all)));
  row("first page (200 rows), newest first", medianMs(kRuns, [&] { db.search(all); }));
  HistoryQuery deep = all;
  deep.offset = rows - GalleryModel::kPageSize;
  row("last page (offset 99,800), newest first", medianMs(kRuns, [&] { db.search(deep); }));

  const QStringList queries = {"astronaut",
                               "red fox",
                               "watercolor cat",
                               "sunset lighthouse",
                               "seoul",
                               "glow",
                               "crystal dragon castle",
                               "variation 4242",
                               "new york scooter",
                               "zzzz-nothing"};
  std::vector<double> searchTimes, countTimes;
  for (const QString& text : queries) {
    HistoryQuery q = all;
    q.text = text;
    const double s = medianMs(kRuns, [&] { db.search(q); });
    const double c = medianMs(kRuns, [&] { db.count(q); });
    searchTimes.push_back(s);
    countTimes.push_back(c);
    row(QStringLiteral("FTS \"%1\": first page / count").arg(text), s,
        QStringLiteral("count %1 ms, %2 hits").arg(c, 0, 'f', 2).arg(db.count(q)));
  }
  std::sort(searchTimes.begin(), searchTimes.end());
  std::sort(countTimes.begin(), countTimes.end());
  row("FTS first page: median over the queries", searchTimes[searchTimes.size() / 2],
      QStringLiteral("max %1 ms (goal <= 50)").arg(searchTimes.back(), 0, 'f', 2));
  row("FTS count: median over the queries", countTimes[countTimes.size() / 2],
      QStringLiteral("max %1 ms").arg(countTimes.back(), 0, 'f', 2));
  {
    HistoryQuery q = all;
    q.text = "red";
    q.sort = HistoryQuery::Relevance;
    row("FTS \"red\" sorted by relevance (bm25), first page", medianMs(kRuns, [&] { db.search(q); }),
        QStringLiteral("%1 hits").arg(db.count(q)));
    q = all;
    q.text = "cat";
    q.model = "mumu-xl";
    q.sampler = "ddim";
    q.starredOnly = true;
    row("FTS \"cat\" + model + sampler + starred, first page", medianMs(kRuns, [&] { db.search(q); }),
        QStringLiteral("%1 hits").arg(db.count(q)));
    q = all;
    q.minRating = 4;
    row("rating >= 4, first page", medianMs(kRuns, [&] { db.search(q); }), QStringLiteral("%1 hits").arg(db.count(q)));
    q = all;
    q.from = QDateTime::fromMSecsSinceEpoch(1'735'689'600'000LL + 50000LL * 315'000LL, Qt::UTC);
    q.to = q.from.addDays(7);
    row("one week's date range, first page + count",
        medianMs(kRuns,
                 [&] {
                   db.search(q);
                   db.count(q);
                 }),
        QStringLiteral("%1 hits").arg(db.count(q)));
  }

  ThumbnailCache thumbs(dir, 256);
  row("gallery model: construct + count + first page", medianMs(kRuns, [&] {
        GalleryModel model(db, thumbs);
        HistoryQuery q;
        model.setQuery(q);
        if (model.rowCount() != GalleryModel::kPageSize) std::fprintf(stderr, "unexpected row count\n");
      }));
  {
    GalleryModel model(db, thumbs);
    model.setQuery({});
    row("gallery model: fetchMore() one page of 200 (mean of 20)", medianMs(1, [&] {
                                                                     for (int i = 0; i < 20; ++i) model.fetchMore({});
                                                                   }) / 20);
  }
  row("GalleryView: construct (filters, grid, first page) + show", medianMs(3, [&] {
        GalleryView view(db, thumbs);
        view.resize(1400, 900);
        view.show();
        QCoreApplication::processEvents();
      }));
  std::printf("\nTotal %.1f s\n", total.nsecsElapsed() / 1e9);
  return 0;
}
