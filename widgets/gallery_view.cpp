// gallery_view.cpp — the History workspace (see gallery_view.h).
#include "widgets/gallery_view.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateEdit>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QImageReader>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollBar>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QUndoCommand>
#include <QUndoStack>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "core/asset_store.h"
#include "core/recipe_recovery.h"
#include "core/thumbnail_cache.h"
#include "model/pipeline/prompt.h"
#include "model/pipeline/recipe.h"

namespace mumu {
namespace {

constexpr int kPreviewSize = 512;
constexpr int kMaxKeptRows = 5000;  // refresh() reloads at most this many rows to keep the scroll position

QPixmap makePlaceholder(int size, bool broken) {
  QPixmap pm(size, size);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(broken ? QColor(120, 60, 60, 90) : QColor(128, 128, 128, 60));
  p.drawRoundedRect(QRectF(4, 4, size - 8, size - 8), 8, 8);
  if (broken) {
    p.setPen(QPen(QColor(200, 80, 80), 3));
    p.drawLine(size / 3, size / 3, 2 * size / 3, 2 * size / 3);
    p.drawLine(2 * size / 3, size / 3, size / 3, 2 * size / 3);
  }
  return pm;
}

// One cell: the thumbnail centred, a star when starred, the rating as small stars.
class GalleryDelegate : public QStyledItemDelegate {
 public:
  GalleryDelegate(GalleryModel* model, QObject* parent) : QStyledItemDelegate(parent), model_(model) {}

  QSize sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const override {
    return QSize(model_->iconSize() + 12, model_->iconSize() + 12);
  }

  void paint(QPainter* p, const QStyleOptionViewItem& opt, const QModelIndex& index) const override {
    p->save();
    const QRect cell = opt.rect.adjusted(2, 2, -2, -2);
    if (opt.state & QStyle::State_Selected)
      p->fillRect(cell, opt.palette.highlight());
    else if (opt.state & QStyle::State_MouseOver)
      p->fillRect(cell, opt.palette.midlight());
    const QPixmap pm = index.data(Qt::DecorationRole).value<QPixmap>();
    if (!pm.isNull()) {
      QRect target(QPoint(0, 0), pm.size() / pm.devicePixelRatio());
      target.moveCenter(cell.center());
      p->drawPixmap(target, pm);
    }
    QFont f = opt.font;
    f.setPointSizeF(f.pointSizeF() * 1.2);
    p->setFont(f);
    if (index.data(GalleryModel::StarredRole).toBool()) {
      p->setPen(QColor(255, 196, 0));
      p->drawText(cell.adjusted(6, 4, 0, 0), Qt::AlignLeft | Qt::AlignTop, QStringLiteral("★"));
    }
    if (const int rating = index.data(GalleryModel::RatingRole).toInt(); rating > 0) {
      p->setPen(QColor(255, 255, 255));
      const QString stars(rating, QChar(0x2605));
      const QRect r = p->fontMetrics().boundingRect(stars).adjusted(-3, -1, 3, 1);
      QRect box(r);
      box.moveBottomRight(cell.bottomRight() - QPoint(6, 6));
      p->fillRect(box, QColor(0, 0, 0, 140));
      p->drawText(box, Qt::AlignCenter, stars);
    }
    if (opt.state & QStyle::State_HasFocus) {
      p->setPen(QPen(opt.palette.highlight(), 1, Qt::DotLine));
      p->drawRect(cell.adjusted(0, 0, -1, -1));
    }
    p->restore();
  }

 private:
  GalleryModel* model_;
};

// Delete as an undoable step: the rows go to the trash (nothing leaves the disk), undo brings them back.
// Star and rating changes, undoable like deletions: each item's previous marks are kept, so undo restores a mixed
// selection exactly.
class MarksCommand : public QUndoCommand {
 public:
  enum Kind { Star, Rating };
  MarksCommand(GalleryView* view, HistoryDb& db, QList<qint64> ids, Kind kind, int value)
      : view_(view), db_(db), ids_(std::move(ids)), kind_(kind), value_(value) {
    for (qint64 id : ids_)
      if (const auto r = db_.get(id)) before_.append({id, r->starred ? 1 : 0, r->rating});
    setText(kind == Star ? (value ? GalleryView::tr("Star") : GalleryView::tr("Unstar")) : GalleryView::tr("Rate"));
  }
  void redo() override {
    const bool ok = kind_ == Star ? db_.setStarred(ids_, value_ != 0) : db_.setRating(ids_, value_);
    if (!ok) {
      view_->showMessage(db_.lastError(), true);
      setObsolete(true);
    }
    view_->marksChanged(ids_);
  }
  void undo() override {
    for (const Before& b : before_) {
      const bool ok = kind_ == Star ? db_.setStarred({b.id}, b.starred != 0) : db_.setRating({b.id}, b.rating);
      if (!ok) view_->showMessage(db_.lastError(), true);
    }
    view_->marksChanged(ids_);
  }

 private:
  struct Before {
    qint64 id;
    int starred, rating;
  };
  GalleryView* view_;
  HistoryDb& db_;
  QList<qint64> ids_;
  Kind kind_;
  int value_;
  QList<Before> before_;
};

class DeleteCommand : public QUndoCommand {
 public:
  DeleteCommand(GalleryView* view, HistoryDb& db, QList<qint64> ids) : view_(view), db_(db), ids_(std::move(ids)) {
    setText(GalleryView::tr("Delete %n image(s)", nullptr, int(ids_.size())));
  }
  void redo() override {
    token_ = db_.remove(ids_);
    if (token_ == 0) {
      view_->showMessage(db_.lastError(), true);
      setObsolete(true);  // nothing happened: nothing to undo
    }
    view_->refresh();
  }
  void undo() override {
    if (!db_.restore(token_)) view_->showMessage(db_.lastError(), true);
    view_->refresh();
    view_->selectIds(ids_);
  }

 private:
  GalleryView* view_;
  HistoryDb& db_;
  QList<qint64> ids_;
  qint64 token_ = 0;
};

// Where a recipe's reference image is now (the asset store first, then the recorded path, then next to the PNG).
QString locateReference(const AssetStore* assets, const PromptSegment& s, const QString& pngDir) {
  if (assets) return assets->locate(s, pngDir);
  const QString recorded = QString::fromStdString(s.imagePath);
  for (const QString& c :
       {recorded, pngDir.isEmpty() ? QString() : QDir(pngDir).filePath(QFileInfo(recorded).fileName())})
    if (!c.isEmpty() && QFileInfo(c).isFile()) return QFileInfo(c).absoluteFilePath();
  return {};
}

// The recipe with every findable reference image pointing at where it is now.
QString resolvedRecipeJson(const AssetStore* assets, const QString& json, const QString& pngPath) {
  try {
    Recipe r = recipeFromJson(json.toStdString(), "recipe");
    const QString dir = pngPath.isEmpty() ? QString() : QFileInfo(pngPath).absolutePath();
    for (auto& s : r.prompt.segments)
      if (s.isImage())
        if (const QString found = locateReference(assets, s, dir); !found.isEmpty()) s.imagePath = found.toStdString();
    return QString::fromStdString(recipeToJson(r));
  } catch (const std::exception&) {
    return json;  // the composer reports what is wrong with it
  }
}

}  // namespace

// ---- GalleryModel ------------------------------------------------------------------------------------------------

GalleryModel::GalleryModel(HistoryDb& db, ThumbnailCache& thumbs, QObject* parent)
    : QAbstractListModel(parent), db_(db), thumbs_(thumbs), pixmaps_(600) {
  setIconSize(160);
  connect(&thumbs_, &ThumbnailCache::thumbnailReady, this, &GalleryModel::onThumbnailReady);
  connect(&thumbs_, &ThumbnailCache::thumbnailFailed, this,
          [this](const QString& path, const QString&) { onThumbnailFailed(path); });
}

void GalleryModel::setIconSize(int px) {
  iconSize_ = std::max(32, px);
  placeholder_ = makePlaceholder(iconSize_, false);
  brokenPixmap_ = makePlaceholder(iconSize_, true);
  pixmaps_.clear();
}

bool GalleryModel::load(int offset, int limit, QList<HistoryRow>* out) {
  HistoryQuery q = query_;
  q.offset = offset;
  q.limit = limit;
  *out = db_.search(q);
  if (!db_.lastError().isEmpty()) {
    Q_EMIT errorOccurred(db_.lastError());
    return false;
  }
  return true;
}

void GalleryModel::setQuery(const HistoryQuery& query) {
  query_ = query;
  reload(0);
}

void GalleryModel::reload(int keepRows) {
  beginResetModel();
  rows_.clear();
  rowByPath_.clear();
  rowById_.clear();
  broken_.clear();
  total_ = db_.count(query_);
  if (total_ < 0) {
    total_ = 0;
    Q_EMIT errorOccurred(db_.lastError());
  } else {
    QList<HistoryRow> page;
    if (load(0, std::clamp(keepRows, kPageSize, kMaxKeptRows), &page)) rows_ = std::move(page);
    for (int i = 0; i < rows_.size(); ++i) {
      rowByPath_.insert(rows_[i].imagePath, i);
      rowById_.insert(rows_[i].id, i);
    }
    if (rows_.size() < kPageSize) total_ = int(rows_.size());  // the database changed under us: trust the rows
  }
  thumbs_.clearPending();  // the old rows' requests are moot
  endResetModel();
}

qint64 GalleryModel::idAt(int row) const {
  return row >= 0 && row < rows_.size() ? rows_[row].id : 0;
}

const HistoryRow* GalleryModel::rowAt(int row) const {
  return row >= 0 && row < rows_.size() ? &rows_[row] : nullptr;
}

int GalleryModel::rowOf(qint64 id) const {
  return rowById_.value(id, -1);
}

void GalleryModel::refreshRow(qint64 id) {
  const int row = rowOf(id);
  if (row < 0) return;
  const auto fresh = db_.get(id);
  if (!fresh) return;
  HistoryRow r = *fresh;
  r.recipeJson.clear();  // pages stay light
  rows_[row] = r;
  const QModelIndex i = index(row);
  Q_EMIT dataChanged(i, i);
}

int GalleryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

bool GalleryModel::canFetchMore(const QModelIndex& parent) const {
  return !parent.isValid() && rows_.size() < total_;
}

void GalleryModel::fetchMore(const QModelIndex& parent) {
  if (parent.isValid() || rows_.size() >= total_) return;
  QList<HistoryRow> page;
  if (!load(int(rows_.size()), std::min<int>(kPageSize, total_ - int(rows_.size())), &page) || page.isEmpty()) {
    total_ = int(rows_.size());  // nothing more to read (an error, or rows deleted meanwhile)
    return;
  }
  const int first = int(rows_.size());
  beginInsertRows({}, first, first + int(page.size()) - 1);
  for (HistoryRow& r : page) {
    rowByPath_.insert(r.imagePath, int(rows_.size()));
    rowById_.insert(r.id, int(rows_.size()));
    rows_.push_back(std::move(r));
  }
  endInsertRows();
}

QVariant GalleryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rows_.size()) return {};
  const HistoryRow& r = rows_[index.row()];
  switch (role) {
    case Qt::DecorationRole: {
      if (const QPixmap* pm = pixmaps_.object(r.imagePath)) return *pm;
      if (broken_.contains(r.imagePath)) return brokenPixmap_;
      const QImage img = thumbs_.thumbnail(r.imagePath);  // not in memory: requested, arrives by signal
      if (img.isNull()) return placeholder_;
      auto* pm = new QPixmap(
          QPixmap::fromImage(img.width() > iconSize_ || img.height() > iconSize_
                                 ? img.scaled(iconSize_, iconSize_, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                                 : img));
      const QPixmap copy = *pm;
      pixmaps_.insert(r.imagePath, pm);
      return copy;
    }
    case ThumbnailReadyRole:
      return pixmaps_.contains(r.imagePath);
    case Qt::ToolTipRole:
      return tr("%1\n%2 · %3 · seed %4 · %5×%6")
          .arg(r.promptText.left(300), r.model, r.sampler)
          .arg(r.seed)
          .arg(r.width)
          .arg(r.height);
    case Qt::AccessibleTextRole:
      return r.promptText;
    case IdRole:
      return r.id;
    case ImagePathRole:
      return r.imagePath;
    case StarredRole:
      return r.starred;
    case RatingRole:
      return r.rating;
    default:
      return {};
  }
}

Qt::ItemFlags GalleryModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled;
}

QStringList GalleryModel::mimeTypes() const {
  return {QStringLiteral("text/uri-list"), QStringLiteral("application/x-mumu-generation-ids")};
}

// Dragging out gives the image files (the composer takes them as reference images) and our ids.
QMimeData* GalleryModel::mimeData(const QModelIndexList& indexes) const {
  auto* mime = new QMimeData;
  QList<QUrl> urls;
  QStringList ids;
  for (const QModelIndex& i : indexes) {
    if (const HistoryRow* r = rowAt(i.row())) {
      urls << QUrl::fromLocalFile(r->imagePath);
      ids << QString::number(r->id);
    }
  }
  mime->setUrls(urls);
  mime->setData(QStringLiteral("application/x-mumu-generation-ids"), ids.join(',').toLatin1());
  return mime;
}

void GalleryModel::onThumbnailReady(const QString& imagePath, const QImage& image) {
  const auto it = rowByPath_.constFind(imagePath);
  if (it == rowByPath_.constEnd()) return;
  pixmaps_.insert(imagePath, new QPixmap(QPixmap::fromImage(
                                 image.width() > iconSize_ || image.height() > iconSize_
                                     ? image.scaled(iconSize_, iconSize_, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                                     : image)));
  const QModelIndex i = index(*it);
  Q_EMIT dataChanged(i, i, {Qt::DecorationRole, ThumbnailReadyRole});
}

void GalleryModel::onThumbnailFailed(const QString& imagePath) {
  const auto it = rowByPath_.constFind(imagePath);
  if (it == rowByPath_.constEnd()) return;
  broken_.insert(imagePath);
  const QModelIndex i = index(*it);
  Q_EMIT dataChanged(i, i, {Qt::DecorationRole});
}

// ---- GalleryView -------------------------------------------------------------------------------------------------

GalleryView::GalleryView(HistoryDb& db, ThumbnailCache& thumbs, QWidget* parent)
    : QWidget(parent), db_(db), thumbs_(thumbs) {
  setObjectName("galleryView");
  model_ = new GalleryModel(db_, thumbs_, this);
  undo_ = new QUndoStack(this);
  connect(model_, &GalleryModel::errorOccurred, this, [this](const QString& m) { showMessage(m, true); });
  buildUi();
  retranslateUi();
  reloadFilterChoices();
  applyFilters();
  setAcceptDrops(true);
}

GalleryView::~GalleryView() = default;

void GalleryView::buildUi() {
  auto* top = new QVBoxLayout(this);
  top->setContentsMargins(6, 6, 6, 6);

  auto* row1 = new QHBoxLayout;
  search_ = new QLineEdit(this);
  search_->setObjectName("gallerySearch");
  search_->setClearButtonEnabled(true);
  sort_ = new QComboBox(this);
  sort_->setObjectName("gallerySort");
  for (int i = 0; i < 4; ++i) sort_->addItem(QString());
  count_ = new QLabel(this);
  count_->setObjectName("galleryCount");
  row1->addWidget(search_, 1);
  row1->addWidget(sort_);
  row1->addWidget(count_);
  top->addLayout(row1);

  auto* row2 = new QHBoxLayout;
  modelFilter_ = new QComboBox(this);
  modelFilter_->setObjectName("galleryModelFilter");
  samplerFilter_ = new QComboBox(this);
  samplerFilter_->setObjectName("gallerySamplerFilter");
  seedFilter_ = new QLineEdit(this);
  seedFilter_->setObjectName("gallerySeedFilter");
  seedFilter_->setValidator(new QRegularExpressionValidator(QRegularExpression("[0-9]{0,20}"), seedFilter_));
  seedFilter_->setMaximumWidth(160);
  dateFilter_ = new QComboBox(this);
  dateFilter_->setObjectName("galleryDateFilter");
  for (int i = 0; i < 5; ++i) dateFilter_->addItem(QString());
  dateFrom_ = new QDateEdit(QDate::currentDate().addDays(-7), this);
  dateTo_ = new QDateEdit(QDate::currentDate(), this);
  for (QDateEdit* e : {dateFrom_, dateTo_}) {
    e->setCalendarPopup(true);
    e->setVisible(false);
  }
  starredFilter_ = new QToolButton(this);
  starredFilter_->setObjectName("galleryStarredFilter");
  starredFilter_->setCheckable(true);
  ratingFilter_ = new QComboBox(this);
  ratingFilter_->setObjectName("galleryRatingFilter");
  for (int i = 0; i < 6; ++i) ratingFilter_->addItem(QString());
  boardFilter_ = new QComboBox(this);
  boardFilter_->setObjectName("galleryBoardFilter");
  for (QWidget* w : std::initializer_list<QWidget*>{modelFilter_, samplerFilter_, seedFilter_, dateFilter_, dateFrom_,
                                                    dateTo_, starredFilter_, ratingFilter_, boardFilter_})
    row2->addWidget(w);
  row2->addStretch(1);
  top->addLayout(row2);

  message_ = new QLabel(this);
  message_->setObjectName("galleryMessage");
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  message_->setVisible(false);
  top->addWidget(message_);

  splitter_ = new QSplitter(Qt::Horizontal, this);
  list_ = new QListView(splitter_);
  list_->setObjectName("galleryGrid");
  list_->setViewMode(QListView::IconMode);
  list_->setResizeMode(QListView::Adjust);
  list_->setMovement(QListView::Static);
  list_->setUniformItemSizes(true);  // one size for all: layout stays O(1) per row with 100,000 rows
  list_->setLayoutMode(QListView::Batched);
  list_->setBatchSize(200);
  list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  list_->setDragDropMode(QAbstractItemView::DragOnly);
  list_->setMouseTracking(true);
  list_->setSpacing(2);
  list_->setItemDelegate(new GalleryDelegate(model_, list_));
  list_->setModel(model_);
  list_->setContextMenuPolicy(Qt::CustomContextMenu);
  list_->installEventFilter(this);
  connect(list_, &QWidget::customContextMenuRequested, this, &GalleryView::showContextMenu);
  connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    updateDetail();
    updateActions();
  });
  connect(list_, &QListView::doubleClicked, this, [this] { reuseSelected(); });

  auto* detail = new QWidget(splitter_);
  detail->setObjectName("galleryDetail");
  auto* dl = new QVBoxLayout(detail);
  dl->setContentsMargins(6, 0, 0, 0);
  detailTitle_ = new QLabel(detail);
  detailTitle_->setWordWrap(true);
  preview_ = new QLabel(detail);
  preview_->setObjectName("galleryPreview");
  preview_->setAlignment(Qt::AlignCenter);
  preview_->setMinimumSize(200, 200);
  preview_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  recipeView_ = new QTextBrowser(detail);
  recipeView_->setObjectName("galleryRecipe");
  recipeView_->setOpenLinks(false);
  auto* buttons = new QHBoxLayout;
  reuse_ = new QPushButton(detail);
  reuse_->setObjectName("galleryReuse");
  compare_ = new QPushButton(detail);
  compare_->setObjectName("galleryCompare");
  openButton_ = new QPushButton(detail);
  openButton_->setObjectName("galleryOpenImage");
  buttons->addWidget(reuse_);
  buttons->addWidget(compare_);
  buttons->addStretch(1);
  buttons->addWidget(openButton_);
  dl->addWidget(detailTitle_);
  dl->addWidget(preview_, 3);
  dl->addWidget(recipeView_, 2);
  dl->addLayout(buttons);
  splitter_->addWidget(list_);
  splitter_->addWidget(detail);
  splitter_->setStretchFactor(0, 3);
  splitter_->setStretchFactor(1, 2);
  top->addWidget(splitter_, 1);

  // Actions: in the context menu, with keys that work while the grid has focus.
  const auto action = [this](const char* name, const QKeySequence& key) {
    auto* a = new QAction(this);
    a->setObjectName(name);
    if (!key.isEmpty()) {
      a->setShortcut(key);
      a->setShortcutContext(Qt::WidgetShortcut);
      list_->addAction(a);
    }
    return a;
  };
  delete_ = action("galleryDelete", QKeySequence::Delete);
  star_ = action("galleryStar", QKeySequence(Qt::Key_S));
  export_ = action("galleryExport", {});
  openImage_ = action("galleryOpenImageAction", {});
  reuseAction_ = action("galleryReuseAction", {});
  newBoard_ = action("galleryNewBoard", {});
  for (int i = 0; i <= 5; ++i) {
    QAction* a = action("galleryRate", QKeySequence(Qt::Key_0 + i));
    a->setObjectName(QStringLiteral("galleryRate%1").arg(i));
    connect(a, &QAction::triggered, this, [this, i] { rateSelected(i); });
    rate_ << a;
  }
  connect(delete_, &QAction::triggered, this, &GalleryView::deleteSelected);
  connect(star_, &QAction::triggered, this, &GalleryView::toggleStarSelected);
  connect(export_, &QAction::triggered, this, [this] { exportSelected({}); });
  connect(openImage_, &QAction::triggered, this, &GalleryView::openImage);
  connect(reuseAction_, &QAction::triggered, this, &GalleryView::reuseSelected);
  connect(newBoard_, &QAction::triggered, this, [this] {
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, tr("New board"), tr("Name of the new board:"), QLineEdit::Normal, QString(), &ok);
    if (!ok) return;
    const qint64 board = db_.createBoard(name);
    if (board < 0) return showMessage(db_.lastError(), true);
    reloadFilterChoices();
    if (!selectedIds().isEmpty()) addSelectedToBoard(board);
  });
  connect(reuse_, &QPushButton::clicked, this, &GalleryView::reuseSelected);
  connect(compare_, &QPushButton::clicked, this, &GalleryView::compareSelected);
  connect(openButton_, &QPushButton::clicked, this, &GalleryView::openImage);

  // Filters: lists apply at once; typing waits for a pause (or Enter).
  searchTimer_ = new QTimer(this);
  searchTimer_->setSingleShot(true);
  searchTimer_->setInterval(250);
  connect(searchTimer_, &QTimer::timeout, this, &GalleryView::applyFilters);
  connect(search_, &QLineEdit::textChanged, searchTimer_, qOverload<>(&QTimer::start));
  connect(search_, &QLineEdit::returnPressed, this, &GalleryView::applyFilters);
  connect(seedFilter_, &QLineEdit::textChanged, searchTimer_, qOverload<>(&QTimer::start));
  connect(seedFilter_, &QLineEdit::returnPressed, this, &GalleryView::applyFilters);
  for (QComboBox* c : {sort_, modelFilter_, samplerFilter_, dateFilter_, ratingFilter_, boardFilter_})
    connect(c, &QComboBox::currentIndexChanged, this, [this] {
      if (!updatingFilters_) applyFilters();
    });
  connect(dateFilter_, &QComboBox::currentIndexChanged, this, [this](int i) {
    dateFrom_->setVisible(i == 4);
    dateTo_->setVisible(i == 4);
  });
  connect(dateFrom_, &QDateEdit::dateChanged, this, &GalleryView::applyFilters);
  connect(dateTo_, &QDateEdit::dateChanged, this, &GalleryView::applyFilters);
  connect(starredFilter_, &QToolButton::toggled, this, &GalleryView::applyFilters);
  updateActions();
}

void GalleryView::retranslateUi() {
  search_->setPlaceholderText(tr("Search prompts…"));
  sort_->setItemText(0, tr("Newest first"));
  sort_->setItemText(1, tr("Oldest first"));
  sort_->setItemText(2, tr("Highest rated"));
  sort_->setItemText(3, tr("Best match"));
  seedFilter_->setPlaceholderText(tr("Seed"));
  dateFilter_->setItemText(0, tr("Any time"));
  dateFilter_->setItemText(1, tr("Today"));
  dateFilter_->setItemText(2, tr("Last 7 days"));
  dateFilter_->setItemText(3, tr("Last 30 days"));
  dateFilter_->setItemText(4, tr("Dates…"));
  dateFrom_->setToolTip(tr("From"));
  dateTo_->setToolTip(tr("To"));
  starredFilter_->setText(tr("★ Starred"));
  starredFilter_->setToolTip(tr("Show only starred images"));
  ratingFilter_->setItemText(0, tr("Any rating"));
  for (int i = 1; i <= 5; ++i) ratingFilter_->setItemText(i, tr("%1 or more").arg(QString(i, QChar(0x2605))));
  if (modelFilter_->count() > 0) modelFilter_->setItemText(0, tr("All models"));
  if (samplerFilter_->count() > 0) samplerFilter_->setItemText(0, tr("All samplers"));
  if (boardFilter_->count() > 0) boardFilter_->setItemText(0, tr("All boards"));
  reuse_->setText(tr("Reuse"));
  reuse_->setToolTip(tr("Put this recipe (text and reference images) back into the composer"));
  compare_->setText(tr("Compare"));
  compare_->setToolTip(tr("Compare the two selected images side by side"));
  openButton_->setText(tr("Open Image…"));
  openButton_->setToolTip(tr("Recover the recipe of a PNG (MUMU Studio's, or another tool's A1111 text)"));
  delete_->setText(tr("Delete"));
  star_->setText(tr("Star / Unstar"));
  export_->setText(tr("Export…"));
  openImage_->setText(tr("Open Image…"));
  reuseAction_->setText(tr("Reuse"));
  newBoard_->setText(tr("New Board…"));
  for (int i = 0; i < rate_.size(); ++i) rate_[i]->setText(i == 0 ? tr("No rating") : QString(i, QChar(0x2605)));
  undo_->setUndoLimit(100);
  updateCount();
}

void GalleryView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) {
    retranslateUi();
    updateDetail();
  }
  QWidget::changeEvent(event);
}

void GalleryView::reloadFilterChoices() {
  updatingFilters_ = true;
  const auto refill = [](QComboBox* box, const QString& all, const QList<QPair<QString, QVariant>>& items) {
    const QVariant current = box->currentData();
    box->clear();
    box->addItem(all, QVariant());
    for (const auto& [text, data] : items) box->addItem(text, data);
    const int i = current.isValid() ? box->findData(current) : 0;
    box->setCurrentIndex(std::max(0, i));
  };
  QList<QPair<QString, QVariant>> models, samplers, boards;
  for (const QString& m : db_.distinctModels()) models.append({m, m});
  for (const QString& s : db_.distinctSamplers()) samplers.append({s, s});
  for (const HistoryBoard& b : db_.boards()) boards.append({QStringLiteral("%1 (%2)").arg(b.name).arg(b.count), b.id});
  refill(modelFilter_, tr("All models"), models);
  refill(samplerFilter_, tr("All samplers"), samplers);
  refill(boardFilter_, tr("All boards"), boards);
  updatingFilters_ = false;
}

HistoryQuery GalleryView::currentQuery() const {
  HistoryQuery q;
  q.text = search_->text();
  q.model = modelFilter_->currentData().toString();
  q.sampler = samplerFilter_->currentData().toString();
  bool ok = false;
  const quint64 seed = seedFilter_->text().toULongLong(&ok);
  if (ok) q.seed = seed;
  const QDate today = QDate::currentDate();
  switch (dateFilter_->currentIndex()) {
    case 1:
      q.from = today.startOfDay();
      break;
    case 2:
      q.from = today.addDays(-6).startOfDay();
      break;
    case 3:
      q.from = today.addDays(-29).startOfDay();
      break;
    case 4:
      q.from = dateFrom_->date().startOfDay();
      q.to = dateTo_->date().endOfDay();
      break;
    default:
      break;
  }
  q.starredOnly = starredFilter_->isChecked();
  q.minRating = ratingFilter_->currentIndex();
  q.board = boardFilter_->currentData().toLongLong();
  static constexpr HistoryQuery::Sort sorts[] = {HistoryQuery::NewestFirst, HistoryQuery::OldestFirst,
                                                 HistoryQuery::RatingFirst, HistoryQuery::Relevance};
  q.sort = sorts[std::clamp(sort_->currentIndex(), 0, 3)];
  return q;
}

void GalleryView::applyFilters() {
  searchTimer_->stop();
  message_->setVisible(false);
  model_->setQuery(currentQuery());
  updateCount();
  updateDetail();
  updateActions();
}

void GalleryView::refresh() {
  const QList<qint64> selected = selectedIds();
  const int firstRow = list_->selectionModel()->selectedIndexes().isEmpty()
                           ? -1
                           : list_->selectionModel()->selectedIndexes().first().row();
  const int scroll = list_->verticalScrollBar()->value();
  reloadFilterChoices();
  model_->reload(model_->rowCount());
  selectIds(selected);
  if (selectedIds().isEmpty() && firstRow >= 0 && model_->rowCount() > 0) {
    // The selection went (deleted): select what took its place, as file managers do.
    const QModelIndex i = model_->index(std::min(firstRow, model_->rowCount() - 1));
    list_->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect);
  }
  list_->verticalScrollBar()->setValue(scroll);
  updateCount();
  updateDetail();
  updateActions();
}

void GalleryView::updateCount() {
  if (!count_) return;
  count_->setText(tr("%n image(s)", nullptr, model_->totalCount()));
}

QList<qint64> GalleryView::selectedIds() const {
  QList<qint64> ids;
  QModelIndexList sel = list_->selectionModel()->selectedIndexes();
  std::sort(sel.begin(), sel.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  for (const QModelIndex& i : sel) ids << model_->idAt(i.row());
  return ids;
}

void GalleryView::selectIds(const QList<qint64>& ids) {
  QItemSelection selection;
  int first = -1;
  for (qint64 id : ids) {
    const int row = model_->rowOf(id);
    if (row < 0) continue;
    selection.select(model_->index(row), model_->index(row));
    if (first < 0) first = row;
  }
  list_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
  if (first >= 0) list_->selectionModel()->setCurrentIndex(model_->index(first), QItemSelectionModel::NoUpdate);
}

void GalleryView::updateActions() {
  const int n = int(list_->selectionModel()->selectedIndexes().size());
  delete_->setEnabled(n > 0);
  star_->setEnabled(n > 0);
  export_->setEnabled(n > 0);
  for (QAction* a : rate_) a->setEnabled(n > 0);
  compare_->setEnabled(n == 2);
  reuse_->setEnabled(!detailJson_.isEmpty() && n <= 1);
  reuseAction_->setEnabled(reuse_->isEnabled());
}

void GalleryView::showMessage(const QString& text, bool error) {
  message_->setText(text);
  message_->setProperty("error", error);
  message_->setStyleSheet(error ? QStringLiteral("QLabel { background: #5c1f1f; color: white; padding: 4px; }")
                                : QStringLiteral("QLabel { background: palette(midlight); padding: 4px; }"));
  message_->setVisible(!text.isEmpty());
  if (error && !text.isEmpty()) Q_EMIT errorOccurred(text);
}

// ---- detail panel ------------------------------------------------------------------------------------------------

void GalleryView::updateDetail() {
  const QList<qint64> ids = selectedIds();
  if (ids.size() == 1) {
    const auto row = db_.get(ids.first());
    if (!row) return showMessage(db_.lastError(), true);
    showRecipe(row->recipeJson, row->imagePath, QLocale().toString(row->created.toLocalTime(), QLocale::ShortFormat));
    return;
  }
  if (ids.isEmpty() && !detailJson_.isEmpty() && property("detailFromFile").toBool()) return;  // an opened file
  detailJson_.clear();
  detailImagePath_.clear();
  ++previewToken_;
  preview_->clear();
  recipeView_->clear();
  detailTitle_->setText(ids.isEmpty() ? tr("Select an image to see its recipe.")
                                      : tr("%n images selected", nullptr, int(ids.size())));
  updateActions();
}

void GalleryView::showRecipe(const QString& recipeJson, const QString& imagePath, const QString& title) {
  detailJson_ = recipeJson;
  detailImagePath_ = imagePath;
  setProperty("detailFromFile", false);
  detailTitle_->setText(title);
  loadPreview(imagePath);
  QString html;
  try {
    const Recipe r = recipeFromJson(recipeJson.toStdString(), "recipe");
    const QString dir = QFileInfo(imagePath).absolutePath();
    QString prompt;
    for (const PromptSegment& s : r.prompt.segments) {
      if (s.isText()) {
        const QString text = QString::fromStdString(s.text).toHtmlEscaped();
        prompt += s.weight == 1.0 ? text
                                  : QStringLiteral("<span style=\"color:#c08a00;font-weight:600\">(%1:%2)</span>")
                                        .arg(text, QString::fromStdString(formatNumber(s.weight)));
        continue;
      }
      const QString name = QFileInfo(QString::fromStdString(s.imagePath)).fileName().toHtmlEscaped();
      const QString found = locateReference(assets_, s, dir);
      QString tip = name;
      if (s.weight != 1.0) tip += QStringLiteral(" · %1").arg(QString::fromStdString(formatNumber(s.weight)));
      if (!s.note.empty()) tip += QStringLiteral(" · ") + QString::fromStdString(s.note).toHtmlEscaped();
      if (found.isEmpty())
        prompt += QStringLiteral("<span style=\"color:#d05050\">[%1]</span>").arg(tr("missing image %1").arg(name));
      else
        prompt += QStringLiteral("<img src=\"%1\" height=\"56\" title=\"%2\"> ")
                      .arg(QUrl::fromLocalFile(found).toString().toHtmlEscaped(), tip);
    }
    html += QStringLiteral("<p>%1</p>").arg(prompt);
    if (!r.negativePrompt.empty())
      html += QStringLiteral("<p><b>%1</b> %2</p>")
                  .arg(tr("Negative:"), QString::fromStdString(r.negativePrompt).toHtmlEscaped());
    const auto row = [](const QString& k, const QString& v) {
      return QStringLiteral("<tr><td><b>%1</b>&nbsp;</td><td>%2</td></tr>").arg(k, v.toHtmlEscaped());
    };
    html += QStringLiteral("<table>");
    html += row(tr("Model"), QString::fromStdString(r.modelName));
    html += row(tr("Sampler"), QString::fromStdString(r.sampler));
    html += row(tr("Steps"), QString::number(r.steps));
    html += row(tr("CFG"), QString::fromStdString(formatNumber(r.cfgScale)));
    html += row(tr("Seed"), QString::number(r.seed));
    html += row(tr("Size"), QStringLiteral("%1 × %2").arg(r.width).arg(r.height));
    if (!r.deviceType.empty()) html += row(tr("Device"), QString::fromStdString(r.deviceType + " · " + r.dtype));
    if (!r.created.empty()) html += row(tr("Created"), QString::fromStdString(r.created));
    html += QStringLiteral("</table>");
  } catch (const std::exception& e) {
    html = QStringLiteral("<p style=\"color:#d05050\">%1</p>")
               .arg(tr("This recipe cannot be read: %1").arg(QString::fromStdString(e.what())).toHtmlEscaped());
  }
  recipeView_->setHtml(html);
  updateActions();
}

void GalleryView::loadPreview(const QString& imagePath) {
  const int token = ++previewToken_;
  preview_->clear();
  auto* watcher = new QFutureWatcher<QImage>(this);
  connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, token] {
    watcher->deleteLater();
    if (token != previewToken_) return;  // the selection moved on
    const QImage img = watcher->result();
    if (img.isNull()) {
      preview_->setText(tr("The image file is missing or unreadable."));
      return;
    }
    preview_->setPixmap(QPixmap::fromImage(img));
  });
  // Decoding a full image takes tens of milliseconds: off the GUI thread.
  watcher->setFuture(QtConcurrent::run([imagePath] {
    QImageReader reader(imagePath);
    reader.setAutoTransform(true);
    QImage img = reader.read();
    if (!img.isNull() && (img.width() > kPreviewSize || img.height() > kPreviewSize))
      img = img.scaled(kPreviewSize, kPreviewSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return img;
  }));
}

// ---- actions -----------------------------------------------------------------------------------------------------

bool GalleryView::eventFilter(QObject* watched, QEvent* event) {
  // Keys on the grid (the actions' shortcuts do the same when the window is active; this covers the rest).
  if (watched == list_ && event->type() == QEvent::KeyPress) {
    const auto* key = static_cast<QKeyEvent*>(event);
    if (key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier)) return false;
    if (key->key() == Qt::Key_Delete || key->key() == Qt::Key_Backspace) {
      deleteSelected();
      return true;
    }
    if (key->key() == Qt::Key_S) {
      toggleStarSelected();
      return true;
    }
    if (key->key() >= Qt::Key_0 && key->key() <= Qt::Key_5) {
      rateSelected(key->key() - Qt::Key_0);
      return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

void GalleryView::deleteSelected() {
  const QList<qint64> ids = selectedIds();
  if (ids.isEmpty()) return;
  undo_->push(new DeleteCommand(this, db_, ids));
}

void GalleryView::setStarredSelected(bool starred) {
  const QList<qint64> ids = selectedIds();
  if (ids.isEmpty()) return;
  undo_->push(new MarksCommand(this, db_, ids, MarksCommand::Star, starred ? 1 : 0));
}

void GalleryView::marksChanged(const QList<qint64>& ids) {
  // A filter or sort on the marks may move or hide the items: reload; otherwise repaint just them.
  const HistoryQuery q = currentQuery();
  if (q.starredOnly || q.minRating > 0 || q.sort == HistoryQuery::RatingFirst) return refresh();
  for (qint64 id : ids) model_->refreshRow(id);
  updateDetail();
}

void GalleryView::toggleStarSelected() {
  const QList<qint64> ids = selectedIds();
  bool allStarred = !ids.isEmpty();
  for (qint64 id : ids)
    if (const HistoryRow* r = model_->rowAt(model_->rowOf(id)); r && !r->starred) allStarred = false;
  setStarredSelected(!allStarred);
}

void GalleryView::rateSelected(int rating) {
  const QList<qint64> ids = selectedIds();
  if (ids.isEmpty()) return;
  undo_->push(new MarksCommand(this, db_, ids, MarksCommand::Rating, rating));
}

bool GalleryView::addSelectedToBoard(qint64 board) {
  const QList<qint64> ids = selectedIds();
  if (ids.isEmpty()) return false;
  if (!db_.addToBoard(board, ids)) return showMessage(db_.lastError(), true), false;
  reloadFilterChoices();
  return true;
}

bool GalleryView::removeSelectedFromBoard(qint64 board) {
  const QList<qint64> ids = selectedIds();
  if (ids.isEmpty()) return false;
  if (!db_.removeFromBoard(board, ids)) return showMessage(db_.lastError(), true), false;
  refresh();
  return true;
}

bool GalleryView::exportSelected(const QString& folderIn) {
  const QList<qint64> ids = selectedIds();
  if (ids.isEmpty()) return false;
  QString folder = folderIn;
  if (folder.isEmpty()) folder = QFileDialog::getExistingDirectory(this, tr("Export images to"));
  if (folder.isEmpty()) return false;
  const QStringList written = db_.exportTo(ids, folder);
  if (written.size() != ids.size()) {
    showMessage(tr("Exported %1 of %2 images. %3").arg(written.size()).arg(ids.size()).arg(db_.lastError()), true);
    return false;
  }
  showMessage(tr("Exported %n image(s) to %1", nullptr, int(written.size())).arg(QDir::toNativeSeparators(folder)));
  return true;
}

QString GalleryView::reuseJson(qint64 id) const {
  const auto row = db_.get(id);
  if (!row) return {};
  return resolvedRecipeJson(assets_, row->recipeJson, row->imagePath);
}

void GalleryView::reuseSelected() {
  const QList<qint64> ids = selectedIds();
  if (ids.size() == 1) {
    const QString json = reuseJson(ids.first());
    if (json.isEmpty()) return showMessage(db_.lastError(), true);
    Q_EMIT reuseRequested(json);
    return;
  }
  if (ids.isEmpty() && !detailJson_.isEmpty())
    Q_EMIT reuseRequested(resolvedRecipeJson(assets_, detailJson_, detailImagePath_));
}

void GalleryView::compareSelected() {
  const QList<qint64> ids = selectedIds();
  if (ids.size() == 2) Q_EMIT compareRequested(ids[0], ids[1]);
}

void GalleryView::openImage() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open Image"), QString(), tr("PNG images (*.png);;All files (*)"));
  if (!path.isEmpty()) openImageFile(path);
}

bool GalleryView::openImageFile(const QString& path) {
  Q_EMIT openImageRequested(path);
  const RecipeRecovery rec = recoverRecipe(path);
  if (!rec.ok()) {
    showMessage(rec.message, true);
    return false;
  }
  list_->clearSelection();
  showRecipe(rec.recipeJson, path, tr("Opened: %1").arg(QFileInfo(path).fileName()));
  setProperty("detailFromFile", true);
  showMessage(rec.origin == RecipeRecovery::A1111 ? rec.message
                                                  : tr("Recipe recovered from %1").arg(QFileInfo(path).fileName()));
  updateActions();
  Q_EMIT recipeRecovered(rec.recipeJson, path, rec.origin == RecipeRecovery::A1111);
  return true;
}

void GalleryView::dragEnterEvent(QDragEnterEvent* event) {
  if (event->source() == list_) return;  // our own items dragged out and back
  if (event->mimeData()->hasUrls())
    for (const QUrl& u : event->mimeData()->urls())
      if (u.isLocalFile()) return event->acceptProposedAction();
}

void GalleryView::dropEvent(QDropEvent* event) {
  for (const QUrl& u : event->mimeData()->urls()) {
    if (!u.isLocalFile()) continue;
    event->acceptProposedAction();
    openImageFile(u.toLocalFile());
    return;
  }
}

void GalleryView::showContextMenu(const QPoint& pos) {
  if (list_->indexAt(pos).isValid() && !list_->selectionModel()->isSelected(list_->indexAt(pos)))
    list_->selectionModel()->setCurrentIndex(list_->indexAt(pos), QItemSelectionModel::ClearAndSelect);
  QMenu menu(this);
  menu.addAction(reuseAction_);
  QAction* compare = menu.addAction(compare_->text(), this, &GalleryView::compareSelected);
  compare->setEnabled(compare_->isEnabled());
  menu.addSeparator();
  menu.addAction(star_);
  QMenu* rating = menu.addMenu(tr("Rating"));
  for (QAction* a : rate_) rating->addAction(a);
  QMenu* boards = menu.addMenu(tr("Add to Board"));
  for (const HistoryBoard& b : db_.boards()) {
    const qint64 id = b.id;
    boards->addAction(b.name, this, [this, id] { addSelectedToBoard(id); });
  }
  boards->addSeparator();
  boards->addAction(newBoard_);
  if (const qint64 board = boardFilter_->currentData().toLongLong(); board > 0)
    menu.addAction(tr("Remove from This Board"), this, [this, board] { removeSelectedFromBoard(board); });
  menu.addAction(export_);
  menu.addSeparator();
  menu.addAction(delete_);
  menu.addSeparator();
  menu.addAction(openImage_);
  menu.exec(list_->viewport()->mapToGlobal(pos));
}

}  // namespace mumu
