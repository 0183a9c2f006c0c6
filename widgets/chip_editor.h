// chip_editor.h — the dialog behind a reference-image chip of the prompt composer: its weight, a crop box drawn
// with the mouse on the (scaled) image, and a note. It edits a copy; the composer applies the result as one
// undoable change.
#pragma once

#include <QDialog>
#include <QImage>
#include <QWidget>

#include "core/prompt_document.h"

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace mumu {

// Shows an image scaled to fit and lets the user drag out a crop box; the box is kept in pixels of the original.
class CropView : public QWidget {
  Q_OBJECT

 public:
  explicit CropView(QWidget* parent = nullptr);

  // Loads the image at `path` (scaled for display; the crop stays in original pixels). False when unreadable.
  bool loadImage(const QString& path);
  void setImage(const QImage& image);
  QSize imageSize() const { return imageSize_; }

  QRect crop() const { return crop_; }  // null = the whole image
  void setCrop(const QRect& crop);      // clamped to the image

  // Where the image is drawn, and the mapping from widget to image pixels (for tests and the mouse).
  QRectF imageRect() const;
  QPoint toImage(const QPointF& widgetPos) const;

  QSize sizeHint() const override { return {360, 300}; }
  QSize minimumSizeHint() const override { return {120, 100}; }

 Q_SIGNALS:
  void cropChanged(const QRect& crop);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  void dragTo(const QPointF& pos);

  QImage display_;   // possibly scaled down
  QSize imageSize_;  // of the original
  QRect crop_;
  bool dragging_ = false;
  QPoint dragStart_;  // image pixels
};

class ChipEditor : public QDialog {
  Q_OBJECT

 public:
  explicit ChipEditor(const PromptDocument::Segment& segment, QWidget* parent = nullptr);

  // The edited segment (path and SHA-256 unchanged).
  PromptDocument::Segment segment() const;

  CropView* cropView() const { return cropView_; }
  QDoubleSpinBox* weightBox() const { return weight_; }
  QLineEdit* noteEdit() const { return note_; }

 private:
  void updateCropLabel();

  PromptDocument::Segment segment_;
  CropView* cropView_ = nullptr;
  QDoubleSpinBox* weight_ = nullptr;
  QLineEdit* note_ = nullptr;
  QLabel* cropLabel_ = nullptr;
  QPushButton* clearCrop_ = nullptr;
};

}  // namespace mumu
