/*
 * test_allgather.c: mlxmpi_allgather moves every dtype's bytes exactly, for small and large
 * blocks, empty blocks, and through the derived-datatype path used beyond INT_MAX elements
 * (forced here with a tiny artificial limit).
 *
 * Every rank fills its block from a seed shared by all ranks, so each rank can regenerate
 * what every other rank sent and check the whole result byte for byte. Receive buffers are
 * poisoned first and have a poisoned guard after them that must survive.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "test_support.h"

enum { GUARD_BYTES = 64 };

typedef int32_t (*gather_function)(mlxmpi_comm* comm, const void* send, void* recv,
                                   int64_t count, int32_t dtype, int64_t limit);

static int32_t public_gather(mlxmpi_comm* comm, const void* send, void* recv, int64_t count,
                             int32_t dtype, int64_t limit) {
    (void)limit;
    return mlxmpi_allgather(comm, send, recv, count, dtype);
}

/* One gather of `count` elements of dtype, checked completely. `tag` separates the data of
   different calls so that a stale buffer from an earlier call can never look right. */
static void gather_and_check(mlxmpi_comm* comm, uint64_t seed, int32_t dtype, int64_t count,
                             int64_t limit, gather_function gather, uint64_t tag) {
    int32_t rank = 0;
    int32_t size = 0;
    mlxmpi_comm_rank(comm, &rank);
    mlxmpi_comm_size(comm, &size);
    size_t element = (size_t)mlxmpi_dtype_size(dtype);
    size_t block = (size_t)count * element;

    unsigned char* send = malloc(block > 0 ? block : 1);
    unsigned char* sent = malloc(block > 0 ? block : 1);
    unsigned char* recv = malloc(block * (size_t)size + GUARD_BYTES);
    unsigned char* expected = malloc(block > 0 ? block : 1);
    if (send == NULL || sent == NULL || recv == NULL || expected == NULL) {
        CHECK(0, "out of memory for %lld elements", (long long)count);
        free(send);
        free(sent);
        free(recv);
        free(expected);
        return;
    }
    test_fill(send, block, seed, tag, (uint64_t)dtype, (uint64_t)rank);
    memcpy(sent, send, block);
    memset(recv, TEST_POISON, block * (size_t)size + GUARD_BYTES);

    int32_t status = CHECK_STATUS(gather(comm, send, recv, count, dtype, limit), MLXMPI_STATUS_OK);
    if (status == MLXMPI_STATUS_OK) {
        for (int32_t r = 0; r < size; r++) {
            test_fill(expected, block, seed, tag, (uint64_t)dtype, (uint64_t)r);
            CHECK_BYTES(recv + (size_t)r * block, expected, block,
                        "dtype %d count %lld limit %lld: block of rank %d", (int)dtype,
                        (long long)count, (long long)limit, (int)r);
        }
        test_expect_poison(recv + block * (size_t)size, GUARD_BYTES, "guard after recv",
                           __FILE__, __LINE__);
        CHECK_BYTES(send, sent, block, "dtype %d count %lld: send buffer was modified", (int)dtype,
                    (long long)count);
    }
    free(send);
    free(sent);
    free(recv);
    free(expected);
}

static void check_dtype_table(void) {
    static const int32_t expected_sizes[MLXMPI_DTYPE_COUNT] = {1, 1, 2, 4, 8, 1, 2, 4,
                                                               8, 2, 2, 4, 8, 8};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        CHECK(mlxmpi_dtype_size(dtype) == expected_sizes[dtype], "dtype %d: size %d, expected %d",
              (int)dtype, (int)mlxmpi_dtype_size(dtype), (int)expected_sizes[dtype]);
        MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
        CHECK(type != MPI_DATATYPE_NULL, "dtype %d has no MPI type", (int)dtype);
        int mpi_size = -1;
        if (type != MPI_DATATYPE_NULL) {
            MPI_Type_size(type, &mpi_size);
        }
        CHECK(mpi_size == expected_sizes[dtype], "dtype %d: MPI type size %d, expected %d",
              (int)dtype, mpi_size, (int)expected_sizes[dtype]);
    }
    const int32_t unknown[] = {-1, MLXMPI_DTYPE_COUNT, 100, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK(mlxmpi_dtype_size(unknown[i]) == 0, "dtype %d: size %d, expected 0",
              (int)unknown[i], (int)mlxmpi_dtype_size(unknown[i]));
        CHECK(mlxmpi_internal_dtype_mpi_type(unknown[i]) == MPI_DATATYPE_NULL,
              "dtype %d has an MPI type", (int)unknown[i]);
    }
}

static void check_empty_gathers(mlxmpi_comm* comm) {
    int32_t size = 0;
    mlxmpi_comm_size(comm, &size);
    unsigned char recv[GUARD_BYTES];
    unsigned char send[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        memset(recv, TEST_POISON, sizeof recv);
        CHECK_STATUS(mlxmpi_allgather(comm, NULL, recv, 0, dtype), MLXMPI_STATUS_OK);
        test_expect_poison(recv, sizeof recv, "recv after a NULL-send gather of 0", __FILE__,
                           __LINE__);
        CHECK_STATUS(mlxmpi_allgather(comm, send, recv, 0, dtype), MLXMPI_STATUS_OK);
        test_expect_poison(recv, sizeof recv, "recv after a gather of 0", __FILE__, __LINE__);
        CHECK_STATUS(mlxmpi_internal_allgather_with_limit(comm, NULL, recv, 0, dtype, 7),
                     MLXMPI_STATUS_OK);
        test_expect_poison(recv, sizeof recv, "recv after a limited gather of 0", __FILE__,
                           __LINE__);
    }
}

int main(void) {
    mlxmpi_comm* world = NULL;
    int32_t rank = 0;
    int32_t world_size = 0;
    if (!test_start_world(&world, &rank, &world_size)) {
        return test_finish("test_allgather");
    }
    uint64_t seed = test_shared_seed(MPI_COMM_WORLD, "test_allgather");
    uint64_t tag = 0;

    check_dtype_table();

    /* Through the public entry point: sizes around MPI's eager/rendezvous switches. */
    const int64_t counts[] = {1, 2, 3, 17, 1000, 4099, 65537};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            gather_and_check(world, seed, dtype, counts[i], INT32_MAX, public_gather, ++tag);
        }
    }

    check_empty_gathers(world);

    /* The derived-datatype path: below, at and above the limit, with and without remainder. */
    const int64_t limited_counts[] = {0, 1, 6, 7, 8, 14, 29, 1000};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        for (size_t i = 0; i < sizeof limited_counts / sizeof limited_counts[0]; i++) {
            gather_and_check(world, seed, dtype, limited_counts[i], 7,
                             mlxmpi_internal_allgather_with_limit, ++tag);
        }
    }
    /* Degenerate limits: one element per block, and blocks with many trailing elements. */
    gather_and_check(world, seed, MLXMPI_DTYPE_COMPLEX64, 5, 1,
                     mlxmpi_internal_allgather_with_limit, ++tag);
    gather_and_check(world, seed, MLXMPI_DTYPE_INT16, 5, 2, mlxmpi_internal_allgather_with_limit,
                     ++tag);
    gather_and_check(world, seed, MLXMPI_DTYPE_FLOAT64, 65537, 4096,
                     mlxmpi_internal_allgather_with_limit, ++tag);
    /* Each call builds and frees its own datatypes; any state one call left behind would
       show up as a wrong result in a later one. */
    for (int i = 0; i < 200; i++) {
        gather_and_check(world, seed, MLXMPI_DTYPE_UINT32, 29, 7,
                         mlxmpi_internal_allgather_with_limit, ++tag);
    }

    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_allgather");
}
