/*
 * gather_checks.c: the argument checks that mlxmpi_allgather and mlxmpi_allgatherv share.
 *
 * Every check here is local (no MPI call) and cheap: a gather validates on every call. Only
 * the overlap check of blocks given out of rank order allocates (scratch for a sort). The
 * checks cannot see other ranks: that the ranks agree is the managed layer's header phase.
 */
#include <stdlib.h>

#include "internal.h"

int32_t mlxmpi_internal_check_gather_basics(const char* function, const mlxmpi_comm* comm,
                                            const void* recv, int32_t dtype,
                                            int32_t* element_size) {
    if (comm == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: comm is NULL",
                                    function);
    }
    if (recv == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: recv is NULL",
                                    function);
    }
    *element_size = mlxmpi_dtype_size(dtype);
    if (*element_size == 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: dtype %d is not an mlxmpi_dtype (valid: 0..%d)",
                                    function, (int)dtype, MLXMPI_DTYPE_COUNT - 1);
    }
    return MLXMPI_STATUS_OK;
}

int32_t mlxmpi_internal_check_send(const char* function, const char* count_name,
                                   const void* send, int64_t count) {
    if (send == NULL && count > 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: send is NULL with %s %lld (send may be NULL only when "
                                    "%s is 0)",
                                    function, count_name, (long long)count, count_name);
    }
    return MLXMPI_STATUS_OK;
}

int mlxmpi_internal_byte_size(int64_t elements, int64_t element_size, int64_t* bytes) {
    /* Multiplications with overflow checks: a division here would cost more than the rest of
       the validation together. */
    return elements >= 0 && element_size >= 0 &&
           !__builtin_mul_overflow(elements, element_size, bytes) && *bytes <= PTRDIFF_MAX;
}

int mlxmpi_internal_ranges_overlap(uintptr_t a, uint64_t a_bytes, uintptr_t b,
                                   uint64_t b_bytes) {
    /* MPI leaves overlapping buffers undefined: it would silently scramble the result. */
    return a_bytes > 0 && b_bytes > 0 && a < b + b_bytes && b < a + a_bytes;
}

/* One non-empty block of recv, in elements, for the overlap check. */
typedef struct recv_block {
    int64_t begin;
    int64_t end;
    int32_t rank;
} recv_block;

static int compare_blocks(const void* a, const void* b) {
    const recv_block* x = a;
    const recv_block* y = b;
    if (x->begin != y->begin) {
        return x->begin < y->begin ? -1 : 1;
    }
    /* Ties broken by rank, so the pair reported is the same whatever qsort does with equals. */
    return (x->rank > y->rank) - (x->rank < y->rank);
}

static int32_t report_overlap(const char* function, const int64_t* counts,
                              const int64_t* displs, int32_t a, int32_t b) {
    if (a > b) {
        int32_t t = a;
        a = b;
        b = t;
    }
    return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                "%s: the blocks of ranks %d and %d overlap "
                                "(elements [%lld, %lld) and [%lld, %lld) of recv)",
                                function, (int)a, (int)b, (long long)displs[a],
                                (long long)(displs[a] + counts[a]), (long long)displs[b],
                                (long long)(displs[b] + counts[b]));
}

/* Non-empty blocks must be pairwise disjoint. Once blocks are sorted by displacement, it is
   enough that each one starts at or after the end of the one before it. */
int32_t mlxmpi_internal_check_blocks_disjoint(const char* function, const int64_t* counts,
                                              const int64_t* displs, int32_t size) {
    /* The usual layout, displs the running sum of counts (a concatenation), is already sorted
       in rank order: one pass and no allocation. */
    int32_t previous = -1;
    int sorted = 1;
    for (int32_t r = 0; r < size; r++) {
        if (counts[r] == 0) {
            continue;
        }
        if (previous >= 0) {
            if (displs[r] < displs[previous]) {
                sorted = 0;
                break;
            }
            if (displs[r] < displs[previous] + counts[previous]) {
                return report_overlap(function, counts, displs, previous, r);
            }
        }
        previous = r;
    }
    if (sorted) {
        return MLXMPI_STATUS_OK;
    }

    recv_block* blocks = malloc((size_t)size * sizeof *blocks);
    if (blocks == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_OUT_OF_MEMORY,
                                    "%s: out of memory checking the blocks of %d ranks for "
                                    "overlaps",
                                    function, (int)size);
    }
    size_t used = 0;
    for (int32_t r = 0; r < size; r++) {
        if (counts[r] > 0) {
            blocks[used].begin = displs[r];
            blocks[used].end = displs[r] + counts[r];
            blocks[used].rank = r;
            used++;
        }
    }
    qsort(blocks, used, sizeof *blocks, compare_blocks);
    int32_t status = MLXMPI_STATUS_OK;
    for (size_t i = 1; i < used; i++) {
        if (blocks[i].begin < blocks[i - 1].end) {
            status =
                report_overlap(function, counts, displs, blocks[i - 1].rank, blocks[i].rank);
            break;
        }
    }
    free(blocks);
    return status;
}
