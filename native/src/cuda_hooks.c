/*
 * cuda_hooks.c: the CUDA device hooks, over a libcudart opened with dlopen on first use.
 *
 * Linking libcudart would make the shim unloadable on every machine without CUDA, which is most
 * of the machines MPI jobs run on; opening it at run time keeps one build for all of them. The
 * library is found as MLXMPI_CUDART_PATH says (then the only candidate: a user who names a
 * library wants that one, not a silent fallback) or as libcudart.so, .so.12, .so.11.0. Once
 * loaded it is never closed (the CUDA runtime does not support being unloaded); a failed load is
 * not remembered, so a later call can succeed once the environment is fixed.
 *
 * Every hook leaves the calling thread's current device as it found it: the caller (MLX, a .NET
 * program) owns that setting, and a gather on device 1 must not move its next kernel launch.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>

#include "cuda_runtime_abi.h"
#include "device.h"

typedef struct cuda_api {
    mlxmpi_cuda_get_device_count_fn get_device_count;
    mlxmpi_cuda_get_device_fn get_device;
    mlxmpi_cuda_set_device_fn set_device;
    mlxmpi_cuda_malloc_fn malloc_device;
    mlxmpi_cuda_free_fn free_device;
    mlxmpi_cuda_host_alloc_fn host_alloc;
    mlxmpi_cuda_free_host_fn free_host;
    mlxmpi_cuda_memcpy_async_fn memcpy_async;
    mlxmpi_cuda_stream_synchronize_fn stream_synchronize;
    mlxmpi_cuda_pointer_get_attributes_fn pointer_get_attributes;
    mlxmpi_cuda_get_error_string_fn get_error_string;
    void* handle;
    int32_t device_count; /* fixed for the process: CUDA_VISIBLE_DEVICES is read once */
    char name[512];
} cuda_api;

static const char* const k_default_candidates[] = {"libcudart.so", "libcudart.so.12",
                                                   "libcudart.so.11.0"};

/* Filled under g_load_lock, then published through g_api; never changed afterwards. */
static cuda_api g_api_storage;
static _Atomic(const cuda_api*) g_api;
static pthread_mutex_t g_load_lock = PTHREAD_MUTEX_INITIALIZER;

static const cuda_api* api(void) {
    return atomic_load_explicit(&g_api, memory_order_acquire);
}

static const char* error_text(const cuda_api* cuda, int rc) {
    const char* text = cuda != NULL && cuda->get_error_string != NULL
                           ? cuda->get_error_string(rc)
                           : NULL;
    return text != NULL ? text : "unknown CUDA error";
}

/* Records "<function>: <call> failed: <cudaGetErrorString> (CUDA error <rc>)". A runtime out of
   memory is OUT_OF_MEMORY, so callers can tell it from a broken device. */
static int32_t cuda_fail(const char* function, const cuda_api* cuda, int rc, const char* format,
                         ...) __attribute__((format(printf, 4, 5)));

static int32_t cuda_fail(const char* function, const cuda_api* cuda, int rc, const char* format,
                         ...) {
    char call[256];
    va_list args;
    va_start(args, format);
    vsnprintf(call, sizeof call, format, args);
    va_end(args);
    int32_t status = rc == MLXMPI_CUDA_ERROR_MEMORY_ALLOCATION ? MLXMPI_STATUS_OUT_OF_MEMORY
                                                                : MLXMPI_STATUS_DEVICE_ERROR;
    return mlxmpi_internal_fail(status, "%s: %s failed: %s (CUDA error %d)", function, call,
                                error_text(cuda, rc), rc);
}

/* ISO C cannot convert dlsym's void* to a function pointer; copying the bits can. */
#define RESOLVE(handle, field, symbol, missing)                        \
    do {                                                               \
        void* address_ = dlsym((handle), (symbol));                    \
        if (address_ == NULL && (missing) == NULL) {                   \
            (missing) = (symbol);                                      \
        }                                                              \
        memcpy(&g_api_storage.field, &address_, sizeof address_);     \
    } while (0)

_Static_assert(sizeof(mlxmpi_cuda_malloc_fn) == sizeof(void*),
               "function pointers must fit dlsym's void*");

/* Resolves every function from handle into g_api_storage; returns the first missing name. */
static const char* resolve_all(void* handle) {
    const char* missing = NULL;
    RESOLVE(handle, get_device_count, "cudaGetDeviceCount", missing);
    RESOLVE(handle, get_device, "cudaGetDevice", missing);
    RESOLVE(handle, set_device, "cudaSetDevice", missing);
    RESOLVE(handle, malloc_device, "cudaMalloc", missing);
    RESOLVE(handle, free_device, "cudaFree", missing);
    RESOLVE(handle, host_alloc, "cudaHostAlloc", missing);
    RESOLVE(handle, free_host, "cudaFreeHost", missing);
    RESOLVE(handle, memcpy_async, "cudaMemcpyAsync", missing);
    RESOLVE(handle, stream_synchronize, "cudaStreamSynchronize", missing);
    RESOLVE(handle, pointer_get_attributes, "cudaPointerGetAttributes", missing);
    RESOLVE(handle, get_error_string, "cudaGetErrorString", missing);
    return missing;
}

/* Appends to a message buffer, keeping it NUL-terminated when it is full. */
static void append(char* buffer, size_t capacity, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char* buffer, size_t capacity, const char* format, ...) {
    size_t used = strlen(buffer);
    if (used + 1 >= capacity) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(buffer + used, capacity - used, format, args);
    va_end(args);
}

/* Opens the first candidate that loads and has every function; on failure records
   DEVICE_UNAVAILABLE listing each candidate with dlerror's reason. Called under g_load_lock. */
static int32_t open_runtime(const char* function) {
    const char* explicit_path = getenv("MLXMPI_CUDART_PATH");
    int is_explicit = explicit_path != NULL && explicit_path[0] != '\0';
    const char* const* candidates = is_explicit ? &explicit_path : k_default_candidates;
    size_t candidate_count =
        is_explicit ? 1 : sizeof k_default_candidates / sizeof k_default_candidates[0];

    char tried[MLXMPI_LAST_ERROR_CAPACITY] = "";
    for (size_t i = 0; i < candidate_count; i++) {
        const char* name = candidates[i];
        void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char* reason = dlerror();
            append(tried, sizeof tried, "%s%s%s (%s)", i > 0 ? "; " : "",
                   is_explicit ? "MLXMPI_CUDART_PATH=" : "", name,
                   reason != NULL ? reason : "not loadable");
            continue;
        }
        const char* missing = resolve_all(handle);
        if (missing != NULL) {
            /* Not a CUDA runtime (or a far too old one): let it go and keep looking. */
            append(tried, sizeof tried, "%s%s%s (loaded, but it has no %s: not a CUDA runtime)",
                   i > 0 ? "; " : "", is_explicit ? "MLXMPI_CUDART_PATH=" : "", name, missing);
            dlclose(handle);
            memset(&g_api_storage, 0, sizeof g_api_storage);
            continue;
        }
        g_api_storage.handle = handle;
        snprintf(g_api_storage.name, sizeof g_api_storage.name, "%s", name);
        return MLXMPI_STATUS_OK;
    }
    return mlxmpi_internal_fail(MLXMPI_STATUS_DEVICE_UNAVAILABLE,
                                "%s: the CUDA runtime could not be loaded; tried %s. Install CUDA, "
                                "or set MLXMPI_CUDART_PATH to the path of libcudart.so",
                                function, tried);
}

static int32_t load(const char* function) {
    if (api() != NULL) {
        return MLXMPI_STATUS_OK;
    }
    pthread_mutex_lock(&g_load_lock);
    int32_t status = MLXMPI_STATUS_OK;
    if (api() == NULL) {
        /* A library opened by an earlier failed attempt (no usable driver) is reused. */
        if (g_api_storage.handle == NULL) {
            status = open_runtime(function);
        }
        if (status == MLXMPI_STATUS_OK) {
            int count = 0;
            int rc = g_api_storage.get_device_count(&count);
            if (rc == MLXMPI_CUDA_ERROR_NO_DEVICE) {
                count = 0;
            } else if (rc != MLXMPI_CUDA_SUCCESS) {
                status = mlxmpi_internal_fail(
                    MLXMPI_STATUS_DEVICE_UNAVAILABLE,
                    "%s: loaded the CUDA runtime %s, but cudaGetDeviceCount failed: %s (CUDA "
                    "error %d)",
                    function, g_api_storage.name, error_text(&g_api_storage, rc), rc);
            }
            if (status == MLXMPI_STATUS_OK) {
                g_api_storage.device_count = count;
                atomic_store_explicit(&g_api, &g_api_storage, memory_order_release);
            }
        }
    }
    pthread_mutex_unlock(&g_load_lock);
    return status;
}

/* Makes device current for the calling thread; *previous is the device to restore, or -1 when
   nothing changed. */
static int32_t enter_device(const char* function, const cuda_api* cuda, int32_t device,
                            int* previous) {
    *previous = -1;
    int current = -1;
    int rc = cuda->get_device(&current);
    if (rc != MLXMPI_CUDA_SUCCESS) {
        return cuda_fail(function, cuda, rc, "cudaGetDevice");
    }
    if (current != device) {
        rc = cuda->set_device(device);
        if (rc != MLXMPI_CUDA_SUCCESS) {
            return cuda_fail(function, cuda, rc, "cudaSetDevice(%d)", (int)device);
        }
        *previous = current;
    }
    return MLXMPI_STATUS_OK;
}

static void leave_device(const cuda_api* cuda, int previous) {
    if (previous >= 0) {
        /* Best effort: switching back to a device that was current a moment ago cannot fail
           in any way the caller could act on. */
        (void)cuda->set_device(previous);
    }
}

static int32_t device_count(const char* function, int32_t* count) {
    (void)function;
    *count = api()->device_count;
    return MLXMPI_STATUS_OK;
}

static int32_t query_pointer(const char* function, const void* ptr, int32_t* device) {
    const cuda_api* cuda = api();
    /* Room beyond the CUDA 11 layout, in case a later runtime writes a longer struct. */
    union {
        mlxmpi_cuda_pointer_attributes attributes;
        unsigned char room[256];
    } result;
    memset(&result, 0, sizeof result);
    int rc = cuda->pointer_get_attributes(&result.attributes, ptr);
    if (rc == MLXMPI_CUDA_ERROR_INVALID_VALUE) {
        /* CUDA 10 answered this way for memory it never registered: host memory. */
        *device = -1;
        return MLXMPI_STATUS_OK;
    }
    if (rc != MLXMPI_CUDA_SUCCESS) {
        return cuda_fail(function, cuda, rc, "cudaPointerGetAttributes(%p)", ptr);
    }
    int type = result.attributes.type;
    *device = type == MLXMPI_CUDA_MEMORY_DEVICE || type == MLXMPI_CUDA_MEMORY_MANAGED
                  ? result.attributes.device
                  : -1;
    return MLXMPI_STATUS_OK;
}

static int32_t alloc(const char* function, int32_t device, size_t bytes, void** ptr) {
    const cuda_api* cuda = api();
    int previous = -1;
    int32_t status = enter_device(function, cuda, device, &previous);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = cuda->malloc_device(ptr, bytes);
    leave_device(cuda, previous);
    if (rc != MLXMPI_CUDA_SUCCESS) {
        *ptr = NULL;
        return cuda_fail(function, cuda, rc, "cudaMalloc(%zu bytes) on device %d", bytes,
                         (int)device);
    }
    return MLXMPI_STATUS_OK;
}

static int32_t free_device(const char* function, int32_t device, void* ptr) {
    const cuda_api* cuda = api();
    int previous = -1;
    int32_t status = enter_device(function, cuda, device, &previous);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = cuda->free_device(ptr);
    leave_device(cuda, previous);
    if (rc != MLXMPI_CUDA_SUCCESS) {
        return cuda_fail(function, cuda, rc, "cudaFree(%p) on device %d", ptr, (int)device);
    }
    return MLXMPI_STATUS_OK;
}

static int32_t alloc_pinned(const char* function, size_t bytes, void** ptr) {
    const cuda_api* cuda = api();
    int rc = cuda->host_alloc(ptr, bytes, MLXMPI_CUDA_HOST_ALLOC_PORTABLE);
    if (rc != MLXMPI_CUDA_SUCCESS) {
        *ptr = NULL;
        return cuda_fail(function, cuda, rc, "cudaHostAlloc(%zu bytes, portable)", bytes);
    }
    return MLXMPI_STATUS_OK;
}

static int32_t free_pinned(const char* function, void* ptr) {
    const cuda_api* cuda = api();
    int rc = cuda->free_host(ptr);
    if (rc != MLXMPI_CUDA_SUCCESS) {
        return cuda_fail(function, cuda, rc, "cudaFreeHost(%p)", ptr);
    }
    return MLXMPI_STATUS_OK;
}

static int32_t copy_async(const char* function, int32_t device, void* dst, const void* src,
                          size_t bytes, int kind, void* stream) {
    const cuda_api* cuda = api();
    int previous = -1;
    int32_t status = enter_device(function, cuda, device, &previous);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = cuda->memcpy_async(dst, src, bytes, kind, stream);
    leave_device(cuda, previous);
    if (rc != MLXMPI_CUDA_SUCCESS) {
        return cuda_fail(function, cuda, rc, "cudaMemcpyAsync(%zu bytes, %s, stream %p)", bytes,
                         kind == MLXMPI_CUDA_MEMCPY_HOST_TO_DEVICE ? "host to device"
                                                                    : "device to host",
                         stream);
    }
    return MLXMPI_STATUS_OK;
}

static int32_t copy_to_device_async(const char* function, int32_t device, void* dst,
                                    const void* src_host, size_t bytes, void* stream) {
    return copy_async(function, device, dst, src_host, bytes, MLXMPI_CUDA_MEMCPY_HOST_TO_DEVICE,
                      stream);
}

static int32_t copy_to_host_async(const char* function, int32_t device, void* dst_host,
                                  const void* src, size_t bytes, void* stream) {
    return copy_async(function, device, dst_host, src, bytes, MLXMPI_CUDA_MEMCPY_DEVICE_TO_HOST,
                      stream);
}

static int32_t synchronize(const char* function, int32_t device, void* stream) {
    const cuda_api* cuda = api();
    int previous = -1;
    int32_t status = enter_device(function, cuda, device, &previous);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = cuda->stream_synchronize(stream);
    leave_device(cuda, previous);
    if (rc != MLXMPI_CUDA_SUCCESS) {
        return cuda_fail(function, cuda, rc, "cudaStreamSynchronize(stream %p) on device %d",
                         stream, (int)device);
    }
    return MLXMPI_STATUS_OK;
}

static const mlxmpi_device_hooks k_cuda_hooks = {
    .name = "CUDA",
    .load = load,
    .device_count = device_count,
    .query_pointer = query_pointer,
    .alloc = alloc,
    .free = free_device,
    .alloc_pinned = alloc_pinned,
    .free_pinned = free_pinned,
    .copy_to_device_async = copy_to_device_async,
    .copy_to_host_async = copy_to_host_async,
    .synchronize = synchronize,
    .host_view = NULL, /* device memory is not host-addressable */
};

const mlxmpi_device_hooks* mlxmpi_internal_cuda_hooks(void) {
    return &k_cuda_hooks;
}

void* mlxmpi_internal_cuda_runtime_handle(void) {
    const cuda_api* cuda = api();
    return cuda != NULL ? cuda->handle : NULL;
}

const char* mlxmpi_internal_cuda_runtime_name(void) {
    const cuda_api* cuda = api();
    return cuda != NULL ? cuda->name : NULL;
}
