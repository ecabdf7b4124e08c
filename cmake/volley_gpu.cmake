# The GPU backend: kernels/gpu/*.cu compiled by nvcc (VOLLEY_GPU=cuda) or hipcc (VOLLEY_GPU=hip) into the
# library, from the same sources. Without a GPU backend kernels/gpu/no_gpu.cpp is linked instead.
file(GLOB VOLLEY_GPU_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/kernels/gpu/*.cu)

if(VOLLEY_GPU STREQUAL "cuda")
  # enable_language must run at directory scope (not inside a function) for its variables to be visible.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  # CMake 3.25 predates nvcc's C++20 support: teach it the flag (the target's C++20 applies to CUDA too).
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
endif()

function(volley_add_gpu_backend target)
  if(VOLLEY_GPU STREQUAL "none")
    target_sources(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/kernels/gpu/no_gpu.cpp)
  elseif(VOLLEY_GPU STREQUAL "cuda")
    set_source_files_properties(${VOLLEY_GPU_SOURCES} PROPERTIES LANGUAGE CUDA)
    target_sources(${target} PRIVATE ${VOLLEY_GPU_SOURCES})
    set_target_properties(${target} PROPERTIES CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr --extended-lambda -Xcompiler=-fPIC --fmad=false>)
    # --fmad=false: no contraction into fused multiply-adds, as the C++ compiler (-std=c++20: fp-contract off),
    # so CPU and GPU trajectories differ only by the math library's last bits.
    target_link_libraries(${target} PRIVATE CUDA::cudart)
  elseif(VOLLEY_GPU STREQUAL "hip")
    # Debian's hipcc (ROCm 5.2, clang 15) is used for the .cu files only; everything else stays with the C++
    # compiler. CMake's HIP language cannot find Debian's multiarch hip-lang package, hence custom commands.
    find_program(VOLLEY_HIPCC hipcc REQUIRED)
    set(VOLLEY_HIP_ARCH "gfx90a" CACHE STRING "AMD GPU architecture for the HIP backend")
    # tools/check_hip.sh (CI, no AMD GPU) compiles at -O1: the same kernels for gfx90a in less time
    set(VOLLEY_HIP_OPT "-O3" CACHE STRING "hipcc optimisation level of the HIP backend's kernels")
    find_library(VOLLEY_AMDHIP amdhip64 REQUIRED)
    set(defs -DVOLLEY_GPU_BACKEND="hip")
    if(VOLLEY_REAL STREQUAL "float")
      list(APPEND defs -DVOLLEY_REAL_FLOAT=1)
    endif()
    set(objects)
    foreach(src ${VOLLEY_GPU_SOURCES})
      get_filename_component(name ${src} NAME_WE)
      set(obj ${CMAKE_CURRENT_BINARY_DIR}/hip/${name}.o)
      add_custom_command(OUTPUT ${obj}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/hip
        COMMAND ${VOLLEY_HIPCC} -std=c++20 ${VOLLEY_HIP_OPT} -fPIC -ffp-contract=off --offload-arch=${VOLLEY_HIP_ARCH}
                -I${CMAKE_CURRENT_SOURCE_DIR} ${defs} -MD -MF ${obj}.d -x hip -c ${src} -o ${obj}
        DEPFILE ${obj}.d DEPENDS ${src} COMMENT "hipcc ${name}.cu (${VOLLEY_HIP_ARCH})" VERBATIM)
      list(APPEND objects ${obj})
    endforeach()
    set_source_files_properties(${objects} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
    target_sources(${target} PRIVATE ${objects})
    target_link_libraries(${target} PRIVATE ${VOLLEY_AMDHIP})
  else()
    message(FATAL_ERROR "VOLLEY_GPU=${VOLLEY_GPU}: expected none, cuda or hip")
  endif()
endfunction()
