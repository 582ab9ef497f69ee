/*
 * device_test_support.h: what the device tests need besides test_support.h: the CUDA runtime
 * the shim loaded (real or the test double), reached through the shim's own dlopen handle so
 * that the tests and the shim always talk to the same library, and device buffers filled and
 * read back through the public mlxmpi_device_* functions.
 */
#ifndef MLXMPI_DEVICE_TEST_SUPPORT_H
#define MLXMPI_DEVICE_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cudart_double.h"
#include "test_support.h"

/* The exit code CTest reads as "skipped" (SKIP_RETURN_CODE in device_tests.cmake). */
enum { DEVICE_TEST_SKIPPED = 77 };

typedef struct device_test_runtime {
    const char* name; /* what the shim loaded */
    /* CUDA runtime functions the shim itself does not need; both the real one and the double
       have them. */
    int (*stream_create)(void** stream);
    int (*stream_destroy)(void* stream);
    int (*get_device)(int* device);
    int (*set_device)(int device);
    const char* (*get_error_string)(int error);
    /* The test double's record and switches; all NULL on a real CUDA runtime. */
    int is_double;
    cudart_double_copy_count_fn copy_count;
    cudart_double_copy_record_fn copy_record;
    cudart_double_sync_count_fn sync_count;
    cudart_double_last_sync_stream_fn last_sync_stream;
    cudart_double_alloc_count_fn alloc_count;
    cudart_double_live_allocations_fn live_allocations;
    cudart_double_pending_copies_fn pending_copies;
    cudart_double_misuse_count_fn misuse_count;
    cudart_double_fail_after_fn fail_alloc_after;
    cudart_double_fail_after_fn fail_copy_after;
    cudart_double_fail_after_fn fail_sync_after;
} device_test_runtime;

/* Fills rt from the runtime the shim has loaded (call after a successful mlxmpi_device_count).
   Returns 1 on success; reports a failure and returns 0 when a CUDA function is missing. */
int device_test_load_runtime(device_test_runtime* rt);

/* A device buffer of bytes (may be 0: NULL), filled from host (NULL: poisoned with
   TEST_POISON) through mlxmpi_device_copy_to_device. NULL with a reported failure on error. */
void* device_test_upload(int32_t device, const void* host, size_t bytes, void* stream);

/* Reads bytes of a device buffer back into a new malloc'd host buffer (free it); NULL with a
   reported failure on error. */
unsigned char* device_test_download(int32_t device, const void* buffer, size_t bytes,
                                    void* stream);

/* Frees a device buffer, reporting a failure. */
void device_test_free(int32_t device, void* buffer);

/* At the end of a test on the double: no queued copies, no misuse, no live allocations once the
   staging cache is released. Does nothing on a real runtime. */
void device_test_check_clean(const device_test_runtime* rt);

#endif /* MLXMPI_DEVICE_TEST_SUPPORT_H */
