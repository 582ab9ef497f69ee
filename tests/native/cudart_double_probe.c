/*
 * cudart_double_probe.c: the test double's test-only functions (cudart_double.h): its record
 * of copies, synchronisations and allocations, and its failure switches.
 */
#define _GNU_SOURCE /* pthread with -std=c11 */

#include "cudart_double_state.h"

#define LOCKED_READ(type, expression)                                                              \
    do {                                                                                           \
        double_lock();                                                                             \
        type value_ = (expression);                                                                \
        double_unlock();                                                                           \
        return value_;                                                                             \
    } while (0)

EXPORT int64_t cudart_double_copy_count(void) {
    LOCKED_READ(int64_t, g_copy_count);
}

EXPORT void* cudart_double_last_copy_stream(void) {
    LOCKED_READ(void*, g_last_copy_stream);
}

EXPORT int32_t cudart_double_copy_record(int64_t index, cudart_double_copy* record) {
    double_lock();
    int32_t found = index >= 0 && index < g_copy_count && g_copy_count - index <= RECORD_CAPACITY;
    if (found) {
        *record = g_records[index % RECORD_CAPACITY];
    }
    double_unlock();
    return found;
}

EXPORT int64_t cudart_double_sync_count(void) {
    LOCKED_READ(int64_t, g_sync_count);
}

EXPORT void* cudart_double_last_sync_stream(void) {
    LOCKED_READ(void*, g_last_sync_stream);
}

EXPORT int64_t cudart_double_alloc_count(int32_t pinned) {
    LOCKED_READ(int64_t, g_alloc_count[pinned ? 1 : 0]);
}

EXPORT int64_t cudart_double_live_allocations(int32_t pinned) {
    double_lock();
    int64_t live = 0;
    for (allocation* a = g_allocations; a != NULL; a = a->next) {
        live += (a->device < 0) == (pinned != 0);
    }
    double_unlock();
    return live;
}

EXPORT int64_t cudart_double_pending_copies(void) {
    double_lock();
    int64_t pending = 0;
    for (pending_copy* c = g_pending_head; c != NULL; c = c->next) {
        pending++;
    }
    double_unlock();
    return pending;
}

EXPORT int64_t cudart_double_misuse_count(void) {
    LOCKED_READ(int64_t, g_misuse_count);
}

EXPORT void cudart_double_fail_alloc_after(int64_t calls) {
    double_lock();
    g_fail_alloc_after = calls;
    double_unlock();
}

EXPORT void cudart_double_fail_copy_after(int64_t calls) {
    double_lock();
    g_fail_copy_after = calls;
    double_unlock();
}

EXPORT void cudart_double_fail_sync_after(int64_t calls) {
    double_lock();
    g_fail_sync_after = calls;
    double_unlock();
}
