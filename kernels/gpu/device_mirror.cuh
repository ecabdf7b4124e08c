#pragma once
// Device copies of host arrays (neuron state, receptor state, ring buffers, constants, drives), held in one
// device allocation. Host code builds its kernel views with host pointers; translate() maps each such pointer to
// the same element of the device copy, so a view is moved to the device without knowing what its fields mean.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "kernels/gpu/device_array.cuh"

namespace volley::gpu {

class device_mirror {
 public:
  // Registers `bytes` at `host`. Writable regions are copied back by download(); read-only ones only go up.
  void add(const void* host, std::size_t bytes, bool writable) {
    if (host == nullptr || bytes == 0) return;
    for (const auto& r : regions_)
      if (r.host == host) return;  // already mirrored (a column shared by two views)
    regions_.push_back({static_cast<const char*>(host), bytes, total_, writable});
    total_ += (bytes + alignment - 1) / alignment * alignment;
  }
  std::size_t bytes() const { return total_; }

  void allocate() { storage_.allocate(total_); }
  void upload() const {
    for (const auto& r : regions_) VOLLEY_GPU_CHECK(copy_to_device(storage_.get() + r.offset, r.host, r.bytes));
  }
  void download() const {
    for (const auto& r : regions_)
      if (r.writable) VOLLEY_GPU_CHECK(copy_to_host(const_cast<char*>(r.host), storage_.get() + r.offset, r.bytes));
  }

  // The device address of host element `p` (nullptr stays nullptr). A pointer outside every region is a bug.
  template <class T>
  T* translate(T* p) const {
    if (p == nullptr) return nullptr;
    const char* c = reinterpret_cast<const char*>(p);
    for (const auto& r : regions_)
      if (c >= r.host && c < r.host + r.bytes) return reinterpret_cast<T*>(storage_.get() + r.offset + (c - r.host));
    throw internal_error("device_mirror: a view pointer lies in no mirrored region");
  }

 private:
  static constexpr std::size_t alignment = 256;  // bytes: keeps every column coalescing-aligned
  struct region {
    const char* host;
    std::size_t bytes, offset;
    bool writable;
  };
  std::vector<region> regions_;
  std::size_t total_ = 0;
  device_array<char> storage_;
};

}  // namespace volley::gpu
