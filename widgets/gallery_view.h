// gallery_view.h — the History workspace: full-text search and filters over the history database, a thumbnail grid
// over a lazy model (pages of 200 rows fetched as the user scrolls; thumbnails made off the GUI thread, a
// placeholder until they arrive), so it stays smooth with 100,000 rows; star, rating, boards, delete with undo,
// export; a detail panel with the image, the recipe (prompt with its reference images, settings) and Reuse /
// Compare. "Open image…" or dropping a PNG recovers the recipe it carries (ours, or A1111 text).
#pragma once

#include <QAbstractListModel>
#include <QCache>
#include <QHash>
#include <QPixmap>
#include <QWidget>

#include "core/history_db.h"

class QAction;
class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QListView;
class QMenu;
class QPushButton;
class QSplitter;
class QTextBrowser;
class QTimer;
class QToolButton;
class QUndoStack;

namespace mumu {

class AssetStore;
class ThumbnailCache;

// The grid's model: rows of a HistoryQuery, fetched a page at a time (canFetchMore / fetchMore).
class GalleryModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum Roles { IdRole = Qt::UserRole + 1, ImagePathRole, StarredRole, RatingRole, ThumbnailReadyRole };
  static constexpr int kPageSize = 200;

  GalleryModel(HistoryDb& db, ThumbnailCache& thumbs, QObject* parent = nullptr);

  void setQuery(const HistoryQuery& query);  // resets to the first page
  const HistoryQuery& query() const { return query_; }
  // Reads the query again (after a change), keeping up to `keepRows` rows loaded (so the view keeps its place).
  void reload(int keepRows = 0);
  int totalCount() const { return total_; }
  void setIconSize(int px);
  int iconSize() const { return iconSize_; }

  qint64 idAt(int row) const;
  const HistoryRow* rowAt(int row) const;
  int rowOf(qint64 id) const;
  void refreshRow(qint64 id);  // re-reads one row (star, rating)

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool canFetchMore(const QModelIndex& parent) const override;
  void fetchMore(const QModelIndex& parent) override;
  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;

 Q_SIGNALS:
  void errorOccurred(const QString& message);

 private:
  void onThumbnailReady(const QString& imagePath, const QImage& image);
  void onThumbnailFailed(const QString& imagePath);
  bool load(int offset, int limit, QList<HistoryRow>* out);

  HistoryDb& db_;
  ThumbnailCache& thumbs_;
  HistoryQuery query_;
  QList<HistoryRow> rows_;
  QHash<QString, int> rowByPath_;
  QHash<qint64, int> rowById_;
  int total_ = 0;
  int iconSize_ = 160;
  mutable QCache<QString, QPixmap> pixmaps_;  // scaled to the icon size
  QSet<QString> broken_;
  QPixmap placeholder_, brokenPixmap_;
};

class GalleryView : public QWidget {
  Q_OBJECT

 public:
  // `db` and `thumbs` are owned by the caller and must outlive the view.
  GalleryView(HistoryDb& db, ThumbnailCache& thumbs, QWidget* parent = nullptr);
  ~GalleryView() override;

  // Where Reuse and the detail panel find reference images by SHA-256 (optional; else the recorded paths).
  void setAssetStore(AssetStore* store) { assets_ = store; }

  GalleryModel* model() const { return model_; }
  QListView* listView() const { return list_; }
  QLineEdit* searchBox() const { return search_; }
  QUndoStack* undoStack() const { return undo_; }
  QLabel* messageLabel() const { return message_; }
  QTextBrowser* recipeView() const { return recipeView_; }
  QPushButton* reuseButton() const { return reuse_; }
  QPushButton* compareButton() const { return compare_; }
  QAction* deleteAction() const { return delete_; }
  QAction* starAction() const { return star_; }
  QAction* exportAction() const { return export_; }
  QAction* openImageAction() const { return openImage_; }

  QList<qint64> selectedIds() const;
  void selectIds(const QList<qint64>& ids);
  // The recipe JSON Reuse would send for generation `id` (reference images resolved to where they are now).
  QString reuseJson(qint64 id) const;

 public Q_SLOTS:
  // Reads the database again (a generation finished, another view changed it); keeps the selection when it can.
  void refresh();
  void applyFilters();
  void deleteSelected();  // undoable (undoStack()), as are star and rating changes
  // After the marks (star, rating) of `ids` changed in the database: repaint or reload (undo commands call it).
  void marksChanged(const QList<qint64>& ids);
  void setStarredSelected(bool starred);
  void toggleStarSelected();
  void rateSelected(int rating);
  bool addSelectedToBoard(qint64 board);
  bool removeSelectedFromBoard(qint64 board);
  bool exportSelected(const QString& folder);  // empty folder: asks
  void reuseSelected();
  void compareSelected();
  void openImage();  // asks for a file
  bool openImageFile(const QString& path);
  void showMessage(const QString& text, bool error = false);

 Q_SIGNALS:
  void reuseRequested(const QString& recipeJson);
  void compareRequested(qint64 a, qint64 b);
  // The user opened or dropped an image file (the viewer can show it); recipeRecovered follows when it has one.
  void openImageRequested(const QString& path);
  void recipeRecovered(const QString& recipeJson, const QString& path, bool textOnly);
  void errorOccurred(const QString& message);

 protected:
  void changeEvent(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildUi();
  void retranslateUi();
  void reloadFilterChoices();
  void updateDetail();
  void showRecipe(const QString& recipeJson, const QString& imagePath, const QString& title);
  void loadPreview(const QString& imagePath);
  void updateActions();
  void updateCount();
  void showContextMenu(const QPoint& pos);
  HistoryQuery currentQuery() const;

  HistoryDb& db_;
  ThumbnailCache& thumbs_;
  AssetStore* assets_ = nullptr;
  GalleryModel* model_ = nullptr;
  QUndoStack* undo_ = nullptr;

  QLineEdit* search_ = nullptr;
  QComboBox* modelFilter_ = nullptr;
  QComboBox* samplerFilter_ = nullptr;
  QLineEdit* seedFilter_ = nullptr;
  QComboBox* dateFilter_ = nullptr;
  QDateEdit* dateFrom_ = nullptr;
  QDateEdit* dateTo_ = nullptr;
  QToolButton* starredFilter_ = nullptr;
  QComboBox* ratingFilter_ = nullptr;
  QComboBox* boardFilter_ = nullptr;
  QComboBox* sort_ = nullptr;
  QLabel* count_ = nullptr;
  QLabel* message_ = nullptr;
  QTimer* searchTimer_ = nullptr;
  QSplitter* splitter_ = nullptr;
  QListView* list_ = nullptr;

  QLabel* preview_ = nullptr;
  QLabel* detailTitle_ = nullptr;
  QTextBrowser* recipeView_ = nullptr;
  QPushButton* reuse_ = nullptr;
  QPushButton* compare_ = nullptr;
  QPushButton* openButton_ = nullptr;

  QAction* delete_ = nullptr;
  QAction* star_ = nullptr;
  QAction* export_ = nullptr;
  QAction* openImage_ = nullptr;
  QAction* reuseAction_ = nullptr;
  QAction* newBoard_ = nullptr;
  QList<QAction*> rate_;

  QString detailJson_;  // the recipe the detail panel shows (Reuse sends it)
  QString detailImagePath_;
  int previewToken_ = 0;  // drops late previews of an earlier selection
  bool updatingFilters_ = false;
};

}  // namespace mumu
