// tfjs_weights.h — TensorFlow.js model files: the weights manifest (a `*-weights_manifest.json`, or the
// `weightsManifest` of a `model.json`) with its binary shards, and for graph models (`modelTopology.node`) the
// parsed graph plus a small libtorch interpreter for it (the evaluation nets and the CenterNet detector run
// that way).
//
// Manifest: a list of groups {paths: [shard files], weights: [{name, shape, dtype, quantization?}]}. A group's
// shards, concatenated in order, hold its weights back to back in manifest order, little-endian. Quantisation:
// uint8/uint16 affine (value = q·scale + min) or float16. Every file is untrusted: JSON types, shapes, sizes and
// the exact shard byte count are checked, and each problem is a mumu::Error "<file>: <problem>".
//
// Layout: tensors stay in TensorFlow's layout (NHWC activations, HWIO conv kernels, HWCM depthwise kernels);
// the helpers below convert kernels for at::conv2d.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mumu {

// ---- weights ------------------------------------------------------------------------------------------------------

struct TfjsQuantization {
  std::string dtype;  // "uint8", "uint16" (affine) or "float16"
  double scale = 1.0;
  double min = 0.0;
};

struct TfjsWeightEntry {
  std::string name;
  std::string dtype;  // the weight's own dtype: "float32", "int32" or "bool"
  std::vector<int64_t> shape;
  std::optional<TfjsQuantization> quantization;
  size_t group = 0;                // manifest group index
  uint64_t offset = 0, bytes = 0;  // byte range inside the group's concatenated shards
};

struct TfjsWeights {
  std::vector<TfjsWeightEntry> entries;       // manifest order
  std::map<std::string, at::Tensor> tensors;  // float32 (any float weight, dequantised), int32, bool
};

// Reads a bare manifest (JSON list of groups) or a model.json (its `weightsManifest`); shard paths are
// relative to the file. Throws mumu::Error naming the file (manifest or shard) and the problem.
TfjsWeights readTfjsWeights(const std::string& path);

// Just the tensors of readTfjsWeights().
std::map<std::string, at::Tensor> loadTfjsWeights(const std::string& path);

// Kernel and activation layouts, TensorFlow → libtorch (contiguous results).
at::Tensor tfConvKernelToTorch(const at::Tensor& hwio);       // [H, W, I, O] → [O, I, H, W]
at::Tensor tfDepthwiseKernelToTorch(const at::Tensor& hwcm);  // [H, W, C, M] → [C·M, 1, H, W] (groups = C)
at::Tensor nhwcToNchw(const at::Tensor& x);                   // [N, H, W, C] → [N, C, H, W]
at::Tensor nchwToNhwc(const at::Tensor& x);                   // [N, C, H, W] → [N, H, W, C]

// tf.image.resizeBilinear on an NHWC tensor (any real dtype; float32 result), with TensorFlow's coordinate rules: the
// legacy mapping src = dst·in/out when both flags are false (what TF.js models were trained with), half-pixel centres
// or aligned corners otherwise. (at::upsample_bilinear2d differs from the legacy mapping.)
at::Tensor tfResizeBilinear(const at::Tensor& nhwc, int64_t height, int64_t width, bool alignCorners = false,
                            bool halfPixelCenters = false);

// ---- graph models -------------------------------------------------------------------------------------------------

// One TensorFlow AttrValue. Scalars are stored as one-element lists, so `ints` serves both `i` and `list.i`.
struct TfjsAttr {
  enum class Kind { None, String, Int, Float, Bool, Type, Shape, Tensor, List };
  Kind kind = Kind::None;
  std::vector<std::string> strings;  // `s` (base64-decoded), also the dtype names of `type`
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<bool> bools;
  std::vector<std::vector<int64_t>> shapes;  // `shape` (-1 for an unknown dimension)
  std::string tensorDtype;                   // `tensor`: "DT_FLOAT", ...
  std::vector<int64_t> tensorShape;
  at::Tensor tensorValue;  // inline `tensor` values (floatVal/intVal/boolVal), if any
};

struct TfjsNode {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  // "node" (output 0), "node:1"; control inputs ("^node") are dropped
  std::map<std::string, TfjsAttr> attrs;

  bool has(const std::string& attr) const { return attrs.count(attr) != 0; }
  // Typed look-ups; a missing attribute gives `fallback`, a present one of the wrong kind throws.
  std::string attrString(const std::string& attr, const std::string& fallback = {}) const;
  int64_t attrInt(const std::string& attr, int64_t fallback = 0) const;
  double attrFloat(const std::string& attr, double fallback = 0.0) const;
  bool attrBool(const std::string& attr, bool fallback = false) const;
  std::vector<int64_t> attrInts(const std::string& attr) const;
  std::vector<std::string> attrStrings(const std::string& attr) const;
};

struct TfjsTensorSpec {
  std::string name;            // node name (a ":0" suffix is dropped)
  std::string dtype;           // "DT_FLOAT", ...
  std::vector<int64_t> shape;  // -1 for an unknown dimension; empty when unknown rank
};

// A default-constructed TfjsModel is empty (only good for assigning a loaded one to).
class TfjsModel {
 public:
  // Reads model.json (graph model, layers model or a bare manifest) and its weights; for a graph model checks
  // that every input names a node, every Const has its weight, and prepares conv kernels for libtorch.
  static TfjsModel load(const std::string& path);

  const std::string& path() const;
  const std::string& format() const;  // "graph-model", "layers-model", or "" for a bare manifest
  const TfjsWeights& weights() const;
  const std::vector<TfjsNode>& nodes() const;           // file order
  const TfjsNode* node(const std::string& name) const;  // nullptr if absent
  const std::vector<TfjsTensorSpec>& inputs() const;    // `signature.inputs`, else the Placeholders
  const std::vector<TfjsTensorSpec>& outputs() const;   // `signature.outputs` (may be empty)
  // The value of a Const node (its weight, or its inline tensor); throws naming the node if there is none.
  const at::Tensor& constant(const std::string& node) const;

  // Ops run() implements, and those of the graph it does not (empty for a fully supported graph).
  static const std::vector<std::string>& supportedOps();
  std::vector<std::string> unsupportedOps() const;

  // Runs the part of the graph that `outputs` need (node names, or "node:k" for output k) on `feeds`
  // (Placeholder name → tensor in TensorFlow layout and dtype). Checks before computing anything that every
  // needed op is supported and every needed Placeholder is fed with a matching dtype and shape; a failure
  // names the file, the node and its op. Thread-safe (the model is not modified).
  std::map<std::string, at::Tensor> run(const std::map<std::string, at::Tensor>& feeds,
                                        const std::vector<std::string>& outputs) const;

  struct Impl;  // opaque; named here so the op implementations in the .cpp can take it

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace mumu
