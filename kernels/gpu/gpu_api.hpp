#pragma once
// The "gpu" dialect: CUDA and HIP behind one small set of names, so every kernel and launcher is written once.
// Only .cu files include this header (they are compiled by nvcc for CUDA or by hipcc for HIP).
//
// Every runtime call goes through VOLLEY_GPU_CHECK(call): a failure throws volley::device_error naming the call,
// the source file and line, and the runtime's own error name and text.
#include <cstddef>
#include <string>

#include "engine/error.hpp"

#if defined(__HIP__) || defined(__HIPCC__)
#include <hip/hip_runtime.h>
#define VOLLEY_GPU_HIP 1
#else
#include <cuda_runtime.h>
#define VOLLEY_GPU_CUDA 1
#endif

namespace volley::gpu {

#if defined(VOLLEY_GPU_HIP)
inline constexpr const char* dialect = "HIP";
using error_t = hipError_t;
using stream_t = hipStream_t;
using event_t = hipEvent_t;
using graph_t = hipGraph_t;
using graph_exec_t = hipGraphExec_t;
inline constexpr error_t success = hipSuccess;
inline const char* error_name(error_t e) { return hipGetErrorName(e); }
inline const char* error_text(error_t e) { return hipGetErrorString(e); }
inline error_t last_error() { return hipGetLastError(); }
inline error_t device_count(int* n) { return hipGetDeviceCount(n); }
inline error_t set_device(int d) { return hipSetDevice(d); }
inline error_t driver_version(int* v) { return hipDriverGetVersion(v); }
inline error_t runtime_version(int* v) { return hipRuntimeGetVersion(v); }
inline error_t memory_info(std::size_t* free_bytes, std::size_t* total) { return hipMemGetInfo(free_bytes, total); }
inline error_t device_malloc(void** p, std::size_t bytes) { return hipMalloc(p, bytes); }
inline error_t device_free(void* p) { return hipFree(p); }
inline error_t copy_to_device(void* dst, const void* src, std::size_t bytes) {
  return hipMemcpy(dst, src, bytes, hipMemcpyHostToDevice);
}
inline error_t copy_to_host(void* dst, const void* src, std::size_t bytes) {
  return hipMemcpy(dst, src, bytes, hipMemcpyDeviceToHost);
}
inline error_t copy_to_host_async(void* dst, const void* src, std::size_t bytes, stream_t s) {
  return hipMemcpyAsync(dst, src, bytes, hipMemcpyDeviceToHost, s);
}
inline error_t fill_zero_async(void* p, std::size_t bytes, stream_t s) { return hipMemsetAsync(p, 0, bytes, s); }
inline error_t copy_on_device_async(void* dst, const void* src, std::size_t bytes, stream_t s) {
  return hipMemcpyAsync(dst, src, bytes, hipMemcpyDeviceToDevice, s);
}
inline error_t device_sync() { return hipDeviceSynchronize(); }
inline error_t stream_create(stream_t* s) { return hipStreamCreateWithFlags(s, hipStreamNonBlocking); }
inline error_t stream_destroy(stream_t s) { return hipStreamDestroy(s); }
inline error_t stream_sync(stream_t s) { return hipStreamSynchronize(s); }
inline error_t begin_capture(stream_t s) { return hipStreamBeginCapture(s, hipStreamCaptureModeThreadLocal); }
inline error_t end_capture(stream_t s, graph_t* g) { return hipStreamEndCapture(s, g); }
inline error_t graph_instantiate(graph_exec_t* e, graph_t g) { return hipGraphInstantiate(e, g, nullptr, nullptr, 0); }
inline error_t graph_launch(graph_exec_t e, stream_t s) { return hipGraphLaunch(e, s); }
inline error_t graph_destroy(graph_t g) { return hipGraphDestroy(g); }
inline error_t graph_exec_destroy(graph_exec_t e) { return hipGraphExecDestroy(e); }
inline error_t event_create(event_t* e) { return hipEventCreate(e); }
inline error_t event_record(event_t e, stream_t s) { return hipEventRecord(e, s); }
inline error_t event_sync(event_t e) { return hipEventSynchronize(e); }
inline error_t event_ms(float* ms, event_t a, event_t b) { return hipEventElapsedTime(ms, a, b); }
inline error_t event_destroy(event_t e) { return hipEventDestroy(e); }
struct device_properties {
  std::string name, arch;
  std::size_t total_bytes = 0;
  int multiprocessors = 0, warp = 64, major = 0, minor = 0;
};
inline error_t properties(int d, device_properties* out) {
  hipDeviceProp_t p;
  const error_t e = hipGetDeviceProperties(&p, d);
  if (e != success) return e;
  *out = {p.name, p.gcnArchName, p.totalGlobalMem, p.multiProcessorCount, p.warpSize, p.major, p.minor};
  return e;
}
#else
inline constexpr const char* dialect = "CUDA";
using error_t = cudaError_t;
using stream_t = cudaStream_t;
using event_t = cudaEvent_t;
using graph_t = cudaGraph_t;
using graph_exec_t = cudaGraphExec_t;
inline constexpr error_t success = cudaSuccess;
inline const char* error_name(error_t e) { return cudaGetErrorName(e); }
inline const char* error_text(error_t e) { return cudaGetErrorString(e); }
inline error_t last_error() { return cudaGetLastError(); }
inline error_t device_count(int* n) { return cudaGetDeviceCount(n); }
inline error_t set_device(int d) { return cudaSetDevice(d); }
inline error_t driver_version(int* v) { return cudaDriverGetVersion(v); }
inline error_t runtime_version(int* v) { return cudaRuntimeGetVersion(v); }
inline error_t memory_info(std::size_t* free_bytes, std::size_t* total) { return cudaMemGetInfo(free_bytes, total); }
inline error_t device_malloc(void** p, std::size_t bytes) { return cudaMalloc(p, bytes); }
inline error_t device_free(void* p) { return cudaFree(p); }
inline error_t copy_to_device(void* dst, const void* src, std::size_t bytes) {
  return cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
}
inline error_t copy_to_host(void* dst, const void* src, std::size_t bytes) {
  return cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
}
inline error_t copy_to_host_async(void* dst, const void* src, std::size_t bytes, stream_t s) {
  return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s);
}
inline error_t fill_zero_async(void* p, std::size_t bytes, stream_t s) { return cudaMemsetAsync(p, 0, bytes, s); }
inline error_t copy_on_device_async(void* dst, const void* src, std::size_t bytes, stream_t s) {
  return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s);
}
inline error_t device_sync() { return cudaDeviceSynchronize(); }
inline error_t stream_create(stream_t* s) { return cudaStreamCreateWithFlags(s, cudaStreamNonBlocking); }
inline error_t stream_destroy(stream_t s) { return cudaStreamDestroy(s); }
inline error_t stream_sync(stream_t s) { return cudaStreamSynchronize(s); }
inline error_t begin_capture(stream_t s) { return cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal); }
inline error_t end_capture(stream_t s, graph_t* g) { return cudaStreamEndCapture(s, g); }
inline error_t graph_instantiate(graph_exec_t* e, graph_t g) { return cudaGraphInstantiate(e, g, 0); }
inline error_t graph_launch(graph_exec_t e, stream_t s) { return cudaGraphLaunch(e, s); }
inline error_t graph_destroy(graph_t g) { return cudaGraphDestroy(g); }
inline error_t graph_exec_destroy(graph_exec_t e) { return cudaGraphExecDestroy(e); }
inline error_t event_create(event_t* e) { return cudaEventCreate(e); }
inline error_t event_record(event_t e, stream_t s) { return cudaEventRecord(e, s); }
inline error_t event_sync(event_t e) { return cudaEventSynchronize(e); }
inline error_t event_ms(float* ms, event_t a, event_t b) { return cudaEventElapsedTime(ms, a, b); }
inline error_t event_destroy(event_t e) { return cudaEventDestroy(e); }
struct device_properties {
  std::string name, arch;
  std::size_t total_bytes = 0;
  int multiprocessors = 0, warp = 32, major = 0, minor = 0;
};
inline error_t properties(int d, device_properties* out) {
  cudaDeviceProp p;
  const error_t e = cudaGetDeviceProperties(&p, d);
  if (e != success) return e;
  *out = {p.name,           "sm_" + std::to_string(p.major) + std::to_string(p.minor),
          p.totalGlobalMem, p.multiProcessorCount,
          p.warpSize,       p.major,
          p.minor};
  return e;
}
#endif

// "cudaErrorMemoryAllocation: out of memory" / "hipErrorInvalidDevice: invalid device ordinal"
inline std::string describe(error_t e) { return std::string(error_name(e)) + ": " + error_text(e); }

// Throws device_error naming the failed call and where it was made.
inline void check(error_t e, const char* call, const char* file, int line) {
  if (e == success) return;
  throw device_error(std::string(dialect) + " call " + call + " failed at " + file + ":" + std::to_string(line) + ": " +
                     describe(e));
}

// Overlapped launches of the step's kernels (CUDA's programmatic dependent launch, sm_90 and later): a kernel
// launched with overlap = true may be scheduled while the kernel before it in the stream still runs, which hides
// the launch latency between the small kernels of a step. Every kernel launched that way starts with
// let_next_kernel_start() and calls wait_for_previous_kernel() before it reads anything an earlier kernel wrote
// (the wait returns once the previous kernel has finished and its writes are visible; it was launched the same way,
// so the order holds along the whole chain). On HIP, on older GPUs and for ordinary launches both are no-ops.
__device__ inline void let_next_kernel_start() {
#if defined(VOLLEY_GPU_CUDA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  cudaTriggerProgrammaticLaunchCompletion();
#endif
}
__device__ inline void wait_for_previous_kernel() {
#if defined(VOLLEY_GPU_CUDA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  cudaGridDependencySynchronize();
#endif
}
// Both at once, for a kernel that reads earlier kernels' results from its first instruction.
__device__ inline void begin_step_kernel() {
  let_next_kernel_start();
  wait_for_previous_kernel();
}

// Launches kernel<<<grid, block, 0, s>>>(args...), overlapped with the previous kernel when `overlap` (CUDA only).
// Errors surface through last_error(), as for <<<>>>.
template <class... Params, class... Args>
void launch(void (*kernel)(Params...), unsigned grid, unsigned block, stream_t s, bool overlap, Args&&... args) {
#if defined(VOLLEY_GPU_CUDA)
  if (overlap) {
    cudaLaunchAttribute attribute[1];
    attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute[0].val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(grid);
    config.blockDim = dim3(block);
    config.dynamicSmemBytes = 0;
    config.stream = s;
    config.attrs = attribute;
    config.numAttrs = 1;
    (void)cudaLaunchKernelEx(&config, kernel, static_cast<Args&&>(args)...);
    return;
  }
#endif
  (void)overlap;
  kernel<<<grid, block, 0, s>>>(static_cast<Args&&>(args)...);
}

// Whether `kernel` has the overlap's trigger and wait compiled in: PTX for sm_90 or later (a build for an older
// architecture that the driver compiles for an H100 has neither, and must not be launched overlapped). CUDA only.
template <class... Params>
bool compiled_for_overlap(void (*kernel)(Params...)) {
#if defined(VOLLEY_GPU_CUDA)
  cudaFuncAttributes a{};
  if (cudaFuncGetAttributes(&a, kernel) != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return a.ptxVersion >= 90;
#else
  (void)kernel;
  return false;
#endif
}

// Warp-level helpers (warp width 32 on NVIDIA, 64 on AMD CDNA).
#if defined(VOLLEY_GPU_HIP)
__device__ inline unsigned long long warp_ballot(bool p) { return __ballot(p); }
template <class T>
__device__ inline T warp_shuffle_down(T v, int d) {
  return __shfl_down(v, d);
}
#else
__device__ inline unsigned long long warp_ballot(bool p) { return __ballot_sync(0xffffffffu, p); }
template <class T>
__device__ inline T warp_shuffle_down(T v, int d) {
  return __shfl_down_sync(0xffffffffu, v, d);
}
#endif

}  // namespace volley::gpu

#define VOLLEY_GPU_CHECK(call) ::volley::gpu::check((call), #call, __FILE__, __LINE__)
