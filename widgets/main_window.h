// main_window.h — the Studio's main window: the Create workspace (prompt composer, generation settings,
// queue), the History gallery and the Training workspace, with menus, About and language switch.
#pragma once

#include <QMainWindow>
#include <QPointer>

#include <memory>

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QPushButton;
class QSplitter;
class QTabWidget;

namespace mumu {

class AppSettings;
class AssetStore;
class CompareView;
class ImageViewer;
class GalleryView;
class GenerationQueue;
class HistoryDb;
class Language;
class ModelRegistry;
class PromptComposer;
class QueueView;
class SettingsPanel;
class ThumbnailCache;
struct Recipe;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // `settings` and `language` are owned by the caller and must outlive the window.
  MainWindow(AppSettings& settings, Language& language, QWidget* parent = nullptr);
  ~MainWindow() override;

  QTabWidget* workspaces() const { return workspaces_; }
  PromptComposer* composer() const { return composer_; }
  SettingsPanel* settingsPanel() const { return settingsView_; }
  QueueView* queueView() const { return queueView_; }
  GalleryView* gallery() const { return gallery_; }
  ImageViewer* viewer() const { return viewer_; }
  CompareView* compareView() const { return compare_; }

  // Opens a history item in the Viewer workspace (zoom, pan, attention inspector); false when it is gone.
  bool viewGeneration(qint64 id);
  // Opens two history items side by side with their recipe differences highlighted.
  bool compareGenerations(qint64 a, qint64 b);
  GenerationQueue* queue() const { return queue_.get(); }
  HistoryDb* history() const { return history_.get(); }

  // Puts a recipe back into the composer (text and reference images) and the settings panel: Reuse, and a recipe
  // recovered from a PNG.
  void restoreRecipe(const Recipe& recipe);

 public Q_SLOTS:
  void showAbout();
  // Enqueues the composer's prompt with the panel's settings (the Generate button, Ctrl+Return). False when the
  // prompt is empty.
  bool generate();

 protected:
  void changeEvent(QEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void retranslateUi();
  void restoreState();
  void saveState();
  void openServices();
  void buildCreateWorkspace(QWidget* create);
  void onImageFinished(const QString& imagePath, const QString& recipeJson);

  AppSettings& settings_;
  Language& language_;

  QTabWidget* workspaces_ = nullptr;
  QSplitter* createSplitter_ = nullptr;   // [composer + queue | settings]
  QSplitter* composerSplitter_ = nullptr; // composer above queue
  QWidget* composerArea_ = nullptr;
  QWidget* queueArea_ = nullptr;
  QWidget* settingsPanel_ = nullptr;
  QWidget* galleryArea_ = nullptr;
  QWidget* trainingWorkspace_ = nullptr;
  QPushButton* generateButton_ = nullptr;
  QStringList preloaded_;  // model id, device and dtype last handed to the queue's preload

  // Services (core/): the order of declaration is the order of construction; the queue goes first on destruction.
  std::unique_ptr<AssetStore> assets_;
  std::unique_ptr<HistoryDb> history_;
  std::unique_ptr<ThumbnailCache> thumbs_;
  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<GenerationQueue> queue_;
  PromptComposer* composer_ = nullptr;
  QueueView* queueView_ = nullptr;
  SettingsPanel* settingsView_ = nullptr;
  GalleryView* gallery_ = nullptr;
  QWidget* viewerWorkspace_ = nullptr;  // a stack: the single-image viewer, the compare view
  ImageViewer* viewer_ = nullptr;
  CompareView* compare_ = nullptr;

  QMenu* fileMenu_ = nullptr;
  QMenu* editMenu_ = nullptr;
  QMenu* viewMenu_ = nullptr;
  QMenu* languageMenu_ = nullptr;
  QMenu* helpMenu_ = nullptr;
  QAction* openImageAction_ = nullptr;
  QAction* quitAction_ = nullptr;
  QAction* undoAction_ = nullptr;
  QAction* redoAction_ = nullptr;
  QAction* aboutAction_ = nullptr;
  QAction* aboutQtAction_ = nullptr;
  QActionGroup* languageGroup_ = nullptr;
};

}  // namespace mumu
