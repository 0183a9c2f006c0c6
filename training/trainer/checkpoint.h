// checkpoint.h — atomic trainer checkpoints.
//
// Layout of RUN/checkpoints/ckpt-000042/ (written as ckpt-000042.tmp/, then renamed):
//   trainable.safetensors  trainable tensors by name ("unet.<param>" for a fully trained part,
//                          "lora.<part>.<adapter param>" for LoRA adapters)
//   optimizer.safetensors  "<name>.exp_avg", "<name>.exp_avg_sq" (AdamW moments, keyed by parameter name)
//   ema.safetensors        EMA of every trainable tensor, same names (absent when EMA is off)
//   rng.safetensors        every generator's CPU state (uint8), by purpose
//   state.json             step, optimizer step, data position and pending samples, recipe, metric history
//   COMPLETE               written last: {"step": 42, "files": {"state.json": <bytes>, ...}}
// A folder is used only when COMPLETE is present, every listed file has its recorded size, and everything parses;
// anything else (a .tmp folder, no marker, a truncated or corrupt file) is skipped with a warning.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace mumu::training {

struct CheckpointData {
  int64_t step = 0;
  nlohmann::json state = nlohmann::json::object();
  std::map<std::string, at::Tensor> trainable, optimizer, ema, rng;
  std::string dir;  // where it was read from / written to
};

std::string checkpointName(int64_t step);  // "ckpt-000042"

// Writes RUN/checkpoints/ckpt-<step>/ atomically and then removes all but the newest `keep` complete ones.
// Returns the final folder.
std::string writeCheckpoint(const std::string& runDir, const CheckpointData& data, int64_t keep);

// The complete checkpoints of a run, newest first (by step), without validating their content.
std::vector<std::string> listCheckpoints(const std::string& runDir);

// Reads one checkpoint folder; throws mumu::Error "<dir>: ..." when it is incomplete or corrupt.
CheckpointData readCheckpoint(const std::string& dir);

// The newest checkpoint that reads back completely; every skipped folder is reported through `warn`.
std::optional<CheckpointData> loadLatestCheckpoint(const std::string& runDir,
                                                   const std::function<void(const std::string&)>& warn = {});

}  // namespace mumu::training
