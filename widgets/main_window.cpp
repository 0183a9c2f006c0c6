#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>

#include "core/app_settings.h"
#include "core/language.h"
#include "model/runtime.h"
#include "placeholder_panel.h"

namespace mumu {

namespace {
PlaceholderPanel* makeArea(const char* objectName, QWidget* parent) {
  auto* p = new PlaceholderPanel(parent);
  p->setObjectName(QLatin1String(objectName));
  return p;
}
}  // namespace

MainWindow::MainWindow(AppSettings& settings, Language& language, QWidget* parent)
    : QMainWindow(parent), settings_(settings), language_(language) {
  setObjectName("mainWindow");
  setWindowIcon(QIcon(":/icons/mumu-studio.svg"));

  workspaces_ = new QTabWidget(this);
  workspaces_->setObjectName("workspaces");
  workspaces_->setDocumentMode(true);

  // Create: what the artist writes (composer), what is running (queue), and how (settings).
  auto* create = new QWidget(workspaces_);
  create->setObjectName("createWorkspace");
  createSplitter_ = new QSplitter(Qt::Horizontal, create);
  createSplitter_->setObjectName("createSplitter");
  composerSplitter_ = new QSplitter(Qt::Vertical, createSplitter_);
  composerSplitter_->setObjectName("composerSplitter");
  composerArea_ = makeArea("composerArea", composerSplitter_);
  queueArea_ = makeArea("queueArea", composerSplitter_);
  settingsPanel_ = makeArea("settingsPanel", createSplitter_);
  composerSplitter_->addWidget(composerArea_);
  composerSplitter_->addWidget(queueArea_);
  composerSplitter_->setStretchFactor(0, 3);
  composerSplitter_->setStretchFactor(1, 2);
  createSplitter_->addWidget(composerSplitter_);
  createSplitter_->addWidget(settingsPanel_);
  createSplitter_->setStretchFactor(0, 3);
  createSplitter_->setStretchFactor(1, 1);
  auto* createLayout = new QHBoxLayout(create);
  createLayout->setContentsMargins(4, 4, 4, 4);
  createLayout->addWidget(createSplitter_);

  galleryArea_ = makeArea("galleryArea", workspaces_);
  trainingWorkspace_ = makeArea("trainingWorkspace", workspaces_);
  workspaces_->addTab(create, QString());
  workspaces_->addTab(galleryArea_, QString());
  workspaces_->addTab(trainingWorkspace_, QString());
  setCentralWidget(workspaces_);

  buildMenus();
  statusBar()->setObjectName("statusBar");
  retranslateUi();
  restoreState();

  connect(&language_, &Language::languageChanged, this, [this](const QString& code) {
    for (QAction* a : languageGroup_->actions()) a->setChecked(a->data().toString() == code);
  });
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  fileMenu_ = menuBar()->addMenu(QString());
  openImageAction_ = fileMenu_->addAction(QString());
  openImageAction_->setObjectName("openImageAction");
  openImageAction_->setShortcut(QKeySequence::Open);
  // Recovering a recipe from a PNG arrives with the history gallery; until then the action says so.
  connect(openImageAction_, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Image"), QString(),
                                                      tr("Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff)"));
    if (!path.isEmpty()) statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
  });
  fileMenu_->addSeparator();
  quitAction_ = fileMenu_->addAction(QString());
  quitAction_->setObjectName("quitAction");
  quitAction_->setShortcut(QKeySequence::Quit);
  quitAction_->setMenuRole(QAction::QuitRole);
  connect(quitAction_, &QAction::triggered, this, &QWidget::close);

  editMenu_ = menuBar()->addMenu(QString());
  undoAction_ = editMenu_->addAction(QString());
  undoAction_->setObjectName("undoAction");
  undoAction_->setShortcut(QKeySequence::Undo);
  undoAction_->setEnabled(false);
  redoAction_ = editMenu_->addAction(QString());
  redoAction_->setObjectName("redoAction");
  redoAction_->setShortcut(QKeySequence::Redo);
  redoAction_->setEnabled(false);

  viewMenu_ = menuBar()->addMenu(QString());
  languageMenu_ = viewMenu_->addMenu(QString());
  languageMenu_->setObjectName("languageMenu");
  languageGroup_ = new QActionGroup(this);
  languageGroup_->setExclusive(true);
  for (const QString& code : Language::supported()) {
    // Language names are shown in their own language, so they are not translated.
    QAction* a = languageMenu_->addAction(Language::nativeName(code));
    a->setObjectName("language_" + code);
    a->setData(code);
    a->setCheckable(true);
    a->setChecked(code == language_.current());
    languageGroup_->addAction(a);
    connect(a, &QAction::triggered, this, [this, code] {
      if (language_.setLanguage(code)) settings_.setLanguage(code);
      else QMessageBox::warning(this, tr("Language"), tr("The %1 translation could not be loaded.").arg(Language::nativeName(code)));
    });
  }

  helpMenu_ = menuBar()->addMenu(QString());
  aboutAction_ = helpMenu_->addAction(QString());
  aboutAction_->setObjectName("aboutAction");
  aboutAction_->setMenuRole(QAction::AboutRole);
  connect(aboutAction_, &QAction::triggered, this, &MainWindow::showAbout);
  aboutQtAction_ = helpMenu_->addAction(QString());
  aboutQtAction_->setMenuRole(QAction::AboutQtRole);
  connect(aboutQtAction_, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::retranslateUi() {
  setWindowTitle(tr("MUMU Studio"));
  workspaces_->setTabText(0, tr("Create"));
  workspaces_->setTabText(1, tr("History"));
  workspaces_->setTabText(2, tr("Training"));
  static_cast<PlaceholderPanel*>(composerArea_)->setTexts(
      tr("Prompt"), tr("Write the prompt and drop reference images among the words, each right before the word it depicts."));
  static_cast<PlaceholderPanel*>(queueArea_)->setTexts(
      tr("Queue"), tr("Generations waiting and running, with live previews."));
  static_cast<PlaceholderPanel*>(settingsPanel_)->setTexts(
      tr("Settings"), tr("Model, sampler, steps, guidance, seed, size and batch."));
  static_cast<PlaceholderPanel*>(galleryArea_)->setTexts(
      tr("History"), tr("Every image you generate, with its full recipe, searchable."));
  static_cast<PlaceholderPanel*>(trainingWorkspace_)->setTexts(
      tr("Training"), tr("Bootstrap data sets from captioned images and train MUMU models."));

  fileMenu_->setTitle(tr("&File"));
  openImageAction_->setText(tr("&Open Image…"));
  quitAction_->setText(tr("&Quit"));
  editMenu_->setTitle(tr("&Edit"));
  undoAction_->setText(tr("&Undo"));
  redoAction_->setText(tr("&Redo"));
  viewMenu_->setTitle(tr("&View"));
  languageMenu_->setTitle(tr("&Language"));
  helpMenu_->setTitle(tr("&Help"));
  aboutAction_->setText(tr("&About MUMU Studio"));
  aboutQtAction_->setText(tr("About &Qt"));
  statusBar()->showMessage(tr("Ready"));
}

void MainWindow::showAbout() {
  const RuntimeInfo info = runtimeInfo();
  QMessageBox box(this);
  box.setObjectName("aboutDialog");
  box.setWindowTitle(tr("About MUMU Studio"));
  box.setIconPixmap(windowIcon().pixmap(64, 64));
  box.setText(tr("<h3>MUMU Studio %1</h3>"
                 "<p>Image generation from prompts that mix text and reference images "
                 "(MUMU, arXiv 2406.18790).</p>")
                  .arg(QString::fromStdString(info.mumuVersion)));
  box.setInformativeText(tr("libtorch %1 · Qt %2 · OpenImageIO %3<br>Compute: %4, %5 threads")
                             .arg(QString::fromStdString(info.torchBuildVersion), QString::fromLatin1(qVersion()),
                                  QString::fromStdString(info.oiioRuntimeVersion),
                                  info.cudaAvailable ? tr("CUDA (%1 devices)").arg(info.cudaDevices.size()) : tr("CPU"))
                             .arg(info.threads));
  box.setStandardButtons(QMessageBox::Close);
  box.exec();
}

void MainWindow::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QMainWindow::changeEvent(event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveState();
  QMainWindow::closeEvent(event);
}

void MainWindow::restoreState() {
  if (!restoreGeometry(settings_.windowGeometry())) resize(1200, 760);
  QMainWindow::restoreState(settings_.windowState());
  createSplitter_->restoreState(settings_.splitterState("create"));
  composerSplitter_->restoreState(settings_.splitterState("composer"));
  const int ws = settings_.currentWorkspace();
  if (ws >= 0 && ws < workspaces_->count()) workspaces_->setCurrentIndex(ws);
}

void MainWindow::saveState() {
  settings_.setWindowGeometry(saveGeometry());
  settings_.setWindowState(QMainWindow::saveState());
  settings_.setSplitterState("create", createSplitter_->saveState());
  settings_.setSplitterState("composer", composerSplitter_->saveState());
  settings_.setCurrentWorkspace(workspaces_->currentIndex());
  settings_.sync();
}

}  // namespace mumu
