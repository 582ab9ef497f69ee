/*
 * device_mpi.c: whether the MPI library accepts CUDA device pointers.
 *
 * Two vendor extensions answer at run time, and each is only declared by its own MPI: Open MPI's
 * MPIX_Query_cuda_support (in <mpi-ext.h>, whose MPIX_CUDA_AWARE_SUPPORT macro only says how
 * the headers were configured) and MPICH's MPIX_GPU_query_support (in <mpi.h>, MPICH 4).
 * CMake checks which ones this MPI declares (native/device.cmake); the run-time answer is the
 * one used, because the same headers serve builds with and without CUDA support, and a
 * CUDA-aware Open MPI still answers 0 when it could not load CUDA in this process.
 */
#include "device.h"

#if defined(MLXMPI_HAVE_MPI_EXT_H)
#include <mpi-ext.h>
#endif

int mlxmpi_internal_mpi_cuda_aware(void) {
#if defined(MLXMPI_HAVE_MPIX_QUERY_CUDA_SUPPORT)
    if (MPIX_Query_cuda_support() == 1) {
        return 1;
    }
#endif
#if defined(MLXMPI_HAVE_MPIX_GPU_QUERY_SUPPORT)
    int supported = 0;
    if (MPIX_GPU_query_support(MPIX_GPU_SUPPORT_CUDA, &supported) == MPI_SUCCESS &&
        supported != 0) {
        return 1;
    }
#endif
    return 0;
}
