/*
 * count_split.c: writing an element count that exceeds an int as ints.
 *
 * MPI-3 takes counts as int. A larger count is sent as ONE element of a derived datatype made
 * of block_count blocks of block_length elements plus a remainder, every number of which must
 * itself be an int. This is only the arithmetic, kept free of MPI so it can be tested alone.
 */
#include <limits.h>

#include "internal.h"

int mlxmpi_internal_split_count(int64_t count, int64_t limit, mlxmpi_count_split* split) {
    if (split == NULL || count < 0 || limit < 1 || limit > INT_MAX) {
        return 0;
    }
    int64_t block_count = count / limit;
    if (block_count > INT_MAX) {
        return 0;
    }
    split->block_length = (int32_t)limit;
    split->block_count = (int32_t)block_count;
    split->remainder = (int32_t)(count % limit);
    return 1;
}
