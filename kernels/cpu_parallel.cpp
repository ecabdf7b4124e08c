#include "kernels/cpu_parallel.hpp"

#include <algorithm>

#ifdef VOLLEY_HAVE_OPENMP
#include <omp.h>
#endif

namespace volley::kernels {

int cpu_thread_count(int requested) {
#ifdef VOLLEY_HAVE_OPENMP
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;
#endif
}

int threads_for_work(std::uint64_t work, int requested, std::uint64_t per_thread) {
  const std::uint64_t useful = std::max<std::uint64_t>(1, work / per_thread);
  return static_cast<int>(std::min<std::uint64_t>(std::uint64_t(cpu_thread_count(requested)), useful));
}

namespace detail {

void run_chunks(std::uint64_t n, int threads, chunk_call call, void* body) {
#ifdef VOLLEY_HAVE_OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    call(body, t, n * t / nt, n * (t + 1) / nt);
  }
#else
  (void)threads;
  call(body, 0, 0, n);
#endif
}

}  // namespace detail

}  // namespace volley::kernels
