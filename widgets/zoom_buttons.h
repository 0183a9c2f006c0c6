// zoom_buttons.h — the − / + / Fit / 1:1 buttons that the viewer and the compare view both put in their tool bar,
// wired to one ZoomView. Each owner sets the texts in its retranslate, so its tooltips can say what they zoom.
#pragma once

class QHBoxLayout;
class QToolButton;
class QWidget;

namespace mumu {

class ZoomView;

struct ZoomButtons {
  QToolButton* zoomOut = nullptr;
  QToolButton* zoomIn = nullptr;
  QToolButton* fit = nullptr;
  QToolButton* actual = nullptr;

  // Creates the four buttons (children of `parent`) at the end of `bar`, each calling its slot on `view`.
  static ZoomButtons addTo(QHBoxLayout* bar, QWidget* parent, ZoomView* view);
};

}  // namespace mumu
