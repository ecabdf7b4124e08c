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

// The threads worth forking for `work` units of about one multiply-add each: below `per_thread` units a thread's
// share costs less than the fork and join (and when the machine is oversubscribed a join waits for a descheduled
// thread, so small loops forked every step are what collapses first). Results never depend on the count.
inline int threads_for_work(std::uint64_t work, int requested, std::uint64_t per_thread = 16384) {
  const std::uint64_t useful = std::max<std::uint64_t>(1, work / per_thread);
  return static_cast<int>(std::min<std::uint64_t>(std::uint64_t(cpu_thread_count(requested)), useful));
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
