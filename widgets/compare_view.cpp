// compare_view.cpp — synchronised ZoomViews and the recipe difference table.
#include "widgets/compare_view.h"

#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <exception>
#include <functional>
#include <optional>

#include "model/pipeline/recipe.h"
#include "widgets/image_viewer.h"

namespace mumu {

namespace {

QString fromStd(const std::string& s) {
  return QString::fromStdString(s);
}

struct Field {
  const char* key;
  const char* label;  // QT_TRANSLATE_NOOP'd, translated when shown
  std::function<QString(const Recipe&)> value;
  bool compared = true;  // false: shown for information, never highlighted (always differs)
};

const std::vector<Field>& fields() {
  static const std::vector<Field> list = {
      {"prompt", QT_TRANSLATE_NOOP("mumu::CompareView", "Prompt"),
       [](const Recipe& r) { return fromStd(serializePrompt(r.prompt)); }},
      {"negative", QT_TRANSLATE_NOOP("mumu::CompareView", "Negative prompt"),
       [](const Recipe& r) { return fromStd(r.negativePrompt); }},
      {"sampler", QT_TRANSLATE_NOOP("mumu::CompareView", "Sampler"), [](const Recipe& r) { return fromStd(r.sampler); }},
      {"schedule", QT_TRANSLATE_NOOP("mumu::CompareView", "Schedule type"),
       [](const Recipe& r) { return fromStd(r.scheduleType); }},
      {"steps", QT_TRANSLATE_NOOP("mumu::CompareView", "Steps"), [](const Recipe& r) { return QString::number(r.steps); }},
      {"cfg", QT_TRANSLATE_NOOP("mumu::CompareView", "CFG scale"),
       [](const Recipe& r) { return fromStd(formatNumber(r.cfgScale)); }},
      {"seed", QT_TRANSLATE_NOOP("mumu::CompareView", "Seed"), [](const Recipe& r) { return QString::number(r.seed); }},
      {"size", QT_TRANSLATE_NOOP("mumu::CompareView", "Size"),
       [](const Recipe& r) { return QStringLiteral("%1×%2").arg(r.width).arg(r.height); }},
      {"batch", QT_TRANSLATE_NOOP("mumu::CompareView", "Batch"),
       [](const Recipe& r) {
         return r.batchSeeds.empty() ? QStringLiteral("1")
                                     : QStringLiteral("%1 / %2").arg(r.batchIndex + 1).arg(r.batchSeeds.size());
       }},
      {"model", QT_TRANSLATE_NOOP("mumu::CompareView", "Model"), [](const Recipe& r) { return fromStd(r.modelName); }},
      {"model_hash", QT_TRANSLATE_NOOP("mumu::CompareView", "Model hash"),
       [](const Recipe& r) { return fromStd(r.modelHash); }},
      // The RNG name ends in ":<seed>"; the seed has its own row, so only the generator family is compared here.
      {"rng", QT_TRANSLATE_NOOP("mumu::CompareView", "RNG"),
       [](const Recipe& r) {
         QString rng = fromStd(r.rngSource);
         const QString suffix = QStringLiteral(":%1").arg(r.seed);
         if (rng.endsWith(suffix)) rng.chop(suffix.size());
         return rng;
       }},
      {"device", QT_TRANSLATE_NOOP("mumu::CompareView", "Device"), [](const Recipe& r) { return fromStd(r.deviceType); }},
      {"dtype", QT_TRANSLATE_NOOP("mumu::CompareView", "Precision"), [](const Recipe& r) { return fromStd(r.dtype); }},
      {"app_version", QT_TRANSLATE_NOOP("mumu::CompareView", "MUMU version"),
       [](const Recipe& r) { return fromStd(r.appVersion); }},
      {"created", QT_TRANSLATE_NOOP("mumu::CompareView", "Created"), [](const Recipe& r) { return fromStd(r.created); },
       false},
  };
  return list;
}

// The recipe, or the reason it cannot be read.
std::optional<Recipe> parse(const QString& json, const QString& source, QString* error) {
  if (json.trimmed().isEmpty()) {
    *error = CompareView::tr("no recipe");
    return std::nullopt;
  }
  try {
    return recipeFromJson(json.toStdString(), source.toStdString());
  } catch (const std::exception& e) {
    *error = fromStd(e.what());
    return std::nullopt;
  }
}

}  // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent), viewA_(new ZoomView(this)), viewB_(new ZoomView(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  auto* bar = new QHBoxLayout;
  // The buttons act on A; B follows through the synchronisation.
  zoomButtons_ = ZoomButtons::addTo(bar, this, viewA_);
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  bar->addWidget(summary_, 1);
  layout->addLayout(bar);

  auto* vertical = new QSplitter(Qt::Vertical, this);
  auto* images = new QSplitter(Qt::Horizontal, vertical);
  const auto side = [images](QLabel*& title, ZoomView* view) {
    auto* box = new QWidget(images);
    auto* l = new QVBoxLayout(box);
    l->setContentsMargins(0, 0, 0, 0);
    title = new QLabel(box);
    title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->addWidget(title);
    view->setParent(box);
    l->addWidget(view, 1);
    images->addWidget(box);
  };
  side(titleA_, viewA_);
  side(titleB_, viewB_);
  vertical->addWidget(images);

  table_ = new QTableWidget(0, 3, vertical);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setWordWrap(true);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  vertical->addWidget(table_);
  vertical->setStretchFactor(0, 3);
  vertical->setStretchFactor(1, 1);
  layout->addWidget(vertical, 1);

  connect(viewA_, &ZoomView::viewChanged, this, [this] { follow(viewA_, viewB_); });
  connect(viewB_, &ZoomView::viewChanged, this, [this] { follow(viewB_, viewA_); });
  retranslateUi();
}

void CompareView::setItems(const QString& pathA, const QString& recipeJsonA, const QString& pathB,
                           const QString& recipeJsonB) {
  pathA_ = pathA, pathB_ = pathB, jsonA_ = recipeJsonA, jsonB_ = recipeJsonB;
  syncing_ = true;  // both load fitted; no cross-talk while they do
  viewA_->setImagePath(pathA);
  viewB_->setImagePath(pathB);
  syncing_ = false;
  follow(viewA_, viewB_);
  fillTable();
  retranslateUi();
}

void CompareView::follow(ZoomView* from, ZoomView* to) {
  if (syncing_ || from->image().isNull() || to->image().isNull()) return;
  syncing_ = true;
  // Same scale relative to each image's width, so two sizes of one composition line up too.
  const double zoom = from->zoom() * from->image().width() / to->image().width();
  if (from->isFitMode())
    to->fitToWindow();
  else
    to->setView(zoom, from->normalizedCenter());
  syncing_ = false;
}

void CompareView::fillTable() {
  differing_.clear();
  table_->clearContents();
  QString errorA, errorB;
  const std::optional<Recipe> a = parse(jsonA_, QStringLiteral("recipe A"), &errorA);
  const std::optional<Recipe> b = parse(jsonB_, QStringLiteral("recipe B"), &errorB);
  const auto& list = fields();
  table_->setRowCount(int(list.size()));
  const QColor highlight(255, 200, 60, 120);
  for (int row = 0; row < int(list.size()); ++row) {
    const Field& f = list[size_t(row)];
    const QString va = a ? f.value(*a) : QString();
    const QString vb = b ? f.value(*b) : QString();
    const bool differs = a && b && f.compared && va != vb;
    auto* name = new QTableWidgetItem(tr(f.label));
    name->setData(kKeyRole, QString::fromLatin1(f.key));
    auto* itemA = new QTableWidgetItem(va);
    auto* itemB = new QTableWidgetItem(vb);
    itemA->setToolTip(va);
    itemB->setToolTip(vb);
    for (QTableWidgetItem* item : {name, itemA, itemB}) {
      item->setData(kDiffersRole, differs);
      if (differs) {
        item->setBackground(highlight);
        QFont font = item->font();
        font.setBold(true);
        item->setFont(font);
      }
    }
    table_->setItem(row, 0, name);
    table_->setItem(row, 1, itemA);
    table_->setItem(row, 2, itemB);
    if (differs) differing_ << QString::fromLatin1(f.key);
  }
  table_->resizeRowsToContents();
  if (!a || !b) {
    QStringList problems;
    if (!a) problems << tr("Recipe A: %1").arg(errorA);
    if (!b) problems << tr("Recipe B: %1").arg(errorB);
    table_->setToolTip(problems.join(QLatin1Char('\n')));
  } else {
    table_->setToolTip(QString());
  }
}

void CompareView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) {
    fillTable();
    retranslateUi();
  }
  QWidget::changeEvent(event);
}

void CompareView::retranslateUi() {
  zoomButtons_.zoomOut->setText(QStringLiteral("−"));
  zoomButtons_.zoomOut->setToolTip(tr("Zoom out both images (-, mouse wheel)"));
  zoomButtons_.zoomIn->setText(QStringLiteral("+"));
  zoomButtons_.zoomIn->setToolTip(tr("Zoom in both images (+, mouse wheel)"));
  zoomButtons_.fit->setText(tr("Fit"));
  zoomButtons_.fit->setToolTip(tr("Fit both images to their windows (0)"));
  zoomButtons_.actual->setText(tr("1:1"));
  zoomButtons_.actual->setToolTip(tr("Actual size (1)"));
  table_->setHorizontalHeaderLabels({tr("Field"), tr("A"), tr("B")});
  const auto title = [](const QString& letter, const QString& path) {
    return path.isEmpty() ? letter : QStringLiteral("%1: %2").arg(letter, QFileInfo(path).fileName());
  };
  titleA_->setText(title(tr("A"), pathA_));
  titleA_->setToolTip(QDir::toNativeSeparators(pathA_));
  titleB_->setText(title(tr("B"), pathB_));
  titleB_->setToolTip(QDir::toNativeSeparators(pathB_));
  QStringList problems;
  QString error;
  if (!pathA_.isEmpty() || !jsonA_.isEmpty()) {
    if (!parse(jsonA_, QStringLiteral("recipe A"), &error)) problems << tr("Recipe A: %1").arg(error);
    if (!parse(jsonB_, QStringLiteral("recipe B"), &error)) problems << tr("Recipe B: %1").arg(error);
  }
  if (!problems.isEmpty())
    summary_->setText(problems.join(QStringLiteral("; ")));
  else if (pathA_.isEmpty() && pathB_.isEmpty())
    summary_->setText(tr("Choose two generations to compare."));
  else if (differing_.isEmpty())
    summary_->setText(tr("The recipes are identical."));
  else
    summary_->setText(tr("Fields that differ (highlighted): %1").arg(differing_.size()));
}

}  // namespace mumu
