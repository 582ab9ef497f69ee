/*
 * metal_hooks.c: the Metal device hooks, for Apple silicon.
 *
 * UNTESTED: CMake builds this file only on macOS (if(APPLE)); the Linux CI can neither compile
 * nor run it, and no test exercises it. It is plain C over the Objective-C runtime (no .m file,
 * no ARC), kept small so that it can be read whole.
 *
 * Apple silicon has unified memory: a buffer with shared storage is the same bytes for the GPU
 * and the CPU. So a gather needs no staging and no copies: drain the command queue the caller
 * names (the "stream"), then hand the buffers' contents to MPI in place. Device pointers across
 * the ABI are id<MTLBuffer> handles (owned by whoever allocated them), streams are
 * id<MTLCommandQueue> handles; a NULL stream means the caller already waited for its work.
 */
#include <objc/message.h>
#include <objc/runtime.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "device.h"

/* Metal.framework: every device of the machine, as an NSArray returned retained (+1). */
extern id MTLCopyAllDevices(void);

/* libobjc's autorelease pool, what @autoreleasepool compiles to; in no public C header. */
extern void* objc_autoreleasePoolPush(void);
extern void objc_autoreleasePoolPop(void* pool);

typedef unsigned long ns_uinteger; /* NSUInteger on 64-bit macOS */

enum {
    MTL_RESOURCE_STORAGE_MODE_SHARED = 0, /* MTLResourceStorageModeShared, default cache mode */
    MTL_COMMAND_BUFFER_STATUS_ERROR = 5,  /* MTLCommandBufferStatusError */
};

/* objc_msgSend must be called through the exact type of each method. */
typedef id (*msg_object)(id, SEL);
typedef id (*msg_object_at)(id, SEL, ns_uinteger);
typedef id (*msg_new_buffer)(id, SEL, ns_uinteger, ns_uinteger);
typedef ns_uinteger (*msg_unsigned)(id, SEL);
typedef void* (*msg_pointer)(id, SEL);
typedef void (*msg_void)(id, SEL);

static id call_object(id target, const char* selector) {
    return ((msg_object)objc_msgSend)(target, sel_registerName(selector));
}

static ns_uinteger call_unsigned(id target, const char* selector) {
    return ((msg_unsigned)objc_msgSend)(target, sel_registerName(selector));
}

static void call_void(id target, const char* selector) {
    ((msg_void)objc_msgSend)(target, sel_registerName(selector));
}

static pthread_mutex_t g_load_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(id) g_devices; /* the NSArray of MTLCopyAllDevices, kept for the process */

static int32_t load(const char* function) {
    if (atomic_load_explicit(&g_devices, memory_order_acquire) != NULL) {
        return MLXMPI_STATUS_OK;
    }
    pthread_mutex_lock(&g_load_lock);
    id devices = atomic_load_explicit(&g_devices, memory_order_acquire);
    if (devices == NULL) {
        devices = MTLCopyAllDevices();
        atomic_store_explicit(&g_devices, devices, memory_order_release);
    }
    pthread_mutex_unlock(&g_load_lock);
    if (devices == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_DEVICE_UNAVAILABLE,
                                    "%s: MTLCopyAllDevices returned no device list", function);
    }
    return MLXMPI_STATUS_OK;
}

static int32_t device_count(const char* function, int32_t* count) {
    (void)function;
    *count = (int32_t)call_unsigned(atomic_load(&g_devices), "count");
    return MLXMPI_STATUS_OK;
}

static int32_t alloc(const char* function, int32_t device, size_t bytes, void** ptr) {
    void* pool = objc_autoreleasePoolPush();
    id metal_device = ((msg_object_at)objc_msgSend)(
        atomic_load(&g_devices), sel_registerName("objectAtIndex:"), (ns_uinteger)device);
    /* A "new" method returns the buffer retained: it is the caller's until mlxmpi_device_free. */
    id buffer = ((msg_new_buffer)objc_msgSend)(metal_device,
                                               sel_registerName("newBufferWithLength:options:"),
                                               (ns_uinteger)bytes,
                                               (ns_uinteger)MTL_RESOURCE_STORAGE_MODE_SHARED);
    objc_autoreleasePoolPop(pool);
    if (buffer == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_OUT_OF_MEMORY,
                                    "%s: newBufferWithLength:%zu on Metal device %d failed",
                                    function, bytes, (int)device);
    }
    *ptr = (void*)buffer;
    return MLXMPI_STATUS_OK;
}

static int32_t free_buffer(const char* function, int32_t device, void* ptr) {
    (void)function;
    (void)device;
    call_void((id)ptr, "release");
    return MLXMPI_STATUS_OK;
}

static int32_t host_view(const char* function, void* ptr, size_t bytes, void** view) {
    id buffer = (id)ptr;
    ns_uinteger length = call_unsigned(buffer, "length");
    if (length < bytes) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: the Metal buffer %p holds %lu bytes, %zu needed",
                                    function, ptr, (unsigned long)length, bytes);
    }
    *view = ((msg_pointer)objc_msgSend)(buffer, sel_registerName("contents"));
    if (*view == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: the Metal buffer %p has no CPU address (only "
                                    "shared-storage buffers can be gathered)",
                                    function, ptr);
    }
    return MLXMPI_STATUS_OK;
}

/* Command buffers of one queue complete in the order they were committed, so waiting for an
   empty one committed now waits for all the work queued before it. */
static int32_t synchronize(const char* function, int32_t device, void* stream) {
    (void)device;
    if (stream == NULL) {
        return MLXMPI_STATUS_OK;
    }
    void* pool = objc_autoreleasePoolPush();
    id command_buffer = call_object((id)stream, "commandBuffer");
    ns_uinteger status = MTL_COMMAND_BUFFER_STATUS_ERROR;
    if (command_buffer != NULL) {
        call_void(command_buffer, "commit");
        call_void(command_buffer, "waitUntilCompleted");
        status = call_unsigned(command_buffer, "status");
    }
    objc_autoreleasePoolPop(pool);
    if (status == MTL_COMMAND_BUFFER_STATUS_ERROR) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_DEVICE_ERROR,
                                    "%s: waiting for the Metal command queue %p failed", function,
                                    stream);
    }
    return MLXMPI_STATUS_OK;
}

/* Unified memory: a "copy" waits for the queue, then copies on the CPU. */
static int32_t copy_to_device(const char* function, int32_t device, void* dst,
                              const void* src_host, size_t bytes, void* stream) {
    void* view = NULL;
    int32_t status = synchronize(function, device, stream);
    if (status == MLXMPI_STATUS_OK) {
        status = host_view(function, dst, bytes, &view);
    }
    if (status == MLXMPI_STATUS_OK) {
        memcpy(view, src_host, bytes);
    }
    return status;
}

static int32_t copy_to_host(const char* function, int32_t device, void* dst_host,
                            const void* src, size_t bytes, void* stream) {
    void* view = NULL;
    int32_t status = synchronize(function, device, stream);
    if (status == MLXMPI_STATUS_OK) {
        status = host_view(function, (void*)(uintptr_t)src, bytes, &view);
    }
    if (status == MLXMPI_STATUS_OK) {
        memcpy(dst_host, view, bytes);
    }
    return status;
}

static const mlxmpi_device_hooks k_metal_hooks = {
    .name = "Metal",
    .load = load,
    .device_count = device_count,
    .query_pointer = NULL, /* an arbitrary pointer cannot be asked whether it is an MTLBuffer */
    .alloc = alloc,
    .free = free_buffer,
    .alloc_pinned = NULL, /* never stages */
    .free_pinned = NULL,
    .copy_to_device_async = copy_to_device,
    .copy_to_host_async = copy_to_host,
    .synchronize = synchronize,
    .host_view = host_view,
};

const mlxmpi_device_hooks* mlxmpi_internal_metal_hooks(void) {
    return &k_metal_hooks;
}
