/*
 * count_type.c: an MPI datatype for `count` contiguous elements when count may exceed an int.
 *
 * MPI-3 takes counts as int, so a larger block is described as ONE element of a derived
 * datatype built from int-sized pieces (count_split.c's arithmetic):
 *     blocks  = block_count x contiguous(block_length)          at byte 0
 *     tail    = contiguous(remainder)                            right after the blocks
 *     whole   = struct(blocks, tail), resized to count elements
 * The resize pins the extent to exactly count elements, so a sequence of these types lands
 * back to back even where MPI would round a struct's extent up for alignment. allgather.c
 * sends one per rank; allgatherv.c wraps one per rank at that rank's byte offset.
 */
#include "internal.h"

int32_t mlxmpi_internal_free_type(MPI_Datatype* type, int32_t status) {
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

int32_t mlxmpi_internal_count_type(const char* function, int64_t count, int32_t dtype,
                                   int64_t limit, MPI_Datatype* type) {
    *type = MPI_DATATYPE_NULL;
    mlxmpi_count_split split;
    if (!mlxmpi_internal_split_count(count, limit, &split)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "%s: count %lld needs more than INT_MAX blocks of %lld "
                                    "elements",
                                    function, (long long)count, (long long)limit);
    }
    MPI_Datatype element = mlxmpi_internal_dtype_mpi_type(dtype);
    MPI_Aint element_size = mlxmpi_dtype_size(dtype);
    if (split.block_count == 0) {
        /* Fits in one int: a plain contiguous type already has the right extent. */
        int rc = MPI_Type_contiguous(split.remainder, element, type);
        if (rc != MPI_SUCCESS) {
            *type = MPI_DATATYPE_NULL;
            return mlxmpi_internal_mpi_error("MPI_Type_contiguous", rc);
        }
        return MLXMPI_STATUS_OK;
    }

    MPI_Datatype block = MPI_DATATYPE_NULL;
    MPI_Datatype blocks = MPI_DATATYPE_NULL;
    MPI_Datatype tail = MPI_DATATYPE_NULL;
    MPI_Datatype joined = MPI_DATATYPE_NULL;
    const char* failed_call = "MPI_Type_contiguous";

    int rc = MPI_Type_contiguous(split.block_length, element, &block);
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
        rc = MPI_Type_create_resized(body, 0, (MPI_Aint)count * element_size, type);
        failed_call = "MPI_Type_create_resized";
    }
    int32_t status = MLXMPI_STATUS_OK;
    if (rc != MPI_SUCCESS) {
        *type = MPI_DATATYPE_NULL;
        status = mlxmpi_internal_mpi_error(failed_call, rc);
    }
    /* A derived type keeps what it needs of its parts (MPI-3.1 4.1.9), so they go now and the
       caller has exactly one type to free. */
    status = mlxmpi_internal_free_type(&joined, status);
    status = mlxmpi_internal_free_type(&tail, status);
    status = mlxmpi_internal_free_type(&blocks, status);
    status = mlxmpi_internal_free_type(&block, status);
    if (status != MLXMPI_STATUS_OK && *type != MPI_DATATYPE_NULL) {
        (void)MPI_Type_free(type);
        *type = MPI_DATATYPE_NULL;
    }
    return status;
}
