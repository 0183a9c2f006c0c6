// image_viewer.cpp — ZoomView (QGraphicsView: the full pixmap in a scene, scaled by the view transform) and the
// ImageViewer with its attention inspector.
#include "widgets/image_viewer.h"

#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QHBoxLayout>
#include <QImageReader>
#include <QKeyEvent>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "core/generation_queue.h"  // attentionPathForImage (torch-free header)

namespace mumu {

namespace {

QString fromStd(const std::string& s) {
  return QString::fromStdString(s);
}

constexpr int kThumbSize = 56;    // reference-image chips
constexpr int kTextChipWidth = 220;
constexpr int kMaxOverlaySide = 1536;

}  // namespace

// ---- ZoomView --------------------------------------------------------------------------------------------------

ZoomView::ZoomView(QWidget* parent) : QGraphicsView(parent), scene_(new QGraphicsScene(this)) {
  setScene(scene_);
  pixmapItem_ = scene_->addPixmap(QPixmap());
  pixmapItem_->setTransformationMode(Qt::SmoothTransformation);
  overlayItem_ = scene_->addPixmap(QPixmap());
  overlayItem_->setTransformationMode(Qt::SmoothTransformation);
  overlayItem_->setZValue(1);
  overlayItem_->setOpacity(overlayOpacity_);
  overlayItem_->setVisible(false);
  messageItem_ = scene_->addSimpleText(QString());
  messageItem_->setZValue(2);
  messageItem_->setBrush(palette().color(QPalette::BrightText));
  messageItem_->setVisible(false);

  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  setRenderHint(QPainter::SmoothPixmapTransform);
  setBackgroundBrush(QColor(40, 40, 40));
  setAlignment(Qt::AlignCenter);
  setFocusPolicy(Qt::StrongFocus);
  // Only the visible part is drawn; a cached background is pointless under a full-size pixmap.
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  connect(horizontalScrollBar(), &QScrollBar::valueChanged, this, &ZoomView::viewChanged);
  connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &ZoomView::viewChanged);
}

bool ZoomView::setImagePath(const QString& path) {
  const QFileInfo fi(path);
  QString problem;
  QImage img;
  if (path.isEmpty()) {
    problem = tr("no file given");
  } else if (!fi.exists()) {
    problem = tr("no such file");
  } else if (fi.isFile() && fi.size() == 0) {
    problem = tr("the file is empty (0 bytes)");
  } else {
    QImageReader reader(path);
    reader.setAutoTransform(true);
    img = reader.read();
    if (img.isNull()) problem = reader.errorString();
  }
  if (!problem.isEmpty()) {
    clear(tr("Cannot open the image %1: %2").arg(QDir::toNativeSeparators(path), problem));
    return false;
  }
  setImage(img);
  return true;
}

void ZoomView::setImage(const QImage& image) {
  if (image.isNull()) return clear();
  image_ = image;
  error_.clear();
  messageItem_->setVisible(false);
  pixmapItem_->setPixmap(QPixmap::fromImage(image));
  pixmapItem_->setVisible(true);
  setOverlay(QImage());
  scene_->setSceneRect(QRectF(QPointF(0, 0), QSizeF(image.size())));
  fitToWindow();
}

void ZoomView::clear(const QString& message) {
  image_ = QImage();
  error_ = message;
  pixmapItem_->setPixmap(QPixmap());
  setOverlay(QImage());
  messageItem_->setText(message);
  messageItem_->setVisible(!message.isEmpty());
  scene_->setSceneRect(message.isEmpty() ? QRectF(0, 0, 1, 1) : messageItem_->boundingRect());
  fit_ = true;
  resetTransform();
  Q_EMIT viewChanged();
}

void ZoomView::setOverlay(const QImage& overlay) {
  if (overlay.isNull() || image_.isNull()) {
    overlayItem_->setVisible(false);
    overlayItem_->setPixmap(QPixmap());
    return;
  }
  overlayItem_->setPixmap(QPixmap::fromImage(overlay));
  // Stretched over the image whatever its own size (a latent-resolution map works too).
  overlayItem_->setTransform(QTransform::fromScale(double(image_.width()) / overlay.width(),
                                                   double(image_.height()) / overlay.height()));
  overlayItem_->setVisible(true);
}

bool ZoomView::hasOverlay() const {
  return overlayItem_->isVisible() && !overlayItem_->pixmap().isNull();
}

void ZoomView::setOverlayOpacity(double opacity) {
  overlayOpacity_ = std::clamp(opacity, 0.0, 1.0);
  overlayItem_->setOpacity(overlayOpacity_);
}

double ZoomView::zoom() const {
  return transform().m11();
}

QPointF ZoomView::normalizedCenter() const {
  if (image_.isNull()) return {0.5, 0.5};
  const QPointF c = mapToScene(viewport()->rect().center());
  return {c.x() / image_.width(), c.y() / image_.height()};
}

void ZoomView::setView(double zoom, QPointF normalizedCenter) {
  if (image_.isNull()) return;
  const bool blocked = blockSignals(true);
  applyZoom(zoom, false);
  centerOn(normalizedCenter.x() * image_.width(), normalizedCenter.y() * image_.height());
  blockSignals(blocked);
}

void ZoomView::applyZoom(double zoom, bool keepFit) {
  if (image_.isNull()) return;
  zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
  fit_ = keepFit;
  setTransform(QTransform::fromScale(zoom, zoom));
  Q_EMIT viewChanged();
}

void ZoomView::zoomIn() {
  applyZoom(zoom() * kZoomStep, false);
}

void ZoomView::zoomOut() {
  applyZoom(zoom() / kZoomStep, false);
}

void ZoomView::setZoom(double zoom) {
  applyZoom(zoom, false);
}

void ZoomView::actualSize() {
  applyZoom(1.0, false);
}

void ZoomView::fitToWindow() {
  if (image_.isNull()) return;
  const QSize vp = viewport()->size();
  const double z = std::min(double(std::max(vp.width() - 2, 1)) / image_.width(),
                            double(std::max(vp.height() - 2, 1)) / image_.height());
  const ViewportAnchor anchor = transformationAnchor();
  setTransformationAnchor(QGraphicsView::AnchorViewCenter);
  applyZoom(z, true);
  centerOn(pixmapItem_);
  setTransformationAnchor(anchor);
}

void ZoomView::wheelEvent(QWheelEvent* event) {
  const int delta = event->angleDelta().y();
  if (delta == 0 || image_.isNull()) return QGraphicsView::wheelEvent(event);
  // One notch (120) = one zoom step; high-resolution wheels and touchpads send fractions of it.
  applyZoom(zoom() * std::pow(kZoomStep, delta / 120.0), false);
  event->accept();
}

void ZoomView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomIn(); return;
    case Qt::Key_Minus: zoomOut(); return;
    case Qt::Key_0: fitToWindow(); return;
    case Qt::Key_1: actualSize(); return;
    default: QGraphicsView::keyPressEvent(event);
  }
}

void ZoomView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (fit_) fitToWindow();
}

// ---- ZoomButtons ---------------------------------------------------------------------------------------------

ZoomButtons ZoomButtons::addTo(QHBoxLayout* bar, QWidget* parent, ZoomView* view) {
  const auto button = [bar, parent, view](void (ZoomView::*slot)()) {
    auto* b = new QToolButton(parent);
    b->setAutoRaise(true);
    QObject::connect(b, &QToolButton::clicked, view, slot);
    bar->addWidget(b);
    return b;
  };
  ZoomButtons z;
  z.zoomOut = button(&ZoomView::zoomOut);
  z.zoomIn = button(&ZoomView::zoomIn);
  z.fit = button(&ZoomView::fitToWindow);
  z.actual = button(&ZoomView::actualSize);
  return z;
}

// ---- ImageViewer -----------------------------------------------------------------------------------------------

ImageViewer::ImageViewer(QWidget* parent) : QWidget(parent), view_(new ZoomView(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  auto* bar = new QHBoxLayout;
  zoomButtons_ = ZoomButtons::addTo(bar, this, view_);
  zoomLabel_ = new QLabel(this);
  zoomLabel_->setMinimumWidth(zoomLabel_->fontMetrics().horizontalAdvance(QStringLiteral("6400%")) + 8);
  bar->addWidget(zoomLabel_);
  bar->addStretch();
  opacityLabel_ = new QLabel(this);
  bar->addWidget(opacityLabel_);
  opacitySlider_ = new QSlider(Qt::Horizontal, this);
  opacitySlider_->setRange(0, 100);
  opacitySlider_->setValue(int(std::lround(view_->overlayOpacity() * 100)));
  opacitySlider_->setMaximumWidth(140);
  connect(opacitySlider_, &QSlider::valueChanged, this, [this](int v) { view_->setOverlayOpacity(v / 100.0); });
  bar->addWidget(opacitySlider_);
  layout->addLayout(bar);

  layout->addWidget(view_, 1);
  connect(view_, &ZoomView::viewChanged, this, &ImageViewer::updateZoomLabel);

  auto* info = new QHBoxLayout;
  inspectorTitle_ = new QLabel(this);
  QFont bold = inspectorTitle_->font();
  bold.setBold(true);
  inspectorTitle_->setFont(bold);
  info->addWidget(inspectorTitle_);
  attentionStatus_ = new QLabel(this);
  attentionStatus_->setWordWrap(true);
  attentionStatus_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  info->addWidget(attentionStatus_, 1);
  layout->addLayout(info);

  chipArea_ = new QScrollArea(this);
  chipArea_->setWidgetResizable(true);
  chipArea_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  chipArea_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  chipArea_->setFixedHeight(kThumbSize + 48);
  chipHost_ = new QWidget(chipArea_);
  chipHost_->setStyleSheet(QStringLiteral(
      "QFrame#segmentChip { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }"
      "QFrame#segmentChip[active=\"true\"] { border: 2px solid palette(highlight); }"
      "QFrame#segmentChip[attended=\"false\"] { color: palette(mid); }"));
  chipLayout_ = new QHBoxLayout(chipHost_);
  chipLayout_->setContentsMargins(4, 4, 4, 4);
  chipLayout_->setSpacing(4);
  chipLayout_->addStretch();
  chipArea_->setWidget(chipHost_);
  layout->addWidget(chipArea_);

  retranslateUi();
  updateZoomLabel();
}

bool ImageViewer::setImage(const QString& path) {
  path_ = path;
  showSegment(-1);
  heatCache_.clear();
  const bool ok = view_->setImagePath(path);
  updateZoomLabel();
  return ok;
}

void ImageViewer::setAttention(const AttentionMaps& maps, const Recipe& recipe, const QString& baseDir) {
  showSegment(-1);
  heatCache_.clear();
  maps_ = maps;
  recipe_ = recipe;
  baseDir_ = baseDir;
  rebuildChips();
  retranslateUi();
}

void ImageViewer::setGeneration(const QString& imagePath, const Recipe& recipe) {
  setImage(imagePath);
  setAttention(readAttentionMaps(attentionPathForImage(imagePath)), recipe, QFileInfo(imagePath).absolutePath());
}

void ImageViewer::clearAttention() {
  setAttention(AttentionMaps{}, Recipe{}, QString());
}

QWidget* ImageViewer::segmentChip(int segment) const {
  return segment >= 0 && segment < chips_.size() ? chips_[segment] : nullptr;
}

QString ImageViewer::attentionMessage() const {
  return attentionStatus_->text();
}

void ImageViewer::setOverlayOpacity(double opacity) {
  opacitySlider_->setValue(int(std::lround(std::clamp(opacity, 0.0, 1.0) * 100)));
}

double ImageViewer::overlayOpacity() const {
  return view_->overlayOpacity();
}

void ImageViewer::showSegment(int segment) {
  QImage overlay;
  if (segment >= 0 && segment < segmentCount() && !view_->image().isNull()) {
    auto it = heatCache_.find(segment);
    if (it == heatCache_.end()) {
      // At most ~1.5k on the long side: the map is latent-resolution anyway and the view stretches it over the
      // image (bilinear), so a 6000×4000 image costs a few ms per hover, not 100.
      QSize size = view_->image().size();
      if (std::max(size.width(), size.height()) > kMaxOverlaySide)
        size = size.scaled(kMaxOverlaySide, kMaxOverlaySide, Qt::KeepAspectRatio);
      it = heatCache_.insert(segment, heatMap(maps_, segment, size));
    }
    overlay = *it;
  }
  if (overlay.isNull()) segment = -1;
  view_->setOverlay(overlay);
  if (overlaySegment_ == segment) return;
  for (int i : {overlaySegment_, segment}) {
    if (QWidget* chip = segmentChip(i)) {
      chip->setProperty("active", i == segment);
      chip->style()->unpolish(chip);
      chip->style()->polish(chip);
    }
  }
  overlaySegment_ = segment;
}

QString ImageViewer::resolveImage(const PromptSegment& segment) const {
  const QString recorded = fromStd(segment.imagePath);
  if (recorded.isEmpty()) return {};
  const QFileInfo fi(recorded);
  QStringList candidates;
  if (fi.isAbsolute()) {
    candidates << recorded;
  } else if (!baseDir_.isEmpty()) {
    candidates << QDir(baseDir_).filePath(recorded);
  } else {
    candidates << recorded;
  }
  // A moved reference: the same name beside the PNG (where `mumu generate` users often keep them).
  if (!baseDir_.isEmpty()) candidates << QDir(baseDir_).filePath(fi.fileName());
  for (const QString& c : candidates)
    if (QFileInfo(c).isFile()) return c;
  return {};
}

QWidget* ImageViewer::makeChip(int index, const PromptSegment& segment) {
  auto* chip = new QFrame(chipHost_);
  chip->setObjectName(QStringLiteral("segmentChip"));
  chip->setProperty("segment", index);
  chip->setProperty("active", false);
  chip->setProperty("attended", maps_.map(index) != nullptr);
  chip->setAttribute(Qt::WA_Hover);
  auto* box = new QVBoxLayout(chip);
  box->setContentsMargins(6, 4, 6, 4);
  box->setSpacing(2);
  const QString weight = segment.weight != 1.0 ? QStringLiteral("×%1").arg(fromStd(formatNumber(segment.weight)))
                                               : QString();
  QString tip;
  if (segment.isImage()) {
    auto* thumb = new QLabel(chip);
    thumb->setAlignment(Qt::AlignCenter);
    thumb->setFixedSize(kThumbSize, kThumbSize);
    const QString file = resolveImage(segment);
    QImage img;
    if (!file.isEmpty()) {
      QImageReader reader(file);
      reader.setAutoTransform(true);
      const QSize size = reader.size();
      if (size.isValid()) reader.setScaledSize(size.scaled(kThumbSize, kThumbSize, Qt::KeepAspectRatio));
      img = reader.read();
    }
    if (!img.isNull()) {
      thumb->setPixmap(QPixmap::fromImage(img));
      tip = QDir::toNativeSeparators(file);
    } else {
      // Missing or unreadable reference: the chip stays (its heat map still works), marked as missing.
      thumb->setText(tr("missing"));
      thumb->setStyleSheet(QStringLiteral("border: 1px dashed palette(mid);"));
      tip = tr("Reference image not found: %1").arg(QDir::toNativeSeparators(fromStd(segment.imagePath)));
    }
    box->addWidget(thumb, 0, Qt::AlignCenter);
    auto* caption = new QLabel(chip);
    caption->setText(caption->fontMetrics().elidedText(QFileInfo(fromStd(segment.imagePath)).fileName() +
                                                           (weight.isEmpty() ? QString() : QStringLiteral(" ") + weight),
                                                       Qt::ElideMiddle, kThumbSize + 24));
    caption->setAlignment(Qt::AlignCenter);
    box->addWidget(caption);
  } else {
    const QString text = fromStd(segment.text).simplified();
    auto* label = new QLabel(chip);
    label->setWordWrap(true);
    label->setMaximumWidth(kTextChipWidth);
    label->setAlignment(Qt::AlignCenter);
    // At most three lines in the row; the full phrase is in the tooltip.
    const QString shown = label->fontMetrics().elidedText(text, Qt::ElideRight, kTextChipWidth * 3 - 40);
    label->setText(weight.isEmpty() ? shown : shown + QStringLiteral(" ") + weight);
    box->addWidget(label, 1);
    tip = text;
  }
  if (!segment.note.empty()) tip += QStringLiteral("\n") + tr("Note: %1").arg(fromStd(segment.note));
  if (maps_.ok() && !maps_.map(index)) tip += QStringLiteral("\n") + tr("No heat map for this segment.");
  chip->setToolTip(tip);
  chip->installEventFilter(this);
  return chip;
}

void ImageViewer::rebuildChips() {
  for (QWidget* chip : chips_) {
    chip->removeEventFilter(this);
    chip->hide();
    chip->deleteLater();
  }
  chips_.clear();
  overlaySegment_ = -1;
  const auto& segments = recipe_.prompt.segments;
  for (int i = 0; i < int(segments.size()); ++i) {
    QWidget* chip = makeChip(i, segments[size_t(i)]);
    chipLayout_->insertWidget(i, chip);
    chip->show();  // the layout would only show it from the event loop; the viewer may be painted before
    chips_ << chip;
  }
}

bool ImageViewer::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Enter || event->type() == QEvent::Leave) {
    auto* chip = qobject_cast<QWidget*>(watched);
    const int index = chip ? int(chips_.indexOf(chip)) : -1;
    if (index >= 0) {
      const int hovered = event->type() == QEvent::Enter ? index : -1;
      // Leaving chip A for chip B delivers Leave(A) then Enter(B): the overlay follows the pointer.
      if (event->type() == QEvent::Leave && overlaySegment_ != index && overlaySegment_ != -1) return false;
      showSegment(hovered);
      Q_EMIT hoveredSegmentChanged(hovered);
    }
  }
  return QWidget::eventFilter(watched, event);
}

void ImageViewer::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void ImageViewer::updateZoomLabel() {
  zoomLabel_->setText(view_->image().isNull() ? QString()
                                               : QStringLiteral("%1%").arg(std::lround(view_->zoom() * 100)));
}

void ImageViewer::retranslateUi() {
  zoomButtons_.zoomOut->setText(QStringLiteral("−"));
  zoomButtons_.zoomOut->setToolTip(tr("Zoom out (-, mouse wheel)"));
  zoomButtons_.zoomIn->setText(QStringLiteral("+"));
  zoomButtons_.zoomIn->setToolTip(tr("Zoom in (+, mouse wheel)"));
  zoomButtons_.fit->setText(tr("Fit"));
  zoomButtons_.fit->setToolTip(tr("Fit the image to the window (0)"));
  zoomButtons_.actual->setText(tr("1:1"));
  zoomButtons_.actual->setToolTip(tr("Actual size: one image pixel per screen pixel (1)"));
  opacityLabel_->setText(tr("Heat map opacity"));
  opacitySlider_->setToolTip(tr("Opacity of the attention heat map over the image"));
  inspectorTitle_->setText(tr("Attention inspector"));
  const int n = segmentCount();
  QString status;
  if (n == 0) {
    status = tr("No recipe: nothing to inspect.");
  } else if (!maps_.ok()) {
    status = maps_.error.isEmpty() ? tr("No attention record for this image.")
                                   : tr("No heat maps: %1").arg(maps_.error);
  } else if (maps_.segments != n) {
    status = tr("The attention record has %1 segments but the recipe has %2; heat maps are shown for the first %3.")
                 .arg(maps_.segments)
                 .arg(n)
                 .arg(std::min(maps_.segments, n));
  } else {
    status = tr("Hover a phrase or reference image to see the region of the image it drove.");
  }
  attentionStatus_->setText(status);
}

}  // namespace mumu
