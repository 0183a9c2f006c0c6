// placeholder_panel.h — a titled panel with a short description; the frame each workspace area starts
// from until its real widget replaces the body.
#pragma once

#include <QFrame>

class QLabel;

namespace mumu {

class PlaceholderPanel : public QFrame {
  Q_OBJECT

 public:
  explicit PlaceholderPanel(QWidget* parent = nullptr);
  void setTexts(const QString& title, const QString& description);
  QString title() const;

 private:
  QLabel* title_ = nullptr;
  QLabel* description_ = nullptr;
};

}  // namespace mumu
