// image_viewer.h — looking at one generation: a zoomable, pannable image view (ZoomView: wheel / + / - / fit / 1:1,
// drag to pan, smooth at any size because the scene keeps the full pixmap and QGraphicsView scales only what is
// visible) with an optional heat-map overlay, and the attention inspector around it: the recipe's prompt as a row
// of chips (text phrases as labels, reference images as thumbnails); hovering a chip overlays the heat map of the
// region that segment drove (the pipeline's attention record, core/attention_maps.h). Torch-free.
#pragma once

#include <QGraphicsView>
#include <QHash>
#include <QImage>
#include <QWidget>

#include "core/attention_maps.h"
#include "model/pipeline/recipe.h"
#include "widgets/zoom_buttons.h"

class QGraphicsPixmapItem;
class QGraphicsSimpleTextItem;
class QHBoxLayout;
class QLabel;
class QScrollArea;
class QSlider;
class QToolButton;

namespace mumu {

// The image surface. Zoom is the view's scale (1 = one image pixel per screen pixel); fit mode keeps the whole
// image visible across resizes until the user zooms. Keys: + / - zoom, 0 fit, 1 actual size.
class ZoomView : public QGraphicsView {
  Q_OBJECT

 public:
  explicit ZoomView(QWidget* parent = nullptr);

  // Loads an image file; on failure the view shows the message (also in lastError()) and returns false.
  bool setImagePath(const QString& path);
  void setImage(const QImage& image);
  void clear(const QString& message = {});
  QImage image() const { return image_; }
  QString lastError() const { return error_; }

  // Overlay drawn over the image, stretched to its size (a heat map); a null image removes it.
  void setOverlay(const QImage& overlay);
  bool hasOverlay() const;
  void setOverlayOpacity(double opacity);  // 0…1
  double overlayOpacity() const { return overlayOpacity_; }

  double zoom() const;  // current scale
  bool isFitMode() const { return fit_; }
  static constexpr double kMinZoom = 1.0 / 32, kMaxZoom = 64.0, kZoomStep = 1.25;

  // The visible centre in image coordinates normalised to 0…1 (for synchronising two views).
  QPointF normalizedCenter() const;
  void setView(double zoom, QPointF normalizedCenter);

 public Q_SLOTS:
  void zoomIn();
  void zoomOut();
  void fitToWindow();
  void actualSize();
  void setZoom(double zoom);

 Q_SIGNALS:
  // Zoom or visible area changed (by the user or programmatically).
  void viewChanged();

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void applyZoom(double zoom, bool keepFit);

  QGraphicsScene* scene_;
  QGraphicsPixmapItem* pixmapItem_;
  QGraphicsPixmapItem* overlayItem_;
  QGraphicsSimpleTextItem* messageItem_;
  QImage image_;
  QString error_;
  double overlayOpacity_ = 0.6;
  bool fit_ = true;
};

class ImageViewer : public QWidget {
  Q_OBJECT

 public:
  explicit ImageViewer(QWidget* parent = nullptr);

  // Shows an image; returns false (the message shown in the view) when it cannot be read.
  bool setImage(const QString& path);
  QString imagePath() const { return path_; }
  // The recipe's prompt as chips and the attention record for it: maps.map(i) belongs to
  // recipe.prompt.segments[i]. Relative reference-image paths resolve against `baseDir` (the PNG's folder),
  // and a moved reference is also looked for by its file name there. Maps that are not ok() (no record, a
  // damaged file) keep the chips but show maps.error and no heat maps.
  void setAttention(const AttentionMaps& maps, const Recipe& recipe, const QString& baseDir = {});
  // Convenience: the image, its attention record (attentionPathForImage) and the recipe together.
  void setGeneration(const QString& imagePath, const Recipe& recipe);
  void clearAttention();

  ZoomView* view() const { return view_; }
  const AttentionMaps& attention() const { return maps_; }
  int segmentCount() const { return int(recipe_.prompt.segments.size()); }
  // The segment whose heat map is shown over the image, -1 when none.
  int overlaySegment() const { return overlaySegment_; }
  // The chip of segment i (objectName "segmentChip", property "segment" = i), nullptr when out of range.
  QWidget* segmentChip(int segment) const;
  QString attentionMessage() const;

  void setOverlayOpacity(double opacity);  // 0…1
  double overlayOpacity() const;

 public Q_SLOTS:
  // Shows segment `segment`'s heat map (-1: none). Out-of-range or no record: the overlay is removed.
  void showSegment(int segment);

 Q_SIGNALS:
  void hoveredSegmentChanged(int segment);  // -1 when the pointer leaves the chips

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void rebuildChips();
  void retranslateUi();
  QWidget* makeChip(int index, const PromptSegment& segment);
  QString resolveImage(const PromptSegment& segment) const;
  void updateZoomLabel();

  QString path_;
  QString baseDir_;
  AttentionMaps maps_;
  Recipe recipe_;
  int overlaySegment_ = -1;
  QHash<int, QImage> heatCache_;  // segment → heat map at the image's size (hovering back and forth is free)

  ZoomView* view_;
  ZoomButtons zoomButtons_;
  QLabel* zoomLabel_;
  QLabel* opacityLabel_;
  QSlider* opacitySlider_;
  QLabel* inspectorTitle_;
  QLabel* attentionStatus_;
  QScrollArea* chipArea_;
  QWidget* chipHost_;
  QHBoxLayout* chipLayout_;
  QList<QWidget*> chips_;
};

}  // namespace mumu
