// NEST's cont_delay_synapse in the NEST layer: a static synapse whose delay may lie off the step grid (NEST 3.10,
// models/cont_delay_synapse.h and _impl.h).
//   - A delay given in Connect's syn_spec is rounded to whole steps, as for static_synapse (NEST warns).
//   - A delay set as the model's default (CopyModel / SetDefaults) is kept continuous: d / h = n + f with f != 0
//     (std::modf, NEST's own arithmetic) gives n + 1 delay steps and delay_offset = h (1 - f); f == 0 gives d / h
//     steps. A spike of offset o (precise senders) then travels n + 1 steps with offset o + delay_offset when that
//     is below h, else n steps with offset o + delay_offset - h.
//   - Targets on the grid ignore the offset: a spike from a grid sender (o = 0) arrives after n + 1 steps, which is
//     what volley delivers. Precise-time (_ps) targets read the offset; volley's spikes travel on the grid (its _ps
//     models take every input at the end of its step, models/iaf_psc_ps.hpp), so an off-grid delay onto them is
//     refused, as is one from a precise sender (the step of arrival would depend on each spike's offset). Except
//     where the offset is within 1e-9 h of the grid (d / h rounds off a whole number in double, as 0.3 / 0.1 does):
//     volley then delivers at the nearer grid point (an offset near h in step n + 1 is the end of step n), within
//     1e-9 h of NEST's time.
#include <cmath>
#include <string>

#include "engine/error.hpp"
#include "host/nest_layer_detail.hpp"

namespace volley::nest::detail {

namespace {

bool precise_time(const node_group& g) {
  return g.kind == device_kind::none && (g.model.ends_with("_ps") || g.model.ends_with("_ps_lossless"));
}

}  // namespace

bool is_cont_delay_synapse(const synapse_model& m) { return m.base == "cont_delay_synapse"; }

cont_delay cont_delay_of(const synapse_model& m, const json& syn_spec, double h) {
  cont_delay out;
  const json d = m.params.value("delay", json(1.0));
  if (!is_cont_delay_synapse(m) || syn_spec.contains("delay") || !d.is_number()) return out;
  double whole = 0;
  const double frac = std::modf(d.get<double>() / h, &whole);
  if (frac == 0) return out;
  out.continuous = true;
  out.steps = static_cast<long long>(whole) + 1;
  out.offset_ms = h * (1.0 - frac);
  return out;
}

long long cont_delay_steps(const cont_delay& c, const node_group& pre, const node_group& post, double h) {
  const bool precise = precise_time(pre) || precise_time(post);
  return precise && h - c.offset_ms < 1e-9 * h ? c.steps - 1 : c.steps;
}

void check_cont_delay(const synapse_model& m, const json& syn_spec, const node_group& pre, const node_group& post,
                      double h, const std::string& where) {
  const cont_delay c = cont_delay_of(m, syn_spec, h);
  if (!c.continuous) return;
  const std::string delay = m.params.at("delay").dump() + " ms (" + m.name + "'s default, off the step grid)";
  if (c.steps < 2)  // NEST checks both n and n + 1 steps as delays
    throw parameter_error(where, "delay", delay, "at least the resolution " + std::to_string(h) + " ms (NEST)");
  const bool on_grid = c.offset_ms < 1e-9 * h || h - c.offset_ms < 1e-9 * h;
  if (precise_time(post) && !on_grid)
    throw parameter_error(where, "delay", delay,
                          "a multiple of the resolution for a precise-time target (" + post.model +
                              "): NEST delivers the spike off the grid, volley's spikes travel on it");
  if (precise_time(pre) && !on_grid)
    throw parameter_error(where, "delay", delay,
                          "a multiple of the resolution for a precise-time sender (" + pre.model +
                              "): NEST's step of arrival then depends on each spike's offset");
}

}  // namespace volley::nest::detail
