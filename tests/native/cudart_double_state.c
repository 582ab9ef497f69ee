/*
 * cudart_double_state.c: see cudart_double_state.h.
 */
#define _GNU_SOURCE /* pthread with -std=c11 */

#include "cudart_double_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_configured;
int g_device_count = 1;
int g_immediate;
int64_t g_fail_alloc_after = -1;
int64_t g_fail_copy_after = -1;
int64_t g_fail_sync_after = -1;

allocation* g_allocations;
pending_copy* g_pending_head;
pending_copy* g_pending_tail;
stream_object* g_streams;

int64_t g_copy_count;
cudart_double_copy g_records[RECORD_CAPACITY];
void* g_last_copy_stream;
int64_t g_sync_count;
void* g_last_sync_stream;
int64_t g_alloc_count[2];
int64_t g_misuse_count;

_Thread_local int t_device;

static int64_t env_number(const char* name, int64_t fallback) {
    const char* text = getenv(name);
    if (text == NULL || text[0] == '\0') {
        return fallback;
    }
    return strtoll(text, NULL, 10);
}

/* Every entry point starts here, with g_lock held. */
static void configure(void) {
    if (g_configured) {
        return;
    }
    g_configured = 1;
    g_device_count = (int)env_number("CUDART_DOUBLE_DEVICE_COUNT", 1);
    g_fail_alloc_after = env_number("CUDART_DOUBLE_FAIL_ALLOC_AFTER", -1);
    g_fail_copy_after = env_number("CUDART_DOUBLE_FAIL_COPY_AFTER", -1);
    g_fail_sync_after = env_number("CUDART_DOUBLE_FAIL_SYNC_AFTER", -1);
    g_immediate = env_number("CUDART_DOUBLE_IMMEDIATE_COPIES", 0) != 0;
}

void double_lock(void) {
    pthread_mutex_lock(&g_lock);
    configure();
}

void double_unlock(void) {
    pthread_mutex_unlock(&g_lock);
}

int double_misuse(int error, const char* format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "cudart_double: MISUSE: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
    fflush(stderr);
    g_misuse_count++;
    return error;
}

/* One-shot failure injection: 1 when this call is the one to fail. */
int double_injected(int64_t* after) {
    if (*after < 0) {
        return 0;
    }
    if (*after == 0) {
        *after = -1;
        return 1;
    }
    (*after)--;
    return 0;
}

allocation* double_find(const void* pointer) {
    uintptr_t address = (uintptr_t)pointer;
    for (allocation* a = g_allocations; a != NULL; a = a->next) {
        uintptr_t base = (uintptr_t)a->base;
        if (address >= base && address < base + (a->bytes > 0 ? a->bytes : 1)) {
            return a;
        }
    }
    return NULL;
}

/* 1 when [pointer, pointer + bytes) touches device memory. */
int double_touches_device(const void* pointer, size_t bytes) {
    uintptr_t begin = (uintptr_t)pointer;
    for (allocation* a = g_allocations; a != NULL; a = a->next) {
        uintptr_t base = (uintptr_t)a->base;
        if (a->device >= 0 && begin < base + a->bytes && base < begin + bytes) {
            return 1;
        }
    }
    return 0;
}

int double_stream_known(void* stream) {
    if (stream == NULL || stream == (void*)(uintptr_t)STREAM_LEGACY ||
        stream == (void*)(uintptr_t)STREAM_PER_THREAD) {
        return 1;
    }
    for (stream_object* s = g_streams; s != NULL; s = s->next) {
        if ((void*)s == stream) {
            return 1;
        }
    }
    return 0;
}

/* Executes the queued copies of stream in order; every_stream for a device-wide sync. */
void double_flush(void* stream, int every_stream) {
    pending_copy** link = &g_pending_head;
    g_pending_tail = NULL;
    while (*link != NULL) {
        pending_copy* copy = *link;
        if (every_stream || copy->stream == stream) {
            memcpy(copy->dst, copy->src, copy->bytes);
            *link = copy->next;
            free(copy);
        } else {
            g_pending_tail = copy;
            link = &copy->next;
        }
    }
}

int double_allocate(void** pointer, size_t bytes, int device) {
    if (pointer == NULL) {
        return MLXMPI_CUDA_ERROR_INVALID_VALUE;
    }
    *pointer = NULL;
    if (double_injected(&g_fail_alloc_after)) {
        return MLXMPI_CUDA_ERROR_MEMORY_ALLOCATION;
    }
    allocation* a = malloc(sizeof *a);
    unsigned char* base = malloc(bytes + GUARD_BYTES);
    if (a == NULL || base == NULL) {
        free(a);
        free(base);
        return MLXMPI_CUDA_ERROR_MEMORY_ALLOCATION;
    }
    memset(base, POISON, bytes);
    memset(base + bytes, GUARD, GUARD_BYTES);
    a->base = base;
    a->bytes = bytes;
    a->device = device;
    a->next = g_allocations;
    g_allocations = a;
    g_alloc_count[device < 0 ? 1 : 0]++;
    *pointer = base;
    return MLXMPI_CUDA_SUCCESS;
}

int double_release(void* pointer, int pinned, const char* call) {
    if (pointer == NULL) {
        return MLXMPI_CUDA_SUCCESS;
    }
    double_flush(NULL, 1); /* cudaFree and cudaFreeHost synchronise the device */
    allocation** link = &g_allocations;
    while (*link != NULL && (*link)->base != pointer) {
        link = &(*link)->next;
    }
    allocation* a = *link;
    if (a == NULL) {
        allocation* inside = double_find(pointer);
        if (inside != NULL) {
            return double_misuse(
                MLXMPI_CUDA_ERROR_INVALID_VALUE,
                "%s(%p): points inside an allocation of %zu bytes at %p, not at it", call, pointer,
                inside->bytes, (void*)inside->base);
        }
        return double_misuse(MLXMPI_CUDA_ERROR_INVALID_VALUE,
                             "%s(%p): not a live allocation (freed twice, or never allocated)",
                             call, pointer);
    }
    if ((a->device < 0) != pinned) {
        return double_misuse(MLXMPI_CUDA_ERROR_INVALID_VALUE, "%s(%p): this is %s memory", call,
                             pointer,
                             a->device < 0 ? "pinned host (free it with cudaFreeHost)"
                                           : "device (free it with cudaFree)");
    }
    for (size_t i = 0; i < GUARD_BYTES; i++) {
        if (a->base[a->bytes + i] != GUARD) {
            double_misuse(0, "%s(%p): written past its %zu bytes (guard byte %zu is 0x%02X)", call,
                          pointer, a->bytes, i, a->base[a->bytes + i]);
            break;
        }
    }
    *link = a->next;
    memset(a->base, FREED, a->bytes + GUARD_BYTES);
    free(a->base);
    free(a);
    return MLXMPI_CUDA_SUCCESS;
}
