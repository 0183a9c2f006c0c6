// main_window.h — the Studio's main window: the Create workspace (prompt composer, generation settings,
// queue), the History gallery and the Training workspace, with menus, About and language switch.
#pragma once

#include <QMainWindow>
#include <QPointer>

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QSplitter;
class QTabWidget;

namespace mumu {

class AppSettings;
class Language;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // `settings` and `language` are owned by the caller and must outlive the window.
  MainWindow(AppSettings& settings, Language& language, QWidget* parent = nullptr);
  ~MainWindow() override;

  QTabWidget* workspaces() const { return workspaces_; }

 public Q_SLOTS:
  void showAbout();

 protected:
  void changeEvent(QEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void retranslateUi();
  void restoreState();
  void saveState();

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
