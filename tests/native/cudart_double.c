/*
 * cudart_double.c: libcudart_double.so, the CUDA runtime functions the shim's CUDA hooks call
 * (native/src/cuda_runtime_abi.h), implemented over host memory, plus streams for the tests.
 * See cudart_double.h for its configuration and its test-only functions.
 *
 * Its "device" memory is malloc'd host memory in an allocation table, so
 *   - cudaPointerGetAttributes tells device from host memory by the table, as the real one does
 *     by address ranges, and the shim's pointer checks work;
 *   - an MPI that is not CUDA-aware can still read and write it: with MLXMPI_GPU_PATH=direct
 *     that is how the direct path is tested on machines without a GPU.
 * Allocations are filled with 0xCD and followed by a guard that is checked when they are freed.
 */

#include "cudart_double_state.h"

#include <stdlib.h>
#include <string.h>

/* ---- the CUDA runtime subset ---- */

EXPORT int cudaGetDeviceCount(int* count) {
    if (count == NULL) {
        return MLXMPI_CUDA_ERROR_INVALID_VALUE;
    }
    double_lock();
    *count = g_device_count > 0 ? g_device_count : 0;
    int rc = g_device_count > 0 ? MLXMPI_CUDA_SUCCESS : MLXMPI_CUDA_ERROR_NO_DEVICE;
    double_unlock();
    return rc;
}

EXPORT int cudaGetDevice(int* device) {
    if (device == NULL) {
        return MLXMPI_CUDA_ERROR_INVALID_VALUE;
    }
    *device = t_device;
    return MLXMPI_CUDA_SUCCESS;
}

EXPORT int cudaSetDevice(int device) {
    double_lock();
    int count = g_device_count;
    double_unlock();
    if (device < 0 || device >= count) {
        return INVALID_DEVICE;
    }
    t_device = device;
    return MLXMPI_CUDA_SUCCESS;
}

EXPORT int cudaMalloc(void** pointer, size_t bytes) {
    double_lock();
    int rc = double_allocate(pointer, bytes, t_device);
    double_unlock();
    return rc;
}

EXPORT int cudaFree(void* pointer) {
    double_lock();
    int rc = double_release(pointer, 0, "cudaFree");
    double_unlock();
    return rc;
}

EXPORT int cudaHostAlloc(void** pointer, size_t bytes, unsigned int flags) {
    (void)flags;
    double_lock();
    int rc = double_allocate(pointer, bytes, -1);
    double_unlock();
    return rc;
}

EXPORT int cudaMallocHost(void** pointer, size_t bytes) {
    return cudaHostAlloc(pointer, bytes, 0);
}

EXPORT int cudaFreeHost(void* pointer) {
    double_lock();
    int rc = double_release(pointer, 1, "cudaFreeHost");
    double_unlock();
    return rc;
}

EXPORT int cudaMemcpyAsync(void* dst, const void* src, size_t bytes, int kind, void* stream) {
    double_lock();
    int rc = MLXMPI_CUDA_SUCCESS;
    const void* device_side = kind == MLXMPI_CUDA_MEMCPY_HOST_TO_DEVICE ? dst : src;
    const void* host_side = kind == MLXMPI_CUDA_MEMCPY_HOST_TO_DEVICE ? src : dst;
    allocation* device_memory = NULL;
    allocation* host_memory = NULL;
    if (!double_stream_known(stream)) {
        rc = double_misuse(MLXMPI_CUDA_ERROR_INVALID_VALUE, "cudaMemcpyAsync: unknown stream %p",
                           stream);
    } else if (kind != MLXMPI_CUDA_MEMCPY_HOST_TO_DEVICE &&
               kind != MLXMPI_CUDA_MEMCPY_DEVICE_TO_HOST) {
        rc = double_misuse(MLXMPI_CUDA_ERROR_INVALID_VALUE,
                           "cudaMemcpyAsync: kind %d (the double only does 1 and 2)", kind);
    } else if (double_injected(&g_fail_copy_after)) {
        rc = ILLEGAL_ADDRESS;
    } else if (bytes > 0) {
        device_memory = double_find(device_side);
        host_memory = double_find(host_side);
        uintptr_t begin = (uintptr_t)device_side;
        if (device_memory == NULL || device_memory->device < 0 ||
            begin + bytes > (uintptr_t)device_memory->base + device_memory->bytes) {
            rc = double_misuse(
                MLXMPI_CUDA_ERROR_INVALID_VALUE,
                "cudaMemcpyAsync(%zu bytes, kind %d): %s %p is not inside one device "
                "allocation",
                bytes, kind, kind == MLXMPI_CUDA_MEMCPY_HOST_TO_DEVICE ? "dst" : "src",
                device_side);
        } else if (double_touches_device(host_side, bytes)) {
            rc = double_misuse(
                MLXMPI_CUDA_ERROR_INVALID_VALUE,
                "cudaMemcpyAsync(%zu bytes, kind %d): the host side %p is device memory", bytes,
                kind, host_side);
        }
    }
    if (rc == MLXMPI_CUDA_SUCCESS) {
        cudart_double_copy* record = &g_records[g_copy_count % RECORD_CAPACITY];
        record->stream = stream;
        record->kind = kind;
        record->current_device = t_device;
        record->memory_device = device_memory != NULL ? device_memory->device : -1;
        record->host_pinned = host_memory != NULL && host_memory->device < 0;
        record->bytes = (int64_t)bytes;
        g_copy_count++;
        g_last_copy_stream = stream;
        pending_copy* copy = g_immediate || bytes == 0 ? NULL : malloc(sizeof *copy);
        if (copy == NULL) {
            memcpy(dst, src, bytes);
        } else {
            copy->dst = dst;
            copy->src = src;
            copy->bytes = bytes;
            copy->stream = stream;
            copy->next = NULL;
            if (g_pending_tail != NULL) {
                g_pending_tail->next = copy;
            } else {
                g_pending_head = copy;
            }
            g_pending_tail = copy;
        }
    }
    double_unlock();
    return rc;
}

EXPORT int cudaStreamSynchronize(void* stream) {
    double_lock();
    int rc = MLXMPI_CUDA_SUCCESS;
    if (!double_stream_known(stream)) {
        rc = double_misuse(MLXMPI_CUDA_ERROR_INVALID_VALUE,
                           "cudaStreamSynchronize: unknown stream %p", stream);
    } else if (double_injected(&g_fail_sync_after)) {
        rc = ILLEGAL_ADDRESS;
    } else {
        /* The legacy default stream waits for every other (blocking) stream. */
        double_flush(stream, stream == NULL || stream == (void*)(uintptr_t)STREAM_LEGACY);
        g_sync_count++;
        g_last_sync_stream = stream;
    }
    double_unlock();
    return rc;
}

EXPORT int cudaStreamCreate(void** stream) {
    if (stream == NULL) {
        return MLXMPI_CUDA_ERROR_INVALID_VALUE;
    }
    stream_object* s = malloc(sizeof *s);
    if (s == NULL) {
        return MLXMPI_CUDA_ERROR_MEMORY_ALLOCATION;
    }
    double_lock();
    s->device = t_device;
    s->next = g_streams;
    g_streams = s;
    double_unlock();
    *stream = s;
    return MLXMPI_CUDA_SUCCESS;
}

EXPORT int cudaStreamDestroy(void* stream) {
    double_lock();
    stream_object** link = &g_streams;
    while (*link != NULL && (void*)*link != stream) {
        link = &(*link)->next;
    }
    int rc = MLXMPI_CUDA_SUCCESS;
    if (*link == NULL) {
        rc = double_misuse(MLXMPI_CUDA_ERROR_INVALID_VALUE, "cudaStreamDestroy: unknown stream %p",
                           stream);
    } else {
        double_flush(stream, 0); /* its queued work still completes */
        stream_object* s = *link;
        *link = s->next;
        free(s);
    }
    double_unlock();
    return rc;
}

EXPORT int cudaPointerGetAttributes(mlxmpi_cuda_pointer_attributes* attributes,
                                    const void* pointer) {
    if (attributes == NULL) {
        return MLXMPI_CUDA_ERROR_INVALID_VALUE;
    }
    double_lock();
    allocation* a = double_find(pointer);
    attributes->type = a == NULL       ? MLXMPI_CUDA_MEMORY_UNREGISTERED
                       : a->device < 0 ? MLXMPI_CUDA_MEMORY_HOST
                                       : MLXMPI_CUDA_MEMORY_DEVICE;
    attributes->device = a == NULL ? -2 : a->device < 0 ? 0 : a->device;
    attributes->device_pointer = a != NULL && a->device >= 0 ? (void*)(uintptr_t)pointer : NULL;
    attributes->host_pointer = a != NULL && a->device < 0 ? (void*)(uintptr_t)pointer : NULL;
    double_unlock();
    return MLXMPI_CUDA_SUCCESS;
}

EXPORT const char* cudaGetErrorString(int error) {
    switch (error) {
    case MLXMPI_CUDA_SUCCESS:
        return "no error [cudart_double]";
    case MLXMPI_CUDA_ERROR_INVALID_VALUE:
        return "invalid argument [cudart_double]";
    case MLXMPI_CUDA_ERROR_MEMORY_ALLOCATION:
        return "out of memory [cudart_double]";
    case MLXMPI_CUDA_ERROR_NO_DEVICE:
        return "no CUDA-capable device is detected [cudart_double]";
    case INVALID_DEVICE:
        return "invalid device ordinal [cudart_double]";
    case ILLEGAL_ADDRESS:
        return "an illegal memory access was encountered [cudart_double]";
    default:
        return "unrecognized error code [cudart_double]";
    }
}
