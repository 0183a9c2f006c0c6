// bootstrap_test_util.h — helpers shared by test_bootstrap.cpp and test_shape_world.cpp.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace mumu::test {

// A fresh folder under the system temp folder, removed again at the end of the test.
class TempFolder {
 public:
  TempFolder() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info ? info->test_suite_name() : "t") + "_" + (info ? info->name() : "t");
    for (char& c : name)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    path_ = std::filesystem::temp_directory_path() /
            ("mumu_bootstrap_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Every regular file under `root` (relative path → bytes).
inline std::map<std::string, std::string> readTree(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[std::filesystem::relative(e.path(), root).string()] = readFile(e.path().string());
  return out;
}

// Asserts two trees hold the same files with the same bytes, naming the first difference.
inline ::testing::AssertionResult sameTree(const std::string& a, const std::string& b) {
  const auto ta = readTree(a), tb = readTree(b);
  for (const auto& [k, v] : ta) {
    auto it = tb.find(k);
    if (it == tb.end()) return ::testing::AssertionFailure() << k << " is only in " << a;
    if (it->second != v) return ::testing::AssertionFailure() << k << " differs between " << a << " and " << b;
  }
  for (const auto& [k, v] : tb)
    if (!ta.count(k)) return ::testing::AssertionFailure() << k << " is only in " << b;
  return ::testing::AssertionSuccess() << ta.size() << " identical files";
}

}  // namespace mumu::test
