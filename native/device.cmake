# Device hooks (included from native/CMakeLists.txt): CUDA through libcudart opened at run time,
# so nothing here needs a CUDA toolkit; Metal only on macOS, a stub that reports "unavailable"
# everywhere else (the stub is what Linux builds and tests).
find_package(Threads REQUIRED)

target_sources(mlxmpi_core PRIVATE
  src/cuda_hooks.c
  src/device.c
  src/device_gather.c
  src/device_mpi.c
  src/staging_cache.c)
target_link_libraries(mlxmpi_core PUBLIC Threads::Threads)

if(APPLE)
  # Untested: no macOS machine runs this project's CI (README, "GPUs").
  target_sources(mlxmpi_core PRIVATE src/metal_hooks.c)
  target_link_libraries(mlxmpi_core PUBLIC "-framework Metal" "-framework Foundation" objc)
else()
  target_sources(mlxmpi_core PRIVATE src/metal_stub.c)
endif()

# Which run-time CUDA-awareness queries this MPI declares (device_mpi.c): Open MPI's
# MPIX_Query_cuda_support in <mpi-ext.h>, MPICH's MPIX_GPU_query_support in <mpi.h>.
include(CheckIncludeFiles)
include(CheckSymbolExists)
include(CMakePushCheckState)
cmake_push_check_state(RESET)
set(CMAKE_REQUIRED_INCLUDES ${MPI_C_INCLUDE_DIRS})
set(CMAKE_REQUIRED_LIBRARIES MPI::MPI_C)
set(CMAKE_REQUIRED_QUIET ON)
check_include_files("mpi.h;mpi-ext.h" MLXMPI_HAVE_MPI_EXT_H LANGUAGE C)
if(MLXMPI_HAVE_MPI_EXT_H)
  check_symbol_exists(MPIX_Query_cuda_support "mpi.h;mpi-ext.h" MLXMPI_HAVE_MPIX_QUERY_CUDA_SUPPORT)
endif()
check_symbol_exists(MPIX_GPU_query_support "mpi.h" MLXMPI_HAVE_MPIX_GPU_QUERY_SUPPORT)
cmake_pop_check_state()
foreach(flag MLXMPI_HAVE_MPI_EXT_H MLXMPI_HAVE_MPIX_QUERY_CUDA_SUPPORT
             MLXMPI_HAVE_MPIX_GPU_QUERY_SUPPORT)
  if(${flag})
    set_property(SOURCE src/device_mpi.c APPEND PROPERTY COMPILE_DEFINITIONS ${flag}=1)
  endif()
endforeach()
message(STATUS "MlxMpi: MPI CUDA-awareness queries: mpi-ext.h=${MLXMPI_HAVE_MPI_EXT_H} "
               "MPIX_Query_cuda_support=${MLXMPI_HAVE_MPIX_QUERY_CUDA_SUPPORT} "
               "MPIX_GPU_query_support=${MLXMPI_HAVE_MPIX_GPU_QUERY_SUPPORT}")
