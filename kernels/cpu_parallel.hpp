#pragma once
// Thin OpenMP launchers. Work is split into contiguous chunks, one per thread, in thread order, so anything
// a chunk appends (spikes) concatenates into ascending index order whatever the thread count.
//
// The OpenMP code itself lives in kernels/cpu_parallel.cpp, compiled by the C++ compiler only: this header is also
// read by the .cu files, which nvcc and hipcc compile without OpenMP, and an inline function or template
// instantiation compiled both ways would be two different definitions of one symbol (the linker keeps either,
// so the CPU path could run on one thread in a GPU build).
#include <cstdint>
#include <type_traits>

namespace volley::kernels {

// `requested` threads, or OpenMP's default when it is 0; 1 in a build without OpenMP.
int cpu_thread_count(int requested);

// The threads worth forking for `work` units of about one multiply-add each: below `per_thread` units a thread's
// share costs less than the fork and join (and when the machine is oversubscribed a join waits for a descheduled
// thread, so small loops forked every step are what collapses first). Results never depend on the count.
int threads_for_work(std::uint64_t work, int requested, std::uint64_t per_thread = 16384);

namespace detail {
using chunk_call = void (*)(void* body, int thread, std::uint64_t begin, std::uint64_t end);
// Calls call(body, t, begin_t, end_t) for `threads` contiguous chunks of [0, n), in parallel.
void run_chunks(std::uint64_t n, int threads, chunk_call call, void* body);
}  // namespace detail

// Calls body(thread, begin, end) for `threads` contiguous chunks of [0, n) in parallel.
template <class Body>
void cpu_chunks(std::uint64_t n, int threads, Body&& body) {
  if (threads <= 1 || n < 2) {
    body(0, std::uint64_t(0), n);
    return;
  }
  using body_t = std::remove_reference_t<Body>;
  detail::run_chunks(
      n, threads,
      [](void* b, int t, std::uint64_t begin, std::uint64_t end) { (*static_cast<body_t*>(b))(t, begin, end); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

}  // namespace volley::kernels
