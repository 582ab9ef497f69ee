/*
 * test_device_errors.c: how device failures are reported, and that nothing hangs or breaks.
 *
 *   - no CUDA runtime (MLXMPI_CUDART_PATH=/nonexistent..., or a library that is not one):
 *     DEVICE_UNAVAILABLE naming what was tried, on every call, and MPI still works; pointing
 *     MLXMPI_CUDART_PATH at a runtime afterwards works without a restart;
 *   - kinds, devices, sizes and pointers that do not fit: INVALID_ARGUMENT before the runtime
 *     is asked to do anything;
 *   - a failure on ONE rank before the data moves (a bad argument, an injected copy, sync or
 *     pinned-allocation failure) fails the gather on every rank, the others naming that rank;
 *     a failure after the data moved (the copy into recv) fails on its rank only;
 *   - after every failure the next gather is checked byte for byte.
 * The injected failures need the test double (cudart_double.h); on a real runtime those parts
 * are skipped. The gathers here use the staging path unless a case says otherwise.
 */
#define _GNU_SOURCE /* setenv, unsetenv, strdup */

#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "device_test_support.h"

typedef struct context {
    mlxmpi_comm* world;
    int32_t rank;
    int32_t size;
    int32_t device;
    uint64_t seed;
    uint64_t tag;
    device_test_runtime rt;
} context;

/* One gather of 257 int64 per rank on the current path. Expects `expected` (and a message
   containing `needle` when it fails); checks every byte when it succeeds. */
static void attempt_gather(context* c, int32_t expected, const char* needle) {
    const int64_t count = 257;
    size_t block = (size_t)count * sizeof(int64_t);
    size_t total = block * (size_t)c->size;
    uint64_t tag = ++c->tag;
    unsigned char* host = malloc(total);
    if (host == NULL) {
        CHECK(0, "out of memory");
        return;
    }
    test_fill(host, block, c->seed, tag, 0, (uint64_t)c->rank);
    void* send = device_test_upload(c->device, host, block, NULL);
    void* recv = device_test_upload(c->device, NULL, total, NULL);
    int32_t status = CHECK_STATUS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, c->device,
                                                          send, recv, count, MLXMPI_DTYPE_INT64,
                                                          NULL),
                                  expected);
    if (status == expected && needle != NULL) {
        CHECK(strstr(test_last_error(), needle) != NULL,
              "gather message \"%s\" does not mention \"%s\"", test_last_error(), needle);
    }
    if (status == MLXMPI_STATUS_OK) {
        unsigned char* got = device_test_download(c->device, recv, total, NULL);
        for (int32_t r = 0; got != NULL && r < c->size; r++) {
            test_fill(host, block, c->seed, tag, 0, (uint64_t)r);
            CHECK_BYTES(got + (size_t)r * block, host, block, "block of rank %d", (int)r);
        }
        free(got);
    }
    device_test_free(c->device, send);
    device_test_free(c->device, recv);
    free(host);
}

static void check_missing_runtime(context* c) {
    const char* configured = getenv("MLXMPI_CUDART_PATH");
    char* saved = configured != NULL ? strdup(configured) : NULL;
    int32_t count = -1;
    int64_t value = c->rank + 1;
    int64_t gathered[16];

    setenv("MLXMPI_CUDART_PATH", "/nonexistent/libcudart.so", 1);
    CHECK_FAILS(mlxmpi_device_count(MLXMPI_DEVICE_CUDA, &count),
                MLXMPI_STATUS_DEVICE_UNAVAILABLE, "MLXMPI_CUDART_PATH=/nonexistent/libcudart.so");
    CHECK(strstr(test_last_error(), "No such file") != NULL, "no dlerror reason in \"%s\"",
          test_last_error());
    CHECK(count == 0, "count %d after a failure", (int)count);
    void* buffer = &value;
    CHECK_FAILS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, 0, 64, &buffer),
                MLXMPI_STATUS_DEVICE_UNAVAILABLE, "could not be loaded");
    CHECK(buffer == NULL, "alloc failure left a pointer");
    /* Collective even when it fails: every rank fails alike, nobody waits. */
    CHECK_FAILS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, 0, &value, gathered, 1,
                                        MLXMPI_DTYPE_INT64, NULL),
                MLXMPI_STATUS_DEVICE_UNAVAILABLE, "could not be loaded");

    setenv("MLXMPI_CUDART_PATH", "libc.so.6", 1);
    CHECK_FAILS(mlxmpi_device_count(MLXMPI_DEVICE_CUDA, &count),
                MLXMPI_STATUS_DEVICE_UNAVAILABLE, "not a CUDA runtime");
    CHECK(mlxmpi_internal_cuda_runtime_handle() == NULL, "a failed load left a runtime");

    /* MPI is untouched. */
    CHECK_STATUS(mlxmpi_allgather(c->world, &value, gathered, 1, MLXMPI_DTYPE_INT64),
                 MLXMPI_STATUS_OK);
    for (int32_t r = 0; r < c->size && r < 16; r++) {
        CHECK(gathered[r] == r + 1, "gathered[%d] = %lld", (int)r, (long long)gathered[r]);
    }

    if (saved != NULL) {
        setenv("MLXMPI_CUDART_PATH", saved, 1);
    } else {
        unsetenv("MLXMPI_CUDART_PATH");
    }
    free(saved);
}

static void check_kinds(context* c) {
    int32_t count = -1;
    void* buffer = NULL;
    int64_t value = 1;
    int64_t gathered[16];
    CHECK_STATUS(mlxmpi_device_count(MLXMPI_DEVICE_CPU, &count), MLXMPI_STATUS_OK);
    CHECK(count == 1, "%d CPU devices", (int)count);
    CHECK_FAILS(mlxmpi_device_alloc(MLXMPI_DEVICE_CPU, 0, 64, &buffer),
                MLXMPI_STATUS_INVALID_ARGUMENT, "MLXMPI_DEVICE_CPU");
    CHECK_FAILS(mlxmpi_device_count(9, &count), MLXMPI_STATUS_INVALID_ARGUMENT,
                "not an mlxmpi_device_kind");
    CHECK_FAILS(mlxmpi_device_count(MLXMPI_DEVICE_CUDA, NULL), MLXMPI_STATUS_INVALID_ARGUMENT,
                "count is NULL");
#if !defined(__APPLE__)
    CHECK_FAILS(mlxmpi_device_count(MLXMPI_DEVICE_METAL, &count),
                MLXMPI_STATUS_DEVICE_UNAVAILABLE, "macOS");
    CHECK_FAILS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_METAL, 0, &value, gathered, 1,
                                        MLXMPI_DTYPE_INT64, NULL),
                MLXMPI_STATUS_DEVICE_UNAVAILABLE, "macOS");
#endif
    CHECK_FAILS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CPU, 0, &value, gathered, 1,
                                        MLXMPI_DTYPE_INT64, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "MLXMPI_DEVICE_CPU");
    CHECK_FAILS(mlxmpi_device_is_cuda_aware(NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "flag");
}

static void check_arguments(context* c) {
    int32_t count = 0;
    mlxmpi_device_count(MLXMPI_DEVICE_CUDA, &count);
    int64_t host[64] = {1, 2, 3};
    void* buffer = NULL;
    CHECK_FAILS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, c->device, 64, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "ptr is NULL");
    CHECK_FAILS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, c->device, -1, &buffer),
                MLXMPI_STATUS_INVALID_ARGUMENT, ">= 0");
    CHECK_FAILS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, count, 64, &buffer),
                MLXMPI_STATUS_INVALID_ARGUMENT, "does not exist");
    CHECK_FAILS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, -1, 64, &buffer),
                MLXMPI_STATUS_INVALID_ARGUMENT, "does not exist");
    CHECK_STATUS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, c->device, 0, &buffer), MLXMPI_STATUS_OK);
    CHECK(buffer == NULL, "a 0-byte allocation returned %p", buffer);
    CHECK_STATUS(mlxmpi_device_free(MLXMPI_DEVICE_CUDA, c->device, NULL), MLXMPI_STATUS_OK);

    void* device_memory = device_test_upload(c->device, host, sizeof host, NULL);
    int32_t owner = -7;
    CHECK_STATUS(mlxmpi_device_query_pointer(MLXMPI_DEVICE_CUDA, host, &owner), MLXMPI_STATUS_OK);
    CHECK(owner == -1, "host memory reported on device %d", (int)owner);
    CHECK_STATUS(mlxmpi_device_query_pointer(MLXMPI_DEVICE_CUDA,
                                             (unsigned char*)device_memory + 40, &owner),
                 MLXMPI_STATUS_OK);
    CHECK(owner == c->device, "device memory reported on device %d", (int)owner);
    CHECK_FAILS(mlxmpi_device_query_pointer(MLXMPI_DEVICE_CUDA, NULL, &owner),
                MLXMPI_STATUS_INVALID_ARGUMENT, "ptr is NULL");

    CHECK_FAILS(mlxmpi_device_copy_to_device(MLXMPI_DEVICE_CUDA, c->device, host, host, 8, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "dst");
    CHECK_FAILS(mlxmpi_device_copy_to_device(MLXMPI_DEVICE_CUDA, c->device, device_memory,
                                             device_memory, 8, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "not host memory");
    CHECK_FAILS(mlxmpi_device_copy_to_host(MLXMPI_DEVICE_CUDA, c->device, host, host, 8, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "is host memory");
    CHECK_FAILS(mlxmpi_device_copy_to_host(MLXMPI_DEVICE_CUDA, c->device, NULL, device_memory,
                                           8, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "dst_host is NULL");
    CHECK_FAILS(mlxmpi_device_copy_to_host(MLXMPI_DEVICE_CUDA, c->device, host, device_memory,
                                           -8, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, ">= 0");
    CHECK_FAILS(mlxmpi_device_free(MLXMPI_DEVICE_CUDA, c->device, host),
                MLXMPI_STATUS_INVALID_ARGUMENT, "host memory");

    /* Gathers that every rank gets wrong alike. */
    CHECK_FAILS(mlxmpi_allgather_device(NULL, MLXMPI_DEVICE_CUDA, c->device, device_memory, host,
                                        1, MLXMPI_DTYPE_INT64, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "comm is NULL");
    CHECK_FAILS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, c->device, device_memory,
                                        host, 1, MLXMPI_DTYPE_INT64, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "recv");
    CHECK_FAILS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, c->device, device_memory,
                                        device_memory, 1, MLXMPI_DTYPE_INT64, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "overlap");
    CHECK_FAILS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, c->device, device_memory,
                                        device_memory, -1, MLXMPI_DTYPE_INT64, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "count must be >= 0");
    CHECK_FAILS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, c->device, device_memory,
                                        device_memory, 1, 99, NULL),
                MLXMPI_STATUS_INVALID_ARGUMENT, "dtype");
    setenv("MLXMPI_GPU_PATH", "sideways", 1);
    attempt_gather(c, MLXMPI_STATUS_INVALID_ARGUMENT, "MLXMPI_GPU_PATH is \"sideways\"");
    setenv("MLXMPI_GPU_PATH", "staging", 1);

    /* Only rank 1 passes host memory: it says why, the others name it, nobody hangs. */
    void* recv = device_test_upload(c->device, NULL, 8 * (size_t)c->size, NULL);
    int32_t status = mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, c->device,
                                             device_memory, c->rank == 1 ? (void*)host : recv, 1,
                                             MLXMPI_DTYPE_INT64, NULL);
    CHECK(status == MLXMPI_STATUS_INVALID_ARGUMENT, "one rank's bad recv: status %d (%s)",
          (int)status, test_last_error());
    const char* needle = c->rank == 1 ? "recv" : "rank 1 failed before the gather";
    CHECK(strstr(test_last_error(), needle) != NULL, "message \"%s\" does not mention \"%s\"",
          test_last_error(), needle);
    device_test_free(c->device, recv);
    device_test_free(c->device, device_memory);
    attempt_gather(c, MLXMPI_STATUS_OK, NULL);
}

/* Injected runtime failures (test double only). */
static void check_injected(context* c) {
    if (!c->rt.is_double) {
        return;
    }
    char text[256];
    snprintf(text, sizeof text, "%s", c->rt.get_error_string(700));

    /* A failing device-to-host staging copy on every rank. attempt_gather's two uploads make
       copies 0 and 1; the gather's staging copies are 2 (out of send) and 3 (into recv). */
    c->rt.fail_copy_after(2);
    attempt_gather(c, MLXMPI_STATUS_DEVICE_ERROR, "cudaMemcpyAsync");
    CHECK(strstr(test_last_error(), text) != NULL, "\"%s\" lacks cudaGetErrorString's \"%s\"",
          test_last_error(), text);
    attempt_gather(c, MLXMPI_STATUS_OK, NULL);

    /* The same on rank 1 only. */
    if (c->rank == 1) {
        c->rt.fail_copy_after(2);
    }
    attempt_gather(c, MLXMPI_STATUS_DEVICE_ERROR,
                   c->rank == 1 ? text : "rank 1 failed before the gather (DEVICE_ERROR");
    attempt_gather(c, MLXMPI_STATUS_OK, NULL);

    /* The copy into recv, after the data moved, fails on rank 0 only: the others succeed. */
    if (c->rank == 0) {
        c->rt.fail_copy_after(3);
    }
    attempt_gather(c, c->rank == 0 ? MLXMPI_STATUS_DEVICE_ERROR : MLXMPI_STATUS_OK,
                   c->rank == 0 ? "host to device" : NULL);
    attempt_gather(c, MLXMPI_STATUS_OK, NULL);

    /* No pinned memory on rank 0 (nothing cached to fall back on): out of memory, everywhere. */
    CHECK_STATUS(mlxmpi_device_release_staging(), MLXMPI_STATUS_OK);
    if (c->rank == 0) {
        c->rt.fail_alloc_after(2); /* after the uploads' two cudaMalloc */
    }
    attempt_gather(c, MLXMPI_STATUS_OUT_OF_MEMORY,
                   c->rank == 0 ? "cudaHostAlloc" : "rank 0 failed before the gather");
    attempt_gather(c, MLXMPI_STATUS_OK, NULL);

    /* A failing stream synchronisation on every rank, on the staging path... */
    c->rt.fail_sync_after(2); /* after the uploads' two */
    attempt_gather(c, MLXMPI_STATUS_DEVICE_ERROR, "cudaStreamSynchronize");
    /* ...and on the direct path, on the last rank only. */
    setenv("MLXMPI_GPU_PATH", "direct", 1);
    if (c->rank == c->size - 1) {
        c->rt.fail_sync_after(2);
    }
    char last[64];
    snprintf(last, sizeof last, "rank %d failed before the gather", (int)(c->size - 1));
    attempt_gather(c, MLXMPI_STATUS_DEVICE_ERROR,
                   c->rank == c->size - 1 ? "cudaStreamSynchronize" : last);
    attempt_gather(c, MLXMPI_STATUS_OK, NULL);
    CHECK(mlxmpi_device_last_path() == MLXMPI_DEVICE_PATH_DIRECT, "path %d",
          (int)mlxmpi_device_last_path());
    setenv("MLXMPI_GPU_PATH", "staging", 1);

    /* The blocking functions report the runtime's failures too. */
    void* buffer = NULL;
    c->rt.fail_alloc_after(0);
    CHECK_FAILS(mlxmpi_device_alloc(MLXMPI_DEVICE_CUDA, c->device, 64, &buffer),
                MLXMPI_STATUS_OUT_OF_MEMORY, "cudaMalloc(64 bytes)");
    CHECK(buffer == NULL, "a failed allocation returned %p", buffer);
    int64_t host[8] = {1};
    buffer = device_test_upload(c->device, host, sizeof host, NULL);
    c->rt.fail_copy_after(0);
    CHECK_FAILS(mlxmpi_device_copy_to_device(MLXMPI_DEVICE_CUDA, c->device, buffer, host,
                                             sizeof host, NULL),
                MLXMPI_STATUS_DEVICE_ERROR, text);
    c->rt.fail_sync_after(0);
    CHECK_FAILS(mlxmpi_device_synchronize(MLXMPI_DEVICE_CUDA, c->device, NULL),
                MLXMPI_STATUS_DEVICE_ERROR, "cudaStreamSynchronize");
    device_test_free(c->device, buffer);
    attempt_gather(c, MLXMPI_STATUS_OK, NULL);
}

int main(void) {
    context c;
    memset(&c, 0, sizeof c);
    if (!test_start_world(&c.world, &c.rank, &c.size)) {
        return test_finish("test_device_errors");
    }
    c.seed = test_shared_seed(MPI_COMM_WORLD, "test_device_errors");
    setenv("MLXMPI_GPU_PATH", "staging", 1);

    check_missing_runtime(&c);
    int32_t count = 0;
    if (CHECK_STATUS(mlxmpi_device_count(MLXMPI_DEVICE_CUDA, &count), MLXMPI_STATUS_OK) !=
            MLXMPI_STATUS_OK ||
        !device_test_load_runtime(&c.rt)) {
        return test_finish("test_device_errors");
    }
    if (count == 0) {
        printf("[rank %d] test_device_errors: SKIPPED (no CUDA device)\n", (int)c.rank);
        mlxmpi_comm_free(c.world);
        mlxmpi_finalize();
        return DEVICE_TEST_SKIPPED;
    }
    c.device = c.rank % count;
    check_kinds(&c);
    check_arguments(&c);
    check_injected(&c);

    device_test_check_clean(&c.rt);
    CHECK_STATUS(mlxmpi_comm_free(c.world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_device_errors");
}
