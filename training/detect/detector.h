// detector.h — what bootstrapping asks of an object detector: boxes for the phrases of a caption.
// Implementations: a GroundingDINO-style detections file (detections_file.h), the COCO-80 CenterNet
// port (centernet.h), and the exact boxes of a procedural shape-world scene.
#pragma once

#include <string>
#include <vector>

#include "model/io/image_file.h"

namespace mumu::training {

struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels of the image as given, x1/y1 exclusive
  float width() const { return x1 - x0; }
  float height() const { return y1 - y0; }
  float area() const { return width() * height(); }
};

struct Detection {
  Box box;
  std::string phrase;   // the caption phrase this box depicts (as the detector matched it)
  float score = 0.f;    // detector confidence in [0, 1]
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual std::string name() const = 0;
  // Boxes in `image` for any of `phrases` (phrases the detector cannot match are simply not returned).
  // `sampleId` names the sample in error messages. Throws mumu::Error on a broken detector state only;
  // an image with nothing found returns an empty list.
  virtual std::vector<Detection> detect(const Image& image, const std::vector<std::string>& phrases,
                                        const std::string& sampleId) = 0;
};

}  // namespace mumu::training
