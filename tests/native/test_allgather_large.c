/*
 * test_allgather_large.c: a real gather of more than INT_MAX elements through the public entry
 * point (MPI_Allgather_c on MPI-4 libraries, a derived datatype on MPI-3 ones). Needs about
 * 3 x 2 GiB per rank at 2 ranks, so it only runs when MLXMPI_LARGE_COUNT_TESTS is ON.
 *
 * The data is counter-based (each 8-byte word a hash of seed, rank and its index), so every
 * block is checked in place without a second copy of it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "test_support.h"

static uint64_t word_at(uint64_t seed, uint64_t rank, uint64_t index) {
    uint64_t z = seed ^ (rank * 0xD1B54A32D192ED03ULL) ^ (index * 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31) ^ 0x0101010101010101ULL; /* never zero in its low byte */
}

static void fill(unsigned char* bytes, size_t length, uint64_t seed, uint64_t rank) {
    for (size_t i = 0; i < length; i += 8) {
        uint64_t word = word_at(seed, rank, i / 8);
        size_t n = length - i < 8 ? length - i : 8;
        memcpy(bytes + i, &word, n);
    }
}

/* Returns the offset of the first wrong byte, or length when all are right. */
static size_t verify(const unsigned char* bytes, size_t length, uint64_t seed, uint64_t rank) {
    for (size_t i = 0; i < length; i += 8) {
        uint64_t word = word_at(seed, rank, i / 8);
        size_t n = length - i < 8 ? length - i : 8;
        if (memcmp(bytes + i, &word, n) != 0) {
            return i;
        }
    }
    return length;
}

int main(void) {
    mlxmpi_comm* world = NULL;
    int32_t rank = 0;
    int32_t size = 0;
    if (!test_start_world(&world, &rank, &size)) {
        return test_finish("test_allgather_large");
    }
    uint64_t seed = test_shared_seed(MPI_COMM_WORLD, "test_allgather_large");

    const int64_t count = (int64_t)INT_MAX + 4099; /* past the int limit, with a remainder */
    size_t block = (size_t)count;
    unsigned char* send = malloc(block);
    unsigned char* recv = malloc(block * (size_t)size);
    if (send != NULL && recv != NULL) {
        fill(send, block, seed, (uint64_t)rank);
        memset(recv, TEST_POISON, block * (size_t)size);
        double start = MPI_Wtime();
        int32_t status = CHECK_STATUS(
            mlxmpi_allgather(world, send, recv, count, MLXMPI_DTYPE_UINT8), MLXMPI_STATUS_OK);
        if (rank == 0) {
            printf("test_allgather_large: %lld bytes per rank in %.2f s\n", (long long)count,
                   MPI_Wtime() - start);
        }
        for (int32_t r = 0; status == MLXMPI_STATUS_OK && r < size; r++) {
            size_t wrong = verify(recv + (size_t)r * block, block, seed, (uint64_t)r);
            CHECK(wrong == block, "block of rank %d wrong from byte %zu on", (int)r, wrong);
        }
    } else {
        CHECK(0, "could not allocate %zu bytes", block * (size_t)(size + 1));
    }
    free(send);
    free(recv);
    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_allgather_large");
}
