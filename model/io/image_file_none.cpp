// image_file_none.cpp — image_file.h in a build configured with -DMUMU_OIIO=OFF (the headless GPU check bundle,
// scripts/gpu/bundle.sh): no image file can be read or written, and every call says so, naming the file.
#include "model/io/image_file.h"

#include "model/error.h"

namespace mumu {

namespace {
[[noreturn]] void noImageFiles(const std::string& path) {
  fail(path, "this build reads and writes no image files (configured with -DMUMU_OIIO=OFF)");
}
}  // namespace

Image readImage(const std::string& path, const ImageReadOptions&) { noImageFiles(path); }

void writeImage(const std::string& path, const Image&, const std::map<std::string, std::string>&) {
  noImageFiles(path);
}

std::map<std::string, std::string> readImageText(const std::string& path) { noImageFiles(path); }

}  // namespace mumu
