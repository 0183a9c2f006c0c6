// shape_analyser.h — reads a shape-world image back: which coloured shapes it shows and in which style. The judge of
// `mumu eval --suite shapes` ("does the nano model follow the prompt?"). Colour segmentation against the shape-world
// palette, connected components, then each component matched against the renderer's own silhouettes of the six
// shapes (best IoU); the style from three image statistics (blockiness, dark contours, edge sharpness).
// Torch-free and deterministic.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "model/io/image_file.h"
#include "training/bootstrap/shape_world.h"

namespace mumu::training {

struct FoundShape {
  int colour = 0;            // index into shapeColours()
  Shape shape = Shape::Circle;
  double iou = 0;            // silhouette match of the best shape (0 … 1)
  int area = 0;              // pixels
  Box box;
};

struct ShapeAnalysis {
  std::vector<FoundShape> shapes;  // largest first
  Style style = Style::Flat;
  double blockiness = 0, ink = 0, sharpness = 0;  // the style statistics
  // Whether a shape of this colour and form was found (with a silhouette IoU ≥ minIou).
  bool contains(int colour, Shape shape, double minIou = 0.5) const;
};

struct ShapeAnalyserOptions {
  double minAreaFraction = 0.006;  // components smaller than this share of the image are noise
  double maxColourDistance = 120;  // RGB distance to the nearest palette colour
  int minChroma = 60;              // max − min channel below this: background, ink or grey
};

// Throws mumu::Error for an image that is not RGB or is smaller than 16×16.
ShapeAnalysis analyseShapes(const Image& image, const ShapeAnalyserOptions& options = {});

}  // namespace mumu::training
