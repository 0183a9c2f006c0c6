// detections_file.h — boxes from an open-vocabulary detector run elsewhere (GroundingDINO in the MUMU
// paper), read from a file, as a Detector.
//
// Schema ("mumu detections", version 1). One object per image:
//   {"image": "astronaut.png",                 file name as in the captions file (path relative to the
//                                              images folder; a bare file name also matches a unique
//                                              base name)
//    "box_format": "xyxy",                     optional: "xyxy" = [x0, y0, x1, y1] in pixels (the default,
//                                              what GroundingDINO's annotate() draws), or "cxcywh" =
//                                              [centre x, centre y, width, height] normalised to 0–1
//                                              (what GroundingDINO's predict() returns)
//    "boxes": [[20, 15, 372, 512], …],         4 numbers each
//    "phrases": ["woman", …],                  one per box: the caption words the box shows
//    "scores": [0.91, …],                      optional, one per box, in [0, 1]; "logits" is accepted as
//                                              the same key (predict()'s name for the sigmoid scores)
//    "size": [512, 512]}                       optional: width, height the boxes refer to; a different
//                                              image size is an error for that sample
// The file is either JSON Lines (".jsonl": one object per line, blank lines skipped) or one JSON
// document (any other extension): an array of such objects, or {"box_format": …, "detections": [ … ]}
// where the top-level box_format is the default for the entries.
//
// Errors: a file that cannot be read, or a JSON document that does not parse, throws mumu::Error naming
// the file (and line, column). A bad JSON Lines line or a bad entry does not stop the run: the problem
// is recorded with "file:line" (or "file: detections[i]") and, when the entry names its image, the
// sample's detect() throws it, so the run reports the sample and continues with the rest.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "training/detect/detector.h"

namespace mumu::training {

class DetectionsFile {
 public:
  struct Entry {
    std::string image;
    std::string where;        // "dets.jsonl:7" or "dets.json: detections[3]"
    std::string error;        // non-empty when the entry is malformed
    bool normalized = false;  // cxcywh in 0–1
    std::vector<std::array<double, 4>> boxes;
    std::vector<std::string> phrases;
    std::vector<double> scores;
    int width = 0, height = 0;  // "size", 0 when absent
  };

  // Throws mumu::Error when the file is missing / unreadable, or a JSON document does not parse.
  static DetectionsFile load(const std::string& path);

  const std::string& path() const { return path_; }
  // Problems not tied to an image (a JSON Lines line that does not parse and names no image, duplicates).
  const std::vector<std::string>& problems() const { return problems_; }
  const std::vector<Entry>& entries() const { return entries_; }
  // The entry for `image` (exact name, else unique base name); nullptr when none.
  const Entry* find(const std::string& image) const;

  // Boxes in pixels of a width × height image. Throws mumu::Error "<where>: sample '<id>': …" for a
  // malformed entry or a size mismatch. No entry → empty list.
  std::vector<Detection> detectionsFor(const std::string& image, int width, int height,
                                       const std::string& sampleId) const;

 private:
  std::string path_;
  std::vector<Entry> entries_;
  std::vector<std::string> problems_;
  std::map<std::string, size_t> byName_, byBaseName_;
};

// The Detector over a detections file: detect() looks the sample up by `sampleId`, which bootstrapping
// sets to the image's name in the captions file.
class DetectionsFileDetector : public Detector {
 public:
  explicit DetectionsFileDetector(const std::string& path) : file_(DetectionsFile::load(path)) {}
  std::string name() const override { return "file:" + file_.path(); }
  std::vector<Detection> detect(const Image& image, const std::vector<std::string>& phrases,
                                const std::string& sampleId) override;
  const DetectionsFile& file() const { return file_; }

 private:
  DetectionsFile file_;
};

}  // namespace mumu::training
