/*
 * device.c: the public device-memory functions, over the hooks of each device kind.
 *
 * The checks here are the shared ones (kind, device index, byte counts, which memory a pointer
 * is); the hooks only talk to their runtime. Asking the runtime which device owns a pointer
 * costs about a microsecond on CUDA, next to copies that cost ten or more, and turns a host
 * pointer handed over as device memory into a clear INVALID_ARGUMENT instead of a failed copy
 * or, on the direct path, MPI reading device memory it cannot read.
 */
#include <stdint.h>

#include "device.h"

/* The managed side mirrors these numbers. */
_Static_assert(MLXMPI_DEVICE_CPU == 0, "frozen device kind value");
_Static_assert(MLXMPI_DEVICE_CUDA == 1, "frozen device kind value");
_Static_assert(MLXMPI_DEVICE_METAL == 2, "frozen device kind value");
_Static_assert(MLXMPI_DEVICE_PATH_NONE == 0, "frozen device path value");
_Static_assert(MLXMPI_DEVICE_PATH_DIRECT == 1, "frozen device path value");
_Static_assert(MLXMPI_DEVICE_PATH_STAGING == 2, "frozen device path value");
_Static_assert(MLXMPI_DEVICE_PATH_UNIFIED == 3, "frozen device path value");
_Static_assert(sizeof(mlxmpi_device_kind) == sizeof(int32_t), "kind enum must fit int32_t");
_Static_assert(sizeof(mlxmpi_device_path) == sizeof(int32_t), "path enum must fit int32_t");

int32_t mlxmpi_internal_device_hooks(const char* function, int32_t kind,
                                     const mlxmpi_device_hooks** hooks) {
    switch (kind) {
    case MLXMPI_DEVICE_CUDA:
        *hooks = mlxmpi_internal_cuda_hooks();
        break;
    case MLXMPI_DEVICE_METAL:
        *hooks = mlxmpi_internal_metal_hooks();
        break;
    case MLXMPI_DEVICE_CPU:
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: MLXMPI_DEVICE_CPU is host memory, which has no device "
                                    "functions (gather it with mlxmpi_allgather)",
                                    function);
    default:
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: kind %d is not an mlxmpi_device_kind (valid: 0..2)",
                                    function, (int)kind);
    }
    return (*hooks)->load(function);
}

int32_t mlxmpi_internal_check_device(const char* function, const mlxmpi_device_hooks* hooks,
                                     int32_t device) {
    int32_t count = 0;
    int32_t status = hooks->device_count(function, &count);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (device < 0 || device >= count) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: %s device %d does not exist (%d %s device%s)", function,
                                    hooks->name, (int)device, (int)count, hooks->name,
                                    count == 1 ? "" : "s");
    }
    return MLXMPI_STATUS_OK;
}

int32_t mlxmpi_internal_check_pointer(const char* function, const mlxmpi_device_hooks* hooks,
                                      const char* what, const void* ptr, int32_t device,
                                      int on_device) {
    if (hooks->query_pointer == NULL) {
        return MLXMPI_STATUS_OK;
    }
    int32_t owner = -1;
    int32_t status = hooks->query_pointer(function, ptr, &owner);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (on_device && owner == -1) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: %s (%p) is host memory, not %s memory of device %d",
                                    function, what, ptr, hooks->name, (int)device);
    }
    if (on_device && owner != device) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: %s (%p) is memory of %s device %d, not of device %d",
                                    function, what, ptr, hooks->name, (int)owner, (int)device);
    }
    if (!on_device && owner != -1) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: %s (%p) is memory of %s device %d, not host memory",
                                    function, what, ptr, hooks->name, (int)owner);
    }
    return MLXMPI_STATUS_OK;
}

int32_t mlxmpi_internal_check_bytes(const char* function, const char* what, int64_t bytes,
                                    size_t* size) {
    if (bytes < 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: %s must be >= 0, got %lld", function, what,
                                    (long long)bytes);
    }
    if ((uint64_t)bytes > (uint64_t)PTRDIFF_MAX || (uint64_t)bytes > (uint64_t)SIZE_MAX) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "%s: %s %lld does not fit in the address space", function,
                                    what, (long long)bytes);
    }
    *size = (size_t)bytes;
    return MLXMPI_STATUS_OK;
}

/* The hooks of kind with device checked: the common start of every per-device function. */
static int32_t hooks_for_device(const char* function, int32_t kind, int32_t device,
                                const mlxmpi_device_hooks** hooks) {
    int32_t status = mlxmpi_internal_device_hooks(function, kind, hooks);
    if (status == MLXMPI_STATUS_OK) {
        status = mlxmpi_internal_check_device(function, *hooks, device);
    }
    return status;
}

MLXMPI_EXPORT int32_t mlxmpi_device_count(int32_t kind, int32_t* count) {
    static const char function[] = "mlxmpi_device_count";
    if (count == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: count is NULL",
                                    function);
    }
    *count = 0;
    if (kind == MLXMPI_DEVICE_CPU) {
        *count = 1;
        return MLXMPI_STATUS_OK;
    }
    const mlxmpi_device_hooks* hooks = NULL;
    int32_t status = mlxmpi_internal_device_hooks(function, kind, &hooks);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    return hooks->device_count(function, count);
}

MLXMPI_EXPORT int32_t mlxmpi_device_alloc(int32_t kind, int32_t device, int64_t bytes,
                                          void** ptr) {
    static const char function[] = "mlxmpi_device_alloc";
    if (ptr == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: ptr is NULL", function);
    }
    *ptr = NULL;
    size_t size = 0;
    int32_t status = mlxmpi_internal_check_bytes(function, "bytes", bytes, &size);
    const mlxmpi_device_hooks* hooks = NULL;
    if (status == MLXMPI_STATUS_OK) {
        status = hooks_for_device(function, kind, device, &hooks);
    }
    if (status != MLXMPI_STATUS_OK || size == 0) {
        return status;
    }
    return hooks->alloc(function, device, size, ptr);
}

MLXMPI_EXPORT int32_t mlxmpi_device_free(int32_t kind, int32_t device, void* ptr) {
    static const char function[] = "mlxmpi_device_free";
    const mlxmpi_device_hooks* hooks = NULL;
    int32_t status = hooks_for_device(function, kind, device, &hooks);
    if (status != MLXMPI_STATUS_OK || ptr == NULL) {
        return status;
    }
    status = mlxmpi_internal_check_pointer(function, hooks, "ptr", ptr, device, 1);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    return hooks->free(function, device, ptr);
}

/* One blocking copy in either direction: checks, the queued copy, the stream sync. */
static int32_t blocking_copy(const char* function, int32_t kind, int32_t device, void* dst,
                             const void* src, int64_t bytes, void* stream, int to_device) {
    size_t size = 0;
    int32_t status = mlxmpi_internal_check_bytes(function, "bytes", bytes, &size);
    const mlxmpi_device_hooks* hooks = NULL;
    if (status == MLXMPI_STATUS_OK) {
        status = hooks_for_device(function, kind, device, &hooks);
    }
    if (status != MLXMPI_STATUS_OK || size == 0) {
        return status;
    }
    const char* dst_name = to_device ? "dst" : "dst_host";
    const char* src_name = to_device ? "src_host" : "src";
    if (dst == NULL || src == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: %s is NULL", function,
                                    dst == NULL ? dst_name : src_name);
    }
    status = mlxmpi_internal_check_pointer(function, hooks, dst_name, dst, device, to_device);
    if (status == MLXMPI_STATUS_OK) {
        status = mlxmpi_internal_check_pointer(function, hooks, src_name, src, device, !to_device);
    }
    if (status == MLXMPI_STATUS_OK) {
        status = to_device
                     ? hooks->copy_to_device_async(function, device, dst, src, size, stream)
                     : hooks->copy_to_host_async(function, device, dst, src, size, stream);
    }
    if (status == MLXMPI_STATUS_OK) {
        status = hooks->synchronize(function, device, stream);
    }
    return status;
}

MLXMPI_EXPORT int32_t mlxmpi_device_copy_to_device(int32_t kind, int32_t device, void* dst,
                                                   const void* src_host, int64_t bytes,
                                                   void* stream) {
    return blocking_copy("mlxmpi_device_copy_to_device", kind, device, dst, src_host, bytes,
                         stream, 1);
}

MLXMPI_EXPORT int32_t mlxmpi_device_copy_to_host(int32_t kind, int32_t device, void* dst_host,
                                                 const void* src, int64_t bytes, void* stream) {
    return blocking_copy("mlxmpi_device_copy_to_host", kind, device, dst_host, src, bytes, stream,
                         0);
}

MLXMPI_EXPORT int32_t mlxmpi_device_synchronize(int32_t kind, int32_t device, void* stream) {
    static const char function[] = "mlxmpi_device_synchronize";
    const mlxmpi_device_hooks* hooks = NULL;
    int32_t status = hooks_for_device(function, kind, device, &hooks);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    return hooks->synchronize(function, device, stream);
}

MLXMPI_EXPORT int32_t mlxmpi_device_query_pointer(int32_t kind, const void* ptr,
                                                  int32_t* device) {
    static const char function[] = "mlxmpi_device_query_pointer";
    if (device == NULL || ptr == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: %s is NULL", function,
                                    device == NULL ? "device" : "ptr");
    }
    *device = -1;
    const mlxmpi_device_hooks* hooks = NULL;
    int32_t status = mlxmpi_internal_device_hooks(function, kind, &hooks);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (hooks->query_pointer == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: %s memory cannot be queried", function, hooks->name);
    }
    return hooks->query_pointer(function, ptr, device);
}

MLXMPI_EXPORT int32_t mlxmpi_device_is_cuda_aware(int32_t* flag) {
    if (flag == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_device_is_cuda_aware: flag is NULL");
    }
    *flag = 0;
    int32_t status = mlxmpi_internal_require_mpi();
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    *flag = mlxmpi_internal_mpi_cuda_aware();
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_device_release_staging(void) {
    return mlxmpi_internal_staging_clear("mlxmpi_device_release_staging");
}
