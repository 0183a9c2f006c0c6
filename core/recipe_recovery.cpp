// recipe_recovery.cpp — recipes recovered from PNG metadata (see recipe_recovery.h).
#include "core/recipe_recovery.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "model/error.h"
#include "model/io/png_metadata.h"

namespace mumu {

RecipeRecovery RecipeRecoverer::recover(const QString& path) {
  RecipeRecovery out;
  const QString f = QDir::toNativeSeparators(path);
  const QFileInfo fi(path);
  if (!fi.isFile()) {
    out.message = tr("'%1': no such file").arg(f);
    return out;
  }
  if (fi.size() == 0) {
    out.message = tr("'%1' is empty (0 bytes)").arg(f);
    return out;
  }
  {
    QFile in(path);
    if (!in.open(QIODevice::ReadOnly)) {
      out.message = tr("'%1' cannot be read: %2").arg(f, in.errorString());
      return out;
    }
    if (in.read(8) != QByteArray("\x89PNG\r\n\x1a\n", 8)) {
      out.message = tr("'%1' is not a PNG file: only PNG images carry a recipe (MUMU's or A1111's).").arg(f);
      return out;
    }
  }
  try {
    const auto r = readRecipeFromPng(path.toStdString());
    if (!r) {
      out.message = tr("'%1' carries no recipe: it has neither MUMU Studio's metadata nor A1111 \"parameters\" "
                       "text.")
                        .arg(f);
      return out;
    }
    out.origin = r->origin == RecoveredRecipe::Mumu ? RecipeRecovery::Mumu : RecipeRecovery::A1111;
    out.recipe = r->recipe;
    out.parameters = QString::fromStdString(r->parameters);
    out.recipeJson = QString::fromStdString(recipeToJson(r->recipe));
    if (out.origin == RecipeRecovery::A1111)
      out.message = tr("'%1' was made by another tool: its prompt and settings were read from its A1111 text; "
                       "there are no reference images.")
                        .arg(f);
  } catch (const std::exception& e) {
    out = {};
    out.message = tr("Cannot read the recipe of '%1': %2").arg(f, QString::fromStdString(e.what()));
  }
  return out;
}

}  // namespace mumu
