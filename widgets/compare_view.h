// compare_view.h — two generations side by side: both images in ZoomViews whose zoom and visible area follow each
// other (zoom or pan one, the other shows the same region), and a table of their recipe fields with the fields
// that differ highlighted, so an artist sees at once what changed between two results. Torch-free.
#pragma once

#include <QStringList>
#include <QWidget>

#include "widgets/zoom_buttons.h"

class QLabel;
class QTableWidget;
class QToolButton;

namespace mumu {

class ZoomView;

class CompareView : public QWidget {
  Q_OBJECT

 public:
  explicit CompareView(QWidget* parent = nullptr);

  // Each side: an image file and its recipe JSON (recipeToJson). An unreadable image or recipe shows its message
  // on that side; fields are compared only when both recipes are readable.
  void setItems(const QString& pathA, const QString& recipeJsonA, const QString& pathB, const QString& recipeJsonB);

  ZoomView* viewA() const { return viewA_; }
  ZoomView* viewB() const { return viewB_; }
  QTableWidget* recipeTable() const { return table_; }
  // Keys of the rows highlighted as different ("prompt", "negative", "sampler", "schedule", "steps", "cfg", "seed",
  // "size", "batch", "model", "model_hash", "rng", "device", "dtype", "app_version"), in table order.
  QStringList differingFields() const { return differing_; }
  static constexpr int kKeyRole = Qt::UserRole;       // on column 0: the field key
  static constexpr int kDiffersRole = Qt::UserRole + 1;  // on every cell of a row: true when highlighted

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void follow(ZoomView* from, ZoomView* to);
  void fillTable();
  void retranslateUi();

  QString pathA_, pathB_, jsonA_, jsonB_;
  QStringList differing_;
  bool syncing_ = false;

  ZoomView* viewA_;
  ZoomView* viewB_;
  QLabel* titleA_;
  QLabel* titleB_;
  ZoomButtons zoomButtons_;
  QLabel* summary_;
  QTableWidget* table_;
};

}  // namespace mumu
