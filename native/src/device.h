/*
 * device.h: the device hooks, internal to the shim and its native tests.
 *
 * One table of function pointers per device kind (cuda_hooks.c, metal_hooks.c or metal_stub.c)
 * hides the runtime behind the public mlxmpi_device_* functions (device.c) and the device gather
 * (device_gather.c). Every hook returns an mlxmpi status and records its own failure, its
 * message starting with `function`, the public function it runs for.
 */
#ifndef MLXMPI_DEVICE_H
#define MLXMPI_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

typedef struct mlxmpi_device_hooks {
    const char* name; /* "CUDA", "Metal": for messages */

    /* Loads the runtime on first use; cheap once loaded. A failure (DEVICE_UNAVAILABLE, naming
       what was tried) is not remembered: the next call tries again. */
    int32_t (*load)(const char* function);
    /* Number of devices; 0 when the runtime loaded but has none. */
    int32_t (*device_count)(const char* function, int32_t* count);
    /* The device owning ptr, -1 for host memory. NULL when this kind cannot tell. */
    int32_t (*query_pointer)(const char* function, const void* ptr, int32_t* device);

    int32_t (*alloc)(const char* function, int32_t device, size_t bytes, void** ptr);
    int32_t (*free)(const char* function, int32_t device, void* ptr);
    /* Page-locked host memory for staging; NULL for kinds that never stage. */
    int32_t (*alloc_pinned)(const char* function, size_t bytes, void** ptr);
    int32_t (*free_pinned)(const char* function, void* ptr);

    /* Copies queued on stream, not waited for: callers synchronise before using the data. */
    int32_t (*copy_to_device_async)(const char* function, int32_t device, void* dst,
                                    const void* src_host, size_t bytes, void* stream);
    int32_t (*copy_to_host_async)(const char* function, int32_t device, void* dst_host,
                                  const void* src, size_t bytes, void* stream);
    int32_t (*synchronize)(const char* function, int32_t device, void* stream);

    /* Unified memory only (else NULL): the host address of device allocation ptr, which must
       hold at least bytes. Gathers of such kinds move these addresses through MPI in place. */
    int32_t (*host_view)(const char* function, void* ptr, size_t bytes, void** view);
} mlxmpi_device_hooks;

/* ---- cuda_hooks.c, metal_hooks.c / metal_stub.c ---- */

const mlxmpi_device_hooks* mlxmpi_internal_cuda_hooks(void);
const mlxmpi_device_hooks* mlxmpi_internal_metal_hooks(void);

/* The dlopen handle of the loaded CUDA runtime and the name it was opened by, NULL before a
   successful load. For tests, which reach the runtime (streams, the test double's record)
   through the very library the shim uses. */
void* mlxmpi_internal_cuda_runtime_handle(void);
const char* mlxmpi_internal_cuda_runtime_name(void);

/* ---- device.c ---- */

/* The loaded hooks of kind, for a public function taking a device kind: INVALID_ARGUMENT for an
   unknown kind and for MLXMPI_DEVICE_CPU (which has no device memory), DEVICE_UNAVAILABLE when
   the runtime cannot be loaded. */
int32_t mlxmpi_internal_device_hooks(const char* function, int32_t kind,
                                     const mlxmpi_device_hooks** hooks);

/* device must name one of the kind's devices (INVALID_ARGUMENT otherwise). */
int32_t mlxmpi_internal_check_device(const char* function, const mlxmpi_device_hooks* hooks,
                                     int32_t device);

/* When the hooks can query pointers: ptr (named `what` in messages) must be device memory of
   `device` (on_device 1) or host memory (on_device 0). INVALID_ARGUMENT otherwise. */
int32_t mlxmpi_internal_check_pointer(const char* function, const mlxmpi_device_hooks* hooks,
                                      const char* what, const void* ptr, int32_t device,
                                      int on_device);

/* bytes (named `what`) must be >= 0 and addressable; writes it as a size_t. */
int32_t mlxmpi_internal_check_bytes(const char* function, const char* what, int64_t bytes,
                                    size_t* size);

/* ---- staging_cache.c: pinned host buffers reused across device gathers ---- */

typedef struct mlxmpi_staging_buffer {
    const mlxmpi_device_hooks* hooks;
    void* memory;
    size_t capacity; /* the size class's capacity, >= the bytes asked for */
} mlxmpi_staging_buffer;

/* A pinned buffer of at least bytes (> 0): a cached one of the same size class, else a new one.
   When allocating fails, the idle buffers are freed and the allocation tried once more. */
int32_t mlxmpi_internal_staging_acquire(const char* function, const mlxmpi_device_hooks* hooks,
                                        size_t bytes, mlxmpi_staging_buffer* buffer);

/* Gives buffer back for reuse, or frees it when the cache is full or when it is not reusable
   (a failed copy may still be writing into it: freeing waits for the device, reuse would not).
   Accepts an empty buffer and leaves buffer empty. */
void mlxmpi_internal_staging_release(mlxmpi_staging_buffer* buffer, int reusable);

/* Frees every idle buffer, trying them all; a failure status when any free failed (the message
   is the last failure's). */
int32_t mlxmpi_internal_staging_clear(const char* function);

/* The capacity of the size class holding bytes: quarter steps between powers of two (at most
   25% unused), never below 4 KiB. 0 when bytes is too large for any class. */
size_t mlxmpi_internal_staging_capacity(size_t bytes);

/* Idle buffers and their bytes, for tests. */
void mlxmpi_internal_staging_stats(int64_t* buffers, int64_t* bytes);

/* ---- device_mpi.c: what the MPI library accepts ---- */

/* 1 when MPI reports at run time that it takes CUDA device pointers. MPI must be initialised. */
int mlxmpi_internal_mpi_cuda_aware(void);

/* ---- device_gather.c ---- */

/* mlxmpi_allgather_device whose MPI part goes through the derived-datatype machinery of
   mlxmpi_internal_allgather_with_limit whenever count exceeds limit (1..INT_MAX); INT_MAX
   behaves exactly like the public function. */
int32_t mlxmpi_internal_allgather_device_with_limit(mlxmpi_comm* comm, int32_t kind,
                                                    int32_t device, const void* send, void* recv,
                                                    int64_t count, int32_t dtype, void* stream,
                                                    int64_t limit);

#endif /* MLXMPI_DEVICE_H */
