/*
 * test_reduce.c: mlxmpi_allreduce, mlxmpi_reduce_scatter, mlxmpi_send and mlxmpi_recv for every
 * dtype and op, against results computed here from every rank's regenerated input.
 *
 * Inputs are values whose sums are exact in every dtype (float16 and bfloat16 included), so the
 * expected result does not depend on the order in which MPI combines ranks, and the check is
 * bit for bit. Each call also runs with a tiny artificial element limit, which sends it through
 * the pieces or derived datatypes used beyond INT_MAX elements. Outputs are poisoned first.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "test_support.h"

/* splitmix64: any rank regenerates any rank's values from (seed, rank, index). */
static uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* A value as a double: small multiples of 1/4 (1/2 for bfloat16) for floats, so that sums over
   a few ranks are exact; full-range bits for integers (sums wrap, as in C). */
static uint64_t draw(uint64_t seed, int32_t rank, int64_t i, int32_t tag) {
    return mix(seed ^ mix((uint64_t)rank * 1000003u + (uint64_t)i * 7919u + (uint64_t)tag));
}

static double small_value(uint64_t bits, double step) {
    return (double)((int)(bits % 127) - 63) * step;
}

/* Writes element i of dtype from bits. */
static void put(int32_t dtype, void* base, int64_t i, uint64_t bits) {
    switch (dtype) {
    case MLXMPI_DTYPE_BOOL: ((uint8_t*)base)[i] = (uint8_t)(bits % 3 == 0 ? 0 : (bits >> 8) | 1); break;
    case MLXMPI_DTYPE_UINT8: case MLXMPI_DTYPE_INT8: ((uint8_t*)base)[i] = (uint8_t)bits; break;
    case MLXMPI_DTYPE_UINT16: case MLXMPI_DTYPE_INT16: ((uint16_t*)base)[i] = (uint16_t)bits; break;
    case MLXMPI_DTYPE_UINT32: case MLXMPI_DTYPE_INT32: ((uint32_t*)base)[i] = (uint32_t)bits; break;
    case MLXMPI_DTYPE_UINT64: case MLXMPI_DTYPE_INT64: ((uint64_t*)base)[i] = bits; break;
    case MLXMPI_DTYPE_FLOAT16:
        ((uint16_t*)base)[i] = mlxmpi_internal_float_to_half((float)small_value(bits, 0.25)); break;
    case MLXMPI_DTYPE_BFLOAT16:
        ((uint16_t*)base)[i] = mlxmpi_internal_float_to_bfloat((float)small_value(bits, 0.5)); break;
    case MLXMPI_DTYPE_FLOAT32: ((float*)base)[i] = (float)small_value(bits, 0.25); break;
    case MLXMPI_DTYPE_FLOAT64: ((double*)base)[i] = small_value(bits, 0.125); break;
    case MLXMPI_DTYPE_COMPLEX64:
        /* Few distinct real parts, so max and min often have to look at the imaginary part. */
        ((float*)base)[2 * i] = (float)((int)(bits % 3) - 1);
        ((float*)base)[2 * i + 1] = (float)small_value(bits >> 16, 0.25);
        break;
    default: break;
    }
}

/* a = combine(a, b) for element i, computed as the reduction must. */
static void combine(int32_t dtype, int32_t op, void* a, const void* b, int64_t i) {
/* Integer sums wrap (computed unsigned: signed overflow is undefined in C). */
#define INT_CASE(T, dt)                                                                         \
    case dt: {                                                                                  \
        T x = ((T*)a)[i], y = ((const T*)b)[i];                                                 \
        ((T*)a)[i] = op == MLXMPI_REDUCE_SUM ? (T)((uint64_t)x + (uint64_t)y)                   \
                     : op == MLXMPI_REDUCE_MAX ? (x > y ? x : y) : (x < y ? x : y);             \
        break;                                                                                  \
    }
#define FLOAT_CASE(T, dt)                                                                       \
    case dt: {                                                                                  \
        T x = ((T*)a)[i], y = ((const T*)b)[i];                                                 \
        ((T*)a)[i] = op == MLXMPI_REDUCE_SUM ? x + y : op == MLXMPI_REDUCE_MAX ? (x > y ? x : y) : (x < y ? x : y); \
        break;                                                                                  \
    }
    switch (dtype) {
    case MLXMPI_DTYPE_BOOL: {
        uint8_t x = ((uint8_t*)a)[i] != 0, y = ((const uint8_t*)b)[i] != 0;
        ((uint8_t*)a)[i] = op == MLXMPI_REDUCE_MIN ? (x && y) : (x || y);
        break;
    }
    INT_CASE(uint8_t, MLXMPI_DTYPE_UINT8)
    INT_CASE(int8_t, MLXMPI_DTYPE_INT8)
    INT_CASE(uint16_t, MLXMPI_DTYPE_UINT16)
    INT_CASE(int16_t, MLXMPI_DTYPE_INT16)
    INT_CASE(uint32_t, MLXMPI_DTYPE_UINT32)
    INT_CASE(int32_t, MLXMPI_DTYPE_INT32)
    INT_CASE(uint64_t, MLXMPI_DTYPE_UINT64)
    INT_CASE(int64_t, MLXMPI_DTYPE_INT64)
    FLOAT_CASE(float, MLXMPI_DTYPE_FLOAT32)
    FLOAT_CASE(double, MLXMPI_DTYPE_FLOAT64)
    case MLXMPI_DTYPE_FLOAT16:
    case MLXMPI_DTYPE_BFLOAT16: {
        int half = dtype == MLXMPI_DTYPE_FLOAT16;
        uint16_t* pa = (uint16_t*)a + i;
        float x = half ? mlxmpi_internal_half_to_float(*pa) : mlxmpi_internal_bfloat_to_float(*pa);
        uint16_t wb = ((const uint16_t*)b)[i];
        float y = half ? mlxmpi_internal_half_to_float(wb) : mlxmpi_internal_bfloat_to_float(wb);
        float r = op == MLXMPI_REDUCE_SUM ? x + y : op == MLXMPI_REDUCE_MAX ? (x > y ? x : y) : (x < y ? x : y);
        *pa = half ? mlxmpi_internal_float_to_half(r) : mlxmpi_internal_float_to_bfloat(r);
        break;
    }
    case MLXMPI_DTYPE_COMPLEX64: {
        float* x = (float*)a + 2 * i;
        const float* y = (const float*)b + 2 * i;
        if (op == MLXMPI_REDUCE_SUM) {
            x[0] += y[0];
            x[1] += y[1];
        } else {
            int y_greater = y[0] > x[0] || (y[0] == x[0] && y[1] > x[1]);
            int y_less = y[0] < x[0] || (y[0] == x[0] && y[1] < x[1]);
            if ((op == MLXMPI_REDUCE_MAX && y_greater) || (op == MLXMPI_REDUCE_MIN && y_less)) {
                x[0] = y[0];
                x[1] = y[1];
            }
        }
        break;
    }
    default: break;
    }
#undef INT_CASE
#undef FLOAT_CASE
}

static void fill(int32_t dtype, void* base, int64_t count, uint64_t seed, int32_t rank, int32_t tag) {
    for (int64_t i = 0; i < count; i++) {
        put(dtype, base, i, draw(seed, rank, i, tag));
    }
}

/* The reduction over every rank of `count` elements of dtype. */
static void expected_reduction(int32_t dtype, int32_t op, void* out, void* scratch, int64_t count,
                               int32_t size, uint64_t seed, int32_t tag) {
    fill(dtype, out, count, seed, 0, tag);
    for (int32_t r = 1; r < size; r++) {
        fill(dtype, scratch, count, seed, r, tag);
        for (int64_t i = 0; i < count; i++) {
            combine(dtype, op, out, scratch, i);
        }
    }
    if (dtype == MLXMPI_DTYPE_BOOL) { /* the expectation is normalised to 0/1 too */
        for (int64_t i = 0; i < count; i++) {
            ((uint8_t*)out)[i] = ((uint8_t*)out)[i] != 0;
        }
    }
}

static void check_allreduce(mlxmpi_comm* comm, int32_t rank, int32_t size, uint64_t seed,
                            int32_t dtype, int32_t op, int64_t count, int64_t limit, int in_place) {
    size_t bytes = (size_t)count * (size_t)mlxmpi_dtype_size(dtype);
    unsigned char* send = malloc(bytes + 1);
    unsigned char* recv = malloc(bytes + 1);
    unsigned char* want = malloc(bytes + 1);
    unsigned char* scratch = malloc(bytes + 1);
    int32_t tag = (int32_t)(dtype * 16 + op * 4 + in_place);
    fill(dtype, send, count, seed, rank, tag);
    memset(recv, TEST_POISON, bytes + 1);
    if (in_place) {
        memcpy(recv, send, bytes);
    }
    expected_reduction(dtype, op, want, scratch, count, size, seed, tag);
    if (CHECK_STATUS(mlxmpi_internal_allreduce_with_limit(comm, in_place ? recv : send, recv, count,
                                                          dtype, op, limit),
                     MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
        CHECK_BYTES(recv, want, bytes, "allreduce dtype %d op %d count %lld limit %lld in_place %d",
                    (int)dtype, (int)op, (long long)count, (long long)limit, in_place);
        CHECK(recv[bytes] == TEST_POISON, "allreduce wrote past its output");
    }
    free(send);
    free(recv);
    free(want);
    free(scratch);
}

static void check_reduce_scatter(mlxmpi_comm* comm, int32_t rank, int32_t size, uint64_t seed,
                                 int32_t dtype, int32_t op, int64_t block, int64_t limit) {
    size_t element = (size_t)mlxmpi_dtype_size(dtype);
    int64_t total = block * size;
    unsigned char* send = malloc((size_t)total * element + 1);
    unsigned char* recv = malloc((size_t)block * element + 1);
    unsigned char* want = malloc((size_t)total * element + 1);
    unsigned char* scratch = malloc((size_t)total * element + 1);
    int32_t tag = (int32_t)(1000 + dtype * 16 + op);
    fill(dtype, send, total, seed, rank, tag);
    memset(recv, TEST_POISON, (size_t)block * element + 1);
    expected_reduction(dtype, op, want, scratch, total, size, seed, tag);
    if (CHECK_STATUS(mlxmpi_internal_reduce_scatter_with_limit(comm, send, recv, block, dtype, op,
                                                               limit),
                     MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
        CHECK_BYTES(recv, want + (size_t)rank * (size_t)block * element, (size_t)block * element,
                    "reduce_scatter dtype %d op %d block %lld limit %lld", (int)dtype, (int)op,
                    (long long)block, (long long)limit);
        CHECK(recv[(size_t)block * element] == TEST_POISON, "reduce_scatter wrote past its output");
    }
    free(send);
    free(recv);
    free(want);
    free(scratch);
}

/* Every rank sends to the next and receives from the previous, in two phases so that the sends
   of large messages cannot all block at once. */
static void check_ring(mlxmpi_comm* comm, int32_t rank, int32_t size, uint64_t seed, int32_t dtype,
                       int64_t count, int64_t limit) {
    size_t bytes = (size_t)count * (size_t)mlxmpi_dtype_size(dtype);
    unsigned char* send = malloc(bytes + 1);
    unsigned char* recv = malloc(bytes + 1);
    unsigned char* want = malloc(bytes + 1);
    int32_t next = (rank + 1) % size;
    int32_t previous = (rank + size - 1) % size;
    fill(dtype, send, count, seed, rank, 77);
    fill(dtype, want, count, seed, previous, 77);
    memset(recv, TEST_POISON, bytes + 1);
    for (int phase = 0; phase < 2; phase++) {
        if ((rank % 2 == 0) == (phase == 0)) {
            CHECK_STATUS(mlxmpi_internal_send_with_limit(comm, send, count, dtype, next, 5, limit),
                         MLXMPI_STATUS_OK);
        } else {
            CHECK_STATUS(mlxmpi_internal_recv_with_limit(comm, recv, count, dtype, previous, 5,
                                                         limit),
                         MLXMPI_STATUS_OK);
        }
    }
    CHECK_BYTES(recv, want, bytes, "p2p dtype %d count %lld limit %lld", (int)dtype,
                (long long)count, (long long)limit);
    free(send);
    free(recv);
    free(want);
}

static void check_conversions(void) {
    /* Every non-NaN half survives half -> float -> half. */
    for (uint32_t h = 0; h < 0x10000u; h++) {
        float f = mlxmpi_internal_half_to_float((uint16_t)h);
        int nan = (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0;
        uint16_t back = mlxmpi_internal_float_to_half(f);
        if (nan) {
            CHECK((back & 0x7C00u) == 0x7C00u && (back & 0x3FFu) != 0, "half NaN %04x lost", h);
        } else {
            CHECK(back == h, "half %04x -> %g -> %04x", h, (double)f, back);
        }
        uint16_t b = (uint16_t)h;
        float bf = mlxmpi_internal_bfloat_to_float(b);
        uint16_t bback = mlxmpi_internal_float_to_bfloat(bf);
        int bnan = (b & 0x7F80u) == 0x7F80u && (b & 0x7Fu) != 0;
        CHECK(bnan ? ((bback & 0x7F80u) == 0x7F80u && (bback & 0x7Fu) != 0) : bback == b,
              "bfloat %04x -> %04x", b, bback);
    }
    /* Rounding to nearest even, overflow and subnormals. */
    CHECK(mlxmpi_internal_float_to_half(1.0f + 0x1p-11f) == 0x3C00u, "1 + half-ulp ties to even");
    CHECK(mlxmpi_internal_float_to_half(1.0f + 0x1.8p-10f) == 0x3C02u, "1 + 1.5 ulp rounds up to even");
    CHECK(mlxmpi_internal_float_to_half(65504.0f) == 0x7BFFu, "largest half");
    CHECK(mlxmpi_internal_float_to_half(65520.0f) == 0x7C00u, "65520 rounds to infinity");
    CHECK(mlxmpi_internal_float_to_half(0x1p-24f) == 0x0001u, "smallest subnormal");
    CHECK(mlxmpi_internal_float_to_half(0x1p-25f) == 0x0000u, "half the smallest subnormal ties to 0");
    CHECK(mlxmpi_internal_float_to_half(0x1.8p-24f) == 0x0002u, "1.5 subnormals ties to even 2");
    CHECK(mlxmpi_internal_float_to_half(-0.0f) == 0x8000u, "negative zero");
    CHECK(mlxmpi_internal_float_to_bfloat(1.0f + 0x1p-8f) == 0x3F80u, "bfloat tie to even");
    CHECK(mlxmpi_internal_float_to_bfloat(1.0f + 0x1.8p-7f) == 0x3F82u, "bfloat 1.5 ulp rounds to even");
}

static void check_misuse(mlxmpi_comm* comm, int32_t rank) {
    int32_t value = 1;
    int32_t out = 0;
    CHECK_FAILS(mlxmpi_allreduce(comm, &value, &out, 1, MLXMPI_DTYPE_INT32, 3),
                MLXMPI_STATUS_INVALID_ARGUMENT, "unknown reduce op");
    CHECK_FAILS(mlxmpi_allreduce(comm, &value, &out, 1, 99, MLXMPI_REDUCE_SUM),
                MLXMPI_STATUS_INVALID_ARGUMENT, "not an mlxmpi_dtype");
    int32_t pair[2] = {1, 2};
    CHECK_FAILS(mlxmpi_allreduce(comm, pair, (char*)pair + 2, 1, MLXMPI_DTYPE_INT32,
                                 MLXMPI_REDUCE_SUM),
                MLXMPI_STATUS_INVALID_ARGUMENT, "overlap");
    CHECK_FAILS(mlxmpi_reduce_scatter(comm, pair, pair, 1, MLXMPI_DTYPE_INT32, MLXMPI_REDUCE_SUM),
                MLXMPI_STATUS_INVALID_ARGUMENT, "overlap");
    CHECK_FAILS(mlxmpi_send(comm, &value, 1, MLXMPI_DTYPE_INT32, rank, 1),
                MLXMPI_STATUS_INVALID_ARGUMENT, "not another rank");
    CHECK_FAILS(mlxmpi_recv(comm, &out, 1, MLXMPI_DTYPE_INT32, -1, 1),
                MLXMPI_STATUS_INVALID_ARGUMENT, "not another rank");
    CHECK_FAILS(mlxmpi_send(comm, &value, 1, MLXMPI_DTYPE_INT32, (rank + 1) % 2, 40000),
                MLXMPI_STATUS_INVALID_ARGUMENT, "tag must be");
    CHECK_FAILS(mlxmpi_send(comm, NULL, 1, MLXMPI_DTYPE_INT32, (rank + 1) % 2, 1),
                MLXMPI_STATUS_INVALID_ARGUMENT, "buffer is NULL");
}

int main(int argc, char** argv) {
    (void)argc;
    (void)argv;
    mlxmpi_comm* world = NULL;
    int32_t rank = 0;
    int32_t size = 0;
    if (!test_start_world(&world, &rank, &size)) {
        return test_finish("test_reduce");
    }
    uint64_t seed = test_shared_seed(world->comm, "test_reduce");
    check_conversions();
    static const int64_t counts[] = {0, 1, 7, 1000};
    static const int64_t limits[] = {INT_MAX, 3};
    for (int32_t dtype = 0; dtype < MLXMPI_DTYPE_COUNT; dtype++) {
        for (int32_t op = MLXMPI_REDUCE_SUM; op <= MLXMPI_REDUCE_MIN; op++) {
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
                    check_allreduce(world, rank, size, seed, dtype, op, counts[c], limits[l], 0);
                    check_reduce_scatter(world, rank, size, seed, dtype, op, counts[c], limits[l]);
                }
            }
            check_allreduce(world, rank, size, seed, dtype, op, 33, INT_MAX, 1);
            check_allreduce(world, rank, size, seed, dtype, op, 33, 4, 1);
        }
        check_ring(world, rank, size, seed, dtype, 1000, INT_MAX);
        check_ring(world, rank, size, seed, dtype, 1000, 7);
    }
    check_misuse(world, rank);
    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_reduce");
}
