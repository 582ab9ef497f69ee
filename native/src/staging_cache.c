/*
 * staging_cache.c: pinned host buffers kept between device gathers.
 *
 * Pinning memory is slow (cudaHostAlloc maps and locks every page: milliseconds for tens of
 * MiB), and the measured cost of fresh memory per gather is already 4x on plain host buffers
 * (DESIGN.md), so staged gathers reuse their buffers. Sizes are rounded up to size classes, the
 * same quarter steps between powers of two as the managed BufferCache, so a buffer serves every
 * gather of nearly the same size while wasting at most a quarter of it. The cache is bounded:
 * pinned memory is taken from what the whole machine can page.
 */
#include <pthread.h>
#include <stdint.h>

#include "device.h"

enum {
    SMALLEST_CLASS_BYTES = 4096,
    MAX_IDLE_BUFFERS = 8, /* a gather uses two; room for a few sizes in turn */
};
static const size_t k_max_idle_bytes = (size_t)1 << 30;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static mlxmpi_staging_buffer g_idle[MAX_IDLE_BUFFERS];
static int g_idle_count;
static size_t g_idle_bytes;

size_t mlxmpi_internal_staging_capacity(size_t bytes) {
    if (bytes <= SMALLEST_CLASS_BYTES) {
        return SMALLEST_CLASS_BYTES;
    }
    /* Octave o covers (2^o, 2^(o+1)], in four steps of 2^(o-2). */
    int octave = 63 - __builtin_clzll((unsigned long long)(bytes - 1));
    if (octave >= 62) {
        return 0;
    }
    size_t base = (size_t)1 << octave;
    size_t step = base >> 2;
    size_t quarter = (bytes - 1 - base) / step;
    return base + (quarter + 1) * step;
}

/* Takes an idle buffer of exactly this class and these hooks; 1 when found. */
static int take_idle(const mlxmpi_device_hooks* hooks, size_t capacity,
                     mlxmpi_staging_buffer* buffer) {
    int found = 0;
    pthread_mutex_lock(&g_lock);
    for (int i = g_idle_count - 1; i >= 0; i--) {
        if (g_idle[i].hooks == hooks && g_idle[i].capacity == capacity) {
            *buffer = g_idle[i];
            g_idle[i] = g_idle[--g_idle_count];
            g_idle_bytes -= capacity;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return found;
}

int32_t mlxmpi_internal_staging_acquire(const char* function, const mlxmpi_device_hooks* hooks,
                                        size_t bytes, mlxmpi_staging_buffer* buffer) {
    buffer->hooks = NULL;
    buffer->memory = NULL;
    buffer->capacity = 0;
    size_t capacity = mlxmpi_internal_staging_capacity(bytes);
    if (capacity == 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "%s: a staging buffer of %zu bytes is too large", function,
                                    bytes);
    }
    if (take_idle(hooks, capacity, buffer)) {
        return MLXMPI_STATUS_OK;
    }
    void* memory = NULL;
    int32_t status = hooks->alloc_pinned(function, capacity, &memory);
    if (status == MLXMPI_STATUS_OUT_OF_MEMORY) {
        /* Idle buffers of other sizes may be what stands in the way. */
        int idle = 0;
        pthread_mutex_lock(&g_lock);
        idle = g_idle_count;
        pthread_mutex_unlock(&g_lock);
        if (idle > 0 && mlxmpi_internal_staging_clear(function) == MLXMPI_STATUS_OK) {
            status = hooks->alloc_pinned(function, capacity, &memory);
        }
    }
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    buffer->hooks = hooks;
    buffer->memory = memory;
    buffer->capacity = capacity;
    return MLXMPI_STATUS_OK;
}

void mlxmpi_internal_staging_release(mlxmpi_staging_buffer* buffer, int reusable) {
    if (buffer->memory == NULL) {
        return;
    }
    int kept = 0;
    pthread_mutex_lock(&g_lock);
    if (reusable && g_idle_count < MAX_IDLE_BUFFERS &&
        buffer->capacity <= k_max_idle_bytes - g_idle_bytes) {
        g_idle[g_idle_count++] = *buffer;
        g_idle_bytes += buffer->capacity;
        kept = 1;
    }
    pthread_mutex_unlock(&g_lock);
    if (!kept) {
        /* Nobody waits on this status: the gather that used the buffer has its own result, and
           a buffer the runtime refuses to free is lost either way. */
        (void)buffer->hooks->free_pinned("mlxmpi_allgather_device", buffer->memory);
    }
    buffer->hooks = NULL;
    buffer->memory = NULL;
    buffer->capacity = 0;
}

int32_t mlxmpi_internal_staging_clear(const char* function) {
    mlxmpi_staging_buffer taken[MAX_IDLE_BUFFERS];
    pthread_mutex_lock(&g_lock);
    int count = g_idle_count;
    for (int i = 0; i < count; i++) {
        taken[i] = g_idle[i];
    }
    g_idle_count = 0;
    g_idle_bytes = 0;
    pthread_mutex_unlock(&g_lock);

    /* Freed outside the lock: cudaFreeHost waits for the device, and nobody else should. */
    int32_t status = MLXMPI_STATUS_OK;
    for (int i = 0; i < count; i++) {
        int32_t freed = taken[i].hooks->free_pinned(function, taken[i].memory);
        if (status == MLXMPI_STATUS_OK) {
            status = freed;
        }
    }
    return status;
}

void mlxmpi_internal_staging_stats(int64_t* buffers, int64_t* bytes) {
    pthread_mutex_lock(&g_lock);
    *buffers = g_idle_count;
    *bytes = (int64_t)g_idle_bytes;
    pthread_mutex_unlock(&g_lock);
}
