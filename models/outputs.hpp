#pragma once
// BrainPy-style synaptic outputs: how a receptor's conductance g (models/synapses.hpp) becomes a current into the
// neuron, with brainpy.state's names, parameter names and defaults.
//   CUBA     I = scale g                      weights are currents (pA); scale dimensionless, default 1
//   COBA     I = g (E - V)                    weights are conductances (nS), I in pA;        E 0 mV
//   MgBlock  I = g (E - V) / (1 + cc_Mg/beta exp(alpha (V_offset - V)))   (Jahr & Stevens 1990 magnesium block)
//            weights in nS; E 0 mV, cc_Mg 1.2 mM, alpha 0.062 /mV, beta 3.57 mM, V_offset 0 mV. brainpy.state
//            writes these as bare numbers in those units; here they carry their units.
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "engine/units.hpp"

namespace volley::models {

enum class output_kind : int { cuba = 0, coba = 1, mg_block = 2 };

using per_voltage_q = units::quantity<units::dims::none - units::dims::voltage>;  // 1/mV

struct cuba_params {
  static constexpr const char* name = "CUBA";
  units::dimensionless_q scale{1.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("scale", p.scale, range_check::any);
  }
};
struct coba_params {
  static constexpr const char* name = "COBA";
  units::voltage_q E{0.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E", p.E, range_check::any);
  }
};
struct mgblock_params {
  static constexpr const char* name = "MgBlock";
  units::voltage_q E{0.0};
  units::concentration_q cc_Mg{1.2};
  per_voltage_q alpha{0.062};
  units::concentration_q beta{3.57};
  units::voltage_q V_offset{0.0};
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("E", p.E, range_check::any);
    f("cc_Mg", p.cc_Mg, range_check::non_negative);
    f("alpha", p.alpha, range_check::any);
    f("beta", p.beta, range_check::positive);
    f("V_offset", p.V_offset, range_check::any);
  }
};

struct output_constants {
  output_kind kind = output_kind::cuba;
  real_t scale = 1;     // CUBA (dimensionless)
  real_t E = 0;         // COBA, MgBlock: reversal potential (mV)
  real_t mg_ratio = 0;  // MgBlock: cc_Mg / beta (dimensionless)
  real_t mg_alpha = 0;  // MgBlock: 1/mV
  real_t V_offset = 0;  // MgBlock: mV
};

inline output_constants output_constants_for(const cuba_params& p) {
  output_constants o;
  o.kind = output_kind::cuba;
  o.scale = static_cast<real_t>(p.scale.value);
  return o;
}
inline output_constants output_constants_for(const coba_params& p) {
  output_constants o;
  o.kind = output_kind::coba;
  o.E = static_cast<real_t>(p.E.value);
  return o;
}
inline output_constants output_constants_for(const mgblock_params& p) {
  output_constants o;
  o.kind = output_kind::mg_block;
  o.E = static_cast<real_t>(p.E.value);
  o.mg_ratio = static_cast<real_t>(p.cc_Mg.value / p.beta.value);
  o.mg_alpha = static_cast<real_t>(p.alpha.value);
  o.V_offset = static_cast<real_t>(p.V_offset.value);
  return o;
}

// Dimension of the weights (and of g) for an output: a current under CUBA, a conductance otherwise.
inline units::dimension output_weight_dim(output_kind o) {
  return o == output_kind::cuba ? units::dims::current : units::dims::conductance;
}

// MgBlock's current (pA); out of line on the CPU so that the per-neuron loop stays small (see output_current).
#if defined(__GNUC__) && !defined(VOLLEY_DEVICE_COMPILE)
__attribute__((noinline))
#endif
VOLLEY_HD inline real_t
mg_block_current(const output_constants& o, real_t g, real_t v) {
  return g * (o.E - v) / (1 + o.mg_ratio * std::exp(o.mg_alpha * (o.V_offset - v)));
}

// Current (pA) for conductance g (weight unit) at membrane potential v (mV). Branches on the loop-invariant kind
// only, with the costly case out of line, so that the compiler hoists the test out of the per-neuron loop.
VOLLEY_HD VOLLEY_INLINE real_t output_current(const output_constants& o, real_t g, real_t v) {
  if (o.kind == output_kind::coba) return g * (o.E - v);
  if (o.kind == output_kind::cuba) return o.scale * g;
  return mg_block_current(o, g, v);
}

}  // namespace volley::models
