#pragma once
// The CPU executor of the portable training engine (engine/train_portable.hpp): buffers are std::vectors, a
// launch is an OpenMP loop over the index. Used by tests to run the GPU engine's code on the CPU; the GPU executor
// (kernels/gpu/train_gpu_exec.cuh) has the same members.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/cpu_parallel.hpp"

namespace volley::train {

struct host_exec {
  template <class T>
  class buffer {
   public:
    void allocate(std::size_t n) { v_.assign(n, T{}); }  // zero-filled
    void upload(const T* p, std::size_t n) { v_.assign(p, p + n); }
    void download(T* p, std::size_t n) const { std::copy_n(v_.data(), n, p); }
    T* data() { return v_.data(); }
    const T* data() const { return v_.data(); }
    std::size_t size() const { return v_.size(); }

   private:
    std::vector<T> v_;
  };

  int threads = 0;  // 0: all OpenMP threads

  template <class F>
  void for_each(std::size_t n, const F& f) const {
    const int t = int(std::min<std::size_t>(std::size_t(kernels::cpu_thread_count(threads)), n / 256 + 1));
    kernels::cpu_chunks(n, t, [&](int, std::uint64_t begin, std::uint64_t end) {
      for (std::uint64_t i = begin; i < end; ++i) f(std::size_t(i));
    });
  }
  // Tiles of F::threads cooperating threads (kernels/train_segment.hpp): per tile, every thread's begin, then per
  // round every thread's load followed by every thread's compute (the barriers of a GPU block), then every end.
  template <class F>
  void for_each_tile(const F& f) const {
    const std::size_t tiles = f.tiles();
    const int t = int(std::min<std::size_t>(std::size_t(kernels::cpu_thread_count(threads)), tiles));
    kernels::cpu_chunks(tiles, t, [&](int, std::uint64_t begin, std::uint64_t end) {
      std::vector<typename F::local> local(F::threads);
      auto shared = std::make_unique<typename F::shared>();
      for (std::uint64_t tile = begin; tile < end; ++tile) {
        for (unsigned th = 0; th < F::threads; ++th) f.begin(tile, th, local[th]);
        for (std::size_t r = 0, rounds = f.rounds(tile); r < rounds; ++r) {
          for (unsigned th = 0; th < F::threads; ++th) f.load(tile, r, th, *shared);
          for (unsigned th = 0; th < F::threads; ++th) f.compute(tile, r, th, *shared, local[th]);
        }
        for (unsigned th = 0; th < F::threads; ++th) f.end(tile, th, local[th]);
      }
    });
  }
  template <class T>
  void copy(T* dst, const T* src, std::size_t n) const {
    std::copy_n(src, n, dst);
  }
  template <class T>
  void zero(T* p, std::size_t n) const {
    std::fill_n(p, n, T{});
  }
  void finish() const {}
  void activate() const {}
  std::string name() const {
    const int n = kernels::cpu_thread_count(threads);
    return "cpu, portable engine (" + std::to_string(n) + (n == 1 ? " thread)" : " threads)");
  }
};

}  // namespace volley::train
