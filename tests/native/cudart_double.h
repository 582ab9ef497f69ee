/*
 * cudart_double.h: the test-only functions of libcudart_double.so, a stand-in for the CUDA
 * runtime over host memory (cudart_double.c: the runtime functions; cudart_double_probe.c: the
 * functions below; cudart_double_state.c: what they share).
 *
 * The shim opens the double as it would open libcudart (MLXMPI_CUDART_PATH), so tests reach
 * these functions with dlsym on the same library (device_test_support.c), never by linking it.
 *
 * Configuration, read when the library is loaded:
 *   CUDART_DOUBLE_DEVICE_COUNT=N         devices (default 1; 0 makes cudaGetDeviceCount answer
 *                                        cudaErrorNoDevice)
 *   CUDART_DOUBLE_FAIL_ALLOC_AFTER=N     the allocation (cudaMalloc, cudaHostAlloc,
 *                                        cudaMallocHost) after N successful ones fails with
 *                                        cudaErrorMemoryAllocation, once
 *   CUDART_DOUBLE_FAIL_COPY_AFTER=N      likewise cudaMemcpyAsync, with cudaErrorIllegalAddress
 *   CUDART_DOUBLE_FAIL_SYNC_AFTER=N      likewise cudaStreamSynchronize
 *   CUDART_DOUBLE_IMMEDIATE_COPIES=1     copy at cudaMemcpyAsync instead of at synchronisation
 * The setters below do the same at run time (-1 disarms).
 *
 * Copies are deferred by default: cudaMemcpyAsync only queues, and the bytes move when the
 * stream is synchronised (the NULL stream synchronises every stream; cudaFree and cudaFreeHost
 * synchronise everything, as the real ones do). Code that reads a copy's result without
 * synchronising its stream therefore reads stale bytes, as it eventually would on a GPU.
 *
 * Misuse (freeing an unknown pointer or twice, cudaFreeHost on device memory or cudaFree on
 * pinned memory, writes past an allocation, a copy whose "device" side is not device memory,
 * an unknown stream) is printed to stderr as "cudart_double: MISUSE: ..." and counted.
 */
#ifndef CUDART_DOUBLE_H
#define CUDART_DOUBLE_H

#include <stdint.h>

/* One recorded cudaMemcpyAsync. */
typedef struct cudart_double_copy {
    void* stream;
    int32_t kind;              /* 1 host to device, 2 device to host */
    int32_t current_device;    /* the calling thread's current device at the call */
    int32_t memory_device;     /* the device of the device-side allocation */
    int32_t host_pinned;       /* 1 when the host side lies in a cudaHostAlloc allocation */
    int64_t bytes;
} cudart_double_copy;

/* Every cudaMemcpyAsync accepted so far (failed ones are not recorded). */
typedef int64_t (*cudart_double_copy_count_fn)(void);
/* The stream of the last accepted copy. */
typedef void* (*cudart_double_last_copy_stream_fn)(void);
/* Copy number `index` (0-based, of all time); 1 when it is still in the record (the last
   4096 copies), else 0. */
typedef int32_t (*cudart_double_copy_record_fn)(int64_t index, cudart_double_copy* record);
/* Successful cudaStreamSynchronize calls, and the stream of the last one. */
typedef int64_t (*cudart_double_sync_count_fn)(void);
typedef void* (*cudart_double_last_sync_stream_fn)(void);
/* Successful allocations of all time: pinned (1) or device (0). */
typedef int64_t (*cudart_double_alloc_count_fn)(int32_t pinned);
/* Allocations not yet freed: pinned (1) or device (0). */
typedef int64_t (*cudart_double_live_allocations_fn)(int32_t pinned);
/* Queued copies not yet executed. */
typedef int64_t (*cudart_double_pending_copies_fn)(void);
/* Misuse reports so far. */
typedef int64_t (*cudart_double_misuse_count_fn)(void);
/* Arms a one-shot failure after `calls` more successful calls; -1 disarms. */
typedef void (*cudart_double_fail_after_fn)(int64_t calls);

#endif /* CUDART_DOUBLE_H */
