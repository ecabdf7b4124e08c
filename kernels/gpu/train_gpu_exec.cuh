#pragma once
// The GPU executor of the portable training engine (engine/train_portable.hpp): buffers in device memory, a launch
// runs the index-parallel body (kernels/train_batch.hpp) one thread per index, everything in stream order on the
// default stream. The CPU executor (engine/train_host_exec.hpp) has the same members.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "kernels/gpu/device_array.cuh"
#include "kernels/gpu/gpu_api.hpp"

namespace volley::gpu {

// Grid-stride loops: a grid of at most max_blocks blocks covers any n.
template <class F>
__global__ void train_for_each_kernel(std::size_t n, F f) {
  const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
  for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) f(i);
}

// One block per tile of a tiled body (kernels/train_segment.hpp), grid-stride over the tiles: locals in registers,
// the scratch in shared memory, a barrier after each load and each compute.
template <class F>
__global__ void __launch_bounds__(F::threads) train_tile_kernel(std::size_t tiles, F f) {
  __shared__ typename F::shared scratch;
  typename F::local local;
  for (std::size_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    f.begin(tile, threadIdx.x, local);
    for (std::size_t r = 0, rounds = f.rounds(tile); r < rounds; ++r) {
      f.load(tile, r, threadIdx.x, scratch);
      __syncthreads();
      f.compute(tile, r, threadIdx.x, scratch, local);
      __syncthreads();
    }
    f.end(tile, threadIdx.x, local);
  }
}

struct gpu_exec {
  static constexpr unsigned block = 256;
  static constexpr std::size_t max_blocks = 65536;
  template <class T>
  class buffer {
   public:
    void allocate(std::size_t n) {  // zero-filled
      if (a_.size() != n) a_.allocate(n);
      a_.zero(nullptr);
    }
    void upload(const T* p, std::size_t n) { a_.upload(p, n); }
    void download(T* p, std::size_t n) const { a_.download(p, n); }
    T* data() { return a_.get(); }
    const T* data() const { return a_.get(); }
    std::size_t size() const { return a_.size(); }

   private:
    device_array<T> a_;
  };

  int device = 0;
  std::string device_name;

  // A body travels as a kernel argument: plain bytes, well within the 4 KiB of kernel parameters.
  template <class F>
  static constexpr bool launchable = std::is_trivially_copyable_v<F> && sizeof(F) <= 4000;

  template <class F>
  void for_each(std::size_t n, const F& f) const {
    static_assert(launchable<F>, "a training kernel body must be trivially copyable and at most 4000 bytes");
    if (n == 0) return;
    const std::size_t blocks = std::min<std::size_t>((n + block - 1) / block, max_blocks);
    train_for_each_kernel<<<unsigned(blocks), block>>>(n, f);
    VOLLEY_GPU_CHECK(last_error());
  }
  template <class F>
  void for_each_tile(const F& f) const {
    static_assert(launchable<F>, "a training kernel body must be trivially copyable and at most 4000 bytes");
    const std::size_t tiles = f.tiles();
    if (tiles == 0) return;
    train_tile_kernel<<<unsigned(std::min(tiles, max_blocks)), F::threads>>>(tiles, f);
    VOLLEY_GPU_CHECK(last_error());
  }
  template <class T>
  void copy(T* dst, const T* src, std::size_t n) const {
    if (n) VOLLEY_GPU_CHECK(copy_on_device_async(dst, src, n * sizeof(T), nullptr));
  }
  template <class T>
  void zero(T* p, std::size_t n) const {
    if (n) VOLLEY_GPU_CHECK(fill_zero_async(p, n * sizeof(T), nullptr));
  }
  void finish() const { VOLLEY_GPU_CHECK(device_sync()); }
  // Before an engine's work: its device is the current one (another engine or thread may have switched).
  void activate() const { VOLLEY_GPU_CHECK(set_device(device)); }
  std::string name() const { return device_name + " (" + dialect + ")"; }
};

}  // namespace volley::gpu
