/*
 * allgather.c: MPI_Allgather for any element count.
 *
 * Counts up to INT_MAX go straight to MPI_Allgather. Larger ones must not fail just because
 * MPI-3 counts are ints: MPI-4 libraries take them through MPI_Allgather_c, and older ones
 * receive one element of a derived datatype whose extent is exactly `count` elements, so rank
 * r's block still lands at element offset r * count.
 */
#include <limits.h>
#include <stdint.h>

#include "internal.h"

static int32_t validate(mlxmpi_comm* comm, const void* send, void* recv, int64_t count,
                        int32_t dtype) {
    if (comm == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: comm is NULL");
    }
    if (recv == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: recv is NULL");
    }
    if (count < 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: count must be >= 0, got %lld",
                                    (long long)count);
    }
    if (send == NULL && count > 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: send is NULL with count %lld (send may be "
                                    "NULL only when count is 0)",
                                    (long long)count);
    }
    int32_t element_size = mlxmpi_dtype_size(dtype);
    if (element_size == 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: dtype %d is not an mlxmpi_dtype "
                                    "(valid: 0..%d)",
                                    (int)dtype, MLXMPI_DTYPE_COUNT - 1);
    }

    /* Every byte offset below, and MPI's own extents (MPI_Aint), must stay representable.
       (Multiplications with overflow checks: a division here would cost more than the rest of
       the validation together.) */
    int64_t ranks = comm->size > 0 ? comm->size : 1;
    int64_t send_bytes = 0;
    int64_t recv_bytes = 0;
    if (__builtin_mul_overflow(count, (int64_t)element_size, &send_bytes) ||
        __builtin_mul_overflow(send_bytes, ranks, &recv_bytes) || recv_bytes > PTRDIFF_MAX) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "mlxmpi_allgather: count %lld of %d-byte elements on %lld "
                                    "ranks does not fit in the address space",
                                    (long long)count, (int)element_size, (long long)ranks);
    }
    if (count > 0) {
        /* MPI leaves overlapping buffers undefined; it would silently scramble the result. */
        uintptr_t send_begin = (uintptr_t)send;
        uintptr_t send_end = send_begin + (uintptr_t)send_bytes;
        uintptr_t recv_begin = (uintptr_t)recv;
        uintptr_t recv_end = recv_begin + (uintptr_t)recv_bytes;
        if (send_begin < recv_end && recv_begin < send_end) {
            return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                        "mlxmpi_allgather: send and recv overlap");
        }
    }
    return MLXMPI_STATUS_OK;
}

static int32_t free_type(MPI_Datatype* type, int32_t status) {
    if (*type == MPI_DATATYPE_NULL) {
        return status;
    }
    int rc = MPI_Type_free(type);
    /* Reported only if nothing failed before: the first failure is the one worth reading. */
    if (rc != MPI_SUCCESS && status == MLXMPI_STATUS_OK) {
        return mlxmpi_internal_mpi_error("MPI_Type_free", rc);
    }
    return status;
}

/* The derived datatype is built from `element`:
     blocks  = block_count x contiguous(block_length)          at byte 0
     tail    = contiguous(remainder)                            right after the blocks
     whole   = struct(blocks, tail), resized to count elements
   The resize pins the extent, so MPI places rank r's data at r * count elements even if it
   would round a struct's extent up for alignment. */
static int32_t gather_derived(mlxmpi_comm* comm, const void* send, void* recv, int64_t count,
                              int32_t dtype, int64_t limit) {
    mlxmpi_count_split split;
    if (!mlxmpi_internal_split_count(count, limit, &split)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "mlxmpi_allgather: count %lld needs more than INT_MAX blocks "
                                    "of %lld elements",
                                    (long long)count, (long long)limit);
    }
    MPI_Datatype element = mlxmpi_internal_dtype_mpi_type(dtype);
    MPI_Aint element_size = mlxmpi_dtype_size(dtype);
    MPI_Datatype block = MPI_DATATYPE_NULL;
    MPI_Datatype blocks = MPI_DATATYPE_NULL;
    MPI_Datatype tail = MPI_DATATYPE_NULL;
    MPI_Datatype joined = MPI_DATATYPE_NULL;
    MPI_Datatype whole = MPI_DATATYPE_NULL;
    int32_t status = MLXMPI_STATUS_OK;
    const char* failed_call = NULL;

    int rc = MPI_Type_contiguous(split.block_length, element, &block);
    failed_call = "MPI_Type_contiguous";
    if (rc == MPI_SUCCESS) {
        rc = MPI_Type_contiguous(split.block_count, block, &blocks);
    }
    if (rc == MPI_SUCCESS && split.remainder > 0) {
        rc = MPI_Type_contiguous(split.remainder, element, &tail);
        if (rc == MPI_SUCCESS) {
            int lengths[2] = {1, 1};
            MPI_Aint offsets[2] = {
                0, (MPI_Aint)split.block_count * split.block_length * element_size};
            MPI_Datatype parts[2] = {blocks, tail};
            rc = MPI_Type_create_struct(2, lengths, offsets, parts, &joined);
            failed_call = "MPI_Type_create_struct";
        }
    }
    if (rc == MPI_SUCCESS) {
        MPI_Datatype body = joined != MPI_DATATYPE_NULL ? joined : blocks;
        rc = MPI_Type_create_resized(body, 0, (MPI_Aint)count * element_size, &whole);
        failed_call = "MPI_Type_create_resized";
    }
    if (rc == MPI_SUCCESS) {
        rc = MPI_Type_commit(&whole);
        failed_call = "MPI_Type_commit";
    }
    if (rc == MPI_SUCCESS) {
        rc = MPI_Allgather(send, 1, whole, recv, 1, whole, comm->comm);
        failed_call = "MPI_Allgather";
    }
    if (rc != MPI_SUCCESS) {
        status = mlxmpi_internal_mpi_error(failed_call, rc);
    }

    status = free_type(&whole, status);
    status = free_type(&joined, status);
    status = free_type(&tail, status);
    status = free_type(&blocks, status);
    status = free_type(&block, status);
    return status;
}

static int32_t gather(mlxmpi_comm* comm, const void* send, void* recv, int64_t count,
                      int32_t dtype, int64_t limit) {
    if (count > limit) {
        return gather_derived(comm, send, recv, count, dtype, limit);
    }
    MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
    int rc = MPI_Allgather(send, (int)count, type, recv, (int)count, type, comm->comm);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Allgather", rc);
    }
    return MLXMPI_STATUS_OK;
}

int32_t mlxmpi_internal_allgather_with_limit(mlxmpi_comm* comm, const void* send, void* recv,
                                             int64_t count, int32_t dtype, int64_t limit) {
    int32_t status = validate(comm, send, recv, count, dtype);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (limit < 1 || limit > INT_MAX) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: limit must be in 1..INT_MAX, got %lld",
                                    (long long)limit);
    }
    status = mlxmpi_internal_require_mpi();
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    return gather(comm, send, recv, count, dtype, limit);
}

MLXMPI_EXPORT int32_t mlxmpi_allgather(mlxmpi_comm* comm, const void* send, void* recv,
                                       int64_t count, int32_t dtype) {
#if MPI_VERSION >= 4
    if (count > INT_MAX) {
        int32_t status = validate(comm, send, recv, count, dtype);
        if (status == MLXMPI_STATUS_OK) {
            status = mlxmpi_internal_require_mpi();
        }
        if (status != MLXMPI_STATUS_OK) {
            return status;
        }
        MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
        int rc = MPI_Allgather_c(send, (MPI_Count)count, type, recv, (MPI_Count)count, type,
                                 comm->comm);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Allgather_c", rc);
        }
        return MLXMPI_STATUS_OK;
    }
#endif
    return mlxmpi_internal_allgather_with_limit(comm, send, recv, count, dtype, INT_MAX);
}
