#pragma once
// Thin OpenMP launchers. Work is split into contiguous chunks, one per thread, in thread order, so anything
// a chunk appends (spikes) concatenates into ascending index order whatever the thread count.
#include <algorithm>
#include <cstdint>

#ifdef VOLLEY_HAVE_OPENMP
#include <omp.h>
#endif

namespace volley::kernels {

inline int cpu_thread_count(int requested) {
#ifdef VOLLEY_HAVE_OPENMP
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;
#endif
}

// Calls body(thread, begin, end) for `threads` contiguous chunks of [0, n) in parallel.
template <class Body>
void cpu_chunks(std::uint64_t n, int threads, Body&& body) {
  if (threads <= 1 || n < 2) {
    body(0, std::uint64_t(0), n);
    return;
  }
#ifdef VOLLEY_HAVE_OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const std::uint64_t begin = n * t / nt, end = n * (t + 1) / nt;
    body(t, begin, end);
  }
#else
  body(0, std::uint64_t(0), n);
#endif
}

}  // namespace volley::kernels
