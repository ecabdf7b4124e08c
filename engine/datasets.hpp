#pragma once
// Labelled data sets for training: Yin-Yang (generated), sklearn's 8x8 digits (CSV) and IDX files (Fashion-MNIST).
// Every loader returns features scaled to [0, 1] and labels in [0, n_classes). Errors are user_error naming the
// file, the place in it and what was expected.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace volley::data {

struct dataset {
  std::size_t n_features = 0;
  std::size_t n_classes = 0;
  std::vector<float> x;  // [sample][feature], row-major: size() * n_features values
  std::vector<int> y;    // [sample], each in [0, n_classes)
  std::string name;      // for messages and logs, e.g. "yin_yang", "digits", "train-images-idx3-ubyte"
  std::size_t size() const { return y.size(); }
  const float* row(std::size_t sample) const { return x.data() + sample * n_features; }
};

// ---- Yin-Yang (Kriener, Goeltz, Petrovici 2021: "The Yin-Yang dataset", github.com/lkriener/yin_yang_data_set) ----
// Points uniform in the disc of radius 0.5 about (0.5, 0.5); labels as the reference's which_class:
//   2 (dot):  within 0.1 of (0.25, 0.5) or of (0.75, 0.5);
//   1:        otherwise, within 0.25 of (0.25, 0.5), or y > 0.5 and farther than 0.25 from (0.75, 0.5)
//             (the region the reference's code calls is_yin; its class_names list calls label 1 'yang');
//   0:        the rest.
// Sample i has label i % 3 (exact balance when 3 divides n): its point is redrawn until it has that label.
// Features (x, y, 1 - x, 1 - y), 4 per sample; the label is decided on the stored (float) coordinates.
// Deterministic: sample i draws from the Philox stream (seed, yin_yang tag, index i), so any sample can be
// regenerated alone. Throws parameter_error for n > 2^32.
dataset yin_yang(std::size_t n, std::uint64_t seed);

// The Yin-Yang label of a point (x, y) by the rule above; exposed for tests and plots.
int yin_yang_class(double x, double y);

// ---- sklearn's digits (UCI optdigits test set, 1797 samples of 8x8 pixels, 10 classes) ----------------------------
// `path`: digits.csv or digits.csv.gz, one sample per line: 64 pixel values 0..16, then the label 0..9, separated by
// commas. Features are pixel / 16. Throws user_error for a missing file, a line with another number of fields, a
// value that is not a number or out of range, or a file without samples.
dataset load_digits_csv(const std::string& path);

// sklearn/datasets/data/digits.csv.gz (or digits.csv) under /usr/lib/python3/dist-packages, /usr/lib/python3.*/
// {dist,site}-packages or the same under /usr/local/lib; "" when absent (Debian: apt-get install python3-sklearn).
std::string default_digits_path();

// ---- IDX files (LeCun's MNIST format; Fashion-MNIST) ---------------------------------------------------------------
// images: big-endian u32 magic 0x00000803 (unsigned bytes, 3 dimensions), count, rows, columns, then the pixels;
// labels: magic 0x00000801, count, then one byte per label. Plain or gzip-compressed (detected from the content).
// Features are pixel / 255, n_features = rows * columns. Throws user_error for a missing file, a bad magic number,
// a file shorter or longer than its header says, different counts in the two files, or a label >= n_classes.
dataset load_idx(const std::string& images_path, const std::string& labels_path, std::size_t n_classes = 10);

struct idx_paths {
  std::string images;
  std::string labels;
};

// Fashion-MNIST's training (60000) or test (10000) files under /usr/share/datasets/fashion-mnist (Debian:
// apt-get install dataset-fashion-mnist), plain or .gz; both strings empty when either file is absent.
idx_paths default_fashion_mnist_paths(bool train);

// Whether this build reads gzip-compressed files (compiled with zlib, VOLLEY_HAVE_ZLIB). Without it, plain files
// still load and a .gz file is refused with a message saying so.
bool gzip_supported();

// ---- splitting and shuffling -------------------------------------------------------------------------------------
// first = samples [0, n_first), second = samples [n_first, size()). `first` or `second` may be `all` itself.
// Throws parameter_error for n_first > all.size() or an inconsistent `all` (x.size() != size() * n_features).
void split(const dataset& all, std::size_t n_first, dataset& first, dataset& second);

// Permutes the samples (rows of x with their labels) by Fisher-Yates, drawing from the Philox stream
// (seed, shuffle tag): the same seed gives the same order on every machine.
void shuffle(dataset& d, std::uint64_t seed);

}  // namespace volley::data
