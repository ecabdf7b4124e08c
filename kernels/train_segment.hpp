#pragma once
// Dense projections over a whole checkpoint segment at once (the portable training engine, engine/train_portable.hpp):
// the input sum of a projection whose source is known in advance (the data), and the weight gradient of every
// trainable dense projection (its g_in kept for the segment's steps). A per-step product reads each active row of
// W once per sample and step (N 16384, batch 16, 5 % input: 80 % of a 2.1 GB matrix per step); here a tile of 32
// columns and 128 (step, sample) pairs loads 32 rows of W into shared memory once for all its pairs, so W is read
// once per 128 pairs. The same for the gradient: a tile of 128 rows and 32 columns holds its dW in registers for
// the whole segment and reads g_in in chunks of 32 pairs.
//
// Every sum keeps the per-step order exactly, so results are the per-step bodies' (kernels/train_batch.hpp) and
// the CPU engine's bit for bit: each accumulator adds its terms in ascending source order (input) or in descending
// step order, samples ascending within a step (gradient), skipping zero sources as they do.
//
// A tiled body runs as tiles of `threads` cooperating threads with a shared scratch struct, in rounds of
// load -> barrier -> compute -> barrier (executor member for_each_tile): on a GPU one block per tile, locals in
// registers, scratch in shared memory; on the CPU the threads of a tile run one after the other in each phase.
// The 32 threads of a warp share one pair (input) or one row (gradient), so the loop over its set bits does not
// diverge (a HIP wavefront of 64 covers two).
#include <cstddef>
#include <cstdint>

#include "engine/config.hpp"
#include "kernels/train_batch.hpp"

// Loops over a thread's accumulators are unrolled on a device, so that the accumulators stay in registers.
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
#define VOLLEY_SEGMENT_UNROLL _Pragma("unroll")
#else
#define VOLLEY_SEGMENT_UNROLL
#endif

namespace volley::kernels::train {

VOLLEY_HD VOLLEY_INLINE int lowest_set_bit(std::uint32_t m) {  // m != 0
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
  return __ffs(int(m)) - 1;
#else
  return __builtin_ctz(m);
#endif
}

// Bits 0..31 of the result: source j0 + k of sample b at step t is non-zero (k < 32, j0 + k < n).
VOLLEY_HD VOLLEY_INLINE std::uint32_t active_bits32(const spike_source& s, long t, std::size_t b, std::size_t j0) {
  if (t < 0 || j0 >= s.n) return 0;
  const std::size_t width = s.n - j0 < 32 ? s.n - j0 : 32;
  std::uint32_t m = 0;
  if (s.kind == spike_source::bits) {
    const std::size_t ts = s.one_step ? 0 : std::size_t(t), first = b * s.n + j0, word = first / 64, off = first % 64;
    const std::uint64_t* w = s.w + ts * s.words;
    std::uint64_t v = w[word] >> off;
    if (off > 32 && word + 1 < s.words) v |= w[word + 1] << (64 - off);
    m = std::uint32_t(v);
  } else {
    for (std::size_t k = 0; k < width; ++k)
      if (s.value(t, b, j0 + k) != real_t(0)) m |= 1u << k;
  }
  return width == 32 ? m : m & ((1u << width) - 1u);
}

// acc + value(k) * tile[k][c] over the set bits k of m, ascending: one accumulator's terms of one round. Bit
// sources have the value 1 (value() is not called).
template <class Value>
VOLLEY_HD VOLLEY_INLINE real_t add_set_bits(real_t acc, std::uint32_t m, const real_t (&tile)[32][32], unsigned c,
                                           bool bits, const Value& value) {
  while (m != 0) {
    const int k = lowest_set_bit(m);
    m &= m - 1u;
    acc += (bits ? real_t(1) : value(k)) * tile[k][c];
  }
  return acc;
}

// The (step, sample) pairs of a segment [t0, t0 + steps): pair p is step t0 + p / batch, sample p % batch (input
// order); the gradient visits them from the last step down: pair q is step t0 + steps - 1 - q / batch.
struct segment_pairs {
  long t0 = 0;
  std::size_t steps = 0, batch = 0;
  VOLLEY_HD VOLLEY_INLINE std::size_t count() const { return steps * batch; }
  VOLLEY_HD VOLLEY_INLINE long step(std::size_t p) const { return t0 + long(p / batch); }
  VOLLEY_HD VOLLEY_INLINE long step_descending(std::size_t q) const { return t0 + long(steps - 1 - q / batch); }
};

inline constexpr unsigned segment_tile_threads = 256;  // 32 columns x 8 warps
inline constexpr std::size_t segment_per_thread = 16;  // accumulators per thread: pairs (input), rows (gradient)
inline constexpr std::size_t segment_tile_span = 8 * segment_per_thread;  // pairs or rows per tile

// --- the input sum ---------------------------------------------------------------------------------------------
// masks[p][w]: bit k set when source 32 w + k of pair p is non-zero at step(p) - delay. One index per (p, w).
struct segment_input_masks {
  spike_source src;
  long delay = 0;
  segment_pairs pairs;
  std::size_t words = 0;  // (n_pre + 31) / 32
  std::uint32_t* masks = nullptr;
  VOLLEY_HD void operator()(std::size_t idx) const {
    const std::size_t p = idx / words, w = idx % words;
    masks[idx] = active_bits32(src, pairs.step(p) - delay, p % pairs.batch, w * 32);
  }
};

// sum[p * n + i] (+)= sum over active sources j, ascending, of value * W[j][i]: from zero, or adding to what is
// there (a second data projection continues the first's sums, as the per-step gather does).
struct segment_input {
  spike_source src;
  long delay = 0;
  segment_pairs pairs;
  std::size_t n_pre = 0, n = 0;
  const real_t* w = nullptr;               // [n_pre][n]
  const std::uint32_t* masks = nullptr;    // segment_input_masks
  real_t* sum = nullptr;                   // [pairs][n]
  int accumulate = 0;

  static constexpr unsigned threads = segment_tile_threads;
  struct local {
    real_t acc[segment_per_thread];
  };
  struct shared {
    real_t w[32][32];                             // rows j0 .. j0 + 31 of the tile's columns
    std::uint32_t mask[segment_tile_span];        // of the tile's pairs, for those rows
  };
  VOLLEY_HD VOLLEY_INLINE std::size_t column_tiles() const { return (n + 31) / 32; }
  VOLLEY_HD VOLLEY_INLINE std::size_t tiles() const {
    return column_tiles() * ((pairs.count() + segment_tile_span - 1) / segment_tile_span);
  }
  // Tiles of one column range are neighbours: they run together and share its rows of W in the L2 cache.
  VOLLEY_HD VOLLEY_INLINE std::size_t first_column(std::size_t tile) const { return (tile / pair_tiles()) * 32; }
  VOLLEY_HD VOLLEY_INLINE std::size_t first_pair(std::size_t tile) const {
    return (tile % pair_tiles()) * segment_tile_span;
  }
  VOLLEY_HD VOLLEY_INLINE std::size_t pair_tiles() const {
    return (pairs.count() + segment_tile_span - 1) / segment_tile_span;
  }
  VOLLEY_HD VOLLEY_INLINE std::size_t words() const { return (n_pre + 31) / 32; }  // of a pair's mask
  VOLLEY_HD VOLLEY_INLINE std::size_t rounds(std::size_t) const { return words(); }

  VOLLEY_HD void begin(std::size_t tile, unsigned th, local& l) const {
    const std::size_t i = first_column(tile) + th % 32;
    VOLLEY_SEGMENT_UNROLL
    for (std::size_t q = 0; q < segment_per_thread; ++q) {
      const std::size_t p = first_pair(tile) + q * 8 + th / 32;
      l.acc[q] = accumulate && i < n && p < pairs.count() ? sum[p * n + i] : real_t(0);
    }
  }
  VOLLEY_HD void load(std::size_t tile, std::size_t round, unsigned th, shared& s) const {
    const std::size_t i0 = first_column(tile), j0 = round * 32;
    for (unsigned e = th; e < 32 * 32; e += threads) {
      const std::size_t r = e / 32, c = e % 32;
      s.w[r][c] = j0 + r < n_pre && i0 + c < n ? w[(j0 + r) * n + i0 + c] : real_t(0);
    }
    for (unsigned e = th; e < segment_tile_span; e += threads) {
      const std::size_t p = first_pair(tile) + e;
      s.mask[e] = p < pairs.count() ? masks[p * words() + round] : 0u;
    }
  }
  VOLLEY_HD void compute(std::size_t tile, std::size_t round, unsigned th, const shared& s, local& l) const {
    const unsigned c = th % 32;
    const bool bits = src.kind == spike_source::bits;
    const std::size_t p0 = first_pair(tile);
    VOLLEY_SEGMENT_UNROLL
    for (std::size_t q = 0; q < segment_per_thread; ++q) {
      const std::size_t e = q * 8 + th / 32, p = p0 + e;
      l.acc[q] = add_set_bits(l.acc[q], s.mask[e], s.w, c, bits, [&](int k) {
        return src.value(pairs.step(p) - delay, p % pairs.batch, round * 32 + std::size_t(k));
      });
    }
  }
  VOLLEY_HD void end(std::size_t tile, unsigned th, const local& l) const {
    const std::size_t i = first_column(tile) + th % 32;
    if (i >= n) return;
    VOLLEY_SEGMENT_UNROLL
    for (std::size_t q = 0; q < segment_per_thread; ++q) {
      const std::size_t p = first_pair(tile) + q * 8 + th / 32;
      if (p < pairs.count()) sum[p * n + i] = l.acc[q];
    }
  }
};

// --- the weight gradient ---------------------------------------------------------------------------------------
// masks[c][j]: bit k set when source j is non-zero in gradient pair 32 c + k (descending steps). One index per
// (c, j).
struct segment_gradient_masks {
  spike_source src;
  long delay = 0;
  segment_pairs pairs;
  std::size_t n_pre = 0;
  std::uint32_t* masks = nullptr;
  VOLLEY_HD void operator()(std::size_t idx) const {
    const std::size_t c = idx / n_pre, j = idx % n_pre;
    std::uint32_t m = 0;
    for (std::size_t k = 0; k < 32; ++k) {
      const std::size_t q = c * 32 + k;
      if (q < pairs.count() && src.value(pairs.step_descending(q) - delay, q % pairs.batch, j) != real_t(0))
        m |= 1u << k;
    }
    masks[idx] = m;
  }
};

// gw[j][i] += value_q(j) * g_in[q][i] over the pairs q of the segment with a non-zero source, in pair order
// (steps descending, samples ascending: the order of the per-step sweep). g_in is kept per step of the segment:
// g_seg[(step - t0) * batch * n + b * n + i].
struct segment_weight_gradient {
  spike_source src;
  long delay = 0;
  segment_pairs pairs;
  std::size_t n_pre = 0, n = 0;
  const real_t* g_seg = nullptr;
  const std::uint32_t* masks = nullptr;  // segment_gradient_masks
  real_t* gw = nullptr;                  // [n_pre][n]

  static constexpr unsigned threads = segment_tile_threads;
  struct local {
    real_t acc[segment_per_thread];
  };
  struct shared {
    real_t g[32][32];                      // g_in of pairs 32 round .. + 31, the tile's columns
    std::uint32_t mask[segment_tile_span];  // of the tile's rows, for those pairs
  };
  VOLLEY_HD VOLLEY_INLINE std::size_t row_tiles() const { return (n_pre + segment_tile_span - 1) / segment_tile_span; }
  VOLLEY_HD VOLLEY_INLINE std::size_t tiles() const { return row_tiles() * ((n + 31) / 32); }
  VOLLEY_HD VOLLEY_INLINE std::size_t first_row(std::size_t tile) const {
    return (tile % row_tiles()) * segment_tile_span;
  }
  VOLLEY_HD VOLLEY_INLINE std::size_t first_column(std::size_t tile) const { return (tile / row_tiles()) * 32; }
  VOLLEY_HD VOLLEY_INLINE std::size_t rounds(std::size_t) const { return (pairs.count() + 31) / 32; }

  VOLLEY_HD void begin(std::size_t tile, unsigned th, local& l) const {
    const std::size_t i = first_column(tile) + th % 32;
    VOLLEY_SEGMENT_UNROLL
    for (std::size_t q = 0; q < segment_per_thread; ++q) {
      const std::size_t j = first_row(tile) + q * 8 + th / 32;
      l.acc[q] = i < n && j < n_pre ? gw[j * n + i] : real_t(0);
    }
  }
  VOLLEY_HD void load(std::size_t tile, std::size_t round, unsigned th, shared& s) const {
    const std::size_t i0 = first_column(tile), count = pairs.batch * n;
    for (unsigned e = th; e < 32 * 32; e += threads) {
      const std::size_t k = e / 32, c = e % 32, q = round * 32 + k;
      real_t v = 0;
      if (q < pairs.count() && i0 + c < n) {
        const std::size_t step = std::size_t(pairs.step_descending(q) - pairs.t0);
        v = g_seg[step * count + (q % pairs.batch) * n + i0 + c];
      }
      s.g[k][c] = v;
    }
    for (unsigned e = th; e < segment_tile_span; e += threads) {
      const std::size_t j = first_row(tile) + e;
      s.mask[e] = j < n_pre ? masks[round * n_pre + j] : 0u;
    }
  }
  VOLLEY_HD void compute(std::size_t tile, std::size_t round, unsigned th, const shared& s, local& l) const {
    const unsigned c = th % 32;
    const bool bits = src.kind == spike_source::bits;
    const std::size_t j0 = first_row(tile);
    VOLLEY_SEGMENT_UNROLL
    for (std::size_t q = 0; q < segment_per_thread; ++q) {
      const std::size_t e = q * 8 + th / 32;
      l.acc[q] = add_set_bits(l.acc[q], s.mask[e], s.g, c, bits, [&](int k) {
        const std::size_t pair = round * 32 + std::size_t(k);
        return src.value(pairs.step_descending(pair) - delay, pair % pairs.batch, j0 + e);
      });
    }
  }
  VOLLEY_HD void end(std::size_t tile, unsigned th, const local& l) const {
    const std::size_t i = first_column(tile) + th % 32;
    if (i >= n) return;
    VOLLEY_SEGMENT_UNROLL
    for (std::size_t q = 0; q < segment_per_thread; ++q) {
      const std::size_t j = first_row(tile) + q * 8 + th / 32;
      if (j < n_pre) gw[j * n + i] = l.acc[q];
    }
  }
};

}  // namespace volley::kernels::train
