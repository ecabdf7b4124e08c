#pragma once
// NEST's cm_default: a neuron of passive compartments on a user-defined tree, with optional Na and K channels per
// compartment and AMPA / GABA / NMDA / AMPA+NMDA receptors attached to compartments (NEST 3.10 models/cm_default,
// cm_tree, cm_compartmentcurrents). Compartment 0 is the root (soma); compartment k > 0 hangs on parent_idx < k.
// Per compartment (C_m, g_L, g_C the coupling to the parent, e_L):
//     C_m dv/dt = -g_L (v - e_L) - sum_{neighbours j} g_C,ij (v - v_j) + I_channels(v) + I_receptors(v) + I_in
// The step is NEST's (cm_default::update): every current is linearised at the voltages of the start of the step
// (models/cm_currents.hpp, gates and receptor conductances advanced first), the passive part is Crank-Nicolson,
// and the tree system is solved exactly by Hines' algorithm (models/cm_tree.hpp), in NEST's order of operations
// and of summation. A spike is emitted when the soma crosses V_th upwards (v_0 before < V_th <= v_0 after); NEST's
// cm_default has no reset and no refractory period.
//
// Bounded design: volley's state is fixed at compile time, so a neuron has at most cm_max_compartments (8)
// compartments and cm_max_receptors (8) receptors; n_compartments and n_receptors say how many are used (the
// unused slots cost memory only). Parameters are flattened: "comp<k>.<name>" (parent_idx, C_m, g_C, g_L, e_L,
// v_comp the initial voltage, gbar_Na, e_Na, gbar_K, e_K) and "rec<r>.<name>" (comp_idx, type 1 AMPA 2 GABA
// 3 NMDA 4 AMPA_NMDA, e_rev, tau_r, tau_d, and for AMPA_NMDA tau_r_NMDA, tau_d_NMDA, NMDA_ratio; for AMPA_NMDA
// tau_r / tau_d are the AMPA part's). The NEST layer (host/nest_cm.cpp) lowers NEST's `compartments` and
// `receptors` lists into these, with NEST's per-kind defaults (GABA: e -80, tau_d 10; NMDA: tau_d 43 ms).
// Units: parameters, weights and currents in volley's units (mV, ms, pF, nS, pA); the NEST layer converts NEST's
// nF, uS, nA. The arithmetic runs in NEST's numbers (derive() and update() divide by 1000), because the spiking
// dynamics amplify any difference in round-off: computed in pF / nS / pA the same scheme drifts from NEST by up to
// 1e-5 mV during action potentials, computed in NEST's numbers it agrees to the last digit stored (1e-10 mV).
// The receptor conductances (state g_*) are therefore kept in uS, NEST's unit, and declared dimensionless.
//
// Ports: "rec<r>" (spike weights, nS: receptor r, NEST's receptor_type r) and "curr<k>" (current steps, pA: a
// weight w changes compartment k's input current I_comp<k> by w from the next step on; the NEST layer lowers dc and
// step generators on NEST's current receptor k > 0 into such steps). The model's current input in.current goes to
// the soma. Delta inputs (mV, a volley extension) are added to the soma after the solve.
//
// State: NEST's recordables v_comp<k>, m_Na_<k>, h_Na_<k>, n_K_<k>; per receptor r: g_r_<r>, g_d_<r> (NEST's
// g_r_AMPA_<r>, g_r_GABA_<r>, g_r_NMDA_<r> or g_r_AN_AMPA_<r>) and g_r_AN_NMDA_<r>, g_d_AN_NMDA_<r> (AMPA_NMDA
// only), in uS; I_comp<k> (pA). Gates start at their steady state at the initial voltage, as in NEST.
//
// Differences from NEST: at most 8 compartments and 8 receptors per neuron (raise cm_max_compartments /
// cm_max_receptors: the state grows by 5 per compartment and 4 per receptor). The NEST layer sets one tree per
// Create() call (NEST: per node), and its GetStatus shows the flattened parameters, not NEST's compartments /
// receptors lists. A dendrite's current input takes steps only (dc, step generators); the soma's takes any.
#include <array>
#include <cmath>

#include "engine/config.hpp"
#include "engine/param.hpp"
#include "models/cm_currents.hpp"
#include "models/cm_tree.hpp"
#include "models/compiled_in_library.hpp"
#include "models/model_kit.hpp"

namespace volley::models {

inline constexpr int cm_max_receptors = 8;

// Generated name tables (cm_max_compartments = 8, cm_max_receptors = 8).
inline constexpr const char* cm_state_names[] = {
    "v_comp0",       "v_comp1",       "v_comp2",       "v_comp3",       "v_comp4",       "v_comp5",
    "v_comp6",       "v_comp7",       "m_Na_0",        "m_Na_1",        "m_Na_2",        "m_Na_3",
    "m_Na_4",        "m_Na_5",        "m_Na_6",        "m_Na_7",        "h_Na_0",        "h_Na_1",
    "h_Na_2",        "h_Na_3",        "h_Na_4",        "h_Na_5",        "h_Na_6",        "h_Na_7",
    "n_K_0",         "n_K_1",         "n_K_2",         "n_K_3",         "n_K_4",         "n_K_5",
    "n_K_6",         "n_K_7",         "g_r_0",         "g_r_1",         "g_r_2",         "g_r_3",
    "g_r_4",         "g_r_5",         "g_r_6",         "g_r_7",         "g_d_0",         "g_d_1",
    "g_d_2",         "g_d_3",         "g_d_4",         "g_d_5",         "g_d_6",         "g_d_7",
    "g_r_AN_NMDA_0", "g_r_AN_NMDA_1", "g_r_AN_NMDA_2", "g_r_AN_NMDA_3", "g_r_AN_NMDA_4", "g_r_AN_NMDA_5",
    "g_r_AN_NMDA_6", "g_r_AN_NMDA_7", "g_d_AN_NMDA_0", "g_d_AN_NMDA_1", "g_d_AN_NMDA_2", "g_d_AN_NMDA_3",
    "g_d_AN_NMDA_4", "g_d_AN_NMDA_5", "g_d_AN_NMDA_6", "g_d_AN_NMDA_7", "I_comp0",       "I_comp1",
    "I_comp2",       "I_comp3",       "I_comp4",       "I_comp5",       "I_comp6",       "I_comp7"};
inline constexpr const char* cm_comp_param_names[8][10] = {
    {"comp0.parent_idx", "comp0.C_m", "comp0.g_C", "comp0.g_L", "comp0.e_L", "comp0.v_comp", "comp0.gbar_Na",
     "comp0.e_Na", "comp0.gbar_K", "comp0.e_K"},
    {"comp1.parent_idx", "comp1.C_m", "comp1.g_C", "comp1.g_L", "comp1.e_L", "comp1.v_comp", "comp1.gbar_Na",
     "comp1.e_Na", "comp1.gbar_K", "comp1.e_K"},
    {"comp2.parent_idx", "comp2.C_m", "comp2.g_C", "comp2.g_L", "comp2.e_L", "comp2.v_comp", "comp2.gbar_Na",
     "comp2.e_Na", "comp2.gbar_K", "comp2.e_K"},
    {"comp3.parent_idx", "comp3.C_m", "comp3.g_C", "comp3.g_L", "comp3.e_L", "comp3.v_comp", "comp3.gbar_Na",
     "comp3.e_Na", "comp3.gbar_K", "comp3.e_K"},
    {"comp4.parent_idx", "comp4.C_m", "comp4.g_C", "comp4.g_L", "comp4.e_L", "comp4.v_comp", "comp4.gbar_Na",
     "comp4.e_Na", "comp4.gbar_K", "comp4.e_K"},
    {"comp5.parent_idx", "comp5.C_m", "comp5.g_C", "comp5.g_L", "comp5.e_L", "comp5.v_comp", "comp5.gbar_Na",
     "comp5.e_Na", "comp5.gbar_K", "comp5.e_K"},
    {"comp6.parent_idx", "comp6.C_m", "comp6.g_C", "comp6.g_L", "comp6.e_L", "comp6.v_comp", "comp6.gbar_Na",
     "comp6.e_Na", "comp6.gbar_K", "comp6.e_K"},
    {"comp7.parent_idx", "comp7.C_m", "comp7.g_C", "comp7.g_L", "comp7.e_L", "comp7.v_comp", "comp7.gbar_Na",
     "comp7.e_Na", "comp7.gbar_K", "comp7.e_K"}};
inline constexpr const char* cm_rec_param_names[8][8] = {
    {"rec0.comp_idx", "rec0.type", "rec0.e_rev", "rec0.tau_r", "rec0.tau_d", "rec0.tau_r_NMDA", "rec0.tau_d_NMDA",
     "rec0.NMDA_ratio"},
    {"rec1.comp_idx", "rec1.type", "rec1.e_rev", "rec1.tau_r", "rec1.tau_d", "rec1.tau_r_NMDA", "rec1.tau_d_NMDA",
     "rec1.NMDA_ratio"},
    {"rec2.comp_idx", "rec2.type", "rec2.e_rev", "rec2.tau_r", "rec2.tau_d", "rec2.tau_r_NMDA", "rec2.tau_d_NMDA",
     "rec2.NMDA_ratio"},
    {"rec3.comp_idx", "rec3.type", "rec3.e_rev", "rec3.tau_r", "rec3.tau_d", "rec3.tau_r_NMDA", "rec3.tau_d_NMDA",
     "rec3.NMDA_ratio"},
    {"rec4.comp_idx", "rec4.type", "rec4.e_rev", "rec4.tau_r", "rec4.tau_d", "rec4.tau_r_NMDA", "rec4.tau_d_NMDA",
     "rec4.NMDA_ratio"},
    {"rec5.comp_idx", "rec5.type", "rec5.e_rev", "rec5.tau_r", "rec5.tau_d", "rec5.tau_r_NMDA", "rec5.tau_d_NMDA",
     "rec5.NMDA_ratio"},
    {"rec6.comp_idx", "rec6.type", "rec6.e_rev", "rec6.tau_r", "rec6.tau_d", "rec6.tau_r_NMDA", "rec6.tau_d_NMDA",
     "rec6.NMDA_ratio"},
    {"rec7.comp_idx", "rec7.type", "rec7.e_rev", "rec7.tau_r", "rec7.tau_d", "rec7.tau_r_NMDA", "rec7.tau_d_NMDA",
     "rec7.NMDA_ratio"}};
inline constexpr const char* cm_port_names[] = {"rec0",  "rec1",  "rec2",  "rec3",  "rec4",  "rec5",  "rec6",  "rec7",
                                                "curr0", "curr1", "curr2", "curr3", "curr4", "curr5", "curr6", "curr7"};

struct cm_compartment_params {
  units::dimensionless_q parent_idx{-1.0};  // -1: the root; else the index of an earlier compartment
  units::capacitance_q C_m{1000.0};         // pF (NEST: 1 nF)
  units::conductance_q g_C{10.0};           // nS, coupling to the parent (NEST: 0.01 uS)
  units::conductance_q g_L{100.0};          // nS (NEST: 0.1 uS)
  units::voltage_q e_L{-70.0};
  units::voltage_q v_comp{-70.0};  // initial voltage (NEST: -70 mV whatever e_L)
  units::conductance_q gbar_Na{0.0};
  units::voltage_q e_Na{50.0};
  units::conductance_q gbar_K{0.0};
  units::voltage_q e_K{-85.0};
};

struct cm_receptor_params {
  units::dimensionless_q comp_idx{0.0};
  units::dimensionless_q type{1.0};  // cm::receptor_kind: 1 AMPA, 2 GABA, 3 NMDA, 4 AMPA_NMDA
  units::voltage_q e_rev{0.0};
  units::time_q tau_r{0.2};  // rise; AMPA_NMDA: of the AMPA part
  units::time_q tau_d{3.0};  // decay; AMPA_NMDA: of the AMPA part
  units::time_q tau_r_NMDA{0.2};
  units::time_q tau_d_NMDA{43.0};
  units::dimensionless_q NMDA_ratio{2.0};
};

struct cm_default_params {
  units::voltage_q V_th{-55.0};
  units::dimensionless_q n_compartments{1.0};
  units::dimensionless_q n_receptors{0.0};
  std::array<cm_compartment_params, cm_max_compartments> comp{};
  std::array<cm_receptor_params, cm_max_receptors> rec{};
};

struct cm_default_constants {
  double V_th;  // mV
  double dt;    // ms
  int n, n_rec;
  int parent[cm_max_compartments];  // -1 for the root
  int order[cm_max_compartments];   // NEST's down-sweep order (cm_down_order)
  // NEST's numbers from here on: uS, nF, nA
  double ca_dt[cm_max_compartments], gl_2[cm_max_compartments], gg0[cm_max_compartments];  // uS
  double gc_2[cm_max_compartments], gl_el[cm_max_compartments];                            // uS, nA
  double gbar_Na[cm_max_compartments], e_Na[cm_max_compartments];                          // uS, mV
  double gbar_K[cm_max_compartments], e_K[cm_max_compartments];                            // uS, mV
  // receptors of compartment i: rec_order[rec_start[i] .. rec_start[i + 1]), NEST's order (kind, then index)
  int rec_start[cm_max_compartments + 1], rec_order[cm_max_receptors], rec_type[cm_max_receptors];
  double e_rev[cm_max_receptors];                               // mV
  double prop_r[cm_max_receptors], prop_d[cm_max_receptors];    // exp(-dt / tau)
  double prop_r2[cm_max_receptors], prop_d2[cm_max_receptors];  // NMDA part of AMPA_NMDA
  double g_norm[cm_max_receptors], g_norm2[cm_max_receptors], ratio[cm_max_receptors];
};

struct cm_default {
  static constexpr const char* name = "cm_default";
  static constexpr const char* description =
      "NEST cm_default: compartmental neuron on a user-defined tree (at most 8 compartments, 8 receptors), Na/K "
      "channels and AMPA/GABA/NMDA/AMPA_NMDA receptors, NEST's linearised Crank-Nicolson step with a Hines solve";
  static constexpr int K = cm_max_compartments, R = cm_max_receptors;
  static constexpr double milli = 1000.0;  // volley's nS, pF, pA per NEST's uS, nF, nA
  enum : int {
    v_comp0 = 0,
    m_Na0 = K,
    h_Na0 = 2 * K,
    n_K0 = 3 * K,
    g_r0 = 4 * K,
    g_d0 = 4 * K + R,
    g_r_nmda0 = 4 * K + 2 * R,
    g_d_nmda0 = 4 * K + 3 * R,
    I_comp0 = 4 * K + 4 * R,
    n_state = 5 * K + 4 * R
  };
  static constexpr int membrane = v_comp0;
  static constexpr std::array<state_field, n_state> state_fields = [] {
    std::array<state_field, n_state> a{};
    for (int q = 0; q < n_state; ++q) {
      const units::dimension d = q < m_Na0     ? units::dims::voltage
                                 : q < I_comp0 ? units::dims::none  // gates; receptor conductances in uS
                                               : units::dims::current;
      a[q] = state_field{cm_state_names[q], d};
    }
    return a;
  }();
  static constexpr int n_ports = R + K;
  static constexpr std::array<port_desc, n_ports> ports = [] {
    std::array<port_desc, n_ports> a{};
    for (int q = 0; q < n_ports; ++q)
      a[q] = port_desc{cm_port_names[q], q < R ? units::dims::conductance : units::dims::current};
    return a;
  }();

  using params = cm_default_params;
  using constants = cm_default_constants;

  static params defaults() { return {}; }
  template <class P, class F>
  static void each_param(P& p, F&& f) {
    f("V_th", p.V_th, range_check::any);
    f("n_compartments", p.n_compartments, range_check::positive);
    f("n_receptors", p.n_receptors, range_check::non_negative);
    for (int k = 0; k < K; ++k) {
      const auto* nm = cm_comp_param_names[k];
      auto& c = p.comp[k];
      f(nm[0], c.parent_idx, range_check::any);
      f(nm[1], c.C_m, range_check::positive);
      f(nm[2], c.g_C, range_check::any);
      f(nm[3], c.g_L, range_check::any);
      f(nm[4], c.e_L, range_check::any);
      f(nm[5], c.v_comp, range_check::any);
      f(nm[6], c.gbar_Na, range_check::any);
      f(nm[7], c.e_Na, range_check::any);
      f(nm[8], c.gbar_K, range_check::any);
      f(nm[9], c.e_K, range_check::any);
    }
    for (int r = 0; r < R; ++r) {
      const auto* nm = cm_rec_param_names[r];
      auto& q = p.rec[r];
      f(nm[0], q.comp_idx, range_check::non_negative);
      f(nm[1], q.type, range_check::positive);
      f(nm[2], q.e_rev, range_check::any);
      f(nm[3], q.tau_r, range_check::positive);
      f(nm[4], q.tau_d, range_check::positive);
      f(nm[5], q.tau_r_NMDA, range_check::positive);
      f(nm[6], q.tau_d_NMDA, range_check::positive);
      f(nm[7], q.NMDA_ratio, range_check::any);
    }
  }
  static bool is_index(double x, double lo, double hi) { return x == std::floor(x) && x >= lo && x <= hi; }
  static const char* validate(const params& p) {
    if (!is_index(p.n_compartments.value, 1, K))
      return "n_compartments must be an integer in 1 .. 8 (cm_default in volley has at most 8 compartments)";
    if (!is_index(p.n_receptors.value, 0, R))
      return "n_receptors must be an integer in 0 .. 8 (cm_default in volley has at most 8 receptors)";
    const int n = static_cast<int>(p.n_compartments.value), n_rec = static_cast<int>(p.n_receptors.value);
    if (p.comp[0].parent_idx.value != -1) return "comp0.parent_idx must be -1 (compartment 0 is the root)";
    for (int k = 1; k < n; ++k)
      if (!is_index(p.comp[k].parent_idx.value, 0, k - 1))
        return "comp<k>.parent_idx must be the index of an earlier compartment (0 .. k-1) for k = 1 .. "
               "n_compartments-1";
    for (int r = 0; r < n_rec; ++r) {
      if (!is_index(p.rec[r].comp_idx.value, 0, n - 1))
        return "rec<r>.comp_idx must be the index of a compartment (0 .. n_compartments-1)";
      if (!is_index(p.rec[r].type.value, 1, 4))
        return "rec<r>.type must be 1 (AMPA), 2 (GABA), 3 (NMDA) or 4 (AMPA_NMDA)";
      if (p.rec[r].tau_r.value == p.rec[r].tau_d.value ||
          (p.rec[r].type.value == 4 && p.rec[r].tau_r_NMDA.value == p.rec[r].tau_d_NMDA.value))
        return "rec<r>.tau_r and tau_d must differ (NEST's peak normalisation divides by tau_d - tau_r)";
    }
    return nullptr;
  }
  static constants derive(const params& p, double h) {
    constants c{};
    c.V_th = p.V_th.value;
    c.dt = h;
    c.n = static_cast<int>(p.n_compartments.value);
    c.n_rec = static_cast<int>(p.n_receptors.value);
    for (int k = 0; k < c.n; ++k) {
      const auto& q = p.comp[k];
      c.parent[k] = static_cast<int>(q.parent_idx.value);
      const double C_m = q.C_m.value / milli, g_L = q.g_L.value / milli;  // nF, uS
      c.ca_dt[k] = C_m / h;
      c.gl_2[k] = g_L / 2.;
      c.gg0[k] = c.ca_dt[k] + c.gl_2[k];
      c.gc_2[k] = q.g_C.value / milli / 2.;
      c.gl_el[k] = g_L * q.e_L.value;
      c.gbar_Na[k] = q.gbar_Na.value / milli;
      c.e_Na[k] = q.e_Na.value;
      c.gbar_K[k] = q.gbar_K.value / milli;
      c.e_K[k] = q.e_K.value;
    }
    cm_down_order(c.n, c.parent, c.order);
    int at = 0;
    for (int k = 0; k < c.n; ++k) {
      c.rec_start[k] = at;
      for (int kind = cm::AMPA; kind <= cm::AMPA_NMDA; ++kind)
        for (int r = 0; r < c.n_rec; ++r)
          if (static_cast<int>(p.rec[r].comp_idx.value) == k && static_cast<int>(p.rec[r].type.value) == kind)
            c.rec_order[at++] = r;
    }
    c.rec_start[c.n] = at;
    for (int r = 0; r < c.n_rec; ++r) {
      const auto& q = p.rec[r];
      c.rec_type[r] = static_cast<int>(q.type.value);
      c.e_rev[r] = q.e_rev.value;
      c.prop_r[r] = std::exp(-h / q.tau_r.value);
      c.prop_d[r] = std::exp(-h / q.tau_d.value);
      c.g_norm[r] = cm::double_exp_norm(q.tau_r.value, q.tau_d.value);
      c.prop_r2[r] = std::exp(-h / q.tau_r_NMDA.value);
      c.prop_d2[r] = std::exp(-h / q.tau_d_NMDA.value);
      c.g_norm2[r] = c.rec_type[r] == cm::AMPA_NMDA ? cm::double_exp_norm(q.tau_r_NMDA.value, q.tau_d_NMDA.value) : 0;
      c.ratio[r] = q.NMDA_ratio.value;
    }
    return c;
  }
  static void initial_state(const params& p, real_t* s) {
    for (int q = 0; q < n_state; ++q) s[q] = 0;
    const int n = static_cast<int>(p.n_compartments.value);
    for (int k = 0; k < n && k < K; ++k) {
      const double v = p.comp[k].v_comp.value;
      double inf, tau;
      s[v_comp0 + k] = static_cast<real_t>(v);
      cm::na_m(v, inf, tau);
      s[m_Na0 + k] = static_cast<real_t>(inf);
      cm::na_h(v, inf, tau);
      s[h_Na0 + k] = static_cast<real_t>(inf);
      cm::k_n(v, inf, tau);
      s[n_K0 + k] = static_cast<real_t>(inf);
    }
  }

  // Receptor r's step (NEST's <receptor>::f_numstep): conductances decay, this step's weight w (uS) enters, and the
  // linearised current is added to (g_val, i_val).
  VOLLEY_HD VOLLEY_INLINE static void receptor_step(const constants& c, int r, double v, double w, real_t* s,
                                                    double& g_val, double& i_val) {
    double g_r = double(s[g_r0 + r]) * c.prop_r[r], g_d = double(s[g_d0 + r]) * c.prop_d[r];
    const double sv = w * c.g_norm[r];
    g_r -= sv;
    g_d += sv;
    s[g_r0 + r] = static_cast<real_t>(g_r);
    s[g_d0 + r] = static_cast<real_t>(g_d);
    const double g = g_r + g_d, e = c.e_rev[r];
    const int type = c.rec_type[r];
    if (type == cm::AMPA || type == cm::GABA) {
      cm::add_linearised(g * (e - v), -g, v, g_val, i_val);
      return;
    }
    double sig, dsig;
    cm::nmda_block(v, sig, dsig);
    if (type == cm::NMDA) {
      cm::add_linearised(g * sig * (e - v), g * (dsig * (e - v) - sig), v, g_val, i_val);
      return;
    }
    double g_r2 = double(s[g_r_nmda0 + r]) * c.prop_r2[r], g_d2 = double(s[g_d_nmda0 + r]) * c.prop_d2[r];
    const double sv2 = w * c.g_norm2[r];
    g_r2 -= sv2;
    g_d2 += sv2;
    s[g_r_nmda0 + r] = static_cast<real_t>(g_r2);
    s[g_d_nmda0 + r] = static_cast<real_t>(g_d2);
    const double g2 = g_r2 + g_d2;
    cm::add_linearised((g + c.ratio[r] * g2 * sig) * (e - v), -g + c.ratio[r] * g2 * (dsig * (e - v) - sig), v, g_val,
                       i_val);
  }

  VOLLEY_HD VOLLEY_INLINE static bool update(const constants& c, real_t* s, const neuron_input& in) {
    const int n = c.n;
    double v[K], gg[K], ff[K], hh[K];
    for (int i = 0; i < n; ++i) v[i] = s[v_comp0 + i];
    const double v0_before = s[v_comp0];
    for (int i = 0; i < n; ++i) {  // NEST's Compartment::construct_matrix_element, at the old voltages
      const int p = c.parent[i];
      double g = c.gg0[i], h = 0.0;
      if (p >= 0) {
        g += c.gc_2[i];
        h = -c.gc_2[i];
      }
      for (int j = i + 1; j < n; ++j)
        if (c.parent[j] == i) g += c.gc_2[j];
      double f = (c.ca_dt[i] - c.gl_2[i]) * v[i] + c.gl_el[i];
      if (p >= 0) f -= c.gc_2[i] * (v[i] - v[p]);
      for (int j = i + 1; j < n; ++j)
        if (c.parent[j] == i) f -= c.gc_2[j] * (v[i] - v[j]);
      double g_val = 0., i_val = 0.;
      double m = s[m_Na0 + i], hg = s[h_Na0 + i], nk = s[n_K0 + i];
      cm::na_step(v[i], c.gbar_Na[i], c.e_Na[i], c.dt, m, hg, g_val, i_val);
      cm::k_step(v[i], c.gbar_K[i], c.e_K[i], c.dt, nk, g_val, i_val);
      s[m_Na0 + i] = static_cast<real_t>(m);
      s[h_Na0 + i] = static_cast<real_t>(hg);
      s[n_K0 + i] = static_cast<real_t>(nk);
      for (int a = c.rec_start[i]; a < c.rec_start[i + 1]; ++a) {
        const int r = c.rec_order[a];
        receptor_step(c, r, v[i], double(in.port[r]) / milli, s, g_val, i_val);
      }
      g += g_val;
      f += i_val;
      f += (i == 0 ? double(in.current) + double(s[I_comp0]) : double(s[I_comp0 + i])) / milli;  // nA
      s[I_comp0 + i] += in.port[R + i];  // a current step acts from the next step on, as in.current's steps do
      gg[i] = g;
      ff[i] = f;
      hh[i] = h;
    }
    cm_solve_tree(n, c.parent, c.order, gg, ff, hh, v);
    v[0] += in.delta_v;
    for (int i = 0; i < n; ++i) s[v_comp0 + i] = static_cast<real_t>(v[i]);
    return v[0] >= c.V_th && v0_before < c.V_th;
  }
};

}  // namespace volley::models

VOLLEY_MODEL_COMPILED_IN_LIBRARY(volley::models::cm_default)
