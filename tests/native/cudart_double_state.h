/*
 * cudart_double_state.h: the state of the CUDA runtime test double (cudart_double.c), shared by
 * its files: the allocation table, the queue of deferred copies, the streams, the record the
 * tests read (cudart_double_probe.c), and the helpers that guard them. Every global here is
 * read and written with double_lock() held; none is exported (the library hides all but the
 * EXPORT functions).
 */
#ifndef CUDART_DOUBLE_STATE_H
#define CUDART_DOUBLE_STATE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cuda_runtime_abi.h"
#include "cudart_double.h"

#define EXPORT __attribute__((visibility("default")))

enum {
    POISON = 0xCD,
    FREED = 0xDD,
    GUARD = 0xFE,
    GUARD_BYTES = 64,
    RECORD_CAPACITY = 4096,
    ILLEGAL_ADDRESS = 700,      /* cudaErrorIllegalAddress: what injected copy failures return */
    INVALID_DEVICE = 101,       /* cudaErrorInvalidDevice */
    STREAM_LEGACY = 1,          /* cudaStreamLegacy */
    STREAM_PER_THREAD = 2,      /* cudaStreamPerThread */
};

typedef struct allocation {
    unsigned char* base;
    size_t bytes;
    int device; /* -1 for pinned host memory */
    struct allocation* next;
} allocation;

typedef struct pending_copy {
    void* dst;
    const void* src;
    size_t bytes;
    void* stream;
    struct pending_copy* next;
} pending_copy;

typedef struct stream_object {
    int device;
    struct stream_object* next;
} stream_object;

/* Configuration (environment, read by the first double_lock; setters in cudart_double_probe.c). */
extern int g_device_count;
extern int g_immediate;
extern int64_t g_fail_alloc_after;
extern int64_t g_fail_copy_after;
extern int64_t g_fail_sync_after;

/* Memory, queued copies, streams. */
extern allocation* g_allocations;
extern pending_copy* g_pending_head;
extern pending_copy* g_pending_tail;
extern stream_object* g_streams;

/* The record. */
extern int64_t g_copy_count;
extern cudart_double_copy g_records[RECORD_CAPACITY];
extern void* g_last_copy_stream;
extern int64_t g_sync_count;
extern void* g_last_sync_stream;
extern int64_t g_alloc_count[2];
extern int64_t g_misuse_count;

/* The calling thread's current device (cudaSetDevice). */
extern _Thread_local int t_device;

/* Takes g_lock (configuring the double on first use) / releases it. */
void double_lock(void);
void double_unlock(void);

/* Prints "cudart_double: MISUSE: ...", counts it, returns error. */
int double_misuse(int error, const char* format, ...) __attribute__((format(printf, 2, 3)));

/* One-shot failure injection: 1 when this call is the one to fail. */
int double_injected(int64_t* after);

/* The allocation holding pointer, or NULL. */
allocation* double_find(const void* pointer);

/* 1 when [pointer, pointer + bytes) touches device memory. */
int double_touches_device(const void* pointer, size_t bytes);

/* NULL, the legacy and per-thread default streams, and live created streams. */
int double_stream_known(void* stream);

/* Executes the queued copies of stream in order (every_stream: all of them). */
void double_flush(void* stream, int every_stream);

/* A poisoned allocation with a guard after it; device -1 for pinned host memory. */
int double_allocate(void** pointer, size_t bytes, int device);

/* Frees an allocation of the right kind, checking its guard; misuse otherwise. */
int double_release(void* pointer, int pinned, const char* call);

#endif /* CUDART_DOUBLE_STATE_H */
