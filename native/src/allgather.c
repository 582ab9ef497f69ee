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

static const char k_function[] = "mlxmpi_allgather";

static int32_t validate(mlxmpi_comm* comm, const void* send, void* recv, int64_t count,
                        int32_t dtype) {
    int32_t element_size = 0;
    int32_t status = mlxmpi_internal_check_gather_basics(k_function, comm, recv, dtype,
                                                         &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (count < 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: count must be >= 0, got %lld",
                                    (long long)count);
    }
    status = mlxmpi_internal_check_send(k_function, "count", send, count);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }

    /* Every byte offset below, and MPI's own extents (MPI_Aint), must stay representable. */
    int64_t ranks = comm->size > 0 ? comm->size : 1;
    int64_t send_bytes = 0;
    int64_t recv_bytes = 0;
    if (!mlxmpi_internal_byte_size(count, element_size, &send_bytes) ||
        !mlxmpi_internal_byte_size(send_bytes, ranks, &recv_bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "mlxmpi_allgather: count %lld of %d-byte elements on %lld "
                                    "ranks does not fit in the address space",
                                    (long long)count, (int)element_size, (long long)ranks);
    }
    if (mlxmpi_internal_ranges_overlap((uintptr_t)send, (uint64_t)send_bytes, (uintptr_t)recv,
                                       (uint64_t)recv_bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgather: send and recv overlap");
    }
    return MLXMPI_STATUS_OK;
}

/* One element per rank of a type whose extent is exactly `count` elements (count_type.c), so
   rank r's data still lands at element offset r * count. */
static int32_t gather_derived(mlxmpi_comm* comm, const void* send, void* recv, int64_t count,
                              int32_t dtype, int64_t limit) {
    MPI_Datatype whole = MPI_DATATYPE_NULL;
    int32_t status = mlxmpi_internal_count_type(k_function, count, dtype, limit, &whole);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = MPI_Type_commit(&whole);
    const char* failed_call = "MPI_Type_commit";
    if (rc == MPI_SUCCESS) {
        rc = MPI_Allgather(send, 1, whole, recv, 1, whole, comm->comm);
        failed_call = "MPI_Allgather";
    }
    if (rc != MPI_SUCCESS) {
        status = mlxmpi_internal_mpi_error(failed_call, rc);
    }
    return mlxmpi_internal_free_type(&whole, status);
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
