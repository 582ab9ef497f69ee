/*
 * test_support.c: see test_support.h.
 */
#define _GNU_SOURCE /* getpid, clock_gettime */

#include "test_support.h"

#include "internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_rank = -1;
static int g_failures;

void test_set_rank(int rank) {
    g_rank = rank;
}

int test_failure_count(void) {
    return g_failures;
}

void test_fail(const char* file, int line, const char* format, ...) {
    const char* base = strrchr(file, '/');
    base = base != NULL ? base + 1 : file;
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    printf("[rank %d] FAIL %s:%d: %s\n", g_rank, base, line, message);
    fflush(stdout);
    g_failures++;
}

const char* test_status_name(int32_t status) { return mlxmpi_internal_status_name(status); }

const char* test_last_error(void) {
    static _Thread_local char message[4096];
    mlxmpi_last_error_message(message, (int32_t)sizeof message);
    return message;
}

int32_t test_check_status(int32_t status, int32_t expected, const char* call, const char* file,
                          int line) {
    if (status != expected) {
        test_fail(file, line, "%s returned %d (%s), expected %d (%s); last error: \"%s\"", call,
                  (int)status, test_status_name(status), (int)expected,
                  test_status_name(expected), test_last_error());
    }
    return status;
}

uint64_t test_shared_seed(MPI_Comm comm, const char* test_name) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    unsigned long long seed = 0;
    if (rank == 0) {
        const char* fixed = getenv("MLXMPI_TEST_SEED");
        if (fixed != NULL && fixed[0] != '\0') {
            seed = strtoull(fixed, NULL, 0);
        } else {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            seed = ((unsigned long long)now.tv_sec * 1000000007ULL) ^
                   (unsigned long long)now.tv_nsec ^ ((unsigned long long)getpid() << 32);
        }
        printf("%s: seed %llu (set MLXMPI_TEST_SEED=%llu to replay)\n", test_name, seed, seed);
        fflush(stdout);
    }
    MPI_Bcast(&seed, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
    return (uint64_t)seed;
}

static uint64_t splitmix64(uint64_t* state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void test_fill(void* bytes, size_t length, uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
    uint64_t state = seed;
    state ^= splitmix64(&state) ^ a;
    state ^= splitmix64(&state) ^ b;
    state ^= splitmix64(&state) ^ c;
    unsigned char* out = bytes;
    size_t i = 0;
    while (i < length) {
        uint64_t word = splitmix64(&state);
        for (int k = 0; k < 8 && i < length; k++, i++) {
            unsigned char value = (unsigned char)(word >> (8 * k));
            out[i] = value == TEST_POISON ? 0x5A : value;
        }
    }
    if (length > 0 && out[0] == 0) {
        out[0] = 0x01;
    }
}

int test_expect_bytes(const void* got, const void* expected, size_t length, const char* what,
                      const char* file, int line) {
    const unsigned char* g = got;
    const unsigned char* e = expected;
    size_t first = length;
    size_t differing = 0;
    for (size_t i = 0; i < length; i++) {
        if (g[i] != e[i]) {
            if (differing == 0) {
                first = i;
            }
            differing++;
        }
    }
    if (differing == 0) {
        return 1;
    }
    test_fail(file, line,
              "%s: %zu of %zu bytes differ, first at byte %zu (got 0x%02X, expected 0x%02X)", what,
              differing, length, first, g[first], e[first]);
    return 0;
}

int test_expect_poison(const void* bytes, size_t length, const char* what, const char* file,
                       int line) {
    const unsigned char* b = bytes;
    for (size_t i = 0; i < length; i++) {
        if (b[i] != TEST_POISON) {
            test_fail(file, line, "%s: byte %zu was overwritten (0x%02X)", what, i, b[i]);
            return 0;
        }
    }
    return 1;
}

int test_start_world(mlxmpi_comm** world, int32_t* rank, int32_t* size) {
    *world = NULL;
    *rank = 0;
    *size = 0;
    if (CHECK_STATUS(mlxmpi_init(MLXMPI_THREAD_SINGLE, NULL), MLXMPI_STATUS_OK) != MLXMPI_STATUS_OK ||
        CHECK_STATUS(mlxmpi_comm_world(world), MLXMPI_STATUS_OK) != MLXMPI_STATUS_OK) {
        return 0;
    }
    mlxmpi_comm_rank(*world, rank);
    mlxmpi_comm_size(*world, size);
    test_set_rank(*rank);
    return 1;
}

int test_finish(const char* test_name) {
    if (g_failures == 0) {
        printf("[rank %d] %s: PASS\n", g_rank, test_name);
    } else {
        printf("[rank %d] %s: FAILED (%d failure%s)\n", g_rank, test_name, g_failures,
               g_failures == 1 ? "" : "s");
    }
    fflush(stdout);
    return g_failures == 0 ? 0 : 1;
}

int test_errhandler_is(MPI_Comm comm, MPI_Errhandler expected) {
    MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
    if (MPI_Comm_get_errhandler(comm, &handler) != MPI_SUCCESS) {
        return 0;
    }
    int same = handler == expected;
    MPI_Errhandler_free(&handler);
    return same;
}
