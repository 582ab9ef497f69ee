/*
 * test_allgatherv.c: mlxmpi_allgatherv puts every rank's block, of any length including 0, at
 * its displacement, for every dtype: through MPI_Allgatherv, and through the per-rank derived
 * datatypes (MPI_Alltoallw) that MPI-3 libraries need beyond INT_MAX, forced here with tiny
 * limits. Every byte of recv is checked: the blocks against data any rank can regenerate from
 * (seed, tag, dtype, rank), everything else (gaps between blocks, a guard after them) against
 * the poison it was filled with. Invalid arguments are refused with a message; each invalid
 * call is made identically on every rank, so no rank is left waiting in a collective.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "test_support.h"

enum { GUARD_BYTES = 64, MAX_RANKS = 64 };

/* Which collective each gather used, counted through MPI's profiling interface (these
   definitions take the place of the library's, and forward to it): at these sizes every path
   moves the same bytes, so only this tells them apart. */
static long g_allgatherv_calls;
static long g_alltoallw_calls;

int MPI_Allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                   const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                   MPI_Comm comm) {
    g_allgatherv_calls++;
    return PMPI_Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                           comm);
}

int MPI_Alltoallw(const void* sendbuf, const int sendcounts[], const int sdispls[],
                  const MPI_Datatype sendtypes[], void* recvbuf, const int recvcounts[],
                  const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm) {
    g_alltoallw_calls++;
    return PMPI_Alltoallw(sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                          recvtypes, comm);
}

typedef int32_t (*gatherv_function)(mlxmpi_comm* comm, const void* send, int64_t send_count,
                                    void* recv, const int64_t* counts, const int64_t* displs,
                                    int32_t dtype, int64_t limit);

static int32_t public_gatherv(mlxmpi_comm* comm, const void* send, int64_t send_count,
                              void* recv, const int64_t* counts, const int64_t* displs,
                              int32_t dtype, int64_t limit) {
    (void)limit;
    return mlxmpi_allgatherv(comm, send, send_count, recv, counts, displs, dtype);
}

/* ---- layouts: identical on every rank, because they depend only on the shared seed ---- */

typedef struct random_state {
    uint64_t state;
} random_state;

static uint64_t next_random(random_state* random) {
    uint64_t z = (random->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t random_below(random_state* random, int64_t bound) {
    return (int64_t)(next_random(random) % (uint64_t)bound);
}

typedef enum layout_kind {
    LAYOUT_PACKED,   /* displs the running sum of counts, as the managed layer computes them */
    LAYOUT_GAPS,     /* rank order with gaps before, between and after the blocks */
    LAYOUT_REVERSED, /* the last rank's block first, with gaps */
    LAYOUT_SHUFFLED, /* a random order, with gaps */
    LAYOUT_KIND_COUNT
} layout_kind;

static const char* const layout_names[] = {"packed", "gaps", "reversed", "shuffled"};

/* Counts in 0..max_count (a quarter of them 0), the first block at element `start`. Empty
   blocks outside the packed layout get a random displacement, often inside another block,
   which is allowed: an empty block overlaps nothing. */
static void make_layout(uint64_t seed, uint64_t tag, int32_t size, layout_kind kind,
                        int64_t max_count, int64_t start, int64_t* counts, int64_t* displs) {
    random_state random = {seed ^ (tag * 0xD1B54A32D192ED03ULL) ^ (uint64_t)kind};
    int32_t order[MAX_RANKS];
    for (int32_t r = 0; r < size; r++) {
        counts[r] = random_below(&random, 4) == 0 ? 0 : random_below(&random, max_count + 1);
        order[r] = kind == LAYOUT_REVERSED ? size - 1 - r : r;
    }
    if (kind == LAYOUT_SHUFFLED) {
        for (int32_t i = size - 1; i > 0; i--) {
            int32_t j = (int32_t)random_below(&random, i + 1);
            int32_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    int gaps = kind != LAYOUT_PACKED;
    int64_t position = start + (gaps ? random_below(&random, 4) : 0);
    for (int32_t k = 0; k < size; k++) {
        int32_t r = order[k];
        displs[r] = position;
        position += counts[r] + (gaps ? random_below(&random, 4) : 0);
    }
    for (int32_t r = 0; r < size && gaps; r++) {
        if (counts[r] == 0) {
            displs[r] = random_below(&random, position + 1);
        }
    }
}

static void describe_layout(char* text, size_t capacity, int32_t size, const int64_t* counts,
                            const int64_t* displs) {
    size_t used = (size_t)snprintf(text, capacity, "blocks");
    for (int32_t r = 0; r < size && used < capacity; r++) {
        used += (size_t)snprintf(text + used, capacity - used, " %lld@%lld", (long long)counts[r],
                                 (long long)displs[r]);
    }
}

/* ---- one gather, checked byte by byte ---- */

/* The shim passes MPI displacements relative to the lowest non-empty block, and takes the
   large path exactly when a count or such a displacement is above the limit. */
static int takes_large_path(int32_t size, const int64_t* counts, const int64_t* displs,
                            int64_t limit) {
    int64_t origin = INT64_MAX;
    for (int32_t r = 0; r < size; r++) {
        if (counts[r] > 0 && displs[r] < origin) {
            origin = displs[r];
        }
    }
    for (int32_t r = 0; r < size; r++) {
        if (counts[r] > 0 && (counts[r] > limit || displs[r] - origin > limit)) {
            return 1;
        }
    }
    return 0;
}

/* Gathers with `gather` (limit passed through) and checks every byte of recv. When
   send_in_gap >= 0, send is placed in recv itself at that element offset, which must lie
   in a gap: the bytes there must then still hold send's data afterwards. */
static void gatherv_and_check(mlxmpi_comm* comm, uint64_t seed, int32_t dtype,
                              const int64_t* counts, const int64_t* displs, int64_t limit,
                              gatherv_function gather, uint64_t tag, const char* what,
                              int64_t send_in_gap) {
    int32_t rank = 0;
    int32_t size = 0;
    mlxmpi_comm_rank(comm, &rank);
    mlxmpi_comm_size(comm, &size);
    size_t element = (size_t)mlxmpi_dtype_size(dtype);
    int64_t extent = 0;
    for (int32_t r = 0; r < size; r++) {
        extent = displs[r] + counts[r] > extent ? displs[r] + counts[r] : extent;
    }
    if (send_in_gap >= 0 && send_in_gap + counts[rank] > extent) {
        extent = send_in_gap + counts[rank];
    }
    size_t recv_bytes = (size_t)extent * element + GUARD_BYTES;
    size_t send_bytes = (size_t)counts[rank] * element;
    char layout[256];
    describe_layout(layout, sizeof layout, size, counts, displs);
    char case_name[512]; /* for messages: what, dtype, limit, layout */
    snprintf(case_name, sizeof case_name, "%s dtype %d limit %lld, %s", what, (int)dtype,
             (long long)limit, layout);

    unsigned char* recv = malloc(recv_bytes);
    unsigned char* expected = malloc(recv_bytes);
    unsigned char* own = malloc(send_bytes > 0 ? send_bytes : 1);
    if (recv == NULL || expected == NULL || own == NULL) {
        CHECK(0, "out of memory for %zu bytes", recv_bytes);
        free(recv);
        free(expected);
        free(own);
        return;
    }
    memset(recv, TEST_POISON, recv_bytes);
    memset(expected, TEST_POISON, recv_bytes);
    for (int32_t r = 0; r < size; r++) {
        test_fill(expected + (size_t)displs[r] * element, (size_t)counts[r] * element, seed, tag,
                  (uint64_t)dtype, (uint64_t)r);
    }
    test_fill(own, send_bytes, seed, tag, (uint64_t)dtype, (uint64_t)rank);
    unsigned char* send = own;
    if (send_in_gap >= 0) {
        send = recv + (size_t)send_in_gap * element;
        memcpy(send, own, send_bytes);
        memcpy(expected + (size_t)send_in_gap * element, own, send_bytes);
    } else if (send_bytes == 0 && (tag & 1) != 0) {
        send = NULL; /* allowed for an empty block; every other empty gather passes a buffer */
    }

    int large_path = gather != public_gatherv && takes_large_path(size, counts, displs, limit);
    long allgatherv_before = g_allgatherv_calls;
    long alltoallw_before = g_alltoallw_calls;

    int32_t status = test_check_status(
        gather(comm, send, counts[rank], recv, counts, displs, dtype, limit), MLXMPI_STATUS_OK,
        what, __FILE__, __LINE__);
    if (status != MLXMPI_STATUS_OK) {
        printf("[rank %d]   (in %s)\n", (int)rank, case_name);
    } else {
        CHECK(g_allgatherv_calls - allgatherv_before == (large_path ? 0 : 1) &&
                  g_alltoallw_calls - alltoallw_before == (large_path ? 1 : 0),
              "%s: %ld MPI_Allgatherv and %ld MPI_Alltoallw calls, expected the %s path",
              case_name, g_allgatherv_calls - allgatherv_before,
              g_alltoallw_calls - alltoallw_before,
              large_path ? "MPI_Alltoallw" : "MPI_Allgatherv");
        for (int32_t r = 0; r < size; r++) {
            size_t offset = (size_t)displs[r] * element;
            char block_name[600];
            snprintf(block_name, sizeof block_name, "%s: block of rank %d", case_name, (int)r);
            test_expect_bytes(recv + offset, expected + offset, (size_t)counts[r] * element,
                              block_name, __FILE__, __LINE__);
        }
        /* Generated data never contains the poison, so the poisoned bytes of `expected` are
           exactly the ones that no block covers. */
        for (size_t i = 0; i < recv_bytes; i++) {
            if (expected[i] == TEST_POISON && recv[i] != TEST_POISON) {
                CHECK(0, "%s: byte %zu outside every block became 0x%02X", case_name, i,
                      recv[i]);
                break;
            }
        }
        if (send_in_gap >= 0) {
            test_expect_bytes(send, own, send_bytes, "send (in a gap of recv) changed",
                              __FILE__, __LINE__);
        } else if (send != NULL) {
            unsigned char* original = malloc(send_bytes > 0 ? send_bytes : 1);
            if (original != NULL) {
                test_fill(original, send_bytes, seed, tag, (uint64_t)dtype, (uint64_t)rank);
                test_expect_bytes(send, original, send_bytes, "send changed", __FILE__,
                                  __LINE__);
            }
            free(original);
        }
    }
    free(recv);
    free(expected);
    free(own);
}

/* ---- scenarios ---- */

/* Random uneven layouts of every kind, for every dtype, at sizes up to max_count. */
static void check_random_layouts(mlxmpi_comm* comm, uint64_t seed, uint64_t* tag,
                                 int64_t max_count, int64_t start, int64_t limit,
                                 gatherv_function gather, const char* what, int trials) {
    int32_t size = 0;
    mlxmpi_comm_size(comm, &size);
    int64_t counts[MAX_RANKS];
    int64_t displs[MAX_RANKS];
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        for (int kind = 0; kind < LAYOUT_KIND_COUNT; kind++) {
            for (int trial = 0; trial < trials; trial++) {
                ++*tag;
                make_layout(seed, *tag, size, (layout_kind)kind, max_count, start, counts,
                            displs);
                char label[128];
                snprintf(label, sizeof label, "%s (%s)", what, layout_names[kind]);
                gatherv_and_check(comm, seed, dtype, counts, displs, limit, gather, *tag, label,
                                  -1);
            }
        }
    }
}

/* Counts just below, at and above each limit, rotated over the ranks, in rank order and in
   reverse, and once more with counts cut to the limit but a wide gap after the first block, so
   that the displacements alone exceed it. */
static void check_around_limits(mlxmpi_comm* comm, uint64_t seed, uint64_t* tag) {
    int32_t size = 0;
    mlxmpi_comm_size(comm, &size);
    const int64_t limits[] = {1, 3, 7};
    int64_t counts[MAX_RANKS];
    int64_t displs[MAX_RANKS];
    int32_t dtype = 0; /* every dtype in turn (all of them meet every limit in
                          check_random_layouts) */
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        int64_t limit = limits[l];
        const int64_t near[] = {0, limit - 1, limit, limit + 1, 2 * limit, 3 * limit + 2};
        const size_t near_count = sizeof near / sizeof near[0];
        for (size_t shift = 0; shift < near_count; shift++) {
            for (int reversed = 0; reversed < 2; reversed++) {
                for (int far = 0; far < 2; far++) {
                    int64_t position = 0;
                    int gap_placed = 0;
                    for (int32_t k = 0; k < size; k++) {
                        int32_t r = reversed ? size - 1 - k : k;
                        counts[r] = near[(shift + (size_t)r) % near_count];
                        if (far && counts[r] > limit) {
                            counts[r] = limit;
                        }
                        displs[r] = position;
                        position += counts[r] + (reversed ? 1 : 0);
                        if (far && counts[r] > 0 && !gap_placed) {
                            position += 4 * limit + 5;
                            gap_placed = 1;
                        }
                    }
                    gatherv_and_check(comm, seed, dtype, counts, displs, limit,
                                      mlxmpi_internal_allgatherv_with_limit, ++*tag,
                                      "around the limit", -1);
                    dtype = (dtype + 1) % MLXMPI_DTYPE_COUNT;
                }
            }
        }
    }
}

/* All blocks empty: nothing may be written, with or without a send buffer. */
static void check_all_empty(mlxmpi_comm* comm) {
    int32_t size = 0;
    mlxmpi_comm_size(comm, &size);
    int64_t counts[MAX_RANKS] = {0};
    int64_t displs[MAX_RANKS];
    for (int32_t r = 0; r < size; r++) {
        displs[r] = 2 * r;
    }
    unsigned char recv[GUARD_BYTES];
    unsigned char send[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        for (int limited = 0; limited < 2; limited++) {
            for (int with_send = 0; with_send < 2; with_send++) {
                memset(recv, TEST_POISON, sizeof recv);
                CHECK_STATUS(mlxmpi_internal_allgatherv_with_limit(comm, with_send ? send : NULL,
                                                                   0, recv, counts, displs,
                                                                   dtype, limited ? 1 : INT_MAX),
                             MLXMPI_STATUS_OK);
                test_expect_poison(recv, sizeof recv, "recv after an all-empty gather", __FILE__,
                                   __LINE__);
            }
        }
        memset(recv, TEST_POISON, sizeof recv);
        CHECK_STATUS(mlxmpi_allgatherv(comm, NULL, 0, recv, counts, displs, dtype),
                     MLXMPI_STATUS_OK);
        test_expect_poison(recv, sizeof recv, "recv after a public all-empty gather", __FILE__,
                           __LINE__);
    }
}

/* send may live in recv's memory as long as it overlaps no block: here in a hole of 9
   elements before the blocks (laid out in reverse), at element 1. */
static void check_send_in_gap(mlxmpi_comm* comm, uint64_t seed, uint64_t* tag) {
    int32_t size = 0;
    mlxmpi_comm_size(comm, &size);
    int64_t counts[MAX_RANKS];
    int64_t displs[MAX_RANKS];
    int64_t position = 9;
    for (int32_t k = 0; k < size; k++) {
        int32_t r = size - 1 - k;
        counts[r] = 6 + r % 3; /* at most 8: fits in [1, 9) */
        displs[r] = position;
        position += counts[r] + 2;
    }
    const int64_t limits[] = {INT_MAX, 5};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        for (size_t l = 0; l < 2; l++) {
            gatherv_and_check(comm, seed, dtype, counts, displs, limits[l],
                              mlxmpi_internal_allgatherv_with_limit, ++*tag, "send in a gap", 1);
        }
    }
}

static void check_invalid_arguments(mlxmpi_comm* comm, gatherv_function gather, int64_t limit) {
    int32_t rank = 0;
    int32_t size = 0;
    mlxmpi_comm_rank(comm, &rank);
    mlxmpi_comm_size(comm, &size);
    int64_t send[16];
    int64_t recv[256];
    for (int i = 0; i < 16; i++) {
        send[i] = 100 * (rank + 1) + i;
    }
    int64_t counts[MAX_RANKS];
    int64_t displs[MAX_RANKS];
    for (int32_t r = 0; r < size; r++) {
        counts[r] = 4;
        displs[r] = 4 * r;
    }
    const int32_t i64 = MLXMPI_DTYPE_INT64;
#define GATHER(send_, count_, recv_, counts_, displs_, dtype_) \
    gather(comm, (send_), (count_), (recv_), (counts_), (displs_), (dtype_), limit)

    /* The well-formed call these variations start from succeeds. */
    CHECK_STATUS(GATHER(send, 4, recv, counts, displs, i64), MLXMPI_STATUS_OK);

    CHECK_FAILS(gather(NULL, send, 4, recv, counts, displs, i64, limit),
                MLXMPI_STATUS_INVALID_ARGUMENT, "comm is NULL");
    CHECK_FAILS(GATHER(send, 4, NULL, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                "recv is NULL");
    CHECK_FAILS(GATHER(send, 4, recv, NULL, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                "counts is NULL");
    CHECK_FAILS(GATHER(send, 4, recv, counts, NULL, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                "displs is NULL");
    CHECK_FAILS(GATHER(send, 4, recv, counts, displs, -1), MLXMPI_STATUS_INVALID_ARGUMENT,
                "dtype -1");
    CHECK_FAILS(GATHER(send, 4, recv, counts, displs, MLXMPI_DTYPE_COUNT),
                MLXMPI_STATUS_INVALID_ARGUMENT, "dtype 14");
    CHECK_FAILS(GATHER(MPI_IN_PLACE, 4, recv, counts, displs, i64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "send is MPI_IN_PLACE");
    CHECK_FAILS(GATHER(send, 4, MPI_IN_PLACE, counts, displs, i64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "recv is MPI_IN_PLACE");

    char needle[64];
    int32_t last = size - 1;
    counts[last] = -1;
    snprintf(needle, sizeof needle, "counts[%d] is -1", (int)last);
    CHECK_FAILS(GATHER(send, rank == last ? -1 : 4, recv, counts, displs, i64),
                MLXMPI_STATUS_INVALID_ARGUMENT, needle);
    counts[last] = INT64_MIN;
    snprintf(needle, sizeof needle, "counts[%d] is %lld", (int)last, (long long)INT64_MIN);
    CHECK_FAILS(GATHER(send, rank == last ? INT64_MIN : 4, recv, counts, displs, i64),
                MLXMPI_STATUS_INVALID_ARGUMENT, needle);
    counts[last] = 4;
    displs[0] = -5;
    CHECK_FAILS(GATHER(send, 4, recv, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                "displs[0] is -5");
    displs[0] = 0;

    snprintf(needle, sizeof needle, "send_count 5 differs from counts[%d] = 4", (int)rank);
    CHECK_FAILS(GATHER(send, 5, recv, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                needle);
    CHECK_FAILS(GATHER(send, 0, recv, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                "send_count 0 differs");
    CHECK_FAILS(GATHER(NULL, 4, recv, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                "send is NULL");

    /* send overlapping its own block, and the next rank's. */
    CHECK_FAILS(GATHER(recv + displs[rank], 4, recv, counts, displs, i64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "send overlaps the block of rank");
    int32_t next = (rank + 1) % size;
    snprintf(needle, sizeof needle, "send overlaps the block of rank %d", (int)next);
    CHECK_FAILS(GATHER(recv + displs[next] + 3, 4, recv, counts, displs, i64),
                MLXMPI_STATUS_INVALID_ARGUMENT, needle);

    if (size >= 2) {
        /* Blocks overlapping in rank order (the one-pass check): rank 1 starts inside
           rank 0. */
        displs[1] = 3;
        for (int32_t r = 2; r < size; r++) {
            displs[r] = 10 * r;
        }
        CHECK_FAILS(GATHER(send, 4, recv, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                    "blocks of ranks 0 and 1 overlap");
        /* The same start. */
        displs[1] = 0;
        CHECK_FAILS(GATHER(send, 4, recv, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                    "blocks of ranks 0 and 1 overlap");
        /* Out of rank order (the sorted check): rank 0 after rank 1, overlapping its end. */
        displs[0] = 7;
        displs[1] = 4;
        CHECK_FAILS(GATHER(send, 4, recv, counts, displs, i64), MLXMPI_STATUS_INVALID_ARGUMENT,
                    "blocks of ranks 0 and 1 overlap");
        if (size >= 3) {
            /* Ranks 0 and 2 overlap with rank 1 far away: neighbours only once sorted. */
            displs[0] = 0;
            displs[1] = 50;
            displs[2] = 2;
            CHECK_FAILS(GATHER(send, 4, recv, counts, displs, i64),
                        MLXMPI_STATUS_INVALID_ARGUMENT, "blocks of ranks 0 and 2 overlap");
        }
        /* Touching blocks, and an empty block inside another one, are fine. */
        for (int32_t r = 0; r < size; r++) {
            displs[r] = 4 * (size - 1 - r);
        }
        CHECK_STATUS(GATHER(send, 4, recv, counts, displs, i64), MLXMPI_STATUS_OK);
        counts[0] = 0;
        displs[0] = displs[1] + 1;
        CHECK_STATUS(GATHER(send, rank == 0 ? 0 : 4, recv, counts, displs, i64),
                     MLXMPI_STATUS_OK);
        counts[0] = 4;
        for (int32_t r = 0; r < size; r++) {
            displs[r] = 4 * r;
        }
    }

    /* Byte ranges no address space holds (the pointers are never dereferenced). */
    void* far_send = (void*)(uintptr_t)0x1000;
    void* far_recv = (void*)((uintptr_t)1 << 46);
    counts[last] = INT64_MAX;
    snprintf(needle, sizeof needle, "the block of rank %d", (int)last);
    CHECK_FAILS(GATHER(rank == last ? far_send : (void*)send, counts[rank], far_recv, counts,
                       displs, i64),
                MLXMPI_STATUS_COUNT_TOO_LARGE, needle);
    counts[last] = 4;
    displs[last] = INT64_MAX / 4;
    CHECK_FAILS(GATHER(send, 4, far_recv, counts, displs, i64), MLXMPI_STATUS_COUNT_TOO_LARGE,
                needle);
    displs[last] = INT64_MAX - 2;
    CHECK_FAILS(GATHER(send, 4, far_recv, counts, displs, MLXMPI_DTYPE_UINT8),
                MLXMPI_STATUS_COUNT_TOO_LARGE, needle);
    displs[last] = 4 * last;
    void* top_recv = (void*)(UINTPTR_MAX - 16);
    CHECK_FAILS(GATHER(send, 4, top_recv, counts, displs, i64), MLXMPI_STATUS_COUNT_TOO_LARGE,
                "address space");
#undef GATHER

    /* After all of that the communicator still gathers. */
    CHECK_STATUS(gather(comm, send, 4, recv, counts, displs, i64, limit), MLXMPI_STATUS_OK);
    for (int32_t r = 0; r < size; r++) {
        for (int i = 0; i < 4; i++) {
            CHECK(recv[4 * r + i] == 100 * (r + 1) + i,
                  "after the failures: element %d of rank %d's block is %lld", i, (int)r,
                  (long long)recv[4 * r + i]);
        }
    }
}

/* The public entry point with blocks more than INT_MAX elements apart (MPI_Alltoallw on MPI-3
   libraries, MPI_Allgatherv_c on MPI-4 ones), made cheap: small uint8 blocks, all but rank 1's
   about 2 GiB into recv. Only the pages around the blocks are ever touched, so recv costs
   address space, not memory; the checks cover each block and 64 poisoned bytes on each side of
   it. Needs 2 ranks. */
static void check_far_displacements(mlxmpi_comm* comm, uint64_t seed, uint64_t* tag) {
    enum { WINDOW = 64 };
    int32_t rank = 0;
    int32_t size = 0;
    mlxmpi_comm_rank(comm, &rank);
    mlxmpi_comm_size(comm, &size);
    if (size < 2) {
        return;
    }
    int64_t counts[MAX_RANKS];
    int64_t displs[MAX_RANKS];
    /* Rank 1 near the start, the others in reverse rank order far beyond it, rank 2's block
       empty; the gaps wider than the windows. */
    int64_t position = (int64_t)INT_MAX + 1000;
    for (int32_t k = 0; k < size; k++) {
        int32_t r = size - 1 - k;
        counts[r] = r == 2 ? 0 : 3000 + 37 * r;
        displs[r] = r == 1 ? 100 : position;
        position += r == 1 ? 0 : counts[r] + 3 * WINDOW;
    }
    size_t recv_bytes = (size_t)position + WINDOW;
    unsigned char* recv = malloc(recv_bytes);
    unsigned char* send = malloc((size_t)counts[rank] + 1);
    unsigned char* expected = malloc((size_t)counts[0] + 37 * (size_t)size + 1);
    if (recv == NULL || send == NULL || expected == NULL) {
        CHECK(0, "out of address space for a recv of %zu bytes", recv_bytes);
        free(recv);
        free(send);
        free(expected);
        return;
    }
    ++*tag;
    for (int32_t r = 0; r < size; r++) {
        memset(recv + displs[r] - WINDOW, TEST_POISON, (size_t)counts[r] + 2 * WINDOW);
    }
    test_fill(send, (size_t)counts[rank], seed, *tag, MLXMPI_DTYPE_UINT8, (uint64_t)rank);

    long allgatherv_before = g_allgatherv_calls;
    long alltoallw_before = g_alltoallw_calls;
    if (CHECK_STATUS(mlxmpi_allgatherv(comm, counts[rank] > 0 ? send : NULL, counts[rank], recv,
                                       counts, displs, MLXMPI_DTYPE_UINT8),
                     MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
#if MPI_VERSION >= 4
        const long expected_alltoallw = 0; /* MPI_Allgatherv_c, not counted here */
#else
        const long expected_alltoallw = 1;
#endif
        CHECK(g_allgatherv_calls == allgatherv_before &&
                  g_alltoallw_calls - alltoallw_before == expected_alltoallw,
              "far displacements: %ld MPI_Allgatherv and %ld MPI_Alltoallw calls",
              g_allgatherv_calls - allgatherv_before, g_alltoallw_calls - alltoallw_before);
        for (int32_t r = 0; r < size; r++) {
            unsigned char* block = recv + displs[r];
            test_fill(expected, (size_t)counts[r], seed, *tag, MLXMPI_DTYPE_UINT8, (uint64_t)r);
            char what[128];
            snprintf(what, sizeof what, "far displacements: block of rank %d at %lld", (int)r,
                     (long long)displs[r]);
            test_expect_bytes(block, expected, (size_t)counts[r], what, __FILE__, __LINE__);
            test_expect_poison(block - WINDOW, WINDOW, "far displacements: before a block",
                               __FILE__, __LINE__);
            test_expect_poison(block + counts[r], WINDOW, "far displacements: after a block",
                               __FILE__, __LINE__);
        }
    }
    free(recv);
    free(send);
    free(expected);
}

/* Failures inside the large path itself, after validation: a block needing more than INT_MAX
   blocks of the limit. Every rank builds every block's type, so every rank fails, each after
   building (and having to free) a different set of types. */
static void check_large_path_failures(mlxmpi_comm* comm) {
    int32_t rank = 0;
    int32_t size = 0;
    mlxmpi_comm_rank(comm, &rank);
    mlxmpi_comm_size(comm, &size);
    int64_t counts[MAX_RANKS];
    int64_t displs[MAX_RANKS];
    int64_t position = 0;
    for (int32_t r = 0; r < size; r++) {
        counts[r] = r == size - 1 ? (int64_t)INT_MAX + 2 : 5;
        displs[r] = position;
        position += counts[r];
    }
    unsigned char small[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    void* far_send = (void*)(uintptr_t)0x1000;
    void* far_recv = (void*)((uintptr_t)1 << 46);
    const void* send = rank == size - 1 ? far_send : (const void*)small;
    CHECK_FAILS(mlxmpi_internal_allgatherv_with_limit(comm, send, counts[rank], far_recv, counts,
                                                      displs, MLXMPI_DTYPE_UINT8, 1),
                MLXMPI_STATUS_COUNT_TOO_LARGE, "INT_MAX");
    CHECK_FAILS(mlxmpi_internal_allgatherv_with_limit(comm, send, counts[rank], far_recv, counts,
                                                      displs, MLXMPI_DTYPE_UINT8, 0),
                MLXMPI_STATUS_INVALID_ARGUMENT, "limit");
    CHECK_FAILS(mlxmpi_internal_allgatherv_with_limit(comm, send, counts[rank], far_recv, counts,
                                                      displs, MLXMPI_DTYPE_UINT8,
                                                      (int64_t)INT_MAX + 1),
                MLXMPI_STATUS_INVALID_ARGUMENT, "limit");
    CHECK_STATUS(mlxmpi_barrier(comm), MLXMPI_STATUS_OK);
}

static void run_all(mlxmpi_comm* comm, uint64_t seed, uint64_t* tag, int thorough) {
    /* MPI_Allgatherv, public and internal entry points. */
    check_random_layouts(comm, seed, tag, 40, 0, INT_MAX, public_gatherv, "public", 2);
    check_random_layouts(comm, seed, tag, 3, 0, INT_MAX, mlxmpi_internal_allgatherv_with_limit,
                         "internal", 1);
    /* The per-rank datatype path: small blocks split into 1-, 3- and 7-element pieces. */
    check_random_layouts(comm, seed, tag, 12, 0, 1, mlxmpi_internal_allgatherv_with_limit,
                         "limit 1", 1);
    check_random_layouts(comm, seed, tag, 30, 5, 3, mlxmpi_internal_allgatherv_with_limit,
                         "limit 3", 1);
    check_random_layouts(comm, seed, tag, 40, 0, 7, mlxmpi_internal_allgatherv_with_limit,
                         "limit 7", 1);
    check_all_empty(comm);
    check_send_in_gap(comm, seed, tag);
    if (!thorough) {
        return;
    }
    check_around_limits(comm, seed, tag);
    /* Blocks around MPI's eager/rendezvous switches, on both paths. */
    int32_t size = 0;
    mlxmpi_comm_size(comm, &size);
    int64_t counts[MAX_RANKS];
    int64_t displs[MAX_RANKS];
    const int32_t big_dtypes[] = {MLXMPI_DTYPE_UINT8, MLXMPI_DTYPE_BFLOAT16,
                                  MLXMPI_DTYPE_FLOAT64};
    for (size_t d = 0; d < sizeof big_dtypes / sizeof big_dtypes[0]; d++) {
        for (int kind = 0; kind < LAYOUT_KIND_COUNT; kind++) {
            ++*tag;
            make_layout(seed, *tag, size, (layout_kind)kind, 70000, 0, counts, displs);
            gatherv_and_check(comm, seed, big_dtypes[d], counts, displs, INT_MAX, public_gatherv,
                              *tag, layout_names[kind], -1);
            gatherv_and_check(comm, seed, big_dtypes[d], counts, displs, 4096,
                              mlxmpi_internal_allgatherv_with_limit, *tag, layout_names[kind],
                              -1);
        }
    }
    /* Each call builds and frees its own datatypes; state left behind by one call would show
       up as a wrong result in a later one. */
    for (int i = 0; i < 200; i++) {
        ++*tag;
        make_layout(seed, *tag, size, (layout_kind)(i % LAYOUT_KIND_COUNT), 29, 0, counts,
                    displs);
        gatherv_and_check(comm, seed, MLXMPI_DTYPE_UINT32, counts, displs, 7,
                          mlxmpi_internal_allgatherv_with_limit, *tag, "repeated", -1);
    }
}

int main(void) {
    mlxmpi_comm* world = NULL;
    int32_t rank = 0;
    int32_t size = 0;
    if (!test_start_world(&world, &rank, &size)) {
        return test_finish("test_allgatherv");
    }
    if (size > MAX_RANKS) {
        CHECK(0, "run with at most %d ranks", MAX_RANKS);
        return test_finish("test_allgatherv");
    }
    uint64_t seed = test_shared_seed(MPI_COMM_WORLD, "test_allgatherv");
    uint64_t tag = 0;

    run_all(world, seed, &tag, 1);
    check_invalid_arguments(world, public_gatherv, INT_MAX);
    check_invalid_arguments(world, mlxmpi_internal_allgatherv_with_limit, 2);
    check_large_path_failures(world);
    check_far_displacements(world, seed, &tag);

    /* Subgroups (even and odd ranks, so of a size other than the world's; a group of one
       gathers through MPI_Alltoallw with itself only). */
    mlxmpi_comm* half = NULL;
    if (CHECK_STATUS(mlxmpi_comm_split(world, rank % 2, 0, &half), MLXMPI_STATUS_OK) ==
        MLXMPI_STATUS_OK) {
        run_all(half, seed, &tag, 0);
        check_invalid_arguments(half, mlxmpi_internal_allgatherv_with_limit, 1);
        CHECK_STATUS(mlxmpi_comm_free(half), MLXMPI_STATUS_OK);
    }

    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_allgatherv");
}
