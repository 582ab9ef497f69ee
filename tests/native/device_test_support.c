/*
 * device_test_support.c: see device_test_support.h.
 */
#include "device_test_support.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"

/* ISO C cannot convert dlsym's void* to a function pointer; copying the bits can. */
#define RESOLVE(handle, pointer, symbol)                     \
    do {                                                     \
        void* address_ = dlsym((handle), (symbol));          \
        memcpy(&(pointer), &address_, sizeof address_);      \
    } while (0)

int device_test_load_runtime(device_test_runtime* rt) {
    memset(rt, 0, sizeof *rt);
    void* handle = mlxmpi_internal_cuda_runtime_handle();
    if (handle == NULL) {
        CHECK(0, "the shim has not loaded a CUDA runtime");
        return 0;
    }
    rt->name = mlxmpi_internal_cuda_runtime_name();
    RESOLVE(handle, rt->stream_create, "cudaStreamCreate");
    RESOLVE(handle, rt->stream_destroy, "cudaStreamDestroy");
    RESOLVE(handle, rt->get_device, "cudaGetDevice");
    RESOLVE(handle, rt->set_device, "cudaSetDevice");
    RESOLVE(handle, rt->get_error_string, "cudaGetErrorString");
    if (rt->stream_create == NULL || rt->stream_destroy == NULL || rt->get_device == NULL ||
        rt->set_device == NULL || rt->get_error_string == NULL) {
        CHECK(0, "%s lacks a CUDA runtime function the tests use", rt->name);
        return 0;
    }
    RESOLVE(handle, rt->copy_count, "cudart_double_copy_count");
    RESOLVE(handle, rt->copy_record, "cudart_double_copy_record");
    RESOLVE(handle, rt->sync_count, "cudart_double_sync_count");
    RESOLVE(handle, rt->last_sync_stream, "cudart_double_last_sync_stream");
    RESOLVE(handle, rt->alloc_count, "cudart_double_alloc_count");
    RESOLVE(handle, rt->live_allocations, "cudart_double_live_allocations");
    RESOLVE(handle, rt->pending_copies, "cudart_double_pending_copies");
    RESOLVE(handle, rt->misuse_count, "cudart_double_misuse_count");
    RESOLVE(handle, rt->fail_alloc_after, "cudart_double_fail_alloc_after");
    RESOLVE(handle, rt->fail_copy_after, "cudart_double_fail_copy_after");
    RESOLVE(handle, rt->fail_sync_after, "cudart_double_fail_sync_after");
    rt->is_double = rt->copy_count != NULL;
    if (rt->is_double) {
        CHECK(rt->copy_record != NULL && rt->sync_count != NULL && rt->last_sync_stream != NULL &&
                  rt->alloc_count != NULL && rt->live_allocations != NULL &&
                  rt->pending_copies != NULL && rt->misuse_count != NULL &&
                  rt->fail_alloc_after != NULL && rt->fail_copy_after != NULL &&
                  rt->fail_sync_after != NULL,
              "%s has only part of the test double's functions", rt->name);
    }
    return 1;
}

void* device_test_upload(int32_t device, const void* host, size_t bytes, void* stream) {
    void* buffer = NULL;
    if (CHECK_STATUS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, device, (int64_t)bytes, &buffer),
                     MLXMPI_STATUS_OK) != MLXMPI_STATUS_OK ||
        bytes == 0) {
        return buffer;
    }
    unsigned char* poison = NULL;
    if (host == NULL) {
        poison = malloc(bytes);
        if (poison == NULL) {
            CHECK(0, "out of memory for %zu bytes of poison", bytes);
            device_test_free(device, buffer);
            return NULL;
        }
        memset(poison, TEST_POISON, bytes);
        host = poison;
    }
    int32_t status = CHECK_STATUS(mlxmpi_device_copy_to_device(MLXMPI_DEVICE_CUDA, device, buffer,
                                                               host, (int64_t)bytes, stream),
                                  MLXMPI_STATUS_OK);
    free(poison);
    if (status != MLXMPI_STATUS_OK) {
        device_test_free(device, buffer);
        return NULL;
    }
    return buffer;
}

unsigned char* device_test_download(int32_t device, const void* buffer, size_t bytes,
                                    void* stream) {
    unsigned char* host = malloc(bytes > 0 ? bytes : 1);
    if (host == NULL) {
        CHECK(0, "out of memory for %zu bytes", bytes);
        return NULL;
    }
    if (CHECK_STATUS(mlxmpi_device_copy_to_host(MLXMPI_DEVICE_CUDA, device, host, buffer,
                                                (int64_t)bytes, stream),
                     MLXMPI_STATUS_OK) != MLXMPI_STATUS_OK) {
        free(host);
        return NULL;
    }
    return host;
}

void device_test_free(int32_t device, void* buffer) {
    CHECK_STATUS(mlxmpi_device_free(MLXMPI_DEVICE_CUDA, device, buffer), MLXMPI_STATUS_OK);
}

void device_test_check_clean(const device_test_runtime* rt) {
    if (!rt->is_double) {
        return;
    }
    CHECK_STATUS(mlxmpi_device_release_staging(), MLXMPI_STATUS_OK);
    CHECK(rt->pending_copies() == 0, "%lld copies never executed (stream never synchronised)",
          (long long)rt->pending_copies());
    CHECK(rt->misuse_count() == 0, "the test double reported %lld misuses (see stderr)",
          (long long)rt->misuse_count());
    CHECK(rt->live_allocations(0) == 0, "%lld device allocations leaked",
          (long long)rt->live_allocations(0));
    CHECK(rt->live_allocations(1) == 0, "%lld pinned allocations leaked",
          (long long)rt->live_allocations(1));
}
