#include "placeholder_panel.h"

#include <QLabel>
#include <QVBoxLayout>

namespace mumu {

PlaceholderPanel::PlaceholderPanel(QWidget* parent) : QFrame(parent) {
  setFrameShape(QFrame::StyledPanel);
  auto* layout = new QVBoxLayout(this);
  title_ = new QLabel(this);
  title_->setObjectName("panelTitle");
  QFont f = title_->font();
  f.setBold(true);
  f.setPointSizeF(f.pointSizeF() * 1.15);
  title_->setFont(f);
  description_ = new QLabel(this);
  description_->setObjectName("panelDescription");
  description_->setWordWrap(true);
  description_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  description_->setForegroundRole(QPalette::PlaceholderText);
  layout->addWidget(title_);
  layout->addWidget(description_, 1);
}

void PlaceholderPanel::setTexts(const QString& title, const QString& description) {
  title_->setText(title);
  description_->setText(description);
}

QString PlaceholderPanel::title() const { return title_->text(); }

}  // namespace mumu
