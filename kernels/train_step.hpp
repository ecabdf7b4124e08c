#pragma once
// One neuron-step of the trainer, forward and backward: the only model-specific code of BPTT (engine/train_engine.cpp
// runs it over [batch x neuron] on the CPU; the GPU path runs the same bodies). Design: docs/training.md.
//
// Forward, for a neuron with state s (before the step) and summed input u (pA for neurons, port units for
// readouts), with f = free_update(s, u), r = the model's reset of (s, f) and S the spike function (Heaviside, or
// the surrogate's primitive in smooth mode, whose derivative is then exactly the surrogate):
//   same step (brainpy.state, SpikingJelly, Norse): z = S(x(f)), s' = f + z (r - f)
//   next step (snnTorch):                           s' = f + z_prev (r - f), z = S(x(s'))
//   rising edge (HH-type, no reset):                z = S(x(f)) (1 - S(x(s))), s' = f
// In hard mode with the reset in the same step the forward is the model's own update() (bit for bit what the
// simulator does, refractory hold included). Backward runs the adjoint of exactly these formulas with the
// surrogate g = dS/dx; detach_reset drops the dependence of the reset on z (the (r - f) lam term).
#include <cstdint>

#include "engine/config.hpp"
#include "models/differentiable.hpp"
#include "models/model_kit.hpp"
#include "models/surrogate.hpp"

namespace volley::kernels::train {

struct step_options {
  models::surrogate sg;     // dS/dx in the backward pass
  int smooth_spikes = 0;    // 1: S = surrogate primitive (gradient checks); 0: Heaviside
  int detach_reset = 0;     // 1: no gradient through the reset's dependence on the spike
  int reset_next_step = 0;  // 1: the spike of step t resets in step t + 1, after the free update
  int refractory = 0;       // set by the layer: the model has a refractory period (> 0 steps)
  // Sparse backward (Perez-Nieves & Goodman 2021) when > 0: a neuron-step whose spike argument lies outside
  // [-band, band] passes no gradient (dL/ds and dL/du set to 0 there), so the weight-gradient and input-adjoint
  // loops skip it. An approximation, off (0) by default.
  real_t sparse_band = 0;
};

template <class M>
inline constexpr bool has_counter = (M::n_state > M::n_diff_state);

// Whether the model's own update() is the forward (hard spikes, reset in the same step).
template <class M>
VOLLEY_HD VOLLEY_INLINE bool uses_model_update(const step_options& o) {
  return !o.smooth_spikes && (!o.reset_next_step || M::spike_on_rising_edge);
}

template <class M>
VOLLEY_HD VOLLEY_INLINE models::neuron_input input_of(const real_t& u) {
  models::neuron_input in{};
  if constexpr (requires { requires !M::takes_current; }) {
    in.port = &u;
  } else {
    in.current = u;
    in.port = nullptr;
  }
  return in;
}

template <class M>
VOLLEY_HD VOLLEY_INLINE real_t spike_fn(const step_options& o, real_t x) {
  return o.smooth_spikes ? models::surrogate_primitive(o.sg, x) : models::heaviside(x);
}

// The state after a reset weighted by z: f + z (r - f); in hard mode a select, so that z = 1 gives r bit for bit.
VOLLEY_HD VOLLEY_INLINE real_t mix(const step_options& o, real_t f, real_t r, real_t z) {
  return o.smooth_spikes ? f + z * (r - f) : (z != real_t(0) ? r : f);
}

// One forward step in place; returns the spike z (0/1, or in (0, 1) in smooth mode). z_prev: last step's spike.
// z_reset (gradient checks of detach_reset only, else nullptr): the spike the reset uses instead of z / z_prev,
// recorded from another run, so finite differences see the reset's spike as a constant as a detached reset does.
template <class M>
VOLLEY_HD VOLLEY_INLINE real_t forward(const typename M::constants& c, const step_options& o, real_t* s, real_t u,
                                       real_t z_prev, const real_t* z_reset = nullptr) {
  const models::neuron_input in = input_of<M>(u);
  if constexpr (!models::differentiable_spiking_model<M>) {
    M::free_update(c, s, in);
    return 0;
  } else {
    if (uses_model_update<M>(o) && !z_reset) return M::update(c, s, in) ? real_t(1) : real_t(0);
    real_t f[M::n_state], r[M::n_state];
    for (int q = 0; q < M::n_state; ++q) f[q] = s[q];
    M::free_update(c, f, in);
    if constexpr (M::spike_on_rising_edge) {
      const real_t z = spike_fn<M>(o, M::spike_argument(c, f)) * (real_t(1) - spike_fn<M>(o, M::spike_argument(c, s)));
      for (int q = 0; q < M::n_state; ++q) s[q] = f[q];
      return z;
    } else {
      models::reset_of<M>(c, s, f, r);
      if (o.reset_next_step) {
        for (int q = 0; q < M::n_diff_state; ++q) s[q] = mix(o, f[q], r[q], z_reset ? *z_reset : z_prev);
        return spike_fn<M>(o, M::spike_argument(c, s));
      }
      const real_t z = spike_fn<M>(o, M::spike_argument(c, f));
      for (int q = 0; q < M::n_diff_state; ++q) s[q] = mix(o, f[q], r[q], z_reset ? *z_reset : z);
      return z;
    }
  }
}

// The forward step with the spike z given (recomputation in the backward sweep): never re-thresholds, so a
// recomputed segment cannot flip a spike even where the recomputed input differs in its last bit. With the spike
// the forward produced it reproduces forward() bit for bit.
template <class M>
VOLLEY_HD VOLLEY_INLINE void replay(const typename M::constants& c, const step_options& o, real_t* s, real_t u,
                                    real_t z, real_t z_prev) {
  const models::neuron_input in = input_of<M>(u);
  if constexpr (!models::differentiable_spiking_model<M>) {
    M::free_update(c, s, in);
  } else {
    if (has_counter<M> && o.refractory) {
      // Refractory models (hard spikes, same-step reset only) replay through update(): a held neuron left above
      // threshold by a soft reset fires again (brainpy.state), which only update() knows how to reset. This
      // re-thresholds; on the CPU the recomputed input is bitwise the forward's, so the spikes are the same.
      (void)z;
      (void)z_prev;
      M::update(c, s, in);
      return;
    }
    real_t f[M::n_state], r[M::n_state];
    for (int q = 0; q < M::n_state; ++q) f[q] = s[q];
    M::free_update(c, f, in);
    models::reset_of<M>(c, s, f, r);
    const real_t zr = M::spike_on_rising_edge ? real_t(0) : (o.reset_next_step ? z_prev : z);
    for (int q = 0; q < M::n_diff_state; ++q) s[q] = mix(o, f[q], r[q], zr);
  }
}

// Adjoint of one forward step. s: the state before the step; z, z_prev: this and last step's spike as the forward
// produced them; lam: in dL/ds' (the state after the step), out dL/ds; gz: dL/dz from the loss and downstream layers.
// Writes g_u = dL/du and gz_prev = the extra dL/dz_prev of a next-step reset (0 otherwise).
template <class M>
VOLLEY_HD VOLLEY_INLINE void backward(const typename M::constants& c, const step_options& o, const real_t* s, real_t u,
                                      real_t z, real_t z_prev, real_t* lam, real_t gz, real_t& g_u, real_t& gz_prev) {
  constexpr int n = M::n_state;
  const models::neuron_input in = input_of<M>(u);
  real_t J[n * n], dI[n], f[n], d_f[n];
  M::free_update_jacobian(c, s, in, J, dI);
  for (int q = 0; q < n; ++q) f[q] = s[q];
  M::free_update(c, f, in);
  gz_prev = 0;

  if constexpr (!models::differentiable_spiking_model<M>) {
    for (int q = 0; q < n; ++q) d_f[q] = lam[q];
  } else if constexpr (M::spike_on_rising_edge) {
    real_t gx_f[n], gx_s[n];
    M::spike_argument_grad(c, f, gx_f);
    M::spike_argument_grad(c, s, gx_s);
    const real_t x_f = M::spike_argument(c, f), x_s = M::spike_argument(c, s);
    const real_t off_before = real_t(1) - spike_fn<M>(o, x_s);
    const real_t dz_dxf = models::surrogate_grad(o.sg, x_f) * off_before;
    const real_t dz_dxs = -spike_fn<M>(o, x_f) * models::surrogate_grad(o.sg, x_s);
    for (int q = 0; q < n; ++q) d_f[q] = lam[q] + gz * dz_dxf * gx_f[q];
    for (int q = 0; q < n; ++q) lam[q] = gz * dz_dxs * gx_s[q];  // the direct path s -> z, J^T d_f added below
  } else {
    if constexpr (has_counter<M>) {
      if (s[n - 1] > real_t(0)) {  // refractory: the state is held, the input ignored, no spike
        g_u = 0;
        return;
      }
    }
    real_t r[n], Rf[n * n], Rs[n * n], gx[n];
    models::reset_of<M>(c, s, f, r);
    if (o.sparse_band > real_t(0)) {  // far from threshold: no gradient through this neuron-step
      real_t at[n];
      for (int q = 0; q < n; ++q) at[q] = o.reset_next_step && q < M::n_diff_state ? mix(o, f[q], r[q], z_prev) : f[q];
      if (std::fabs(M::spike_argument(c, at)) > o.sparse_band) {
        for (int q = 0; q < n; ++q) lam[q] = 0;
        g_u = 0;
        return;
      }
    }
    models::reset_jacobian_of<M>(c, s, f, Rf, Rs);
    const real_t zr = o.reset_next_step ? z_prev : z;  // the spike that resets in this step
    real_t lam_new[n];
    for (int q = 0; q < n; ++q) lam_new[q] = lam[q];
    if (o.reset_next_step) {  // z = S(x(s')): the spike's gradient enters at s'
      real_t s_new[n];
      for (int q = 0; q < n; ++q) s_new[q] = mix(o, f[q], r[q], zr);
      M::spike_argument_grad(c, s_new, gx);
      const real_t g = gz * models::surrogate_grad(o.sg, M::spike_argument(c, s_new));
      for (int q = 0; q < M::n_diff_state; ++q) lam_new[q] += g * gx[q];
    }
    real_t reset_dot = 0;  // dL/dzr through the reset
    for (int q = 0; q < M::n_diff_state; ++q) reset_dot += lam_new[q] * (r[q] - f[q]);
    if (o.detach_reset) reset_dot = 0;
    for (int q = 0; q < n; ++q) {
      real_t through_reset = 0;
      for (int p = 0; p < M::n_diff_state; ++p) through_reset += Rf[p * n + q] * lam_new[p];
      d_f[q] = q < M::n_diff_state ? (real_t(1) - zr) * lam_new[q] + zr * through_reset : real_t(0);
    }
    if (o.reset_next_step) {
      gz_prev = reset_dot;
    } else {  // z = S(x(f))
      M::spike_argument_grad(c, f, gx);
      const real_t g = (gz + reset_dot) * models::surrogate_grad(o.sg, M::spike_argument(c, f));
      for (int q = 0; q < M::n_diff_state; ++q) d_f[q] += g * gx[q];
    }
    for (int q = 0; q < n; ++q) {
      real_t via_s = 0;
      for (int p = 0; p < M::n_diff_state; ++p) via_s += Rs[p * n + q] * lam_new[p];
      lam[q] = zr * via_s;
    }
  }
  // lam (dL/ds) += J^T d_f; g_u = dI . d_f
  real_t gu = 0;
  for (int q = 0; q < n; ++q) gu += dI[q] * d_f[q];
  for (int q = 0; q < n; ++q) {
    real_t acc = 0;
    for (int p = 0; p < n; ++p) acc += J[p * n + q] * d_f[p];
    if constexpr (!models::differentiable_spiking_model<M>) {
      lam[q] = acc;
    } else {
      lam[q] += acc;
    }
  }
  g_u = gu;
}

}  // namespace volley::kernels::train

namespace volley::kernels::train {

// dL/dp of one step for a neuron parameter p (a time constant, a threshold, ...), by a central difference of the
// step itself: c_plus / c_minus are the model's constants derived with p + h and p - h, inv_2h = 1 / (2h). The
// state path (lam . ds'/dp) and the spike path (dL/dz dz/dp, dz/dp = g(x) dx/dp) are both taken, the spike held
// where the forward held it, exactly as backward() treats the state. lam: dL/ds' as backward() receives it
// (call before backward, which overwrites it). Generic over every model and parameter; in double precision the
// difference is accurate to ~1e-9 relative (h = 1e-6 |p|), in float to ~1e-4 (h = 1e-2 |p|).
template <class M>
VOLLEY_HD VOLLEY_INLINE real_t param_grad(const typename M::constants& c, const typename M::constants& c_plus,
                                          const typename M::constants& c_minus, real_t inv_2h, const step_options& o,
                                          const real_t* s, real_t u, real_t z, real_t z_prev, const real_t* lam,
                                          real_t gz) {
  constexpr int n = M::n_state;
  const models::neuron_input in = input_of<M>(u);
  real_t fp[n], fm[n];
  for (int q = 0; q < n; ++q) fp[q] = fm[q] = s[q];
  M::free_update(c_plus, fp, in);
  M::free_update(c_minus, fm, in);
  real_t dot = 0;
  if constexpr (!models::differentiable_spiking_model<M>) {
    for (int q = 0; q < n; ++q) dot += lam[q] * (fp[q] - fm[q]);
    return dot * inv_2h;
  } else if constexpr (M::spike_on_rising_edge) {
    for (int q = 0; q < n; ++q) dot += lam[q] * (fp[q] - fm[q]);
    real_t f[n];
    for (int q = 0; q < n; ++q) f[q] = s[q];
    M::free_update(c, f, in);
    const real_t x_f = M::spike_argument(c, f), x_s = M::spike_argument(c, s);
    const real_t dxf = M::spike_argument(c_plus, fp) - M::spike_argument(c_minus, fm);
    const real_t dxs = M::spike_argument(c_plus, s) - M::spike_argument(c_minus, s);
    const real_t dz = models::surrogate_grad(o.sg, x_f) * dxf * (real_t(1) - spike_fn<M>(o, x_s)) -
                      spike_fn<M>(o, x_f) * models::surrogate_grad(o.sg, x_s) * dxs;
    return (dot + gz * dz) * inv_2h;
  } else {
    if constexpr (has_counter<M>) {
      if (s[n - 1] > real_t(0)) return 0;  // held: the parameter does not act
    }
    real_t rp[n], rm[n], f[n], r[n];
    models::reset_of<M>(c_plus, s, fp, rp);
    models::reset_of<M>(c_minus, s, fm, rm);
    const real_t zr = o.reset_next_step ? z_prev : z;
    real_t sp[n], sm[n];
    for (int q = 0; q < M::n_diff_state; ++q) {
      sp[q] = mix(o, fp[q], rp[q], zr);
      sm[q] = mix(o, fm[q], rm[q], zr);
      dot += lam[q] * (sp[q] - sm[q]);
    }
    if (o.reset_next_step) {  // z = S(x(s')): s' carries p
      for (int q = 0; q < n; ++q) f[q] = s[q];
      M::free_update(c, f, in);
      models::reset_of<M>(c, s, f, r);
      real_t s_new[n];
      for (int q = 0; q < n; ++q) s_new[q] = q < M::n_diff_state ? mix(o, f[q], r[q], zr) : s[q];
      for (int q = M::n_diff_state; q < n; ++q) sp[q] = sm[q] = s[q];
      const real_t dx = M::spike_argument(c_plus, sp) - M::spike_argument(c_minus, sm);
      return (dot + gz * models::surrogate_grad(o.sg, M::spike_argument(c, s_new)) * dx) * inv_2h;
    }
    // same step: z = S(x(f)), and the reset's dependence on z (unless detached)
    for (int q = 0; q < n; ++q) f[q] = s[q];
    M::free_update(c, f, in);
    models::reset_of<M>(c, s, f, r);
    real_t reset_dot = 0;
    for (int q = 0; q < M::n_diff_state; ++q) reset_dot += lam[q] * (r[q] - f[q]);
    if (o.detach_reset) reset_dot = 0;
    const real_t dx = M::spike_argument(c_plus, fp) - M::spike_argument(c_minus, fm);
    return (dot + (gz + reset_dot) * models::surrogate_grad(o.sg, M::spike_argument(c, f)) * dx) * inv_2h;
  }
}

}  // namespace volley::kernels::train
