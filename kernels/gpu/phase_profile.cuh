#pragma once
// Where a GPU step spends its time, measured with CUDA/HIP events between the phases of each step
// (VOLLEY_GPU_PROFILE=1 in the environment). Profiling launches steps one by one, without graphs, and waits for
// each step, so the total run time grows; the per-phase times are those of the kernels themselves.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gpu/gpu_api.hpp"

namespace volley::gpu {

class phase_profile {
 public:
  phase_profile() = default;
  phase_profile(const phase_profile&) = delete;
  phase_profile& operator=(const phase_profile&) = delete;
  ~phase_profile() {
    for (event_t e : pool_) (void)event_destroy(e);
  }

  // Starts phase `name` (ends the previous one) in stream order.
  void mark(const char* name, stream_t s) {
    if (used_ == pool_.size()) {
      event_t e;
      VOLLEY_GPU_CHECK(event_create(&e));
      pool_.push_back(e);
    }
    VOLLEY_GPU_CHECK(event_record(pool_[used_], s));
    names_.resize(used_ + 1);
    names_[used_++] = name;
  }

  // Ends the step: waits for its last event and adds each phase's time.
  void end_step(stream_t s) {
    mark("", s);
    VOLLEY_GPU_CHECK(event_sync(pool_[used_ - 1]));
    for (std::size_t k = 0; k + 1 < used_; ++k) {
      float ms = 0;
      VOLLEY_GPU_CHECK(event_ms(&ms, pool_[k], pool_[k + 1]));
      auto& [total, order] = ms_[names_[k]];
      if (total == 0 && order == 0) order = static_cast<int>(ms_.size());
      total += ms;
    }
    used_ = 0;
    ++steps_;
  }

  // One line per phase, in the order first seen: total ms, us per step, share of the step.
  void print(std::FILE* out) const {
    if (steps_ == 0) return;
    double all = 0;
    std::vector<std::pair<int, std::pair<std::string, double>>> rows;
    for (const auto& [name, v] : ms_) {
      all += v.first;
      rows.push_back({v.second, {name, v.first}});
    }
    std::sort(rows.begin(), rows.end());
    std::fprintf(out, "gpu profile, %llu steps (events between phases, steps launched one by one):\n",
                 static_cast<unsigned long long>(steps_));
    for (const auto& [order, row] : rows)
      std::fprintf(out, "  %-28s %10.3f ms %9.2f us/step %6.1f %%\n", row.first.c_str(), row.second,
                   1e3 * row.second / double(steps_), all > 0 ? 100.0 * row.second / all : 0.0);
    std::fprintf(out, "  %-28s %10.3f ms %9.2f us/step\n", "all phases", all, 1e3 * all / double(steps_));
  }

 private:
  std::vector<event_t> pool_;
  std::vector<std::string> names_;
  std::size_t used_ = 0;
  std::map<std::string, std::pair<double, int>> ms_;  // name -> (total ms, order first seen)
  unsigned long long steps_ = 0;
};

}  // namespace volley::gpu
