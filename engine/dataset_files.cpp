// Data-set file loaders (engine/datasets.hpp): sklearn's digits CSV and IDX files, plain or gzip-compressed.
// A file is read whole into memory (Fashion-MNIST's training images: 47 MB) and then parsed.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "engine/datasets.hpp"
#include "engine/error.hpp"

#if defined(VOLLEY_HAVE_ZLIB)
#include <zlib.h>
#endif

namespace volley::data {
namespace {

namespace fs = std::filesystem;
using bytes = std::vector<unsigned char>;

void require_regular_file(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw user_error(path + ": no such file");
  if (!fs::is_regular_file(status)) throw user_error(path + ": not a regular file");
}

#if defined(VOLLEY_HAVE_ZLIB)

// zlib's message for the last error, without the "path: " it puts in front.
std::string zlib_message(gzFile file, const std::string& path, int& code) {
  std::string message = gzerror(file, &code);
  if (message.starts_with(path + ": ")) message.erase(0, path.size() + 2);
  return message;
}

// zlib reads plain files unchanged and gzip files decompressed (gzdirect), so one path serves both.
bytes read_all(const std::string& path) {
  require_regular_file(path);
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw user_error(path + ": cannot open: " + std::strerror(errno));
  gzbuffer(file, 1u << 17);
  bytes out;
  constexpr unsigned chunk = 1u << 20;
  for (;;) {
    const std::size_t old_size = out.size();
    out.resize(old_size + chunk);
    const int got = gzread(file, out.data() + old_size, chunk);
    if (got < 0) {
      int code = Z_OK;
      const std::string message = zlib_message(file, path, code);
      gzclose(file);
      throw user_error(path + ": cannot decompress: " + message);
    }
    out.resize(old_size + static_cast<std::size_t>(got));
    if (got == 0) break;
  }
  // A gzip stream that stops early is reported as Z_BUF_ERROR after the last bytes were returned.
  int code = Z_OK;
  const std::string message = zlib_message(file, path, code);
  gzclose(file);
  if (code == Z_BUF_ERROR) throw user_error(path + ": truncated gzip file (" + message + ")");
  if (code != Z_OK) throw user_error(path + ": cannot decompress: " + message);
  return out;
}

#else

bytes read_all(const std::string& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw user_error(path + ": cannot open: " + std::strerror(errno));
  bytes out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (out.size() >= 2 && out[0] == 0x1f && out[1] == 0x8b)
    throw user_error(path +
                     ": gzip-compressed, but this build of volley has no zlib (configure with zlib, "
                     "VOLLEY_HAVE_ZLIB, or decompress the file with gunzip)");
  return out;
}

#endif

std::string base_name(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  if (name.size() > 3 && name.ends_with(".gz")) name.resize(name.size() - 3);
  return name;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// ---- digits CSV --------------------------------------------------------------------------------------------------

constexpr std::size_t digit_pixels = 64;  // 8 x 8
constexpr double digit_max = 16.0;        // pixel values are counts of set bits in 4x4 blocks: 0..16
constexpr int digit_classes = 10;

std::string where(const std::string& path, std::size_t line) { return path + ":" + std::to_string(line) + ": "; }

double parse_number(std::string_view field, const std::string& path, std::size_t line, std::size_t column) {
  field = trim(field);
  double v = 0.0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc{} || end != field.data() + field.size() || !std::isfinite(v))
    throw user_error(where(path, line) + "field " + std::to_string(column) + " = '" + std::string(field) +
                     "' is not a finite number");
  return v;
}

// ---- IDX ---------------------------------------------------------------------------------------------------------

constexpr std::uint32_t idx_images_magic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t idx_labels_magic = 0x00000801;  // unsigned bytes, 1 dimension

std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::string hex(std::uint32_t v) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08X", v);
  return buffer;
}

// Checks the header length and magic number; returns the header's u32 fields after the magic.
std::vector<std::uint32_t> idx_header(const bytes& file, const std::string& path, std::uint32_t magic,
                                      std::size_t n_dims, const char* what) {
  const std::size_t header = 4 * (1 + n_dims);
  if (file.size() < 4) throw user_error(path + ": truncated: " + std::to_string(file.size()) + " bytes, no IDX header");
  const std::uint32_t found = big_endian_u32(file.data());
  if (found != magic) {
    std::string hint;
    if (found == idx_images_magic) hint = " (this is an IDX image file)";
    if (found == idx_labels_magic) hint = " (this is an IDX label file)";
    throw user_error(path + ": bad magic number " + hex(found) + hint + ": expected " + hex(magic) + " for " + what);
  }
  if (file.size() < header)
    throw user_error(path + ": truncated: " + std::to_string(file.size()) + " bytes, shorter than the " +
                     std::to_string(header) + "-byte header of " + what);
  std::vector<std::uint32_t> fields;
  for (std::size_t k = 1; k <= n_dims; ++k) fields.push_back(big_endian_u32(file.data() + 4 * k));
  return fields;
}

void check_idx_length(const bytes& file, const std::string& path, std::size_t expected, const std::string& header) {
  if (file.size() < expected)
    throw user_error(path + ": truncated: the header says " + header + ", " + std::to_string(expected) +
                     " bytes in all; the file has " + std::to_string(file.size()));
  if (file.size() > expected)
    throw user_error(path + ": " + std::to_string(file.size() - expected) + " bytes after the data (the header says " +
                     header + ", " + std::to_string(expected) + " bytes in all)");
}

}  // namespace

bool gzip_supported() {
#if defined(VOLLEY_HAVE_ZLIB)
  return true;
#else
  return false;
#endif
}

dataset load_digits_csv(const std::string& path) {
  const bytes file = read_all(path);
  const std::string_view text(reinterpret_cast<const char*>(file.data()), file.size());
  dataset d;
  d.n_features = digit_pixels;
  d.n_classes = digit_classes;
  d.name = "digits";
  d.x.reserve(1797 * digit_pixels);
  d.y.reserve(1797);
  std::vector<std::string_view> fields;
  std::size_t line_number = 0;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(begin, end - begin));
    begin = end + 1;
    ++line_number;
    if (line.empty()) continue;
    fields.clear();
    for (std::size_t from = 0;;) {
      const std::size_t comma = line.find(',', from);
      fields.push_back(line.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from));
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    if (fields.size() != digit_pixels + 1)
      throw user_error(where(path, line_number) + std::to_string(fields.size()) +
                       " comma-separated fields, expected 65 (64 pixel values 0..16, then the label 0..9)");
    for (std::size_t k = 0; k < digit_pixels; ++k) {
      const double v = parse_number(fields[k], path, line_number, k + 1);
      if (v < 0.0 || v > digit_max)
        throw user_error(where(path, line_number) + "pixel " + std::to_string(k + 1) + " = " +
                         std::string(trim(fields[k])) + ": expected 0..16");
      d.x.push_back(static_cast<float>(v / digit_max));
    }
    const double label = parse_number(fields[digit_pixels], path, line_number, digit_pixels + 1);
    if (label != std::floor(label) || label < 0.0 || label >= digit_classes)
      throw user_error(where(path, line_number) + "label (field 65) = " + std::string(trim(fields[digit_pixels])) +
                       ": expected an integer 0..9");
    d.y.push_back(static_cast<int>(label));
  }
  if (d.size() == 0) throw user_error(path + ": no samples (expected lines of 64 pixel values and a label)");
  return d;
}

dataset load_idx(const std::string& images_path, const std::string& labels_path, std::size_t n_classes) {
  if (n_classes == 0 || n_classes > 256)
    throw parameter_error("load_idx(" + images_path + ")", "n_classes", std::to_string(n_classes),
                          "1..256 (labels are single bytes)");
  const bytes images = read_all(images_path);
  const auto dims = idx_header(images, images_path, idx_images_magic, 3, "IDX images (unsigned bytes, 3 dimensions)");
  const std::size_t n = dims[0], rows = dims[1], cols = dims[2];
  const std::size_t pixels = rows * cols;  // < 2^64: each factor < 2^32
  if (pixels != 0 && n > (SIZE_MAX - 16) / pixels)
    throw user_error(images_path + ": the header says " + std::to_string(n) + " images of " + std::to_string(rows) +
                     "x" + std::to_string(cols) + ": more than 2^64 bytes");
  check_idx_length(images, images_path, 16 + n * pixels,
                   std::to_string(n) + " images of " + std::to_string(rows) + "x" + std::to_string(cols));

  const bytes labels = read_all(labels_path);
  const std::size_t n_labels = idx_header(labels, labels_path, idx_labels_magic, 1, "IDX labels (unsigned bytes)")[0];
  check_idx_length(labels, labels_path, 8 + n_labels, std::to_string(n_labels) + " labels");
  if (n_labels != n)
    throw user_error(images_path + " has " + std::to_string(n) + " images but " + labels_path + " has " +
                     std::to_string(n_labels) + " labels");

  dataset d;
  d.n_features = pixels;
  d.n_classes = n_classes;
  d.name = base_name(images_path);
  d.x.resize(n * pixels);
  const unsigned char* p = images.data() + 16;
  for (std::size_t k = 0; k < d.x.size(); ++k) d.x[k] = static_cast<float>(p[k]) / 255.0f;
  d.y.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned label = labels[8 + i];
    if (label >= n_classes)
      throw user_error(labels_path + ": label " + std::to_string(i) + " = " + std::to_string(label) + ": expected 0.." +
                       std::to_string(n_classes - 1));
    d.y[i] = static_cast<int>(label);
  }
  return d;
}

std::string default_digits_path() {
  std::vector<fs::path> roots = {"/usr/lib/python3/dist-packages"};
  for (const char* lib : {"/usr/lib", "/usr/local/lib"}) {
    std::error_code ec;
    std::vector<fs::path> versions;  // python3.11, python3.12, ... in sorted order
    for (const auto& entry : fs::directory_iterator(lib, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("python3")) versions.push_back(entry.path());
    }
    std::sort(versions.begin(), versions.end());
    for (const auto& v : versions)
      for (const char* packages : {"dist-packages", "site-packages"}) roots.push_back(v / packages);
  }
  for (const auto& root : roots)
    for (const char* file : {"digits.csv.gz", "digits.csv"}) {
      const fs::path candidate = root / "sklearn" / "datasets" / "data" / file;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
  return "";
}

idx_paths default_fashion_mnist_paths(bool train) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  const std::string prefix = train ? "train" : "t10k";
  const auto find = [&](const std::string& stem) -> std::string {
    for (const char* suffix : {"", ".gz"}) {
      const fs::path candidate = dir / (prefix + stem + suffix);
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    return "";
  };
  idx_paths paths{find("-images-idx3-ubyte"), find("-labels-idx1-ubyte")};
  if (paths.images.empty() || paths.labels.empty()) return {};
  return paths;
}

}  // namespace volley::data
