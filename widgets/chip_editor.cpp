#include "widgets/chip_editor.h"

#include <algorithm>
#include <cmath>

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QVBoxLayout>

namespace mumu {

namespace {
constexpr int kMaxDisplaySide = 1024;  // enough for a dialog; big photos are decoded scaled
}

// ---- CropView ------------------------------------------------------------------------------------------

CropView::CropView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(false);
  setCursor(Qt::CrossCursor);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

bool CropView::loadImage(const QString& path) {
  QImageReader reader(path);
  reader.setAutoTransform(true);
  const QSize full = reader.size();
  if (full.isValid() && std::max(full.width(), full.height()) > kMaxDisplaySide)
    reader.setScaledSize(full.scaled(kMaxDisplaySide, kMaxDisplaySide, Qt::KeepAspectRatio));
  const QImage img = reader.read();
  if (img.isNull()) {
    display_ = {};
    imageSize_ = {};
    update();
    return false;
  }
  display_ = img;
  imageSize_ = full.isValid() ? full : img.size();
  setCrop(crop_);
  update();
  return true;
}

void CropView::setImage(const QImage& image) {
  display_ = image;
  imageSize_ = image.size();
  setCrop(crop_);
  update();
}

void CropView::setCrop(const QRect& crop) {
  QRect c = crop;
  if (!c.isNull() && imageSize_.isValid()) c = c.intersected(QRect(QPoint(0, 0), imageSize_));
  if (!c.isNull() && (c.width() <= 0 || c.height() <= 0)) c = QRect();
  if (c == crop_) return;
  crop_ = c;
  update();
  Q_EMIT cropChanged(crop_);
}

QRectF CropView::imageRect() const {
  if (imageSize_.isEmpty()) return {};
  const QSizeF s = QSizeF(imageSize_).scaled(QSizeF(size()) - QSizeF(8, 8), Qt::KeepAspectRatio);
  return QRectF(QPointF((width() - s.width()) / 2, (height() - s.height()) / 2), s);
}

QPoint CropView::toImage(const QPointF& widgetPos) const {
  const QRectF r = imageRect();
  if (r.isEmpty()) return {};
  const double sx = imageSize_.width() / r.width(), sy = imageSize_.height() / r.height();
  const int x = std::clamp(int(std::lround((widgetPos.x() - r.left()) * sx)), 0, imageSize_.width());
  const int y = std::clamp(int(std::lround((widgetPos.y() - r.top()) * sy)), 0, imageSize_.height());
  return {x, y};
}

void CropView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Dark));
  const QRectF r = imageRect();
  if (r.isEmpty()) {
    p.setPen(palette().color(QPalette::BrightText));
    p.drawText(rect(), Qt::AlignCenter, tr("The image cannot be read."));
    return;
  }
  p.setRenderHint(QPainter::SmoothPixmapTransform);
  p.drawImage(r, display_);
  if (crop_.isNull()) return;
  const double sx = r.width() / imageSize_.width(), sy = r.height() / imageSize_.height();
  const QRectF c(r.left() + crop_.x() * sx, r.top() + crop_.y() * sy, crop_.width() * sx, crop_.height() * sy);
  // Dim what the crop leaves out, outline what it keeps.
  QPainterPath outside;
  outside.addRect(r);
  QPainterPath inside;
  inside.addRect(c);
  p.fillPath(outside.subtracted(inside), QColor(0, 0, 0, 140));
  p.setPen(QPen(QColor(255, 200, 0), 2, Qt::DashLine));
  p.drawRect(c);
}

void CropView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || imageSize_.isEmpty()) return QWidget::mousePressEvent(event);
  dragging_ = true;
  dragStart_ = toImage(event->position());
  event->accept();
}

void CropView::mouseMoveEvent(QMouseEvent* event) {
  if (!dragging_) return QWidget::mouseMoveEvent(event);
  dragTo(event->position());
  event->accept();
}

void CropView::mouseReleaseEvent(QMouseEvent* event) {
  if (!dragging_ || event->button() != Qt::LeftButton) return QWidget::mouseReleaseEvent(event);
  dragging_ = false;
  const QPoint end = toImage(event->position());
  // A click (no real drag) clears the crop: the whole image is used again.
  if (std::abs(end.x() - dragStart_.x()) < 2 || std::abs(end.y() - dragStart_.y()) < 2)
    setCrop(QRect());
  else
    dragTo(event->position());
  event->accept();
}

void CropView::dragTo(const QPointF& pos) {
  const QPoint end = toImage(pos);
  // QRect(p1, p2) includes p2; image pixels run [x, x + w), so build it from the corners explicitly.
  const int x0 = std::min(dragStart_.x(), end.x()), y0 = std::min(dragStart_.y(), end.y());
  const int x1 = std::max(dragStart_.x(), end.x()), y1 = std::max(dragStart_.y(), end.y());
  if (x1 - x0 >= 1 && y1 - y0 >= 1) setCrop(QRect(x0, y0, x1 - x0, y1 - y0));
}

// ---- ChipEditor ----------------------------------------------------------------------------------------

ChipEditor::ChipEditor(const PromptDocument::Segment& segment, QWidget* parent) : QDialog(parent), segment_(segment) {
  setWindowTitle(tr("Reference image — %1").arg(QFileInfo(segment.imagePath).fileName()));
  cropView_ = new CropView(this);
  cropView_->setObjectName("cropView");
  cropView_->setToolTip(tr("Drag on the image to draw a crop box; click once to use the whole image."));
  const bool readable = cropView_->loadImage(segment.imagePath);
  cropView_->setCrop(segment.crop);

  weight_ = new QDoubleSpinBox(this);
  weight_->setObjectName("weight");
  weight_->setRange(0.0, kMaxPromptWeight);
  weight_->setDecimals(2);
  weight_->setSingleStep(0.1);
  weight_->setValue(segment.weight);
  weight_->setToolTip(tr("How strongly the image steers the generation: 1 = normal, 0 = ignored."));

  note_ = new QLineEdit(segment.note, this);
  note_->setObjectName("note");
  note_->setPlaceholderText(tr("A note for yourself (kept in the recipe)"));

  cropLabel_ = new QLabel(this);
  clearCrop_ = new QPushButton(tr("Whole image"), this);
  clearCrop_->setObjectName("clearCrop");
  connect(clearCrop_, &QPushButton::clicked, this, [this] { cropView_->setCrop(QRect()); });
  connect(cropView_, &CropView::cropChanged, this, [this] { updateCropLabel(); });
  auto* cropRow = new QHBoxLayout;
  cropRow->addWidget(cropLabel_, 1);
  cropRow->addWidget(clearCrop_);

  auto* form = new QFormLayout;
  form->addRow(tr("Weight:"), weight_);
  form->addRow(tr("Crop:"), cropRow);
  form->addRow(tr("Note:"), note_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  if (!readable) {
    auto* warning =
        new QLabel(tr("The image %1 cannot be read; the crop box cannot be drawn.").arg(segment.imagePath), this);
    warning->setWordWrap(true);
    layout->addWidget(warning);
    clearCrop_->setEnabled(!segment.crop.isNull());
  }
  layout->addWidget(cropView_, 1);
  layout->addLayout(form);
  layout->addWidget(buttons);
  updateCropLabel();
}

PromptDocument::Segment ChipEditor::segment() const {
  PromptDocument::Segment s = segment_;
  s.weight = weight_->value();
  s.note = note_->text();
  // An unreadable image keeps whatever crop it had (nothing was drawn), unless cleared.
  s.crop = cropView_->crop();
  return s;
}

void ChipEditor::updateCropLabel() {
  const QRect c = cropView_->crop();
  cropLabel_->setText(c.isNull() ? tr("whole image")
                                 : tr("x %1, y %2, %3 × %4 px").arg(c.x()).arg(c.y()).arg(c.width()).arg(c.height()));
}

}  // namespace mumu
