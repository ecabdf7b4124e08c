// Writers of a volley::recording: HDF5 (layout: docs/hdf5_layout.md) and a flat spike CSV.
//
// Both write "<path>.tmp" and rename it to <path> only once the file is complete and closed, so an interrupted or
// failed write never leaves a truncated file under the final name (and never clobbers an older complete one).
// Everything that can be checked without touching the disk (names, array lengths) is checked before the file is
// created: a bad record leaves no file behind at all.
#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/recording.hpp"

namespace volley {
namespace {

// The layout promises uint32 steps and neuron indices; a wider type here needs a new format_version.
static_assert(std::is_same_v<step_t, std::uint32_t> && std::is_same_v<index_t, std::uint32_t>);

constexpr int format_version = 1;
constexpr hsize_t compress_above = 100'000;  // elements; smaller datasets are stored contiguous, uncompressed
constexpr hsize_t chunk_elements = 1 << 16;  // per chunk: 256 KiB of uint32/float, 512 KiB of float64
const std::set<std::string> reserved_root_attributes = {"format", "format_version", "dt_ms",
                                                        "seed",   "duration_ms",    "interrupted"};

// ---- temporary file, renamed into place on success -------------------------------------------------------

// Owns "<path>.tmp": removes it on destruction unless commit() renamed it to <path>.
class temporary_file {
 public:
  temporary_file(std::string writer, std::string path)
      : writer_(std::move(writer)), path_(std::move(path)), tmp_(path_ + ".tmp") {}
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;
  ~temporary_file() {
    if (!committed_) {
      std::error_code ignored;
      std::filesystem::remove(tmp_, ignored);
    }
  }
  const std::string& name() const { return tmp_; }
  void commit() {
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);  // atomic replace on POSIX
    if (ec) {
      throw user_error(writer_ + ": cannot write '" + path_ + "': renaming the complete temporary file '" + tmp_ +
                       "' to it failed: " + ec.message());
    }
    committed_ = true;
  }

 private:
  std::string writer_, path_, tmp_;
  bool committed_ = false;
};

// ---- validation -------------------------------------------------------------------------------------------

[[noreturn]] void reject(const std::string& writer, const std::string& path, const std::string& why) {
  throw user_error(writer + ": cannot write '" + path + "': " + why);
}

// A population or variable name becomes one HDF5 link name: '/' would silently create nested groups, "." names
// the parent group itself, and an embedded NUL would truncate the name.
void check_link_name(const std::string& path, const std::string& what, const std::string& name) {
  const auto quoted = "'" + name + "'";
  if (name.empty()) reject("write_hdf5", path, what + " name is empty");
  if (name == ".") reject("write_hdf5", path, what + " name '.' is reserved by HDF5");
  if (name.find('/') != std::string::npos) {
    reject("write_hdf5", path, what + " name " + quoted + " contains '/', which HDF5 reads as a group separator");
  }
  if (name.find('\0') != std::string::npos) reject("write_hdf5", path, what + " name " + quoted + " contains NUL");
}

void check_spike_lengths(const std::string& writer, const std::string& path, const spike_record& s) {
  if (!s.multiplicity.empty() && s.multiplicity.size() != s.step.size())
    reject(writer, path,
           "spike record of population '" + s.population + "' has " + std::to_string(s.step.size()) + " steps and " +
               std::to_string(s.multiplicity.size()) + " multiplicities: expected equal lengths (or none)");
  if (s.neuron.size() != s.step.size() || s.batch.size() != s.step.size()) {
    reject(writer, path,
           "spike record of population '" + s.population + "' has " + std::to_string(s.step.size()) + " steps, " +
               std::to_string(s.neuron.size()) + " neurons and " + std::to_string(s.batch.size()) +
               " batch entries: expected equal lengths");
  }
}

void validate_for_hdf5(const recording& rec, const std::string& path) {
  std::set<std::string> populations;
  for (const auto& s : rec.spikes) {
    check_link_name(path, "population", s.population);
    check_spike_lengths("write_hdf5", path, s);
    if (!populations.insert(s.population).second) {
      reject("write_hdf5", path, "population '" + s.population + "' has two spike records");
    }
  }
  std::set<std::pair<std::string, std::string>> traces;
  for (const auto& t : rec.traces) {
    const auto name = "trace '" + t.population + "/" + t.variable + "'";
    check_link_name(path, "population", t.population);
    check_link_name(path, "variable", t.variable);
    if (!traces.emplace(t.population, t.variable).second) reject("write_hdf5", path, name + " is recorded twice");
    const auto expected = t.samples() * t.batch_size * t.neurons.size();
    if (t.values.size() != expected) {
      reject("write_hdf5", path,
             name + " has " + std::to_string(t.values.size()) + " values: expected samples (" +
                 std::to_string(t.samples()) + ") x batch_size (" + std::to_string(t.batch_size) + ") x neurons (" +
                 std::to_string(t.neurons.size()) + ") = " + std::to_string(expected));
    }
    if (t.unit.find('\0') != std::string::npos) reject("write_hdf5", path, name + " unit contains NUL");
  }
  for (const auto& [key, value] : rec.attributes) {
    const auto name = "attribute '" + key + "'";
    if (key.empty()) reject("write_hdf5", path, "attribute name is empty");
    if (reserved_root_attributes.contains(key)) reject("write_hdf5", path, name + " is reserved by the layout");
    if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      reject("write_hdf5", path, name + " contains NUL");
    }
  }
}

// ---- HDF5 handles and error reporting ---------------------------------------------------------------------

// One HDF5 identifier with the function that closes it.
class h5_id {
 public:
  h5_id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  h5_id(h5_id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
  h5_id& operator=(h5_id&&) = delete;
  h5_id(const h5_id&) = delete;
  h5_id& operator=(const h5_id&) = delete;
  ~h5_id() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  // Closes now and returns the status, for handles (the file) whose close does real work that may fail.
  herr_t close() { return close_(std::exchange(id_, H5I_INVALID_HID)); }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Stops HDF5 from printing its error stack to stderr while we turn failures into exceptions; restores the
// previous handler (HDF5's state is process-wide) on exit.
class hdf5_errors_silenced {
 public:
  hdf5_errors_silenced() {
    H5Eget_auto2(H5E_DEFAULT, &handler_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  hdf5_errors_silenced(const hdf5_errors_silenced&) = delete;
  hdf5_errors_silenced& operator=(const hdf5_errors_silenced&) = delete;
  ~hdf5_errors_silenced() { H5Eset_auto2(H5E_DEFAULT, handler_, data_); }

 private:
  H5E_auto2_t handler_ = nullptr;
  void* data_ = nullptr;
};

// The innermost entry of HDF5's error stack (walked from the API call down to where the error was detected):
// it carries the cause, e.g. "unable to open file: name = '...', errno = 2, error message = 'No such file...'".
std::string hdf5_error_cause() {
  std::string cause;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        if (e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &cause);
  return cause.empty() ? std::string() : " (HDF5: " + cause + ")";
}

// Turns failed HDF5 calls into user_error naming the file and the object.
class h5_writer {
 public:
  explicit h5_writer(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& action, const std::string& object) const {
    throw user_error("write_hdf5: cannot write '" + path_ + "': " + action + " '" + object + "' failed" +
                     hdf5_error_cause());
  }
  h5_id own(hid_t id, herr_t (*close)(hid_t), const std::string& action, const std::string& object) const {
    if (id < 0) fail(action, object);
    return {id, close};
  }
  void check(herr_t status, const std::string& action, const std::string& object) const {
    if (status < 0) fail(action, object);
  }

 private:
  std::string path_;
};

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return H5T_NATIVE_UINT32;
  else
    static_assert(sizeof(T) == 0, "no HDF5 type for this element type");
}

// Type in the file: fixed little-endian, so a file does not depend on the machine that wrote it.
template <class T>
hid_t file_type() {
  if constexpr (std::is_same_v<T, double>)
    return H5T_IEEE_F64LE;
  else if constexpr (std::is_same_v<T, float>)
    return H5T_IEEE_F32LE;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return H5T_STD_U32LE;
  else
    static_assert(sizeof(T) == 0, "no HDF5 type for this element type");
}

bool deflate_available() {
  unsigned config = 0;
  return H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 && H5Zget_filter_info(H5Z_FILTER_DEFLATE, &config) >= 0 &&
         (config & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
}

// Creation properties of a dataset of shape dims: contiguous when small (or empty), else chunked with deflate
// level 1. Chunks take whole rows of the trailing dimensions, so a chunk of values holds complete samples when
// they fit.
h5_id dataset_properties(const h5_writer& w, std::span<const hsize_t> dims, const std::string& object) {
  auto dcpl = w.own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "creating properties of dataset", object);
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  if (n <= compress_above || !deflate_available()) return dcpl;
  std::vector<hsize_t> chunk(dims.size());
  hsize_t in_chunk = 1;
  for (std::size_t i = dims.size(); i-- > 0;) {
    chunk[i] = std::clamp<hsize_t>(chunk_elements / in_chunk, 1, dims[i]);
    in_chunk *= chunk[i];
  }
  w.check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "setting chunks of", object);
  w.check(H5Pset_deflate(dcpl.get(), 1), "setting compression of", object);
  return dcpl;
}

// Creates dataset parent_path/name of shape dims from row-major data (which may be null when empty).
template <class T>
h5_id write_dataset(const h5_writer& w, hid_t parent, const std::string& parent_path, const char* name,
                    std::span<const hsize_t> dims, const T* data) {
  const auto object = parent_path + "/" + name;
  auto space = w.own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
                     "creating the dataspace of", object);
  auto dcpl = dataset_properties(w, dims, object);
  auto set = w.own(H5Dcreate2(parent, name, file_type<T>(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                   H5Dclose, "creating dataset", object);
  if (H5Sget_simple_extent_npoints(space.get()) > 0) {
    w.check(H5Dwrite(set.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing dataset", object);
  }
  return set;
}

template <class T>
void write_vector(const h5_writer& w, hid_t parent, const std::string& parent_path, const char* name,
                  const std::vector<T>& v) {
  const hsize_t dims[] = {v.size()};
  write_dataset(w, parent, parent_path, name, dims, v.data());
}

void write_attribute(const h5_writer& w, hid_t object, const std::string& object_path, const std::string& name,
                     hid_t stored_type, hid_t memory_type, const void* value) {
  const auto what = object_path + " @" + name;
  auto space = w.own(H5Screate(H5S_SCALAR), H5Sclose, "creating the dataspace of attribute", what);
  auto attribute = w.own(H5Acreate2(object, name.c_str(), stored_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                         "creating attribute", what);
  w.check(H5Awrite(attribute.get(), memory_type, value), "writing attribute", what);
}

// Variable-length UTF-8 strings: h5py reads them as str (fixed-length ones come back as bytes).
void write_string_attribute(const h5_writer& w, hid_t object, const std::string& object_path, const std::string& name,
                            const std::string& value) {
  const auto what = object_path + " @" + name;
  auto type = w.own(H5Tcopy(H5T_C_S1), H5Tclose, "creating the string type of attribute", what);
  w.check(H5Tset_size(type.get(), H5T_VARIABLE), "creating the string type of attribute", what);
  w.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "creating the string type of attribute", what);
  const char* text = value.c_str();
  write_attribute(w, object, object_path, name, type.get(), type.get(), &text);
}

// Link creation properties: names are stored as UTF-8, and no intermediate groups are ever made.
h5_id utf8_link_properties(const h5_writer& w) {
  auto lcpl = w.own(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "creating link properties for", "/");
  w.check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), "setting UTF-8 link names for", "/");
  return lcpl;
}

h5_id create_group(const h5_writer& w, hid_t parent, hid_t lcpl, const std::string& path, const std::string& name) {
  return w.own(H5Gcreate2(parent, name.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "creating group", path);
}

void write_root_attributes(const h5_writer& w, hid_t file, const recording& rec) {
  const int interrupted = rec.interrupted ? 1 : 0;
  write_string_attribute(w, file, "/", "format", "volley-recording");
  write_attribute(w, file, "/", "format_version", H5T_STD_I32LE, H5T_NATIVE_INT, &format_version);
  write_attribute(w, file, "/", "dt_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &rec.dt_ms);
  write_attribute(w, file, "/", "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &rec.seed);
  write_attribute(w, file, "/", "duration_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &rec.duration_ms);
  write_attribute(w, file, "/", "interrupted", H5T_STD_I32LE, H5T_NATIVE_INT, &interrupted);
  for (const auto& [key, value] : rec.attributes) write_string_attribute(w, file, "/", key, value);
}

void write_spikes(const h5_writer& w, hid_t file, hid_t lcpl, const recording& rec) {
  auto spikes = create_group(w, file, lcpl, "/spikes", "spikes");
  for (const auto& s : rec.spikes) {
    const auto path = "/spikes/" + s.population;
    auto group = create_group(w, spikes.get(), lcpl, path, s.population);
    std::vector<double> times_ms(s.size());  // end of the step, as NEST stamps spikes
    for (std::size_t k = 0; k < s.size(); ++k) times_ms[k] = (static_cast<double>(s.step[k]) + 1.0) * rec.dt_ms;
    write_vector(w, group.get(), path, "times_ms", times_ms);
    write_vector(w, group.get(), path, "neuron", s.neuron);
    write_vector(w, group.get(), path, "batch", s.batch);
    write_vector(w, group.get(), path, "step", s.step);
    if (!s.multiplicity.empty()) write_vector(w, group.get(), path, "multiplicity", s.multiplicity);
  }
}

void write_traces(const h5_writer& w, hid_t file, hid_t lcpl, const recording& rec) {
  auto traces = create_group(w, file, lcpl, "/traces", "traces");
  std::map<std::string, h5_id> populations;  // /traces/<population>, shared by that population's variables
  for (const auto& t : rec.traces) {
    auto it = populations.find(t.population);
    if (it == populations.end()) {
      auto group = create_group(w, traces.get(), lcpl, "/traces/" + t.population, t.population);
      it = populations.emplace(t.population, std::move(group)).first;
    }
    const auto path = "/traces/" + t.population + "/" + t.variable;
    auto group = create_group(w, it->second.get(), lcpl, path, t.variable);
    const hsize_t dims[] = {t.samples(), t.batch_size, t.neurons.size()};
    const auto values = write_dataset(w, group.get(), path, "values", dims, t.values.data());
    write_string_attribute(w, values.get(), path + "/values", "unit", t.unit);
    write_vector(w, group.get(), path, "times_ms", t.times_ms);
    write_vector(w, group.get(), path, "neurons", t.neurons);
  }
}

// ---- CSV --------------------------------------------------------------------------------------------------

// Prints spike times (step + 1) * dt. When dt is a short decimal (0.1, 0.025 ms, ...) it is m * 10^-d with
// integers m < 2^32, d <= 9, and the time is the integer (step + 1) * m shifted by d places: exact however long
// the run (printf("%.10g") loses the last digits past 10 significant ones). Any other dt prints the double with
// 17 significant digits, which reads back to the same double.
class step_time_printer {
 public:
  explicit step_time_printer(double dt_ms) : dt_ms_(dt_ms) {
    double scale = 1;
    for (int d = 0; d <= 9; ++d, scale *= 10) {
      const double m = std::round(dt_ms * scale);
      if (m >= 1 && m < 4294967296.0 && m / scale == dt_ms) {
        mantissa_ = static_cast<std::uint64_t>(m);
        decimals_ = d;
        return;
      }
    }
  }
  void append(std::string& out, step_t step) const {
    char text[48];
    if (mantissa_ == 0) {
      std::snprintf(text, sizeof text, "%.17g", (static_cast<double>(step) + 1.0) * dt_ms_);
      out += text;
      return;
    }
    const std::uint64_t ticks = (static_cast<std::uint64_t>(step) + 1) * mantissa_;  // < 2^64: both < 2^32
    std::uint64_t unit = 1;
    for (int d = 0; d < decimals_; ++d) unit *= 10;
    out += std::to_string(ticks / unit);
    if (ticks % unit == 0) return;
    std::snprintf(text, sizeof text, ".%0*llu", decimals_, static_cast<unsigned long long>(ticks % unit));
    std::string_view fraction = text;
    out += fraction.substr(0, fraction.find_last_not_of('0') + 1);  // ".50" -> ".5"
  }

 private:
  double dt_ms_;
  std::uint64_t mantissa_ = 0;  // 0: dt is no short decimal, print the double
  int decimals_ = 0;
};

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

struct csv_row {
  step_t step;
  std::uint32_t population;  // position in recording::spikes
  index_t neuron;
  std::uint32_t batch;
  auto operator<=>(const csv_row&) const = default;  // the file's order: step, population, neuron, batch
};

}  // namespace

void write_hdf5(const recording& rec, const std::string& path) {
  validate_for_hdf5(rec, path);
  const hdf5_errors_silenced silenced;
  const h5_writer w(path);
  temporary_file tmp("write_hdf5", path);
  {
    auto fapl = w.own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating file access properties for", tmp.name());
    // SEMI: closing the file fails while an object in it is still open, instead of closing it later, after the
    // rename, behind our back.
    w.check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "setting the close degree of", tmp.name());
#if (H5_VERSION_GE(1, 10, 7) && !H5_VERSION_GE(1, 12, 0)) || H5_VERSION_GE(1, 12, 1)  // H5Pset_file_locking
    // Nobody else opens the temporary file; locking only fails on file systems without flock (Lustre, NFS).
    w.check(H5Pset_file_locking(fapl.get(), false, true), "disabling file locking of", tmp.name());
#endif
    auto file = w.own(H5Fcreate(tmp.name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose,
                      "creating temporary file", tmp.name());
    {
      const auto lcpl = utf8_link_properties(w);
      write_root_attributes(w, file.get(), rec);
      write_spikes(w, file.get(), lcpl.get(), rec);
      write_traces(w, file.get(), lcpl.get(), rec);
    }
    w.check(file.close(), "closing (flushing) temporary file", tmp.name());
  }
  tmp.commit();
}

void write_spikes_csv(const recording& rec, const std::string& path) {
  std::size_t total = 0;
  for (const auto& s : rec.spikes) {
    check_spike_lengths("write_spikes_csv", path, s);
    total += s.size();
  }
  std::vector<csv_row> rows;
  rows.reserve(total);
  for (std::uint32_t p = 0; p < rec.spikes.size(); ++p) {
    const auto& s = rec.spikes[p];
    for (std::size_t k = 0; k < s.size(); ++k) rows.push_back({s.step[k], p, s.neuron[k], s.batch[k]});
  }
  std::sort(rows.begin(), rows.end());

  std::vector<std::string> names;
  for (const auto& s : rec.spikes) names.push_back(csv_field(s.population));
  const step_time_printer time(rec.dt_ms);
  temporary_file tmp("write_spikes_csv", path);
  const auto fail = [&](const std::string& action) {
    const auto cause = std::error_code(errno, std::generic_category()).message();
    reject("write_spikes_csv", path, action + " temporary file '" + tmp.name() + "' failed: " + cause);
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(tmp.name().c_str(), "wb"), std::fclose);
  if (file == nullptr) fail("creating");
  std::FILE* const out = file.get();
  std::string buffer = "time_ms,population,neuron,batch\n";
  bool written = true;
  const auto flush = [&] {
    written = written && std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
    buffer.clear();
  };
  for (const auto& row : rows) {
    time.append(buffer, row.step);
    buffer += ',' + names[row.population] + ',' + std::to_string(row.neuron) + ',' + std::to_string(row.batch) + '\n';
    if (buffer.size() > (1 << 20)) flush();
  }
  flush();
  const int write_errno = written ? 0 : errno;
  const bool closed = std::fclose(file.release()) == 0;
  if (!written) {
    errno = write_errno;
    fail("writing");
  }
  if (!closed) fail("closing (flushing)");
  tmp.commit();
}

}  // namespace volley
