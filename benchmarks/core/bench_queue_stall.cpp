// bench_queue_stall.cpp — event-loop stall probe: while the generation queue runs jobs with a small random-weight
// package on its worker thread, a 5 ms timer on the main thread records the gaps between its ticks. The longest
// gap is the longest time the GUI would have been frozen (goal ≤ 30 ms). Prints max, p99 and median gaps.
//
//   bench_queue_stall [--jobs N] [--steps S] [--size WxH] [--batch B]
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/generation_queue.h"
#include "model/pipeline/pipeline.h"

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int jobs = 12, steps = 20, width = 32, height = 32, batch = 1;
  const QStringList args = app.arguments();
  for (int i = 1; i + 1 < args.size(); i += 2) {
    if (args[i] == "--jobs") jobs = args[i + 1].toInt();
    if (args[i] == "--steps") steps = args[i + 1].toInt();
    if (args[i] == "--batch") batch = args[i + 1].toInt();
    if (args[i] == "--size") {
      const auto wh = args[i + 1].split('x');
      width = wh.value(0).toInt(), height = wh.value(1).toInt();
    }
  }
  QTemporaryDir tmp;
  const QString package = tmp.filePath("small");
  mumu::createRandomMumuPackageNamed("small", package.toStdString(), 1);

  mumu::GenerationQueue queue(tmp.filePath("out"));
  mumu::GenerationSettings s;
  s.modelId = package;
  s.steps = steps;
  s.width = width;
  s.height = height;
  s.batch = batch;

  std::vector<double> gaps;  // ms between consecutive ticks while the queue works
  QElapsedTimer clock, total;
  int finished = 0, failed = 0, progressSignals = 0, images = 0;
  QTimer tick;
  tick.setTimerType(Qt::PreciseTimer);
  tick.setInterval(5);
  QObject::connect(&tick, &QTimer::timeout, [&] {
    gaps.push_back(clock.nsecsElapsed() / 1e6);
    clock.restart();
  });
  QObject::connect(&queue, &mumu::GenerationQueue::jobProgress, [&] { ++progressSignals; });
  QObject::connect(&queue, &mumu::GenerationQueue::imageFinished, [&] { ++images; });
  QObject::connect(&queue, &mumu::GenerationQueue::jobFinished, [&](int, int state) {
    failed += state != mumu::GenerationJob::Done;
    if (++finished == jobs) {
      tick.stop();
      app.quit();
    }
  });
  QTimer::singleShot(0, [&] {
    total.start();
    clock.start();
    tick.start();
    for (int i = 0; i < jobs; ++i) queue.enqueue(mumu::parsePrompt("a red square " + std::to_string(i)), s);
  });
  app.exec();
  const double seconds = total.nsecsElapsed() / 1e9;
  if (gaps.empty()) return 1;
  std::vector<double> sorted = gaps;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) { return sorted[std::min(sorted.size() - 1, size_t(p * (sorted.size() - 1) + 0.5))]; };
  std::printf("jobs %d (failed %d), %d steps each, %dx%d, batch %d: %d images, %d progress signals, %.2f s\n", jobs,
              failed, steps, width, height, batch, images, progressSignals, seconds);
  std::printf("timer 5 ms: %zu ticks; gap max %.2f ms, p99 %.2f ms, p50 %.2f ms (goal: max <= 30 ms)\n", gaps.size(),
              sorted.back(), pct(0.99), pct(0.5));
  return failed ? 1 : 0;
}
