#include "engine/nest_gap_wfr.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "engine/error.hpp"
#include "engine/model_population.hpp"
#include "engine/population.hpp"
#include "kernels/cpu_parallel.hpp"
#include "models/current_sources.hpp"
#include "models/hh_cond_beta_gap_traub.hpp"
#include "models/hh_psc_alpha_gap.hpp"

namespace volley {

namespace {

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace

bool is_nest_gap_model(const std::string& model) {
  return model == models::hh_psc_alpha_gap::name || model == models::hh_cond_beta_gap_traub::name;
}

// The gap-model neurons of one population: cells first .. first + n - 1 of the system.
struct nest_gap_system::block {
  population* pop = nullptr;
  std::size_t first = 0;
  index_t n = 0;
  std::vector<double> held;  // pA: each neuron's input current held over the iterations (NEST's I_stim_)
  virtual ~block() = default;
  // One relaxation iteration of neuron i over lags [from, L) of the slice starting at `slice_start`; writes its
  // coefficients into sent (L x K, zeros outside [from, L)), updates last_y (L) and returns whether it converged.
  virtual bool iterate(index_t i, std::uint64_t slice_start, std::uint32_t from, const nest_gap_options& o,
                       const double* recv_c, double recv_g, double* sent, double* last_y) = 0;
  virtual void write_coupling(index_t i, double g_sum, const double* c, int K) = 0;
  double membrane(index_t i) const { return pop->state(pop->model().membrane)[i]; }

  // The current of step `step` without Poisson drives and receptors: the constant drive and the current sources
  // (a stateful source evaluated on a copy of its state, so the fused update still advances it once).
  void hold_current(std::uint64_t step, std::uint64_t seed) {
    held.assign(n, 0.0);
    std::vector<real_t> cur(n);
    for (index_t i = 0; i < n; ++i) cur[i] = pop->bias(i);
    std::vector<real_t> scratch;
    for (std::size_t q = 0; q < pop->current_sources().size(); ++q) {
      models::current_source s = pop->current_sources()[q];
      if (const real_t* st = pop->current_state(static_cast<int>(q))) {
        scratch.assign(st, st + n);
        s.state = scratch.data();
      }
      models::add_source_current(s, seed, static_cast<std::uint32_t>(step), 0, 0, static_cast<int>(n), cur.data());
    }
    for (index_t i = 0; i < n; ++i) held[i] = cur[i];
  }
};

namespace {

template <class Model>
struct model_block final : nest_gap_system::block {
  model_population<Model>* mp = nullptr;
  std::vector<typename Model::constants> constants;  // one, or one per neuron
  double dt = 0;

  model_block(model_population<Model>& p, double dt_ms) : mp(&p), dt(dt_ms) {
    pop = &p;
    n = p.size();
    for (const auto& prm : p.parameters()) constants.push_back(Model::derive(prm, dt_ms));
  }

  bool iterate(index_t i, std::uint64_t slice_start, std::uint32_t from, const nest_gap_options& o,
               const double* recv_c, double recv_g, double* sent, double* last_y) override {
    const auto& c = constants[constants.size() == 1 ? 0 : i];
    const int K = o.order + 1;
    const std::uint32_t L = o.slice_steps;
    constexpr int V = Model::sys::V;
    double y[Model::n_ode];
    for (int q = 0; q < Model::n_ode; ++q) y[q] = mp->state(Model::V_m + q)[i];
    real_t* h_col = mp->state(Model::h_ode);
    double h = h_col[i] > 0 ? double(h_col[i]) : c.dt;
    const double I_stim = held[i];
    std::fill(sent, sent + std::size_t(L) * K, 0.0);
    bool exceeded = false;
    for (std::uint32_t lag = from; lag < L; ++lag) {
      const double* a = recv_c + std::size_t(lag) * K;
      const models::nest_gap_input gap{recv_g, a[0], K > 1 ? a[1] : 0.0, K > 2 ? a[2] : 0.0, K > 3 ? a[3] : 0.0};
      const double y_i = y[V];
      const double hf_i = o.order == 3 ? dt * Model::dV_dt(c, y, I_stim, gap, 0.0) : 0.0;
      Model::integrate(c, y, h, I_stim, gap);
      // this step's arrivals, read without taking them from the ring (the final update takes them)
      real_t port[Model::n_ports > 0 ? Model::n_ports : 1] = {};
      const std::uint64_t step = slice_start + lag;
      for (int p = 0; p < Model::n_ports; ++p)
        if (mp->channel_used(p)) port[p] = mp->ring_slot(p, step)[i];
      const int dc = mp->delta_channel();
      const real_t delta = dc >= 0 && mp->channel_used(dc) ? mp->ring_slot(dc, step)[i] : real_t(0);
      Model::add_arrivals(c, y, port, delta);
      exceeded = exceeded || std::fabs(y[V] - last_y[lag]) > o.tol;
      last_y[lag] = y[V];
      double* out = sent + std::size_t(lag) * K;
      out[0] = y_i;
      if (o.order == 1) {
        out[1] = y[V] - y_i;
      } else if (o.order == 3) {
        const double y_ip1 = y[V];
        const double hf_ip1 = dt * Model::dV_dt(c, y, I_stim, gap, dt);
        out[1] = hf_i;
        out[2] = -3 * y_i + 3 * y_ip1 - 2 * hf_i - hf_ip1;
        out[3] = 2 * y_i - 2 * y_ip1 + hf_i + hf_ip1;
      }
    }
    h_col[i] = static_cast<real_t>(h);  // NEST keeps the step size of the iteration (IntegrationStep_)
    return !exceeded;
  }

  void write_coupling(index_t i, double g_sum, const double* a, int K) override {
    mp->state(Model::first_gap_field)[i] = static_cast<real_t>(g_sum);
    for (int k = 0; k < 4; ++k) mp->state(Model::first_gap_field + 1 + k)[i] = static_cast<real_t>(k < K ? a[k] : 0.0);
  }
};

template <class Model>
std::unique_ptr<nest_gap_system::block> make_block(population& p, double dt) {
  auto* mp = dynamic_cast<model_population<Model>*>(&p);
  if (mp == nullptr) return nullptr;
  return std::make_unique<model_block<Model>>(*mp, dt);
}

}  // namespace

nest_gap_system::nest_gap_system() = default;
nest_gap_system::~nest_gap_system() = default;
nest_gap_system::nest_gap_system(nest_gap_system&&) noexcept = default;
nest_gap_system& nest_gap_system::operator=(nest_gap_system&&) noexcept = default;

void nest_gap_system::set_options(const nest_gap_options& o, const std::string& where) {
  if (prepared_) throw parameter_error(where, "options", "changed", "options set before the first run");
  if (o.order != 0 && o.order != 1 && o.order != 3)
    throw parameter_error(where, "wfr_interpolation_order", std::to_string(o.order), "0, 1 or 3 (as NEST)");
  if (!(o.tol >= 0) || !std::isfinite(o.tol))
    throw parameter_error(where, "wfr_tol", num(o.tol) + " mV", "a tolerance >= 0 mV (as NEST)");
  if (o.max_iterations < 1)
    throw parameter_error(where, "wfr_max_iterations", std::to_string(o.max_iterations),
                          "at least 1 (as NEST; use_wfr false turns waveform relaxation off)");
  if (o.slice_steps < 1)
    throw parameter_error(where, "slice_steps", std::to_string(o.slice_steps), "at least 1 step (NEST's min_delay)");
  if (!o.use_wfr && o.slice_steps != 1)
    throw parameter_error(where, "slice_steps", std::to_string(o.slice_steps),
                          "1 without waveform relaxation (NEST sets min_delay to the resolution then)");
  options_ = o;
}

void nest_gap_system::add_junction(population& source, index_t s, population& target, index_t t, double g,
                                   const std::string& where) {
  if (prepared_) throw parameter_error(where, "gap_junction", "added", "connections made before the first run");
  for (const population* p : {&source, &target})
    if (!is_nest_gap_model(p->model().name))
      throw parameter_error(where, "model", p->model().name + " (population '" + p->name() + "')",
                            "a model with NEST gap junctions: hh_psc_alpha_gap or hh_cond_beta_gap_traub (NEST: the "
                            "node does not support gap junction output / input)");
  if (s >= source.size() || t >= target.size())
    throw parameter_error(where, "neuron", std::to_string(s >= source.size() ? s : t),
                          "an index inside the population");
  if (!std::isfinite(g)) throw parameter_error(where, "weight", num(g) + " nS", "a finite conductance (nS)");
  if (source.batch() != 1 || target.batch() != 1)
    throw parameter_error(where, "batch", std::to_string(target.batch()), "1 (NEST gap junctions run one instance)");
  junctions_.push_back({&source, &target, s, t, g});
}

void nest_gap_system::set_conductance(std::uint64_t junction, double g, const std::string& where) {
  if (junction >= junctions_.size())
    throw parameter_error(where, "junction", std::to_string(junction), "< " + std::to_string(junctions_.size()));
  if (!std::isfinite(g)) throw parameter_error(where, "weight", num(g) + " nS", "a finite conductance (nS)");
  junctions_[junction].g = g;
  if (prepared_) g_[slot_[junction]] = g;
}

void nest_gap_system::prepare(const std::vector<std::unique_ptr<population>>& populations) {
  prepared_ = true;
  K_ = options_.order + 1;
  // every population of a gap model takes part (NEST: every node of these models uses waveform relaxation)
  for (const auto& p : populations) {
    if (!is_nest_gap_model(p->model().name)) continue;
    std::unique_ptr<block> b = make_block<models::hh_psc_alpha_gap>(*p, step_ms_);
    if (!b) b = make_block<models::hh_cond_beta_gap_traub>(*p, step_ms_);
    if (!b) continue;
    b->first = n_cells_;
    n_cells_ += b->n;
    blocks_.push_back(std::move(b));
  }
  auto cell_of = [&](const population* p, index_t i) -> std::size_t {
    for (const auto& b : blocks_)
      if (b->pop == p) return b->first + i;
    return 0;
  };
  std::vector<std::size_t> order(junctions_.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::vector<std::size_t> tcell(junctions_.size());
  for (std::size_t e = 0; e < junctions_.size(); ++e) tcell[e] = cell_of(junctions_[e].target, junctions_[e].t);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return tcell[a] < tcell[b]; });
  row_ptr_.assign(n_cells_ + 1, 0);
  slot_.assign(junctions_.size(), 0);
  for (std::size_t e : order) {
    ++row_ptr_[tcell[e] + 1];
    slot_[e] = g_.size();
    partner_.push_back(cell_of(junctions_[e].source, junctions_[e].s));
    g_.push_back(junctions_[e].g);
  }
  std::partial_sum(row_ptr_.begin(), row_ptr_.end(), row_ptr_.begin());
  const std::size_t L = options_.slice_steps;
  recv_g_.assign(n_cells_, 0.0);
  recv_c_.assign(n_cells_ * L * K_, 0.0);
  sent_c_.assign(n_cells_ * L * K_, 0.0);
  last_y_.assign(n_cells_ * L, 0.0);
}

void nest_gap_system::deliver() {
  const std::size_t LK = std::size_t(options_.slice_steps) * K_;
  for (std::size_t t = 0; t < n_cells_; ++t) {
    double* rc = recv_c_.data() + t * LK;
    for (std::uint64_t e = row_ptr_[t]; e < row_ptr_[t + 1]; ++e) {
      recv_g_[t] += g_[e];
      const double* sc = sent_c_.data() + partner_[e] * LK;
      for (std::size_t k = 0; k < LK; ++k) rc[k] += g_[e] * sc[k];
    }
  }
}

void nest_gap_system::relax(std::uint64_t slice_start, std::uint32_t from, std::uint64_t seed, int threads) {
  for (auto& b : blocks_) b->hold_current(slice_start + from, seed);
  const std::size_t L = options_.slice_steps, LK = L * K_;
  const int nt = static_cast<int>(
      std::min<std::uint64_t>(kernels::cpu_thread_count(threads), std::max<std::uint64_t>(1, n_cells_ / 16)));
  std::vector<char> done(n_cells_);
  bool converged = false;
  for (int it = 0; it < options_.max_iterations && !converged; ++it) {
    ++iterations_;
    kernels::cpu_chunks(n_cells_, nt, [&](int, std::uint64_t begin, std::uint64_t end) {
      for (const auto& b : blocks_) {
        const std::uint64_t lo = std::max<std::uint64_t>(begin, b->first),
                            hi = std::min<std::uint64_t>(end, b->first + b->n);
        for (std::uint64_t cell = lo; cell < hi; ++cell) {
          done[cell] =
              b->iterate(static_cast<index_t>(cell - b->first), slice_start, from, options_, recv_c_.data() + cell * LK,
                         recv_g_[cell], sent_c_.data() + cell * LK, last_y_.data() + cell * L);
        }
      }
    });
    // NEST resets what a neuron received after each of its updates, then delivers this iteration's events
    std::fill(recv_g_.begin(), recv_g_.end(), 0.0);
    std::fill(recv_c_.begin(), recv_c_.end(), 0.0);
    deliver();
    converged = std::all_of(done.begin(), done.end(), [](char d) { return d != 0; });
  }
  if (!converged) ++unconverged_;
}

void nest_gap_system::before_step(const std::vector<std::unique_ptr<population>>& populations, std::uint64_t step,
                                  std::uint64_t seed, int threads) {
  if (junctions_.empty()) return;
  if (!prepared_) prepare(populations);
  const std::uint32_t L = options_.slice_steps;
  const auto lag = static_cast<std::uint32_t>(step % L);
  if (lag == 0 || segment_pending_) {
    if (lag == 0 && sent_pending_) {  // NEST delivers the events of the last slice at a slice's start only
      deliver();
      sent_pending_ = false;
    }
    segment_from_ = lag;
    segment_pending_ = false;
    if (options_.use_wfr) relax(step - lag, lag, seed, threads);
  }
  const std::size_t LK = std::size_t(L) * K_;
  for (const auto& b : blocks_)
    for (index_t i = 0; i < b->n; ++i) {
      const std::size_t cell = b->first + i;
      b->write_coupling(i, recv_g_[cell], recv_c_.data() + cell * LK + std::size_t(lag) * K_, K_);
    }
}

void nest_gap_system::after_step(std::uint64_t step, bool last_of_run) {
  if (junctions_.empty() || !prepared_) return;
  const std::uint32_t L = options_.slice_steps;
  const auto lag = static_cast<std::uint32_t>(step % L);
  if (lag != L - 1 && !last_of_run) return;
  // the end of the final update of a segment: each neuron sends its V, constant over the segment's lags, and
  // forgets what it received; only a complete slice's events are delivered (at the next slice start)
  const std::size_t LK = std::size_t(L) * K_;
  std::fill(sent_c_.begin(), sent_c_.end(), 0.0);
  for (const auto& b : blocks_)
    for (index_t i = 0; i < b->n; ++i) {
      double* out = sent_c_.data() + (b->first + i) * LK;
      for (std::uint32_t l = segment_from_; l <= lag; ++l) out[std::size_t(l) * K_] = b->membrane(i);
    }
  std::fill(recv_g_.begin(), recv_g_.end(), 0.0);
  std::fill(recv_c_.begin(), recv_c_.end(), 0.0);
  std::fill(last_y_.begin(), last_y_.end(), 0.0);
  sent_pending_ = lag == L - 1;
  segment_pending_ = lag != L - 1;  // a run ending inside a slice: the next run starts a segment there
}

}  // namespace volley
