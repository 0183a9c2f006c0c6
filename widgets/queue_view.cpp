// queue_view.cpp — list view + a delegate that paints preview, prompt, progress bar and state per job.
#include "widgets/queue_view.h"

#include <QAction>
#include <QApplication>
#include <QEvent>
#include <QHBoxLayout>
#include <QListView>
#include <QMenu>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/generation_queue.h"

namespace mumu {

namespace {

constexpr int kThumb = 64;
constexpr int kMargin = 6;

class QueueItemDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;

  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override {
    return QSize(option.rect.width() > 0 ? option.rect.width() : 300, kThumb + 2 * kMargin);
  }

  void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    QStyle* style = opt.widget ? opt.widget->style() : QApplication::style();
    // Background and selection only; the content is ours.
    opt.text.clear();
    opt.icon = QIcon();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, p, opt.widget);

    const QRect r = option.rect.adjusted(kMargin, kMargin, -kMargin, -kMargin);
    const QRect thumb(r.left(), r.top(), kThumb, kThumb);
    p->save();
    p->fillRect(thumb, option.palette.color(QPalette::Mid));
    const QImage preview = index.data(GenerationQueue::PreviewRole).value<QImage>();
    if (!preview.isNull()) {
      const QSize s = preview.size().scaled(thumb.size(), Qt::KeepAspectRatio);
      const QRect target(thumb.center().x() - s.width() / 2 + 1, thumb.center().y() - s.height() / 2 + 1, s.width(),
                         s.height());
      p->setRenderHint(QPainter::SmoothPixmapTransform, preview.width() >= kThumb);  // tiny latents: crisp pixels
      p->drawImage(target, preview);
    }
    const bool selected = option.state & QStyle::State_Selected;
    p->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    const int x = thumb.right() + kMargin;
    const int w = r.right() - x;
    const int lineH = option.fontMetrics.height();
    const QString prompt = option.fontMetrics.elidedText(index.data(GenerationQueue::PromptTextRole).toString(),
                                                         Qt::ElideRight, w);
    p->drawText(QRect(x, r.top(), w, lineH), Qt::AlignLeft | Qt::AlignVCenter, prompt);

    const int state = index.data(GenerationQueue::StateRole).toInt();
    const int step = index.data(GenerationQueue::StepRole).toInt();
    const int total = index.data(GenerationQueue::TotalRole).toInt();
    QStyleOptionProgressBar bar;
    bar.rect = QRect(x, r.top() + lineH + 4, w, qMax(8, lineH - 4));
    bar.minimum = 0;
    bar.maximum = qMax(1, total);
    bar.progress = state == GenerationJob::Done ? bar.maximum : qMin(step, bar.maximum);
    if (state == GenerationJob::Running && total == 0) bar.maximum = 0;  // loading: busy indicator
    bar.state = option.state | QStyle::State_Horizontal;
    bar.palette = option.palette;
    bar.textVisible = false;
    style->drawControl(QStyle::CE_ProgressBar, &bar, p, opt.widget);

    QColor stateColor = option.palette.color(selected ? QPalette::HighlightedText : QPalette::PlaceholderText);
    if (state == GenerationJob::Failed && !selected) stateColor = QColor(0xc0, 0x30, 0x30);
    p->setPen(stateColor);
    const QString text = index.data(GenerationQueue::StateTextRole).toString() + QStringLiteral("  ·  ") +
                         index.data(GenerationQueue::ModelRole).toString() + QStringLiteral("  ·  ") +
                         QCoreApplication::translate("mumu::QueueView", "seed %1")
                             .arg(index.data(GenerationQueue::SeedRole).toString());
    p->drawText(QRect(x, bar.rect.bottom() + 4, w, r.bottom() - bar.rect.bottom() - 4), Qt::AlignLeft | Qt::AlignTop,
                option.fontMetrics.elidedText(text, Qt::ElideRight, w));
    p->restore();
  }
};

QToolButton* toolButton(QAction* a, QWidget* parent, const char* name) {
  auto* b = new QToolButton(parent);
  b->setDefaultAction(a);
  b->setObjectName(QLatin1String(name));
  b->setToolButtonStyle(Qt::ToolButtonTextOnly);
  return b;
}

}  // namespace

QueueView::QueueView(GenerationQueue* queue, QWidget* parent) : QWidget(parent), queue_(queue) {
  list_ = new QListView(this);
  list_->setObjectName(QStringLiteral("queueList"));
  list_->setModel(queue_);
  list_->setItemDelegate(new QueueItemDelegate(list_));
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  list_->setUniformItemSizes(true);
  list_->setDragEnabled(true);
  list_->setAcceptDrops(true);
  list_->setDropIndicatorShown(true);
  list_->setDragDropMode(QAbstractItemView::DragDrop);
  list_->setDefaultDropAction(Qt::MoveAction);
  list_->setContextMenuPolicy(Qt::CustomContextMenu);

  cancel_ = new QAction(this);
  cancelAll_ = new QAction(this);
  retry_ = new QAction(this);
  pause_ = new QAction(this);
  pause_->setCheckable(true);
  moveUp_ = new QAction(this);
  moveDown_ = new QAction(this);
  clear_ = new QAction(this);
  cancel_->setShortcut(QKeySequence::Delete);
  cancel_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  addAction(cancel_);

  connect(cancel_, &QAction::triggered, this, [this] { queue_->cancel(currentJobId()); });
  connect(cancelAll_, &QAction::triggered, queue_, &GenerationQueue::cancelAll);
  connect(retry_, &QAction::triggered, this, [this] { queue_->retry(currentJobId()); });
  connect(pause_, &QAction::toggled, queue_, &GenerationQueue::setPaused);
  connect(queue_, &GenerationQueue::pausedChanged, pause_, &QAction::setChecked);
  connect(pause_, &QAction::toggled, this, &QueueView::retranslateUi);
  connect(moveUp_, &QAction::triggered, this, [this] {
    const int id = currentJobId();
    queue_->moveUp(id);
    setCurrentJob(id);
  });
  connect(moveDown_, &QAction::triggered, this, [this] {
    const int id = currentJobId();
    queue_->moveDown(id);
    setCurrentJob(id);
  });
  connect(clear_, &QAction::triggered, queue_, &GenerationQueue::clearFinished);
  connect(list_, &QListView::customContextMenuRequested, this, &QueueView::showMenu);

  auto* buttons = new QHBoxLayout;
  buttons->setContentsMargins(0, 0, 0, 0);
  buttons->addWidget(toolButton(pause_, this, "pauseButton"));
  buttons->addWidget(toolButton(cancel_, this, "cancelButton"));
  buttons->addWidget(toolButton(cancelAll_, this, "cancelAllButton"));
  buttons->addWidget(toolButton(retry_, this, "retryButton"));
  buttons->addWidget(toolButton(moveUp_, this, "moveUpButton"));
  buttons->addWidget(toolButton(moveDown_, this, "moveDownButton"));
  buttons->addStretch(1);
  buttons->addWidget(toolButton(clear_, this, "clearFinishedButton"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(buttons);
  layout->addWidget(list_, 1);

  auto update = [this] { updateActions(); };
  connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, update);
  connect(queue_, &QAbstractItemModel::dataChanged, this, update);
  connect(queue_, &QAbstractItemModel::rowsInserted, this, update);
  connect(queue_, &QAbstractItemModel::rowsRemoved, this, update);
  connect(queue_, &QAbstractItemModel::rowsMoved, this, update);
  // Follow the newest job so its live preview is in view.
  connect(queue_, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex&, int, int last) {
    list_->scrollTo(queue_->index(last));
  });
  retranslateUi();
  updateActions();
}

int QueueView::currentJobId() const {
  const QModelIndex i = list_->currentIndex();
  return i.isValid() ? i.data(GenerationQueue::IdRole).toInt() : 0;
}

void QueueView::setCurrentJob(int jobId) {
  const int r = queue_->rowOf(jobId);
  if (r >= 0) list_->setCurrentIndex(queue_->index(r));
}

void QueueView::updateActions() {
  const GenerationJob* j = queue_->job(currentJobId());
  const int r = j ? queue_->rowOf(j->id) : -1;
  const bool pending = j && j->state == GenerationJob::Pending;
  cancel_->setEnabled(j && (pending || j->state == GenerationJob::Running));
  retry_->setEnabled(j && (j->state == GenerationJob::Failed || j->state == GenerationJob::Cancelled));
  moveUp_->setEnabled(pending && r > 0);
  moveDown_->setEnabled(pending && r + 1 < queue_->rowCount());
  bool active = false, finished = false;
  for (const auto& job : queue_->jobs()) {
    active |= job.state == GenerationJob::Pending || job.state == GenerationJob::Running;
    finished |= job.state == GenerationJob::Done || job.state == GenerationJob::Failed ||
                job.state == GenerationJob::Cancelled;
  }
  cancelAll_->setEnabled(active);
  clear_->setEnabled(finished);
}

void QueueView::showMenu(const QPoint& pos) {
  const QModelIndex i = list_->indexAt(pos);
  if (i.isValid()) list_->setCurrentIndex(i);
  updateActions();
  QMenu menu(this);
  menu.addAction(cancel_);
  menu.addAction(retry_);
  menu.addSeparator();
  menu.addAction(moveUp_);
  menu.addAction(moveDown_);
  menu.addSeparator();
  menu.addAction(pause_);
  menu.addAction(cancelAll_);
  menu.addAction(clear_);
  menu.exec(list_->viewport()->mapToGlobal(pos));
}

void QueueView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void QueueView::retranslateUi() {
  cancel_->setText(tr("Cancel"));
  cancel_->setToolTip(tr("Cancel the selected job (a running one stops after its current step)"));
  cancelAll_->setText(tr("Cancel all"));
  retry_->setText(tr("Retry"));
  retry_->setToolTip(tr("Queue a failed or cancelled job again with the same settings and seed"));
  pause_->setText(pause_->isChecked() ? tr("Resume") : tr("Pause"));
  pause_->setToolTip(pause_->isChecked() ? tr("Start the waiting jobs again")
                                         : tr("Start no new jobs until resumed (the running job finishes)"));
  moveUp_->setText(tr("Up"));
  moveUp_->setToolTip(tr("Move the selected job earlier"));
  moveDown_->setText(tr("Down"));
  moveDown_->setToolTip(tr("Move the selected job later"));
  clear_->setText(tr("Clear finished"));
  list_->viewport()->update();
}

}  // namespace mumu
