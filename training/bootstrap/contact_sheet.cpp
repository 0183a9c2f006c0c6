#include "contact_sheet.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model/error.h"
#include "model/vision/image_processing.h"

namespace mumu::training {
namespace {

// 5×7 glyphs for ASCII 32…126: 7 rows top to bottom, bit 4 = leftmost column.
// clang-format off
constexpr uint8_t kFont[95][7] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04},  // space !
    {0x0A, 0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00}, {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A},  // " #
    {0x04, 0x0F, 0x14, 0x0E, 0x05, 0x1E, 0x04}, {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03},  // $ %
    {0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D}, {0x0C, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00},  // & '
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},  // ( )
    {0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00}, {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00},  // * +
    {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}, {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},  // , -
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00},  // . /
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},  // 0 1
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},  // 2 3
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},  // 4 5
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},  // 6 7
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},  // 8 9
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08},  // : ;
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}, {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00},  // < =
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}, {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04},  // > ?
    {0x0E, 0x11, 0x01, 0x0D, 0x15, 0x15, 0x0E}, {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11},  // @ A
    {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}, {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E},  // B C
    {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F},  // D E
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}, {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F},  // F G
    {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E},  // H I
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}, {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11},  // J K
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}, {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11},  // L M
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},  // N O
    {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}, {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D},  // P Q
    {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}, {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E},  // R S
    {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},  // T U
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}, {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A},  // V W
    {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}, {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04},  // X Y
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}, {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E},  // Z [
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00}, {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E},  // \ ]
    {0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F},  // ^ _
    {0x08, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F},  // ` a
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}, {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E},  // b c
    {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}, {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E},  // d e
    {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}, {0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E},  // f g
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}, {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E},  // h i
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C}, {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12},  // j k
    {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11},  // l m
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}, {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E},  // n o
    {0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10}, {0x00, 0x00, 0x0D, 0x13, 0x0F, 0x01, 0x01},  // p q
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}, {0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E},  // r s
    {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}, {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D},  // t u
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04}, {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A},  // v w
    {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11}, {0x00, 0x00, 0x11, 0x11, 0x0F, 0x01, 0x0E},  // x y
    {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F}, {0x02, 0x04, 0x04, 0x08, 0x04, 0x04, 0x02},  // z {
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, {0x08, 0x04, 0x04, 0x02, 0x04, 0x04, 0x08},  // | }
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00}};                                              // ~
// clang-format on

// Lower-case letters with descenders use an eighth row, below the baseline.
struct Descender {
  char c;
  uint8_t rows[8];
};
constexpr Descender kDescenders[] = {{'g', {0x00, 0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
                                     {'j', {0x02, 0x00, 0x06, 0x02, 0x02, 0x02, 0x12, 0x0C}},
                                     {'p', {0x00, 0x00, 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10}},
                                     {'q', {0x00, 0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x01}},
                                     {'y', {0x00, 0x00, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E}}};

using Rgb = std::array<uint8_t, 3>;
constexpr Rgb kInk{24, 24, 28}, kMuted{110, 110, 118}, kRule{214, 214, 220}, kWhite{255, 255, 255};
// Crop frame colours, in prompt order; the target's boxes use the same.
constexpr Rgb kCropColours[] = {{230, 57, 70}, {29, 120, 220}, {30, 160, 80}, {240, 150, 20}, {150, 70, 200}};
constexpr Rgb kStyleFrame{90, 90, 96};

void fillRect(Image& img, int x0, int y0, int x1, int y1, Rgb c) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, img.width), y1 = std::min(y1, img.height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) std::copy(c.begin(), c.end(), img.row(y) + static_cast<size_t>(x) * 3);
}

void frameRect(Image& img, int x0, int y0, int x1, int y1, int t, Rgb c) {
  fillRect(img, x0, y0, x1, y0 + t, c);
  fillRect(img, x0, y1 - t, x1, y1, c);
  fillRect(img, x0, y0, x0 + t, y1, c);
  fillRect(img, x1 - t, y0, x1, y1, c);
}

void blit(Image& dst, const Image& src, int ox, int oy) {
  for (int y = 0; y < src.height; ++y) {
    const int dy = oy + y;
    if (dy < 0 || dy >= dst.height) continue;
    for (int x = 0; x < src.width; ++x) {
      const int dx = ox + x;
      if (dx < 0 || dx >= dst.width) continue;
      std::copy_n(src.row(y) + static_cast<size_t>(x) * 3, 3, dst.row(dy) + static_cast<size_t>(dx) * 3);
    }
  }
}

// Scaled by `scale`, but no larger than maxW × maxH: whole-number nearest-neighbour enlargement keeps small
// (64 px) images crisp; shrinking uses the Pillow-exact bilinear filter.
Image scaleImage(const Image& src, double scale, int maxW, int maxH) {
  const Image rgb = src.channels == 3 ? src : toRgb(src, 0);
  double s = std::min({scale, static_cast<double>(maxW) / rgb.width, static_cast<double>(maxH) / rgb.height});
  s = std::max(s, std::min(1.0, 12.0 / rgb.height));  // never smaller than 12 px high: still visible
  if (s >= 1) {
    const int k = std::max(1, static_cast<int>(std::floor(s)));
    Image out;
    out.width = rgb.width * k, out.height = rgb.height * k, out.channels = 3;
    out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
    for (int y = 0; y < out.height; ++y)
      for (int x = 0; x < out.width; ++x)
        std::copy_n(rgb.row(y / k) + static_cast<size_t>(x / k) * 3, 3, out.row(y) + static_cast<size_t>(x) * 3);
    return out;
  }
  const int w = std::max(1, static_cast<int>(std::lround(rgb.width * s)));
  const int h = std::max(1, static_cast<int>(std::lround(rgb.height * s)));
  return resizeImage(rgb, w, h, Resample::Bilinear);
}

Image fitImage(const Image& src, int maxW, int maxH) {
  return scaleImage(src, 1e9, maxW, maxH);
}

Image placeholder(int w, int h) {
  Image img;
  img.width = w, img.height = h, img.channels = 3;
  img.pixels.assign(static_cast<size_t>(w) * h * 3, 235);
  for (int i = 0; i < std::min(w, h); ++i) {
    const int x = i * w / std::min(w, h), y = i * h / std::min(w, h);
    fillRect(img, x, y, x + 2, y + 2, {200, 40, 40});
    fillRect(img, w - 1 - x, y, w + 1 - x, y + 2, {200, 40, 40});
  }
  return img;
}

Image loadOr(const std::string& path, int w, int h, std::vector<std::string>& missing, bool& ok) {
  try {
    ok = true;
    return readImage(path);
  } catch (const Error& e) {
    ok = false;
    missing.push_back(e.what());
    return placeholder(w, h);
  }
}

// One laid-out piece of a prompt line.
struct Item {
  bool image = false;
  std::string text;
  Image picture;
  Rgb frame{};
  int width = 0, height = 0;
};

std::string ascii(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += (c >= 32 && c < 127) ? static_cast<char>(c) : ' ';
    } else if ((c & 0xC0) != 0x80) {
      out += '?';  // one '?' per non-ASCII character
    }
  }
  return out;
}

}  // namespace

int textWidth(const std::string& text, int scale) {
  return static_cast<int>(ascii(text).size()) * kGlyphAdvance * scale;
}

void drawText(Image& image, int x, int y, const std::string& text, Rgb colour, int scale) {
  const std::string s = ascii(text);
  for (size_t i = 0; i < s.size(); ++i) {
    const int c = static_cast<unsigned char>(s[i]) - 32;
    if (c < 0 || c >= 95) continue;
    const int gx = x + static_cast<int>(i) * kGlyphAdvance * scale;
    const uint8_t* rows = kFont[c];
    int nrows = 7;
    for (const auto& d : kDescenders)
      if (d.c == s[i]) rows = d.rows, nrows = 8;
    for (int r = 0; r < nrows; ++r)
      for (int col = 0; col < 5; ++col)
        if (rows[r] & (0x10 >> col))
          fillRect(image, gx + col * scale, y + r * scale, gx + (col + 1) * scale, y + (r + 1) * scale, colour);
  }
}

Image renderContactSheet(const std::vector<Sample>& samples, const ContactSheetOptions& o) {
  if (o.width < 320 || o.width > 8192) fail("contact sheet", "width must be between 320 and 8192");
  if (o.thumbSize < 16 || o.thumbSize > 1024) fail("contact sheet", "thumbnail size must be between 16 and 1024");
  if (o.cropHeight < 8 || o.cropHeight > 512) fail("contact sheet", "crop height must be between 8 and 512");
  if (o.fontScale < 1 || o.fontScale > 8) fail("contact sheet", "font scale must be between 1 and 8");
  const int margin = 12;
  const int fs = o.fontScale;
  const int textH = kGlyphHeight * fs;
  const int lineH = std::max(o.cropHeight + 6, textH) + 6;
  const int leftW = o.thumbSize + 2 * margin;
  const int right0 = leftW, right1 = o.width - margin;
  const int space = kGlyphAdvance * fs;
  std::vector<std::string> problems;

  struct Row {
    Image thumb;
    std::vector<Box> boxes;  // in thumbnail pixels
    std::vector<Rgb> boxColours;
    std::vector<std::vector<std::pair<int, const Item*>>> lines;  // x offset, item
    std::vector<Item> items;
    std::string label, details;
    int height = 0;
  };
  std::vector<Row> rows(samples.size());
  for (size_t si = 0; si < samples.size(); ++si) {
    const Sample& s = samples[si];
    Row& row = rows[si];
    bool ok = true;
    const Image target = loadOr(s.absolute(s.image), s.width, s.height, problems, ok);
    row.thumb = fitImage(target, o.thumbSize, o.thumbSize);
    const double k = static_cast<double>(row.thumb.width) / std::max(1, target.width);
    // prompt items
    int crop = 0, heads = 0, augmented = 0;
    for (const auto& g : s.segments) {
      if (g.kind == PromptSegment::Kind::Text) {
        size_t p = 0;
        const std::string t = ascii(g.text);
        while (p < t.size()) {
          size_t e = t.find(' ', p);
          if (e == std::string::npos) e = t.size();
          if (e > p) {
            Item it;
            it.text = t.substr(p, e - p);
            it.width = textWidth(it.text, fs);
            it.height = textH;
            row.items.push_back(std::move(it));
          }
          p = e + 1;
        }
        continue;
      }
      Item it;
      it.image = true;
      bool loaded = true;
      const Image picture = loadOr(s.absolute(g.path), o.cropHeight, o.cropHeight, problems, loaded);
      // object crops at the target thumbnail's scale, so their sizes compare; style references fitted
      it.picture = g.role == "object" && loaded ? scaleImage(picture, k, 3 * o.cropHeight, o.cropHeight)
                                                : fitImage(picture, 3 * o.cropHeight, o.cropHeight);
      if (g.role == "object") {
        it.frame = kCropColours[static_cast<size_t>(crop) % std::size(kCropColours)];
        row.boxes.push_back(Box{static_cast<float>(g.box.x0 * k), static_cast<float>(g.box.y0 * k),
                                static_cast<float>(g.box.x1 * k), static_cast<float>(g.box.y1 * k)});
        row.boxColours.push_back(it.frame);
        ++crop;
        heads += g.head;
      } else {
        it.frame = kStyleFrame;
      }
      augmented += !g.augment.empty();
      it.width = it.picture.width + 6;
      it.height = it.picture.height + 6;
      row.items.push_back(std::move(it));
    }
    // flow into lines
    row.lines.emplace_back();
    int x = 0;
    for (const auto& it : row.items) {
      const int w = std::min(it.width, right1 - right0);
      if (x > 0 && x + w > right1 - right0) {
        row.lines.emplace_back();
        x = 0;
      }
      row.lines.back().emplace_back(x, &it);
      x += w + space;
    }
    row.label = s.id;
    row.details = std::to_string(crop) + " crop" + (crop == 1 ? "" : "s");
    if (heads) row.details += ", " + std::to_string(heads) + " head";
    if (augmented) row.details += ", " + std::to_string(augmented) + " augmented";
    if (!s.style.empty()) row.details += "  style: " + s.style;
    if (!s.source.empty()) row.details += "  source: " + s.source;
    row.details += "  " + s.manifest + ":" + std::to_string(s.line);
    if (!ok) row.details += "  (target image missing)";
    const int promptH = static_cast<int>(row.lines.size()) * lineH + kGlyphHeight + 8;
    const int thumbH = row.thumb.height + kGlyphHeight + 8;
    row.height = std::max(promptH, thumbH) + 2 * margin;
  }

  const int headerH = margin + textH + 6 + kGlyphHeight + margin;
  int height = headerH;
  for (const auto& r : rows) height += r.height;
  Image sheet;
  sheet.width = o.width, sheet.height = std::max(height, headerH + 1), sheet.channels = 3;
  sheet.pixels.assign(static_cast<size_t>(sheet.width) * sheet.height * 3, 255);
  drawText(sheet, margin, margin, o.title.empty() ? "MUMU bootstrap contact sheet" : o.title, kInk, fs);
  drawText(sheet, margin, margin + textH + 6,
           std::to_string(samples.size()) +
               " samples. Coloured frames: image crops in prompt order; the same colour "
               "marks where each was cut from the target. Grey frame: style reference.",
           kMuted, 1);
  int y = headerH;
  for (const auto& r : rows) {
    fillRect(sheet, 0, y, sheet.width, y + 1, kRule);
    const int top = y + margin;
    blit(sheet, r.thumb, margin, top);
    for (size_t b = 0; b < r.boxes.size(); ++b) {
      const Box& bx = r.boxes[b];
      frameRect(sheet, margin + static_cast<int>(std::floor(bx.x0)), top + static_cast<int>(std::floor(bx.y0)),
                margin + static_cast<int>(std::ceil(bx.x1)), top + static_cast<int>(std::ceil(bx.y1)), 2,
                r.boxColours[b]);
    }
    std::string label = r.label;
    const size_t maxChars = static_cast<size_t>((leftW - margin) / kGlyphAdvance);
    if (label.size() > maxChars) label = label.substr(0, maxChars - 2) + "..";
    drawText(sheet, margin, top + r.thumb.height + 4, label, kMuted, 1);
    int ly = top;
    for (const auto& line : r.lines) {
      for (const auto& [lx, it] : line) {
        const int x0 = right0 + lx;
        if (it->image) {
          const int iy = ly + (lineH - 6 - it->height) / 2;
          fillRect(sheet, x0, iy, x0 + it->width, iy + it->height, it->frame);
          fillRect(sheet, x0 + 2, iy + 2, x0 + it->width - 2, iy + it->height - 2, kWhite);
          blit(sheet, it->picture, x0 + 3, iy + 3);
        } else {
          drawText(sheet, x0, ly + (lineH - 6 - textH) / 2, it->text, kInk, fs);
        }
      }
      ly += lineH;
    }
    drawText(sheet, right0, ly + 2, r.details, kMuted, 1);
    y += r.height;
  }
  return sheet;
}

int64_t writeContactSheet(const DatasetReader& reader, const std::string& outPath, int64_t first, int64_t count,
                          ContactSheetOptions options) {
  if (first < 0 || count <= 0) fail("contact sheet", "first must be ≥ 0 and count > 0");
  std::vector<Sample> picked;
  int64_t seen = 0;
  for (int64_t s = 0; s < reader.numShards() && static_cast<int64_t>(picked.size()) < count; ++s) {
    const int64_t n = reader.info().shards[static_cast<size_t>(s)].samples;
    if (seen + n <= first) {  // skip whole shards without reading them
      seen += n;
      continue;
    }
    for (auto& sample : reader.readShard(s)) {
      if (seen++ < first) continue;
      picked.push_back(std::move(sample));
      if (static_cast<int64_t>(picked.size()) == count) break;
    }
  }
  if (picked.empty())
    fail("contact sheet", "the data set " + reader.root() + " has no samples from index " + std::to_string(first));
  if (options.title.empty())
    options.title = "MUMU bootstrap: " + std::filesystem::path(reader.root()).filename().string() + " (" +
                    reader.info().kind + ", seed " + std::to_string(reader.info().seed) + ", " +
                    std::to_string(reader.numSamples()) + " samples)";
  writeImage(outPath, renderContactSheet(picked, options));
  return static_cast<int64_t>(picked.size());
}

}  // namespace mumu::training
