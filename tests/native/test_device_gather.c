/*
 * test_device_gather.c: mlxmpi_allgather_device moves every dtype's bytes exactly, on the path
 * that argv[1] names (staging, direct or auto; CTest sets MLXMPI_GPU_PATH to match), with
 * device buffers written and read back only through the mlxmpi_device_* functions.
 *
 * Against the test double (tests/native/cudart_double.c) it also checks, from the double's
 * record, HOW the data moved: on the staging path exactly one device-to-host copy of send and
 * one host-to-device copy into recv, both on the caller's stream, both through pinned memory,
 * on the right device; pinned buffers reused rather than allocated per call; nothing leaked.
 * Against a real libcudart (scripts/test-real-cuda.sh) those record checks are skipped.
 *
 * Every rank fills its block from a seed shared by all ranks and checks every byte of every
 * block; receive buffers are poisoned on the device and have a poisoned guard after them.
 */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "device_test_support.h"

enum { GUARD_BYTES = 64 };

typedef struct context {
    mlxmpi_comm* world;
    int32_t rank;
    int32_t size;
    int32_t device;
    int32_t device_count;
    int32_t expected_path;
    void* stream;
    uint64_t seed;
    uint64_t tag;
    device_test_runtime rt;
} context;

/* One gather of count elements of dtype on stream, checked completely. */
static void gather_and_check(context* c, int32_t dtype, int64_t count, int64_t limit,
                             void* stream) {
    uint64_t tag = ++c->tag;
    size_t block = (size_t)count * (size_t)mlxmpi_dtype_size(dtype);
    size_t total = block * (size_t)c->size;
    unsigned char* host_send = malloc(block > 0 ? block : 1);
    unsigned char* expected = malloc(block > 0 ? block : 1);
    if (host_send == NULL || expected == NULL) {
        CHECK(0, "out of memory for %lld elements", (long long)count);
        free(host_send);
        free(expected);
        return;
    }
    test_fill(host_send, block, c->seed, tag, (uint64_t)dtype, (uint64_t)c->rank);
    void* send = device_test_upload(c->device, host_send, block, stream);
    void* recv = device_test_upload(c->device, NULL, total + GUARD_BYTES, stream);

    int32_t status = CHECK_STATUS(
        mlxmpi_internal_allgather_device_with_limit(c->world, MLXMPI_DEVICE_CUDA, c->device,
                                                    send, recv, count, dtype, stream, limit),
        MLXMPI_STATUS_OK);
    CHECK(mlxmpi_device_last_path() == c->expected_path, "path %d, expected %d",
          (int)mlxmpi_device_last_path(), (int)c->expected_path);
    if (status == MLXMPI_STATUS_OK && recv != NULL) {
        unsigned char* got = device_test_download(c->device, recv, total + GUARD_BYTES, stream);
        for (int32_t r = 0; got != NULL && r < c->size; r++) {
            test_fill(expected, block, c->seed, tag, (uint64_t)dtype, (uint64_t)r);
            CHECK_BYTES(got + (size_t)r * block, expected, block,
                        "dtype %d count %lld limit %lld: block of rank %d", (int)dtype,
                        (long long)count, (long long)limit, (int)r);
        }
        if (got != NULL) {
            test_expect_poison(got + total, GUARD_BYTES, "guard after recv", __FILE__, __LINE__);
        }
        free(got);
        unsigned char* sent = block > 0 ? device_test_download(c->device, send, block, stream)
                                        : NULL;
        if (sent != NULL) {
            CHECK_BYTES(sent, host_send, block, "dtype %d count %lld: send was modified",
                        (int)dtype, (long long)count);
        }
        free(sent);
    }
    device_test_free(c->device, send);
    device_test_free(c->device, recv);
    free(host_send);
    free(expected);
}

static void check_every_dtype(context* c) {
    const int64_t counts[] = {0, 1, 2, 3, 17, 1000, 65537};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            gather_and_check(c, dtype, counts[i], INT32_MAX, c->stream);
        }
    }
    /* The default stream, and the derived datatypes used beyond INT_MAX elements (forced with a
       tiny limit), below, at and above the limit. */
    gather_and_check(c, MLXMPI_DTYPE_FLOAT32, 4099, INT32_MAX, NULL);
    const int64_t limited[] = {6, 7, 8, 29, 1000};
    for (size_t i = 0; i < sizeof limited / sizeof limited[0]; i++) {
        gather_and_check(c, MLXMPI_DTYPE_COMPLEX64, limited[i], 7, c->stream);
        gather_and_check(c, MLXMPI_DTYPE_BFLOAT16, limited[i], 7, NULL);
    }
}

/* From the double's record: which copies one gather made, on which stream and device. */
static void check_record(context* c, void* stream) {
    if (!c->rt.is_double) {
        return;
    }
    const int64_t count = 513;
    size_t block = (size_t)count * sizeof(double);
    unsigned char* host_send = malloc(block);
    if (host_send == NULL) {
        CHECK(0, "out of memory");
        return;
    }
    test_fill(host_send, block, c->seed, ++c->tag, 0, (uint64_t)c->rank);
    void* send = device_test_upload(c->device, host_send, block, stream);
    void* recv = device_test_upload(c->device, NULL, block * (size_t)c->size, stream);

    int64_t copies_before = c->rt.copy_count();
    int64_t syncs_before = c->rt.sync_count();
    CHECK_STATUS(mlxmpi_allgather_device(c->world, MLXMPI_DEVICE_CUDA, c->device, send, recv,
                                         count, MLXMPI_DTYPE_FLOAT64, stream),
                 MLXMPI_STATUS_OK);
    int64_t copies = c->rt.copy_count() - copies_before;
    CHECK(c->rt.sync_count() > syncs_before, "the gather never synchronised its stream");
    CHECK(c->rt.last_sync_stream() == stream, "last synchronised stream %p, expected %p",
          c->rt.last_sync_stream(), stream);
    CHECK(c->rt.pending_copies() == 0, "%lld copies left queued after the gather returned",
          (long long)c->rt.pending_copies());
    if (c->expected_path == MLXMPI_DEVICE_PATH_DIRECT) {
        CHECK(copies == 0, "the direct path made %lld copies", (long long)copies);
    } else {
        CHECK(copies == 2, "the staging path made %lld copies, expected 2", (long long)copies);
        const int32_t kinds[2] = {2, 1}; /* device to host, then host to device */
        const int64_t sizes[2] = {(int64_t)block, (int64_t)block * c->size};
        for (int i = 0; i < 2 && copies == 2; i++) {
            cudart_double_copy record;
            CHECK(c->rt.copy_record(copies_before + i, &record) == 1, "copy %d not recorded", i);
            CHECK(record.stream == stream, "copy %d on stream %p, expected %p", i, record.stream,
                  stream);
            CHECK(record.kind == kinds[i], "copy %d of kind %d, expected %d", i,
                  (int)record.kind, (int)kinds[i]);
            CHECK(record.bytes == sizes[i], "copy %d of %lld bytes, expected %lld", i,
                  (long long)record.bytes, (long long)sizes[i]);
            CHECK(record.host_pinned == 1, "copy %d staged through pageable memory", i);
            CHECK(record.memory_device == c->device && record.current_device == c->device,
                  "copy %d: memory of device %d, current device %d, expected %d", i,
                  (int)record.memory_device, (int)record.current_device, (int)c->device);
        }
    }
    device_test_free(c->device, send);
    device_test_free(c->device, recv);
    free(host_send);
}

/* Pinned staging buffers come from the cache after the first gather of a size class. */
static void check_staging_reuse(context* c) {
    if (!c->rt.is_double || c->expected_path != MLXMPI_DEVICE_PATH_STAGING) {
        return;
    }
    CHECK_STATUS(mlxmpi_device_release_staging(), MLXMPI_STATUS_OK);
    CHECK(c->rt.live_allocations(1) == 0, "%lld pinned buffers survived the release",
          (long long)c->rt.live_allocations(1));
    int64_t before = c->rt.alloc_count(1);
    for (int i = 0; i < 10; i++) {
        /* 4000 and 4001 int32 elements fall in the same size classes. */
        gather_and_check(c, MLXMPI_DTYPE_INT32, 4000 + (i % 2), INT32_MAX, c->stream);
    }
    CHECK(c->rt.alloc_count(1) - before == 2, "10 gathers pinned %lld buffers, expected 2",
          (long long)(c->rt.alloc_count(1) - before));
    int64_t idle = 0;
    int64_t idle_bytes = 0;
    mlxmpi_internal_staging_stats(&idle, &idle_bytes);
    CHECK(idle == 2, "%lld idle staging buffers, expected 2", (long long)idle);
    CHECK_STATUS(mlxmpi_device_release_staging(), MLXMPI_STATUS_OK);
    mlxmpi_internal_staging_stats(&idle, &idle_bytes);
    CHECK(idle == 0 && idle_bytes == 0, "release left %lld buffers", (long long)idle);
}

/* The caller's current device is its own business: a gather on another device leaves it. */
static void check_current_device_kept(context* c) {
    if (c->device_count < 2) {
        return;
    }
    int other = (c->device + 1) % c->device_count;
    int current = -1;
    CHECK(c->rt.set_device(other) == 0, "cudaSetDevice(%d) failed", other);
    gather_and_check(c, MLXMPI_DTYPE_UINT16, 300, INT32_MAX, NULL);
    CHECK(c->rt.get_device(&current) == 0 && current == other,
          "current device %d after a gather on device %d, expected %d", current, (int)c->device,
          other);
    c->rt.set_device(c->device);
}

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : "auto";
    context c;
    memset(&c, 0, sizeof c);
    if (!test_start_world(&c.world, &c.rank, &c.size)) {
        return test_finish("test_device_gather");
    }
    c.seed = test_shared_seed(MPI_COMM_WORLD, "test_device_gather");

    int32_t aware = 0;
    CHECK_STATUS(mlxmpi_device_is_cuda_aware(&aware), MLXMPI_STATUS_OK);
    if (CHECK_STATUS(mlxmpi_device_count(MLXMPI_DEVICE_CUDA, &c.device_count),
                     MLXMPI_STATUS_OK) != MLXMPI_STATUS_OK ||
        !device_test_load_runtime(&c.rt)) {
        return test_finish("test_device_gather");
    }
    if (c.device_count == 0 || (!c.rt.is_double && strcmp(path, "direct") == 0 && !aware)) {
        /* Every rank sees the same runtime and the same MPI, so every rank skips. */
        printf("[rank %d] test_device_gather: SKIPPED (%s)\n", (int)c.rank,
               c.device_count == 0 ? "no CUDA device" : "MPI is not CUDA-aware");
        mlxmpi_comm_free(c.world);
        mlxmpi_finalize();
        return DEVICE_TEST_SKIPPED;
    }
    c.expected_path = strcmp(path, "staging") == 0  ? MLXMPI_DEVICE_PATH_STAGING
                      : strcmp(path, "direct") == 0 ? MLXMPI_DEVICE_PATH_DIRECT
                      : aware                       ? MLXMPI_DEVICE_PATH_DIRECT
                                                    : MLXMPI_DEVICE_PATH_STAGING;
    c.device = c.rank % c.device_count;
    if (c.rank == 0) {
        printf("test_device_gather: runtime %s, %d device(s), MPI CUDA-aware %d, path %s\n",
               c.rt.name, (int)c.device_count, (int)aware, path);
    }
    CHECK(c.rt.set_device(c.device) == 0, "cudaSetDevice(%d) failed", (int)c.device);
    CHECK(c.rt.stream_create(&c.stream) == 0 && c.stream != NULL, "cudaStreamCreate failed");

    check_every_dtype(&c);
    check_record(&c, c.stream);
    check_record(&c, NULL);
    check_staging_reuse(&c);
    check_current_device_kept(&c);

    CHECK(c.rt.stream_destroy(c.stream) == 0, "cudaStreamDestroy failed");
    device_test_check_clean(&c.rt);
    CHECK_STATUS(mlxmpi_comm_free(c.world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_device_gather");
}
