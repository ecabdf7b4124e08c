// Which GPUs this process can use. Runs before anything is allocated, so that a GPU build started on a machine
// without a GPU (or with a driver too old for the runtime) falls back to the CPU instead of failing later.
#include "host/gpu_engine.hpp"
#include "kernels/gpu/gpu_api.hpp"

namespace volley::gpu {

probe_result probe() {
  probe_result r;
  r.dialect = dialect;
  (void)driver_version(&r.driver_version);
  (void)runtime_version(&r.runtime_version);
  int n = 0;
  const error_t e = device_count(&n);
  if (e != success) {
    (void)last_error();  // clear the sticky error so a later CPU run is not affected
    r.problem = describe(e);
    if (r.driver_version != 0 && r.driver_version < r.runtime_version)
      r.problem += " (driver " + std::to_string(r.driver_version) + " is older than runtime " +
                   std::to_string(r.runtime_version) + ")";
    return r;
  }
  if (n == 0) {
    r.problem = "the runtime reports no device";
    return r;
  }
  for (int d = 0; d < n; ++d) {
    device_properties p;
    if (properties(d, &p) != success) continue;
    device_desc desc{d, p.name, p.arch, p.total_bytes, 0, p.multiprocessors, p.warp};
    std::size_t total = 0;
    if (set_device(d) == success) (void)memory_info(&desc.free_bytes, &total);
    r.devices.push_back(desc);
  }
  r.usable = !r.devices.empty();
  if (!r.usable) r.problem = "no device answered a properties query";
  return r;
}

}  // namespace volley::gpu
