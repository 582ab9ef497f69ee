/*
 * cuda_runtime_abi.h: the sliver of the CUDA runtime API that the CUDA hooks call, declared here so
 * that neither building nor running the shim needs a CUDA toolkit (libcudart is opened with dlopen
 * at run time, cuda_hooks.c).
 *
 * Everything below restates what NVIDIA's public headers (cuda_runtime_api.h, driver_types.h)
 * define for the CUDA 11 and 12 runtimes, libcudart.so.11.0 and libcudart.so.12. Names carry an
 * mlxmpi_ prefix so that this file can never clash with the real headers. Enumerations
 * (cudaError_t, cudaMemcpyKind, cudaMemoryType) are passed as int: C passes an enum whose values
 * fit an int exactly as an int. The test double tests/native/cudart_double.c implements the same
 * declarations, so a mistake here would fool both; scripts/test-real-cuda.sh is what checks them
 * against a real libcudart.
 */
#ifndef MLXMPI_CUDA_RUNTIME_ABI_H
#define MLXMPI_CUDA_RUNTIME_ABI_H

#include <stddef.h>

/* cudaError_t values the hooks act on; every other one is reported with cudaGetErrorString. */
enum {
    MLXMPI_CUDA_SUCCESS = 0,                 /* cudaSuccess */
    MLXMPI_CUDA_ERROR_INVALID_VALUE = 1,     /* cudaErrorInvalidValue */
    MLXMPI_CUDA_ERROR_MEMORY_ALLOCATION = 2, /* cudaErrorMemoryAllocation */
    MLXMPI_CUDA_ERROR_NO_DEVICE = 100,       /* cudaErrorNoDevice */
};

/* cudaMemcpyKind. */
enum {
    MLXMPI_CUDA_MEMCPY_HOST_TO_DEVICE = 1, /* cudaMemcpyHostToDevice */
    MLXMPI_CUDA_MEMCPY_DEVICE_TO_HOST = 2, /* cudaMemcpyDeviceToHost */
};

/* cudaHostAlloc flags: portable pinned memory is pinned for every device's context, so one
   staging buffer serves gathers on any device. */
enum { MLXMPI_CUDA_HOST_ALLOC_PORTABLE = 1 }; /* cudaHostAllocPortable */

/* cudaMemoryType, as cudaPointerGetAttributes reports it. */
enum {
    MLXMPI_CUDA_MEMORY_UNREGISTERED = 0, /* cudaMemoryTypeUnregistered: plain host memory */
    MLXMPI_CUDA_MEMORY_HOST = 1,         /* cudaMemoryTypeHost: pinned host memory */
    MLXMPI_CUDA_MEMORY_DEVICE = 2,       /* cudaMemoryTypeDevice */
    MLXMPI_CUDA_MEMORY_MANAGED = 3,      /* cudaMemoryTypeManaged */
};

/* struct cudaPointerAttributes as of CUDA 11 (CUDA 10 had two more, deprecated, fields). */
typedef struct mlxmpi_cuda_pointer_attributes {
    int type; /* an MLXMPI_CUDA_MEMORY_* value */
    int device;
    void* device_pointer;
    void* host_pointer;
} mlxmpi_cuda_pointer_attributes;

/* The runtime functions, in the order cuda_hooks.c resolves them. A stream is a cudaStream_t,
   an opaque pointer; NULL is the legacy default stream. */
typedef int (*mlxmpi_cuda_get_device_count_fn)(int* count);
typedef int (*mlxmpi_cuda_get_device_fn)(int* device);
typedef int (*mlxmpi_cuda_set_device_fn)(int device);
typedef int (*mlxmpi_cuda_malloc_fn)(void** pointer, size_t bytes);
typedef int (*mlxmpi_cuda_free_fn)(void* pointer);
typedef int (*mlxmpi_cuda_host_alloc_fn)(void** pointer, size_t bytes, unsigned int flags);
typedef int (*mlxmpi_cuda_free_host_fn)(void* pointer);
typedef int (*mlxmpi_cuda_memcpy_async_fn)(void* dst, const void* src, size_t bytes, int kind,
                                           void* stream);
typedef int (*mlxmpi_cuda_stream_synchronize_fn)(void* stream);
typedef int (*mlxmpi_cuda_pointer_get_attributes_fn)(mlxmpi_cuda_pointer_attributes* attributes,
                                                     const void* pointer);
typedef const char* (*mlxmpi_cuda_get_error_string_fn)(int error);

#endif /* MLXMPI_CUDA_RUNTIME_ABI_H */
