#pragma once
// An owning, typed array in device memory. Allocation failures throw device_error naming the call and the size.
#include <cstddef>
#include <utility>
#include <vector>

#include "kernels/gpu/gpu_api.hpp"

namespace volley::gpu {

template <class T>
class device_array {
 public:
  device_array() = default;
  explicit device_array(std::size_t n) { allocate(n); }
  device_array(const device_array&) = delete;
  device_array& operator=(const device_array&) = delete;
  device_array(device_array&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  device_array& operator=(device_array&& o) noexcept {
    release();
    p_ = std::exchange(o.p_, nullptr);
    n_ = std::exchange(o.n_, 0);
    return *this;
  }
  ~device_array() { release(); }

  void allocate(std::size_t n) {
    release();
    if (n == 0) return;
    void* p = nullptr;
    VOLLEY_GPU_CHECK(device_malloc(&p, n * sizeof(T)));
    p_ = static_cast<T*>(p);
    n_ = n;
  }
  void upload(const T* host, std::size_t n) {
    if (n != n_) allocate(n);
    if (n) VOLLEY_GPU_CHECK(copy_to_device(p_, host, n * sizeof(T)));
  }
  void upload(const std::vector<T>& host) { upload(host.data(), host.size()); }
  void download(T* host, std::size_t n) const {
    if (n) VOLLEY_GPU_CHECK(copy_to_host(host, p_, n * sizeof(T)));
  }
  std::vector<T> to_host() const {
    std::vector<T> v(n_);
    download(v.data(), n_);
    return v;
  }
  void zero(stream_t s) {
    if (n_) VOLLEY_GPU_CHECK(fill_zero_async(p_, n_ * sizeof(T), s));
  }

  T* get() const { return p_; }
  std::size_t size() const { return n_; }
  std::size_t bytes() const { return n_ * sizeof(T); }

 private:
  void release() noexcept {
    if (p_) (void)device_free(p_);  // no throw from a destructor; a failing free means the context is gone anyway
    p_ = nullptr;
    n_ = 0;
  }
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace volley::gpu
