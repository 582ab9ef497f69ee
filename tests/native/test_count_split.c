/*
 * test_count_split.c: the arithmetic behind gathers of more than INT_MAX elements.
 * Pure: needs no MPI launch.
 */
#include <limits.h>

#include "internal.h"
#include "test_support.h"

static void expect_split(int64_t count, int64_t limit, int32_t blocks, int32_t length,
                         int32_t remainder) {
    mlxmpi_count_split split = {-1, -1, -1};
    int ok = mlxmpi_internal_split_count(count, limit, &split);
    CHECK(ok, "split(%lld, %lld) was refused", (long long)count, (long long)limit);
    if (!ok) {
        return;
    }
    CHECK(split.block_count == blocks && split.block_length == length &&
              split.remainder == remainder,
          "split(%lld, %lld) = %d x %d + %d, expected %d x %d + %d", (long long)count,
          (long long)limit, split.block_count, split.block_length, split.remainder, blocks, length,
          remainder);
    /* The pieces must add back up to count whatever the numbers. */
    CHECK((int64_t)split.block_count * split.block_length + split.remainder == count,
          "split(%lld, %lld) does not add up", (long long)count, (long long)limit);
    CHECK(split.remainder < split.block_length, "remainder %d not below block length %d",
          split.remainder, split.block_length);
}

static void expect_refused(int64_t count, int64_t limit) {
    mlxmpi_count_split split;
    CHECK(!mlxmpi_internal_split_count(count, limit, &split), "split(%lld, %lld) was accepted",
          (long long)count, (long long)limit);
}

int main(void) {
    test_set_rank(0);

    expect_split(0, 7, 0, 7, 0);
    expect_split(1, 7, 0, 7, 1);
    expect_split(6, 7, 0, 7, 6);
    expect_split(7, 7, 1, 7, 0);
    expect_split(8, 7, 1, 7, 1);
    expect_split(29, 7, 4, 7, 1);
    expect_split(49, 7, 7, 7, 0);
    expect_split(5, 1, 5, 1, 0);
    expect_split((int64_t)INT_MAX + 1, INT_MAX, 1, INT_MAX, 1);
    expect_split(3 * (int64_t)INT_MAX + 5, INT_MAX, 3, INT_MAX, 5);
    /* The largest count expressible with INT_MAX-element blocks. */
    expect_split((int64_t)INT_MAX * INT_MAX + (INT_MAX - 1), INT_MAX, INT_MAX, INT_MAX,
                 INT_MAX - 1);

    expect_refused(-1, 7);
    expect_refused(10, 0);
    expect_refused(10, -7);
    expect_refused(10, (int64_t)INT_MAX + 1);
    expect_refused((int64_t)INT_MAX + 1, 1);           /* more than INT_MAX blocks */
    expect_refused((int64_t)INT_MAX * INT_MAX + INT_MAX, INT_MAX);
    expect_refused(INT64_MAX, INT_MAX);
    CHECK(!mlxmpi_internal_split_count(10, 7, NULL), "a NULL result was accepted");

    return test_finish("test_count_split");
}
