// recipe_recovery.h — "Open image…" / a dropped PNG: the recipe it carries, either ours (the iTXt `mumu` chunk: the
// full recipe) or another tool's A1111 `parameters` text (a text-only recipe: prompt, negative, steps, sampler,
// CFG, seed, size, model). Never throws: a file with neither, or a damaged one, comes back with a message.
#pragma once

#include <QCoreApplication>
#include <QString>

#include "model/pipeline/recipe.h"

namespace mumu {

struct RecipeRecovery {
  enum Origin { None, Mumu, A1111 };
  Origin origin = None;
  Recipe recipe;       // valid when origin != None
  QString recipeJson;  // recipeToJson(recipe)
  QString parameters;  // the raw A1111 text when the file had one
  QString message;     // why nothing was recovered (origin == None); a note for A1111 (text only)
  bool ok() const { return origin != None; }
};

class RecipeRecoverer {
  Q_DECLARE_TR_FUNCTIONS(mumu::RecipeRecoverer)

 public:
  static RecipeRecovery recover(const QString& path);
};

// Shorthand for RecipeRecoverer::recover.
inline RecipeRecovery recoverRecipe(const QString& path) {
  return RecipeRecoverer::recover(path);
}

}  // namespace mumu
