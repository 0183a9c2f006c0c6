// queue_view.h — the generation queue on screen: one row per job with its live preview (updated every step), the
// prompt, a progress bar and the state or error; buttons and a context menu to cancel, cancel all, retry,
// pause/resume and move jobs (drag and drop reorders pending jobs too). Talks to GenerationQueue only.
#pragma once

#include <QWidget>

class QAction;
class QListView;
class QToolButton;

namespace mumu {

class GenerationQueue;

class QueueView : public QWidget {
  Q_OBJECT

 public:
  explicit QueueView(GenerationQueue* queue, QWidget* parent = nullptr);

  QListView* listView() const { return list_; }
  // The selected job's id, 0 when none.
  int currentJobId() const;
  void setCurrentJob(int jobId);

  QAction* cancelAction() const { return cancel_; }
  QAction* cancelAllAction() const { return cancelAll_; }
  QAction* retryAction() const { return retry_; }
  QAction* pauseAction() const { return pause_; }
  QAction* moveUpAction() const { return moveUp_; }
  QAction* moveDownAction() const { return moveDown_; }
  QAction* clearFinishedAction() const { return clear_; }

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void updateActions();
  void retranslateUi();
  void showMenu(const QPoint& pos);

  GenerationQueue* queue_;
  QListView* list_ = nullptr;
  QAction* cancel_ = nullptr;
  QAction* cancelAll_ = nullptr;
  QAction* retry_ = nullptr;
  QAction* pause_ = nullptr;
  QAction* moveUp_ = nullptr;
  QAction* moveDown_ = nullptr;
  QAction* clear_ = nullptr;
};

}  // namespace mumu
