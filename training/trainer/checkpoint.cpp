// checkpoint.cpp — atomic checkpoint folders: write into .tmp, fsync, marker last, rename, fsync the parent.
#include "training/trainer/checkpoint.h"

#include <fcntl.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/error.h"
#include "model/io/safetensors.h"

namespace mumu::training {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void fsyncPath(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return;  // best effort: a missing fsync only weakens durability, never correctness of reads
  ::fsync(fd);
  ::close(fd);
}

void writeText(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) fail(path, "cannot write");
  }
  fsyncPath(path, false);
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses the step out of "ckpt-000042"; -1 for anything else (".tmp" folders included).
int64_t stepOf(const std::string& name) {
  if (name.size() < 6 || name.rfind("ckpt-", 0) != 0) return -1;
  const std::string digits = name.substr(5);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit) || digits.size() > 15) return -1;
  return std::stoll(digits);
}

std::map<std::string, at::Tensor> cloned(const std::map<std::string, at::Tensor>& in) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : in) out[k] = v.clone();  // detach from the mapped file
  return out;
}

}  // namespace

std::string checkpointName(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ckpt-%06lld", static_cast<long long>(step));
  return buf;
}

std::string writeCheckpoint(const std::string& runDir, const CheckpointData& data, int64_t keep) {
  const fs::path root = fs::path(runDir) / "checkpoints";
  fs::create_directories(root);
  const fs::path final = root / checkpointName(data.step);
  const fs::path tmp = root / (checkpointName(data.step) + ".tmp");
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  json files = json::object();
  auto tensors = [&](const char* name, const std::map<std::string, at::Tensor>& t) {
    const std::string p = (tmp / name).string();
    saveSafetensors(p, t);
    fsyncPath(p, false);
    files[name] = fs::file_size(p);
  };
  tensors("trainable.safetensors", data.trainable);
  tensors("optimizer.safetensors", data.optimizer);
  if (!data.ema.empty()) tensors("ema.safetensors", data.ema);
  tensors("rng.safetensors", data.rng);
  json state = data.state;
  state["step"] = data.step;
  writeText((tmp / "state.json").string(), state.dump(1));
  files["state.json"] = fs::file_size(tmp / "state.json");
  // The marker last: a folder without it was interrupted.
  writeText((tmp / "COMPLETE").string(), json{{"step", data.step}, {"files", files}}.dump(1));
  fsyncPath(tmp.string(), true);
  fs::remove_all(final);  // an earlier (e.g. killed-and-resumed) run's folder for the same step
  fs::rename(tmp, final);
  fsyncPath(root.string(), true);
  // Keep the newest `keep` complete checkpoints.
  auto all = listCheckpoints(runDir);
  for (size_t i = static_cast<size_t>(std::max<int64_t>(keep, 1)); i < all.size(); ++i) fs::remove_all(all[i]);
  return final.string();
}

std::vector<std::string> listCheckpoints(const std::string& runDir) {
  std::vector<std::pair<int64_t, std::string>> found;
  const fs::path root = fs::path(runDir) / "checkpoints";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return {};
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const int64_t step = stepOf(e.path().filename().string());
    if (step >= 0 && e.is_directory()) found.emplace_back(step, e.path().string());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [s, p] : found) out.push_back(std::move(p));
  return out;
}

CheckpointData readCheckpoint(const std::string& dir) {
  const fs::path d(dir);
  if (!fs::is_regular_file(d / "COMPLETE")) fail(dir, "no COMPLETE marker (interrupted while writing)");
  json marker;
  try {
    marker = json::parse(readText((d / "COMPLETE").string()));
  } catch (const json::exception& e) {
    fail((d / "COMPLETE").string(), std::string("corrupt: ") + e.what());
  }
  if (!marker.contains("files") || !marker["files"].is_object()) fail((d / "COMPLETE").string(), "no file list");
  for (const auto& [name, size] : marker["files"].items()) {
    const fs::path p = d / name;
    std::error_code ec;
    const auto actual = fs::file_size(p, ec);
    if (ec) fail(p.string(), "missing");
    if (!size.is_number_unsigned() || actual != size.get<uint64_t>())
      fail(p.string(),
           "size " + std::to_string(actual) + " differs from the recorded " + size.dump() + " (truncated?)");
  }
  CheckpointData c;
  c.dir = dir;
  try {
    c.state = json::parse(readText((d / "state.json").string()));
    c.step = c.state.at("step").get<int64_t>();
  } catch (const json::exception& e) {
    fail((d / "state.json").string(), std::string("corrupt: ") + e.what());
  }
  if (c.step != stepOf(d.filename().string())) fail(dir, "state.json step does not match the folder name");
  c.trainable = cloned(loadSafetensors((d / "trainable.safetensors").string()));
  c.optimizer = cloned(loadSafetensors((d / "optimizer.safetensors").string()));
  if (marker["files"].contains("ema.safetensors")) c.ema = cloned(loadSafetensors((d / "ema.safetensors").string()));
  c.rng = cloned(loadSafetensors((d / "rng.safetensors").string()));
  return c;
}

std::optional<CheckpointData> loadLatestCheckpoint(const std::string& runDir,
                                                   const std::function<void(const std::string&)>& warn) {
  for (const auto& dir : listCheckpoints(runDir)) {
    try {
      return readCheckpoint(dir);
    } catch (const std::exception& e) {
      if (warn) warn(std::string("skipping checkpoint: ") + e.what());
    }
  }
  return std::nullopt;
}

}  // namespace mumu::training
