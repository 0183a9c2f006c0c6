// shape_analyser.h — reads a shape-world image back: which coloured shapes it shows and in which style. The judge of
// `mumu eval --suite shapes` ("does the nano model follow the prompt?"). Colour segmentation against the shape-world
// palette, connected components, each re-cut at half coverage (from its colour between the local background and the
// object's own colour), then matched against the renderer's own silhouettes of the six shapes, sharp or blurred (best
// IoU); the style from three image statistics (blockiness, dark contours, edge sharpness).
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
  bool halfCoverageEdges = true;   // cut blurred edges at half coverage, as the silhouettes are (off: the colour mask)
  std::vector<double> templateBlurs{0.0, 0.8, 1.4};  // σ (pixels) the silhouettes are also blurred by before the cut
  double blurPenalty = 0.01;  // per pixel of σ: of two near-equal matches, the sharper explanation wins
};

// Throws mumu::Error for an image that is not RGB or is smaller than 16×16, and for options out of range.
ShapeAnalysis analyseShapes(const Image& image, const ShapeAnalyserOptions& options = {});

}  // namespace mumu::training
