// Draws pending synapses (projection::pending) on the device, from the streams the host uses
// (engine/connectivity.cpp, engine/distribution.cpp), so a seed gives the same network on every backend:
//   targets   a block per row: thread 0 draws the row's values with the host's line pieces
//             (engine/line_sampling.hpp) into shared memory, the block sorts them (bitonic), the same loop of
//             draw / sort / drop repeats as the host where multapses are excluded, then the autapse column is
//             skipped and the row written as 16- or 32-bit targets
//   weights   a thread per row, draw_bounded (engine/distribution.hpp) in row order
//   delays    likewise, rounded to steps; the longest delay by an atomic maximum
// Integer draws match the host exactly; normal and lognormal values go through CUDA's (or HIP's) log, sin and cos,
// which may differ from glibc's in the last bit.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "engine/connectivity.hpp"
#include "engine/error.hpp"
#include "engine/line_sampling.hpp"
#include "engine/network.hpp"
#include "kernels/gpu/device_connectivity.cuh"

namespace volley::gpu {
namespace {

constexpr unsigned row_block = 128;     // threads per row-drawing block
constexpr unsigned max_line = 8192;     // longest row sorted in shared memory (32 KiB of 32-bit values)
constexpr unsigned value_block = 256;   // threads per block of the weight/delay kernel
constexpr int n_streams = 4;            // projections drawn side by side

struct row_job {
  const std::uint64_t* row_ptr;
  std::uint16_t* targets16;  // one of the two
  index_t* targets32;
  index_t n_source, n_target;
  lines::autapse_map autapse;
  std::uint64_t seed;
  std::uint32_t tag;
  bool replace;
};

// Ascending bitonic sort of a[0, k) in shared memory by the whole block (k <= max_line).
__device__ void block_sort(index_t* a, std::uint64_t k) {
  unsigned size_p2 = 1;
  while (size_p2 < k) size_p2 <<= 1;
  for (unsigned e = static_cast<unsigned>(k) + threadIdx.x; e < size_p2; e += blockDim.x)
    a[e] = std::numeric_limits<index_t>::max();
  __syncthreads();
  for (unsigned size = 2; size <= size_p2; size <<= 1)
    for (unsigned stride = size >> 1; stride > 0; stride >>= 1) {
      for (unsigned t = threadIdx.x; t < size_p2 / 2; t += blockDim.x) {
        const unsigned i = 2 * t - (t & (stride - 1)), j = i + stride;
        const bool ascending = (i & size) == 0;
        if ((a[i] > a[j]) == ascending) {
          const index_t x = a[i];
          a[i] = a[j];
          a[j] = x;
        }
      }
      __syncthreads();
    }
}

__global__ void __launch_bounds__(row_block) draw_rows_kernel(row_job job) {
  __shared__ index_t line[max_line];
  __shared__ std::uint64_t distinct_shared;
  for (index_t i = blockIdx.x; i < job.n_source; i += gridDim.x) {
    const std::uint64_t begin = job.row_ptr[i], k = job.row_ptr[i + 1] - begin;
    if (k == 0) continue;
    const index_t excluded = job.autapse.column_of(i);
    const index_t pool = excluded < job.n_target ? job.n_target - 1 : job.n_target;
    const lines::line_method method = lines::method_for(k, pool, job.replace);
    rng::random_stream r(job.seed, job.tag, i, 0);  // used by thread 0 only
    if (method == lines::line_method::selection) {
      if (threadIdx.x == 0) lines::selection_sample(r, pool, k, line);
      __syncthreads();
    } else {
      std::uint64_t distinct = 0;
      while (distinct < k) {
        if (threadIdx.x == 0) lines::draw_indices(r, pool, line, distinct, k);
        __syncthreads();
        block_sort(line, k);
        if (method == lines::line_method::with_replacement) break;
        if (threadIdx.x == 0) distinct_shared = lines::drop_repeats(line, k);
        __syncthreads();
        distinct = distinct_shared;
        __syncthreads();  // every thread has read it before thread 0 may write it again
      }
    }
    for (std::uint64_t e = threadIdx.x; e < k; e += blockDim.x) {
      const index_t v = lines::skip_excluded(line[e], excluded);
      if (job.targets16)
        job.targets16[begin + e] = static_cast<std::uint16_t>(v);
      else
        job.targets32[begin + e] = v;
    }
    __syncthreads();  // the line is free for the next row
  }
}

// What went wrong first while drawing values: the row, the value and the kind of problem.
struct value_fault {
  unsigned long long row_plus_one;  // 0: none
  double value;
  int kind;  // 1 redraws exhausted, 2 delay not a non-negative time, 3 delay above 65535 steps, 4 weight not finite
};

struct value_job {
  const std::uint64_t* row_ptr;
  index_t n_source;
  value_distribution d;
  std::uint64_t seed;
  std::uint32_t tag;
  real_t* weights;         // one of the two
  std::uint16_t* delays;   // steps, from ms with dt_ms
  double dt_ms;
  unsigned* longest;       // delays: the maximum in steps
  value_fault* fault;
};

__device__ void report(value_fault* f, index_t row, double value, int kind) {
  if (atomicCAS(&f->row_plus_one, 0ull, static_cast<unsigned long long>(row) + 1) == 0) {
    f->value = value;
    f->kind = kind;
  }
}

__global__ void draw_values_kernel(value_job job) {
  unsigned longest = 0;
  for (std::uint64_t i = std::uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < job.n_source;
       i += std::uint64_t(gridDim.x) * blockDim.x) {
    rng::random_stream r(job.seed, job.tag, static_cast<std::uint32_t>(i), 0);
    for (std::uint64_t e = job.row_ptr[i]; e < job.row_ptr[i + 1]; ++e) {
      double v;
      if (!draw_bounded(job.d, r, v)) {
        report(job.fault, static_cast<index_t>(i), v, 1);
        break;
      }
      if (job.weights) {
        if (!isfinite(v)) report(job.fault, static_cast<index_t>(i), v, 4);
        job.weights[e] = static_cast<real_t>(v);
        continue;
      }
      if (!isfinite(v) || v < 0) {  // as network::delay_steps
        report(job.fault, static_cast<index_t>(i), v, 2);
        continue;
      }
      const double steps = ::round(v / job.dt_ms);
      if (steps > 65535) {
        report(job.fault, static_cast<index_t>(i), v, 3);
        continue;
      }
      const unsigned s = steps < 1.0 ? 1u : static_cast<unsigned>(steps);  // the minimum delay is one step
      job.delays[e] = static_cast<std::uint16_t>(s);
      longest = s > longest ? s : longest;
    }
  }
  if (job.longest && longest) atomicMax(job.longest, longest);
}

std::string number(double v) {
  char b[32];
  const auto r = std::to_chars(b, b + sizeof b, v);
  return std::string(b, r.ptr);
}

std::string gib(std::uint64_t bytes) { return number(std::round(double(bytes) / double(1ull << 30) * 100) / 100); }

// Throws the host's error for a fault found while drawing the values of `what` ("weight" or "delay").
void throw_fault(const value_fault& f, const pending_synapses& ps, const value_distribution& d, const char* what) {
  const std::string row = " (source row " + std::to_string(f.row_plus_one - 1) + ")";
  switch (f.kind) {
    case 1:
      throw user_error(ps.where + " " + what + ": " + std::to_string(max_redraws) + " draws in a row (a = " +
                       number(d.a) + ", b = " + number(d.b) + ") fell outside the bounds [" + number(d.low) + ", " +
                       number(d.high) + "]" + row +
                       ": expected bounds that hold a substantial part of the distribution");
    case 2: throw parameter_error(ps.where, "delay", number(f.value) + " ms", "a non-negative time" + row);
    case 3: throw parameter_error(ps.where, "delay", number(f.value) + " ms", "at most 65535 steps" + row);
    default: throw parameter_error(ps.where, "weight", number(f.value), "finite values" + row);
  }
}

}  // namespace

void device_connectivity_deleter::operator()(device_connectivity* c) const { delete c; }

device_connectivity_ptr build_connectivity_on_device(network& net, int device) {
  const auto t0 = std::chrono::steady_clock::now();
  auto& projections = net.projections();
  bool any = false;
  for (const auto& p : projections) any = any || (p.pending && !p.on_device);
  if (!any) return nullptr;
  VOLLEY_GPU_CHECK(set_device(device));
  device_connectivity_ptr out(new device_connectivity);
  out->device = device;
  out->projections.resize(projections.size());

  // Which projections fit the builder; the others are drawn on the host now.
  std::uint64_t needed = 0;
  std::vector<std::size_t> chosen;
  for (std::size_t k = 0; k < projections.size(); ++k) {
    projection& p = projections[k];
    if (!p.pending || p.on_device) continue;
    std::uint64_t longest = 0;
    for (std::size_t i = 0; i + 1 < p.row_ptr.size(); ++i) longest = std::max(longest, p.row_ptr[i + 1] - p.row_ptr[i]);
    if (longest > max_line) {
      net.draw_pending_synapses(p);
      continue;
    }
    chosen.push_back(k);
    needed += p.bytes();
  }
  std::size_t free_bytes = 0, total = 0;
  VOLLEY_GPU_CHECK(memory_info(&free_bytes, &total));
  const std::uint64_t margin = 256ull << 20;  // the engine's own buffers come later
  if (needed + margin > free_bytes)
    throw resource_error("drawing the synapses on the device needs " + gib(needed + margin) + " GiB, but only " +
                         gib(free_bytes) + " of " + gib(total) + " GiB is free; run on the CPU (--backend cpu)");

  stream_t streams[n_streams];
  for (auto& s : streams) VOLLEY_GPU_CHECK(stream_create(&s));
  device_array<unsigned> longest(std::max<std::size_t>(1, chosen.size()));
  device_array<value_fault> faults(std::max<std::size_t>(1, 2 * chosen.size()));
  longest.zero(streams[0]);
  faults.zero(streams[0]);
  VOLLEY_GPU_CHECK(stream_sync(streams[0]));
  for (std::size_t c = 0; c < chosen.size(); ++c) {
    projection& p = projections[chosen[c]];
    const pending_synapses& ps = *p.pending;
    device_synapses& d = out->projections[chosen[c]];
    stream_t s = streams[c % n_streams];
    d.row_ptr.upload(p.row_ptr);
    const std::uint64_t n = p.size();
    row_job rows{d.row_ptr.get(), nullptr, nullptr, p.source_range.size(), p.target_range.size(),
                 autapse_map_of(ps.rule, p.source_range, p.target_range), net.seed(), connectivity_tag(ps.id),
                 ps.rule.allow_multapses};
    if (p.narrow()) {
      d.targets16.allocate(n);
      rows.targets16 = d.targets16.get();
    } else {
      d.targets32.allocate(n);
      rows.targets32 = d.targets32.get();
    }
    if (n > 0 && rows.n_source > 0)
      draw_rows_kernel<<<std::min<index_t>(rows.n_source, 65535), row_block, 0, s>>>(rows);
    auto values = [&](const value_distribution& dist, rng::purpose purpose, real_t* w, std::uint16_t* steps,
                      unsigned* max_steps, value_fault* fault) {
      const value_job job{d.row_ptr.get(), rows.n_source, dist, net.seed(), rng::make_tag(purpose, ps.id), w, steps,
                          net.dt(), max_steps, fault};
      const unsigned blocks = static_cast<unsigned>(std::clamp<std::uint64_t>(
          (std::uint64_t(rows.n_source) + value_block - 1) / value_block, 1, 65535));
      if (n > 0) draw_values_kernel<<<blocks, value_block, 0, s>>>(job);
    };
    if (!ps.weight.is_constant()) {
      d.weights.allocate(n);
      values(ps.weight, rng::purpose::weight, d.weights.get(), nullptr, nullptr, faults.get() + 2 * c);
    }
    if (!ps.delay.is_constant()) {
      d.delays.allocate(n);
      values(ps.delay, rng::purpose::delay, nullptr, d.delays.get(), longest.get() + c, faults.get() + 2 * c + 1);
    }
    VOLLEY_GPU_CHECK(last_error());
    d.built = true;
  }
  for (auto& s : streams) VOLLEY_GPU_CHECK(stream_sync(s));
  for (auto& s : streams) (void)stream_destroy(s);
  const auto longest_steps = longest.to_host();
  const auto found = faults.to_host();
  for (std::size_t c = 0; c < chosen.size(); ++c) {
    projection& p = projections[chosen[c]];
    const pending_synapses& ps = *p.pending;
    if (found[2 * c].row_plus_one) throw_fault(found[2 * c], ps, ps.weight, "weight");
    if (found[2 * c + 1].row_plus_one) throw_fault(found[2 * c + 1], ps, ps.delay, "delay");
    p.on_device = true;
    p.device_max_delay = ps.delay.is_constant() ? p.delay : static_cast<int>(std::max(1u, longest_steps[c]));
  }
  out->build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void copy_drawn_synapses_to_host(const device_connectivity& drawn, network& net) {
  auto& projections = net.projections();
  for (std::size_t k = 0; k < drawn.projections.size() && k < projections.size(); ++k) {
    const device_synapses& d = drawn.projections[k];
    projection& p = projections[k];
    if (!d.built || !p.pending) continue;
    if (p.narrow())
      p.targets16 = d.targets16.to_host();
    else
      p.targets32 = d.targets32.to_host();
    p.weights = d.weights.to_host();
    p.delays = d.delays.to_host();
    p.pending.reset();
  }
}

std::uint64_t device_bytes(const device_connectivity& drawn) {
  std::uint64_t bytes = 0;
  for (const auto& d : drawn.projections)
    bytes += d.row_ptr.bytes() + d.targets16.bytes() + d.targets32.bytes() + d.weights.bytes() + d.delays.bytes();
  return bytes;
}

}  // namespace volley::gpu
