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

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QListView>
#include <QShortcut>
#include <QStackedWidget>
#include <QUndoStack>
#include <QVBoxLayout>

#include "core/app_settings.h"
#include "core/asset_store.h"
#include "core/generation_queue.h"
#include "core/history_db.h"
#include "core/language.h"
#include "core/model_registry.h"
#include "core/thumbnail_cache.h"
#include "model/error.h"
#include "model/pipeline/recipe.h"
#include "model/runtime.h"
#include "placeholder_panel.h"
#include "widgets/compare_view.h"
#include "widgets/gallery_view.h"
#include "widgets/image_viewer.h"
#include "widgets/prompt_composer.h"
#include "widgets/queue_view.h"
#include "widgets/settings_panel.h"

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

  openServices();

  // Create: what the artist writes (composer), what is running (queue), and how (settings).
  auto* create = new QWidget(workspaces_);
  create->setObjectName("createWorkspace");
  buildCreateWorkspace(create);
  gallery_ = new GalleryView(*history_, *thumbs_, workspaces_);
  gallery_->setAssetStore(assets_.get());
  galleryArea_ = gallery_;
  galleryArea_->setObjectName("galleryArea");
  connect(gallery_, &GalleryView::reuseRequested, this, [this](const QString& json) {
    try {
      restoreRecipe(recipeFromJson(json.toStdString(), "history"));
    } catch (const Error& e) {
      QMessageBox::warning(this, tr("Reuse"), tr("This recipe cannot be reused: %1").arg(QString::fromUtf8(e.what())));
    }
  });
  connect(gallery_, &GalleryView::recipeRecovered, this, [this](const QString& json, const QString& path, bool textOnly) {
    try {
      restoreRecipe(recipeFromJson(json.toStdString(), path.toStdString()));
      statusBar()->showMessage(textOnly ? tr("Recovered the prompt and settings of %1 (no reference images in it)").arg(path)
                                        : tr("Recovered the recipe of %1").arg(path),
                               8000);
    } catch (const Error& e) {
      QMessageBox::warning(this, tr("Open Image"), QString::fromUtf8(e.what()));
    }
  });
  // Viewer: one generation with its attention inspector, or two side by side.
  auto* viewerStack = new QStackedWidget(workspaces_);
  viewerWorkspace_ = viewerStack;
  viewerWorkspace_->setObjectName("viewerWorkspace");
  viewer_ = new ImageViewer(viewerStack);
  compare_ = new CompareView(viewerStack);
  viewerStack->addWidget(viewer_);
  viewerStack->addWidget(compare_);
  connect(gallery_->listView(), &QListView::doubleClicked, this,
          [this](const QModelIndex& i) { viewGeneration(i.data(GalleryModel::IdRole).toLongLong()); });
  connect(gallery_, &GalleryView::compareRequested, this, &MainWindow::compareGenerations);

  trainingWorkspace_ = makeArea("trainingWorkspace", workspaces_);
  workspaces_->addTab(create, QString());
  workspaces_->addTab(galleryArea_, QString());
  workspaces_->addTab(viewerWorkspace_, QString());
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

MainWindow::~MainWindow() {
  // The queue's worker may be mid-step: stop it before the widgets and services it reports to go away.
  queue_.reset();
}

void MainWindow::openServices() {
  const QString dataDir = settings_.dataDir();
  QDir().mkpath(dataDir);
  assets_ = std::make_unique<AssetStore>(dataDir);
  history_ = std::make_unique<HistoryDb>();
  if (!history_->openDataDir(dataDir)) {
    // Never touch a history we cannot read: offer to set it aside (renamed, kept) and start a new one.
    const QString problem = history_->lastError();
    const auto answer = QMessageBox::warning(
        this, tr("History"),
        tr("The history database could not be opened:\n%1\n\nSet it aside (it is renamed and kept) and start a new "
           "history?")
            .arg(problem),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer == QMessageBox::Yes) {
      QString error;
      const QString moved = HistoryDb::setAside(history_->fileName(), &error);
      if (moved.isEmpty() || !history_->openDataDir(dataDir))
        QMessageBox::critical(this, tr("History"), tr("Still no history: %1").arg(error.isEmpty() ? history_->lastError() : error));
    }
  }
  thumbs_ = std::make_unique<ThumbnailCache>(dataDir);
  registry_ = std::make_unique<ModelRegistry>(settings_.fileName());
  queue_ = std::make_unique<GenerationQueue>(QDir(dataDir).filePath("images"), registry_.get());
  connect(queue_.get(), &GenerationQueue::imageFinished, this,
          [this](int, const QString& path, const QString& json) { onImageFinished(path, json); });
  connect(queue_.get(), &GenerationQueue::jobFinished, this, [this](int jobId, int state) {
    if (state == GenerationJob::Failed)
      if (const GenerationJob* j = queue_->job(jobId)) statusBar()->showMessage(tr("Generation failed: %1").arg(j->error), 10000);
  });
}

void MainWindow::buildCreateWorkspace(QWidget* create) {
  createSplitter_ = new QSplitter(Qt::Horizontal, create);
  createSplitter_->setObjectName("createSplitter");
  composerSplitter_ = new QSplitter(Qt::Vertical, createSplitter_);
  composerSplitter_->setObjectName("composerSplitter");

  composerArea_ = new QWidget(composerSplitter_);
  composerArea_->setObjectName("composerArea");
  composer_ = new PromptComposer(composerArea_);
  composer_->setAssetImporter([this](const QString& path, QString* error) { return assets_->import(path, error); });
  composer_->setImageImporter([this](const QImage& image, QString* error) { return assets_->importImage(image, error); });
  generateButton_ = new QPushButton(composerArea_);
  generateButton_->setObjectName("generateButton");
  generateButton_->setDefault(true);
  connect(generateButton_, &QPushButton::clicked, this, &MainWindow::generate);
  connect(composer_, &PromptComposer::generateRequested, this, &MainWindow::generate);
  connect(composer_, &PromptComposer::message, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
  auto* composerLayout = new QVBoxLayout(composerArea_);
  composerLayout->setContentsMargins(0, 0, 0, 0);
  composerLayout->addWidget(composer_, 1);
  auto* row = new QHBoxLayout;
  row->addStretch(1);
  row->addWidget(generateButton_);
  composerLayout->addLayout(row);

  queueView_ = new QueueView(queue_.get(), composerSplitter_);
  queueArea_ = queueView_;
  queueArea_->setObjectName("queueArea");
  settingsView_ = new SettingsPanel(registry_.get(), createSplitter_);
  settingsPanel_ = settingsView_;
  settingsPanel_->setObjectName("settingsPanel");
  // The Studio opens ready to generate: the selected model (the shipped nano one by default) loads right away.
  // (A change of model, device or precision loads again, before the next Generate.)
  auto loadKey = [](const GenerationSettings& s) { return QStringList{s.modelId, s.device, s.dtype}; };
  const GenerationSettings initial = settingsView_->settings();
  preloaded_ = loadKey(initial);
  queue_->preload(initial.modelId, initial.device, initial.dtype);
  connect(settingsView_, &SettingsPanel::settingsChanged, this, [this, loadKey] {
    const GenerationSettings s = settingsView_->settings();
    if (loadKey(s) != preloaded_) preloaded_ = loadKey(s), queue_->preload(s.modelId, s.device, s.dtype);
  });

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
}

bool MainWindow::viewGeneration(qint64 id) {
  const auto row = history_->get(id);
  const auto recipe = history_->recipe(id);
  if (!row || !recipe) return false;
  viewer_->setGeneration(row->imagePath, *recipe);
  static_cast<QStackedWidget*>(viewerWorkspace_)->setCurrentWidget(viewer_);
  workspaces_->setCurrentWidget(viewerWorkspace_);
  return true;
}

bool MainWindow::compareGenerations(qint64 a, qint64 b) {
  const auto ra = history_->get(a), rb = history_->get(b);
  if (!ra || !rb) return false;
  compare_->setItems(ra->imagePath, ra->recipeJson, rb->imagePath, rb->recipeJson);
  static_cast<QStackedWidget*>(viewerWorkspace_)->setCurrentWidget(compare_);
  workspaces_->setCurrentWidget(viewerWorkspace_);
  return true;
}

bool MainWindow::generate() {
  const Prompt prompt = composer_->prompt();
  if (prompt.segments.empty()) {
    statusBar()->showMessage(tr("Write a prompt or drop a reference image first."), 6000);
    return false;
  }
  const int id = queue_->enqueue(prompt, settingsView_->settings());
  queueView_->setCurrentJob(id);
  statusBar()->showMessage(tr("Queued."), 3000);
  return true;
}

void MainWindow::onImageFinished(const QString& imagePath, const QString& recipeJson) {
  // Every finished image becomes a history row; the PNG itself carries the recipe too, so a failed insert loses
  // nothing (File ▸ Open Image recovers it).
  if (!history_->isOpen() || history_->add(recipeJson, imagePath) < 0) {
    statusBar()->showMessage(tr("Saved %1, but not added to the history: %2").arg(imagePath, history_->lastError()),
                             10000);
    return;
  }
  gallery_->refresh();
}

void MainWindow::restoreRecipe(const Recipe& recipe) {
  Prompt p = recipe.prompt;
  // Reference images by hash from the asset store when the recorded path has gone.
  for (auto& s : p.segments)
    if (s.isImage() && !QFileInfo::exists(QString::fromStdString(s.imagePath)) && !s.imageSha256.empty()) {
      const QString found = assets_->find(QString::fromStdString(s.imageSha256));
      if (!found.isEmpty()) s.imagePath = found.toStdString();
    }
  composer_->setPrompt(p);
  GenerationSettings g = settingsView_->settings();
  for (const ModelEntry& m : registry_->models())
    if (m.name == QString::fromStdString(recipe.modelName)) g.modelId = m.id;
  g.sampler = QString::fromStdString(recipe.sampler);
  g.steps = recipe.steps;
  g.cfg = recipe.cfgScale;
  g.seed = recipe.seed;
  g.seedLocked = true;  // Reuse means "this image again": same seed until the user unlocks it
  g.width = recipe.width;
  g.height = recipe.height;
  g.negative = QString::fromStdString(recipe.negativePrompt);
  // The recorded device type and precision, so that Reuse gives the same pixels where this machine can (a recipe
  // without a device, recovered from A1111 text, keeps the current choice; a missing device type, the auto dtype).
  std::string note;
  if (!recipe.deviceType.empty()) {
    g.device = QString::fromStdString(deviceForRecorded(recipe.deviceType, &note));
    g.dtype = note.empty() ? QString::fromStdString(recipe.dtype) : QString();
  }
  settingsView_->setSettings(g);
  if (!note.empty())
    statusBar()->showMessage(tr("The image was made on %1, which this machine lacks: it runs on the CPU and the "
                                "pixels will not match bit for bit")
                                 .arg(QString::fromStdString(recipe.deviceType)),
                             10000);
  workspaces_->setCurrentIndex(0);
}

void MainWindow::buildMenus() {
  fileMenu_ = menuBar()->addMenu(QString());
  openImageAction_ = fileMenu_->addAction(QString());
  openImageAction_->setObjectName("openImageAction");
  openImageAction_->setShortcut(QKeySequence::Open);
  // Any PNG: its recipe (ours, or A1111 "parameters" as text) goes back into the composer.
  connect(openImageAction_, &QAction::triggered, this, [this] { gallery_->openImage(); });
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
  // Undo follows the workspace: the composer's edits in Create, deletions in History.
  connect(undoAction_, &QAction::triggered, this, [this] {
    if (workspaces_->currentIndex() == 0) composer_->undo();
    else if (workspaces_->currentIndex() == 1) gallery_->undoStack()->undo();
  });
  connect(redoAction_, &QAction::triggered, this, [this] {
    if (workspaces_->currentIndex() == 0) composer_->redo();
    else if (workspaces_->currentIndex() == 1) gallery_->undoStack()->redo();
  });
  auto updateUndo = [this] {
    const int ws = workspaces_->currentIndex();
    undoAction_->setEnabled(ws == 0 ? composer_->isUndoAvailable() : ws == 1 && gallery_->undoStack()->canUndo());
    redoAction_->setEnabled(ws == 0 ? composer_->isRedoAvailable() : ws == 1 && gallery_->undoStack()->canRedo());
  };
  connect(workspaces_, &QTabWidget::currentChanged, this, updateUndo);
  connect(composer_, &PromptComposer::undoAvailable, this, updateUndo);
  connect(composer_, &PromptComposer::redoAvailable, this, updateUndo);
  connect(gallery_->undoStack(), &QUndoStack::indexChanged, this, updateUndo);

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
  workspaces_->setTabText(2, tr("Viewer"));
  workspaces_->setTabText(3, tr("Training"));
  generateButton_->setText(tr("Generate"));
  generateButton_->setToolTip(tr("Add this prompt to the queue (Ctrl+Return)"));
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
