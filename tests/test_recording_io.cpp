// write_hdf5 / write_spikes_csv: the file is read back with the HDF5 C API (independently of the writer's code)
// and compared exactly with the record and with docs/hdf5_layout.md.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/recording.hpp"

// Each test file in its own namespace: the tests compile in unity batches (tests/CMakeLists.txt).
namespace test_recording_io {

namespace {

namespace fs = std::filesystem;
using volley::real_t;

// ---- reading HDF5 back ------------------------------------------------------------------------------------

class h5 {
 public:
  h5(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  h5(const h5&) = delete;
  h5& operator=(const h5&) = delete;
  ~h5() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

template <class T>
hid_t memory_type() {
  if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return H5T_NATIVE_UINT64;
  else if constexpr (std::is_same_v<T, int>)
    return H5T_NATIVE_INT;
}

const hid_t real_file_type = std::is_same_v<real_t, float> ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;

// Dataset `path`: checks its stored type and shape, returns its elements (row-major).
template <class T>
std::vector<T> read_dataset(hid_t file, const std::string& path, hid_t stored_type, const std::vector<hsize_t>& shape) {
  const h5 set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) {
    ADD_FAILURE() << "no dataset " << path;
    return {};
  }
  const h5 type(H5Dget_type(set.get()), H5Tclose);
  EXPECT_GT(H5Tequal(type.get(), stored_type), 0) << path << " has the wrong stored type";
  const h5 space(H5Dget_space(set.get()), H5Sclose);
  std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.get())));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  EXPECT_EQ(dims, shape) << path;
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<T> data(n);
  if (n > 0) {
    EXPECT_GE(H5Dread(set.get(), memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0) << path;
  }
  return data;
}

template <class T>
T read_attribute(hid_t object, const char* name, hid_t stored_type) {
  T value{};
  const h5 attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) {
    ADD_FAILURE() << "no attribute " << name;
    return value;
  }
  const h5 type(H5Aget_type(attribute.get()), H5Tclose);
  EXPECT_GT(H5Tequal(type.get(), stored_type), 0) << "attribute " << name << " has the wrong stored type";
  EXPECT_GE(H5Aread(attribute.get(), memory_type<T>(), &value), 0) << name;
  return value;
}

// A variable-length UTF-8 string attribute (what h5py reads as str).
std::string read_string_attribute(hid_t object, const char* name) {
  const h5 attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) {
    ADD_FAILURE() << "no attribute " << name;
    return {};
  }
  const h5 type(H5Aget_type(attribute.get()), H5Tclose);
  EXPECT_EQ(H5Tget_class(type.get()), H5T_STRING) << name;
  EXPECT_GT(H5Tis_variable_str(type.get()), 0) << name;
  EXPECT_EQ(H5Tget_cset(type.get()), H5T_CSET_UTF8) << name;
  char* text = nullptr;
  EXPECT_GE(H5Aread(attribute.get(), type.get(), &text), 0) << name;
  std::string value = text != nullptr ? text : "";
  H5free_memory(text);
  return value;
}

std::set<std::string> attribute_names(hid_t object) {
  std::set<std::string> names;
  H5Aiterate2(
      object, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
        static_cast<std::set<std::string>*>(out)->insert(name);
        return 0;
      },
      &names);
  return names;
}

std::set<std::string> link_names(hid_t file, const std::string& group_path) {
  std::set<std::string> names;
  const h5 group(H5Gopen2(file, group_path.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.valid()) {
    ADD_FAILURE() << "no group " << group_path;
    return names;
  }
  H5G_info_t info;
  H5Gget_info(group.get(), &info);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[256] = {};
    H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
    names.insert(name);
  }
  return names;
}

H5D_layout_t layout_of(hid_t file, const std::string& path) {
  const h5 set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  const h5 dcpl(H5Dget_create_plist(set.get()), H5Pclose);
  return H5Pget_layout(dcpl.get());
}

// The filter and its first parameter (the deflate level), or {-1, 0} without filters.
std::pair<H5Z_filter_t, unsigned> first_filter_of(hid_t file, const std::string& path) {
  const h5 set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  const h5 dcpl(H5Dget_create_plist(set.get()), H5Pclose);
  if (H5Pget_nfilters(dcpl.get()) < 1) return {-1, 0};
  unsigned flags = 0, config = 0, parameters[4] = {};
  std::size_t count = 4;
  char name[64];
  const auto filter = H5Pget_filter2(dcpl.get(), 0, &flags, &count, parameters, sizeof name, name, &config);
  return {filter, count > 0 ? parameters[0] : 0};
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// ---- records ----------------------------------------------------------------------------------------------

volley::recording two_population_record() {
  volley::recording rec;
  rec.dt_ms = 0.1;
  rec.seed = 0xfedcba9876543210ULL;  // above 2^63: stored unsigned
  rec.duration_ms = 12.5;
  rec.interrupted = true;
  rec.attributes = {{"backend", "cpu"}, {"spec", "examples/coba.json"}, {"note", "\xc2\xb5s, UTF-8"}};
  // Not sorted: the HDF5 file keeps the record's order, the CSV sorts.
  rec.spikes.push_back({"exc", {4, 2, 2, 4}, {7, 3, 1, 0}, {1, 0, 1, 0}, {}});
  rec.spikes.push_back({"inh", {}, {}, {}, {}});  // no spikes: zero-length datasets
  volley::trace_record v_m;
  v_m.population = "exc";
  v_m.variable = "V_m";
  v_m.unit = "mV";
  v_m.neurons = {0, 5, 9};
  v_m.batch_size = 2;
  v_m.interval_steps = 10;
  v_m.times_ms = {1.0, 2.0, 3.0000000000000004, 4.0};
  for (int i = 0; i < 4 * 2 * 3; ++i) v_m.values.push_back(static_cast<real_t>(-70.0 + 0.25 * i));
  volley::trace_record g_ex;
  g_ex.population = "inh";
  g_ex.variable = "g_ex";
  g_ex.unit = "nS";
  g_ex.neurons = {2};
  g_ex.batch_size = 2;  // no samples yet: values is [0][2][1]
  rec.traces = {v_m, g_ex};
  return rec;
}

class recording_io : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("volley_recording_io_" + std::to_string(::getpid()) + "_" + test->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::set<std::string> files_in_dir() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.insert(entry.path().filename().string());
    return names;
  }

  fs::path dir_;
};

template <class F>
std::string user_error_message(F&& f) {
  try {
    f();
  } catch (const volley::user_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "no exception";
}

// ---- HDF5 -------------------------------------------------------------------------------------------------

TEST_F(recording_io, hdf5_holds_every_dataset_and_attribute_exactly) {
  const auto rec = two_population_record();
  const auto path = file("run.h5");
  volley::write_hdf5(rec, path);
  EXPECT_EQ(files_in_dir(), std::set<std::string>{"run.h5"});  // no run.h5.tmp left behind

  const h5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(f.valid());
  const hid_t id = f.get();

  EXPECT_EQ(attribute_names(id), (std::set<std::string>{"format", "format_version", "dt_ms", "seed", "duration_ms",
                                                        "interrupted", "backend", "spec", "note"}));
  EXPECT_EQ(read_string_attribute(id, "format"), "volley-recording");
  EXPECT_EQ(read_attribute<int>(id, "format_version", H5T_STD_I32LE), 1);
  EXPECT_EQ(read_attribute<double>(id, "dt_ms", H5T_IEEE_F64LE), 0.1);
  EXPECT_EQ(read_attribute<std::uint64_t>(id, "seed", H5T_STD_U64LE), 0xfedcba9876543210ULL);
  EXPECT_EQ(read_attribute<double>(id, "duration_ms", H5T_IEEE_F64LE), 12.5);
  EXPECT_EQ(read_attribute<int>(id, "interrupted", H5T_STD_I32LE), 1);
  EXPECT_EQ(read_string_attribute(id, "backend"), "cpu");
  EXPECT_EQ(read_string_attribute(id, "spec"), "examples/coba.json");
  EXPECT_EQ(read_string_attribute(id, "note"), "\xc2\xb5s, UTF-8");

  EXPECT_EQ(link_names(id, "/"), (std::set<std::string>{"spikes", "traces"}));
  EXPECT_EQ(link_names(id, "/spikes"), (std::set<std::string>{"exc", "inh"}));
  EXPECT_EQ(link_names(id, "/spikes/exc"), (std::set<std::string>{"times_ms", "neuron", "batch", "step"}));
  EXPECT_EQ(read_dataset<double>(id, "/spikes/exc/times_ms", H5T_IEEE_F64LE, {4}),
            (std::vector<double>{5 * 0.1, 3 * 0.1, 3 * 0.1, 5 * 0.1}));
  EXPECT_EQ(read_dataset<std::uint32_t>(id, "/spikes/exc/neuron", H5T_STD_U32LE, {4}),
            (std::vector<std::uint32_t>{7, 3, 1, 0}));
  EXPECT_EQ(read_dataset<std::uint32_t>(id, "/spikes/exc/batch", H5T_STD_U32LE, {4}),
            (std::vector<std::uint32_t>{1, 0, 1, 0}));
  EXPECT_EQ(read_dataset<std::uint32_t>(id, "/spikes/exc/step", H5T_STD_U32LE, {4}),
            (std::vector<std::uint32_t>{4, 2, 2, 4}));
  EXPECT_EQ(link_names(id, "/spikes/inh"), (std::set<std::string>{"times_ms", "neuron", "batch", "step"}));
  EXPECT_TRUE(read_dataset<double>(id, "/spikes/inh/times_ms", H5T_IEEE_F64LE, {0}).empty());
  EXPECT_TRUE(read_dataset<std::uint32_t>(id, "/spikes/inh/neuron", H5T_STD_U32LE, {0}).empty());
  EXPECT_TRUE(read_dataset<std::uint32_t>(id, "/spikes/inh/batch", H5T_STD_U32LE, {0}).empty());
  EXPECT_TRUE(read_dataset<std::uint32_t>(id, "/spikes/inh/step", H5T_STD_U32LE, {0}).empty());

  EXPECT_EQ(link_names(id, "/traces"), (std::set<std::string>{"exc", "inh"}));
  EXPECT_EQ(link_names(id, "/traces/exc"), std::set<std::string>{"V_m"});
  EXPECT_EQ(link_names(id, "/traces/exc/V_m"), (std::set<std::string>{"values", "times_ms", "neurons"}));
  EXPECT_EQ(read_dataset<real_t>(id, "/traces/exc/V_m/values", real_file_type, {4, 2, 3}), rec.traces[0].values);
  EXPECT_EQ(read_dataset<double>(id, "/traces/exc/V_m/times_ms", H5T_IEEE_F64LE, {4}), rec.traces[0].times_ms);
  EXPECT_EQ(read_dataset<std::uint32_t>(id, "/traces/exc/V_m/neurons", H5T_STD_U32LE, {3}),
            (std::vector<std::uint32_t>{0, 5, 9}));
  {
    const h5 values(H5Dopen2(id, "/traces/exc/V_m/values", H5P_DEFAULT), H5Dclose);
    EXPECT_EQ(attribute_names(values.get()), std::set<std::string>{"unit"});
    EXPECT_EQ(read_string_attribute(values.get(), "unit"), "mV");
  }
  EXPECT_TRUE(read_dataset<real_t>(id, "/traces/inh/g_ex/values", real_file_type, {0, 2, 1}).empty());
  EXPECT_TRUE(read_dataset<double>(id, "/traces/inh/g_ex/times_ms", H5T_IEEE_F64LE, {0}).empty());
  EXPECT_EQ(read_dataset<std::uint32_t>(id, "/traces/inh/g_ex/neurons", H5T_STD_U32LE, {1}),
            std::vector<std::uint32_t>{2});
  const h5 g_ex(H5Dopen2(id, "/traces/inh/g_ex/values", H5P_DEFAULT), H5Dclose);
  EXPECT_EQ(read_string_attribute(g_ex.get(), "unit"), "nS");
  EXPECT_EQ(layout_of(id, "/spikes/exc/step"), H5D_CONTIGUOUS);  // small: stored plain
}

TEST_F(recording_io, hdf5_keeps_the_multiplicity_of_count_models) {
  volley::recording rec;
  rec.spikes.push_back({"parrots", {3, 3, 7}, {0, 2, 1}, {0, 0, 0}, {2, 1, 4}});  // a spike of each entry x m
  rec.spikes.push_back({"iaf", {5}, {1}, {0}, {}});
  const auto path = file("m.h5");
  volley::write_hdf5(rec, path);
  const h5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(f.valid());
  EXPECT_EQ(link_names(f.get(), "/spikes/parrots"),
            (std::set<std::string>{"times_ms", "neuron", "batch", "step", "multiplicity"}));
  EXPECT_EQ(read_dataset<std::uint32_t>(f.get(), "/spikes/parrots/multiplicity", H5T_STD_U32LE, {3}),
            (std::vector<std::uint32_t>{2, 1, 4}));
  EXPECT_EQ(link_names(f.get(), "/spikes/iaf"), (std::set<std::string>{"times_ms", "neuron", "batch", "step"}));
  rec.spikes[0].multiplicity.pop_back();
  const auto msg = user_error_message([&] { volley::write_hdf5(rec, file("bad.h5")); });
  EXPECT_NE(msg.find("3 steps and 2 multiplicities"), std::string::npos) << msg;
}

TEST_F(recording_io, hdf5_of_an_empty_record_has_both_groups) {
  const auto path = file("empty.h5");
  volley::write_hdf5(volley::recording{}, path);
  const h5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(f.valid());
  EXPECT_EQ(link_names(f.get(), "/"), (std::set<std::string>{"spikes", "traces"}));
  EXPECT_TRUE(link_names(f.get(), "/spikes").empty());
  EXPECT_TRUE(link_names(f.get(), "/traces").empty());
  EXPECT_EQ(read_attribute<int>(f.get(), "interrupted", H5T_STD_I32LE), 0);
}

TEST_F(recording_io, hdf5_compresses_large_datasets_losslessly) {
  volley::recording rec;
  rec.dt_ms = 0.025;
  auto& s = rec.spikes.emplace_back();
  s.population = "big";
  for (std::uint32_t k = 0; k < 200'003; ++k) {  // odd size: the last chunk is partial
    s.step.push_back(k / 7);
    s.neuron.push_back((k * 2654435761u) % 100'000);
    s.batch.push_back(k % 3);
  }
  auto& t = rec.traces.emplace_back();
  t.population = "big";
  t.variable = "V_m";
  t.unit = "mV";
  t.batch_size = 3;
  for (std::uint32_t k = 0; k < 257; ++k) t.neurons.push_back(k * 3);
  for (int i = 0; i < 131; ++i) t.times_ms.push_back((i + 1) * 0.25);
  for (std::size_t i = 0; i < 131 * 3 * 257; ++i) t.values.push_back(static_cast<real_t>(-65.0 + 1e-3 * i));
  const auto path = file("big.h5");
  volley::write_hdf5(rec, path);

  const h5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(f.valid());
  EXPECT_EQ(read_dataset<std::uint32_t>(f.get(), "/spikes/big/step", H5T_STD_U32LE, {200'003}), s.step);
  EXPECT_EQ(read_dataset<std::uint32_t>(f.get(), "/spikes/big/neuron", H5T_STD_U32LE, {200'003}), s.neuron);
  EXPECT_EQ(read_dataset<std::uint32_t>(f.get(), "/spikes/big/batch", H5T_STD_U32LE, {200'003}), s.batch);
  const auto times = read_dataset<double>(f.get(), "/spikes/big/times_ms", H5T_IEEE_F64LE, {200'003});
  ASSERT_EQ(times.size(), s.size());
  for (std::size_t k = 0; k < times.size(); k += 9973) EXPECT_EQ(times[k], (s.step[k] + 1.0) * 0.025);
  EXPECT_EQ(read_dataset<real_t>(f.get(), "/traces/big/V_m/values", real_file_type, {131, 3, 257}), t.values);
  EXPECT_EQ(layout_of(f.get(), "/traces/big/V_m/times_ms"), H5D_CONTIGUOUS);  // 131 samples: small
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) GTEST_SKIP() << "this HDF5 has no deflate filter";
  for (const char* name : {"/spikes/big/step", "/spikes/big/times_ms", "/traces/big/V_m/values"}) {
    EXPECT_EQ(layout_of(f.get(), name), H5D_CHUNKED) << name;
    EXPECT_EQ(first_filter_of(f.get(), name), (std::pair<H5Z_filter_t, unsigned>{H5Z_FILTER_DEFLATE, 1})) << name;
  }
}

TEST_F(recording_io, hdf5_replaces_an_existing_file) {
  const auto path = file("run.h5");
  auto rec = two_population_record();
  volley::write_hdf5(rec, path);
  rec.seed = 42;
  volley::write_hdf5(rec, path);
  EXPECT_EQ(files_in_dir(), std::set<std::string>{"run.h5"});
  const h5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(f.valid());
  EXPECT_EQ(read_attribute<std::uint64_t>(f.get(), "seed", H5T_STD_U64LE), 42u);
}

TEST_F(recording_io, hdf5_unwritable_path_throws_naming_it) {
  const auto message = user_error_message([] { volley::write_hdf5(two_population_record(), "/nonexistent_dir/x.h5"); });
  EXPECT_NE(message.find("'/nonexistent_dir/x.h5'"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;  // HDF5's cause kept
  EXPECT_FALSE(fs::exists("/nonexistent_dir/x.h5.tmp"));
}

TEST_F(recording_io, hdf5_rejects_slash_in_names_before_creating_anything) {
  const auto path = file("bad.h5");
  auto rec = two_population_record();
  rec.spikes[1].population = "inh/fast";
  auto message = user_error_message([&] { volley::write_hdf5(rec, path); });
  EXPECT_NE(message.find("'inh/fast'"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;

  rec = two_population_record();
  rec.traces[0].variable = "V/m";
  message = user_error_message([&] { volley::write_hdf5(rec, path); });
  EXPECT_NE(message.find("'V/m'"), std::string::npos) << message;
  EXPECT_TRUE(files_in_dir().empty());
}

TEST_F(recording_io, hdf5_rejects_inconsistent_records) {
  const auto path = file("bad.h5");
  auto rec = two_population_record();
  rec.spikes[0].batch.pop_back();
  EXPECT_NE(user_error_message([&] { volley::write_hdf5(rec, path); }).find("'exc'"), std::string::npos);

  rec = two_population_record();
  rec.traces[0].values.pop_back();
  EXPECT_NE(user_error_message([&] { volley::write_hdf5(rec, path); }).find("'exc/V_m' has 23 values"),
            std::string::npos);

  rec = two_population_record();
  rec.spikes[1].population = "exc";
  EXPECT_NE(user_error_message([&] { volley::write_hdf5(rec, path); }).find("two spike records"), std::string::npos);

  rec = two_population_record();
  rec.traces[1] = rec.traces[0];
  EXPECT_NE(user_error_message([&] { volley::write_hdf5(rec, path); }).find("recorded twice"), std::string::npos);

  rec = two_population_record();
  rec.attributes["seed"] = "7";  // would clash with the layout's own attribute
  EXPECT_NE(user_error_message([&] { volley::write_hdf5(rec, path); }).find("'seed' is reserved"), std::string::npos);

  rec = two_population_record();
  rec.spikes[0].population = "";
  EXPECT_NE(user_error_message([&] { volley::write_hdf5(rec, path); }).find("name is empty"), std::string::npos);
  EXPECT_TRUE(files_in_dir().empty());
}

TEST_F(recording_io, hdf5_failed_rename_leaves_no_temporary_file) {
  const auto path = file("taken");
  fs::create_directories(fs::path(path) / "inside");  // a non-empty directory cannot be replaced by a file
  const auto message = user_error_message([&] { volley::write_hdf5(two_population_record(), path); });
  EXPECT_NE(message.find("'" + path + "'"), std::string::npos) << message;
  EXPECT_EQ(files_in_dir(), std::set<std::string>{"taken"});
  EXPECT_TRUE(fs::is_directory(fs::path(path) / "inside"));
}

TEST_F(recording_io, hdf5_restores_the_callers_error_handler) {
  H5E_auto2_t original = nullptr;
  void* original_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &original, &original_data);
  int calls = 0;  // the caller's own handler, which write_hdf5 must neither call nor drop
  const H5E_auto2_t counting = [](hid_t, void* data) -> herr_t {
    ++*static_cast<int*>(data);
    return 0;
  };
  H5Eset_auto2(H5E_DEFAULT, counting, &calls);
  EXPECT_THROW(volley::write_hdf5(two_population_record(), "/nonexistent_dir/x.h5"), volley::user_error);
  H5E_auto2_t after = nullptr;
  void* after_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &after, &after_data);
  H5Eset_auto2(H5E_DEFAULT, original, original_data);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(after, counting);
  EXPECT_EQ(after_data, &calls);
}

// ---- CSV --------------------------------------------------------------------------------------------------

TEST_F(recording_io, csv_is_sorted_by_step_then_population_order_then_neuron_then_batch) {
  volley::recording rec;
  rec.dt_ms = 0.1;
  // Population order is the record's ("zeta" first), not alphabetical.
  rec.spikes.push_back({"zeta", {2, 0, 2, 2}, {5, 9, 1, 5}, {1, 0, 0, 0}, {}});
  rec.spikes.push_back({"empty", {}, {}, {}, {}});
  rec.spikes.push_back({"alpha", {2, 0, 9}, {0, 3, 4}, {0, 0, 0}, {}});
  const auto path = file("spikes.csv");
  volley::write_spikes_csv(rec, path);
  EXPECT_EQ(files_in_dir(), std::set<std::string>{"spikes.csv"});
  EXPECT_EQ(lines_of(path), (std::vector<std::string>{
                                "time_ms,population,neuron,batch",
                                "0.1,zeta,9,0",
                                "0.1,alpha,3,0",
                                "0.3,zeta,1,0",  // 3 * 0.1 = 0.30000000000000004 in double: printed exactly 0.3
                                "0.3,zeta,5,0",
                                "0.3,zeta,5,1",
                                "0.3,alpha,0,0",
                                "1,alpha,4,0",
                            }));
}

TEST_F(recording_io, csv_times_are_exact_decimals_in_long_runs) {
  volley::recording rec;
  rec.dt_ms = 0.025;
  // 400'000'001 * 0.025 ms = 10'000'000.025 ms: 13 significant digits, more than "%.10g" keeps.
  rec.spikes.push_back({"p", {0, 3, 399'999'999, 400'000'000, 4'294'967'295u}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {}});
  const auto path = file("long.csv");
  volley::write_spikes_csv(rec, path);
  EXPECT_EQ(lines_of(path), (std::vector<std::string>{"time_ms,population,neuron,batch", "0.025,p,0,0", "0.1,p,0,0",
                                                      "10000000,p,0,0", "10000000.025,p,0,0", "107374182.4,p,0,0"}));

  rec.dt_ms = 1.0 / 3.0;  // no short decimal: 17 significant digits, which read back to the same double
  rec.spikes[0] = {"p", {2}, {0}, {0}, {}};
  volley::write_spikes_csv(rec, path);
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(std::stod(lines[1].substr(0, lines[1].find(','))), 3.0 * (1.0 / 3.0));
}

TEST_F(recording_io, csv_quotes_population_names_with_commas_or_quotes) {
  volley::recording rec;
  rec.spikes.push_back({"L2/3, \"exc\"", {0}, {1}, {0}, {}});
  const auto path = file("quoted.csv");
  volley::write_spikes_csv(rec, path);
  EXPECT_EQ(lines_of(path),
            (std::vector<std::string>{"time_ms,population,neuron,batch", "0.1,\"L2/3, \"\"exc\"\"\",1,0"}));
}

TEST_F(recording_io, csv_of_no_spikes_is_the_header) {
  const auto path = file("none.csv");
  volley::write_spikes_csv(volley::recording{}, path);
  EXPECT_EQ(lines_of(path), std::vector<std::string>{"time_ms,population,neuron,batch"});
}

TEST_F(recording_io, csv_unwritable_path_throws_naming_it) {
  const auto message =
      user_error_message([] { volley::write_spikes_csv(two_population_record(), "/nonexistent_dir/x.csv"); });
  EXPECT_NE(message.find("'/nonexistent_dir/x.csv'"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
}

TEST_F(recording_io, csv_rejects_inconsistent_lengths) {
  auto rec = two_population_record();
  rec.spikes[0].neuron.pop_back();
  const auto path = file("bad.csv");
  const auto message = user_error_message([&] { volley::write_spikes_csv(rec, path); });
  EXPECT_NE(message.find("'exc' has 4 steps, 3 neurons"), std::string::npos) << message;
  EXPECT_TRUE(files_in_dir().empty());
}

}  // namespace

}  // namespace test_recording_io
