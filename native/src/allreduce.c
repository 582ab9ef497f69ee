/*
 * allreduce.c: MPI_Allreduce and MPI_Reduce_scatter_block for any element count.
 *
 * A reduction is element-wise, so counts beyond an int need no derived datatype (which MPI's
 * predefined operations do not portably accept): MPI-4 libraries take them through the _c
 * functions, older ones reduce in consecutive pieces of at most `limit` elements. The scatter
 * cannot be cut that way (each rank's block is a separate slice of send), so on MPI-3 a block
 * beyond the limit is reduced piece by piece onto its owner with MPI_Reduce.
 * send == recv reduces in place (MPI_IN_PLACE) for the all-reduce; any other overlap is refused.
 */
#include <limits.h>
#include <stdint.h>

#include "internal.h"

static const char k_allreduce[] = "mlxmpi_allreduce";
static const char k_reduce_scatter[] = "mlxmpi_reduce_scatter";

/* Checks shared by both: comm, buffers, dtype, op, sizes and overlap. send_count elements are
   read and recv_count written. */
static int32_t validate(const char* function, mlxmpi_comm* comm, const void* send, void* recv,
                        int64_t send_count, int64_t recv_count, int32_t dtype, int32_t op,
                        int allow_in_place, MPI_Datatype* type, MPI_Op* mpi_op,
                        int32_t* element_size) {
    int32_t status =
        mlxmpi_internal_check_gather_basics(function, comm, recv, dtype, element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (send_count < 0 || recv_count < 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: count must be >= 0, got %lld", function,
                                    (long long)(send_count < 0 ? send_count : recv_count));
    }
    status = mlxmpi_internal_check_send(function, "count", send, send_count);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int64_t send_bytes = 0;
    int64_t recv_bytes = 0;
    if (!mlxmpi_internal_byte_size(send_count, *element_size, &send_bytes) ||
        !mlxmpi_internal_byte_size(recv_count, *element_size, &recv_bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "%s: count %lld of %d-byte elements does not fit in the "
                                    "address space",
                                    function, (long long)send_count, (int)*element_size);
    }
    int in_place = allow_in_place && send == recv;
    if (!in_place && mlxmpi_internal_ranges_overlap((uintptr_t)send, (uint64_t)send_bytes,
                                                    (uintptr_t)recv, (uint64_t)recv_bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: send and recv overlap%s", function,
                                    allow_in_place ? " (only send == recv reduces in place)" : "");
    }
    status = mlxmpi_internal_reduce_types(function, dtype, op, type, mpi_op);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    return mlxmpi_internal_require_mpi();
}

int32_t mlxmpi_internal_allreduce_with_limit(mlxmpi_comm* comm, const void* send, void* recv,
                                             int64_t count, int32_t dtype, int32_t op,
                                             int64_t limit) {
    MPI_Datatype type;
    MPI_Op mpi_op;
    int32_t element_size = 0;
    int32_t status = validate(k_allreduce, comm, send, recv, count, count, dtype, op, 1, &type,
                              &mpi_op, &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (limit < 1 || limit > INT_MAX) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: limit must be in 1..INT_MAX, got %lld", k_allreduce,
                                    (long long)limit);
    }
    int in_place = send == recv;
#if MPI_VERSION >= 4
    if (count > INT_MAX && limit == INT_MAX) {
        int rc = MPI_Allreduce_c(in_place ? MPI_IN_PLACE : send, recv, (MPI_Count)count, type,
                                 mpi_op, comm->comm);
        return rc == MPI_SUCCESS ? MLXMPI_STATUS_OK
                                 : mlxmpi_internal_mpi_error("MPI_Allreduce_c", rc);
    }
#endif
    /* Every rank cuts the same count the same way, so the pieces match across ranks. */
    int64_t done = 0;
    do {
        int64_t piece = count - done < limit ? count - done : limit;
        const char* piece_send = in_place ? MPI_IN_PLACE : (const char*)send + done * element_size;
        int rc = MPI_Allreduce(piece_send, (char*)recv + done * element_size, (int)piece, type,
                               mpi_op, comm->comm);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Allreduce", rc);
        }
        done += piece;
    } while (done < count);
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_allreduce(mlxmpi_comm* comm, const void* send, void* recv,
                                       int64_t count, int32_t dtype, int32_t op) {
    return mlxmpi_internal_allreduce_with_limit(comm, send, recv, count, dtype, op, INT_MAX);
}

/* MPI-3 beyond the limit: every rank's block reduced onto its owner, piece by piece. */
static int32_t reduce_scatter_by_reduce(mlxmpi_comm* comm, const char* send, char* recv,
                                        int64_t recv_count, MPI_Datatype type, MPI_Op mpi_op,
                                        int32_t element_size, int64_t limit) {
    for (int32_t owner = 0; owner < comm->size; owner++) {
        const char* block = send + (int64_t)owner * recv_count * element_size;
        for (int64_t done = 0; done < recv_count; done += limit) {
            int64_t piece = recv_count - done < limit ? recv_count - done : limit;
            void* target = owner == comm->rank ? recv + done * element_size : NULL;
            int rc = MPI_Reduce(block + done * element_size, target, (int)piece, type, mpi_op,
                                owner, comm->comm);
            if (rc != MPI_SUCCESS) {
                return mlxmpi_internal_mpi_error("MPI_Reduce", rc);
            }
        }
    }
    return MLXMPI_STATUS_OK;
}

int32_t mlxmpi_internal_reduce_scatter_with_limit(mlxmpi_comm* comm, const void* send,
                                                  void* recv, int64_t recv_count, int32_t dtype,
                                                  int32_t op, int64_t limit) {
    MPI_Datatype type;
    MPI_Op mpi_op;
    int32_t element_size = 0;
    int64_t ranks = comm != NULL && comm->size > 0 ? comm->size : 1;
    if (recv_count > 0 && recv_count > INT64_MAX / ranks) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "%s: %lld elements per rank on %lld ranks does not fit",
                                    k_reduce_scatter, (long long)recv_count, (long long)ranks);
    }
    int32_t status = validate(k_reduce_scatter, comm, send, recv, recv_count * ranks, recv_count,
                              dtype, op, 0, &type, &mpi_op, &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (limit < 1 || limit > INT_MAX) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: limit must be in 1..INT_MAX, got %lld",
                                    k_reduce_scatter, (long long)limit);
    }
    if (recv_count <= limit) {
        int rc = MPI_Reduce_scatter_block(send, recv, (int)recv_count, type, mpi_op, comm->comm);
        return rc == MPI_SUCCESS ? MLXMPI_STATUS_OK
                                 : mlxmpi_internal_mpi_error("MPI_Reduce_scatter_block", rc);
    }
#if MPI_VERSION >= 4
    if (limit == INT_MAX) {
        int rc = MPI_Reduce_scatter_block_c(send, recv, (MPI_Count)recv_count, type, mpi_op,
                                            comm->comm);
        return rc == MPI_SUCCESS ? MLXMPI_STATUS_OK
                                 : mlxmpi_internal_mpi_error("MPI_Reduce_scatter_block_c", rc);
    }
#endif
    return reduce_scatter_by_reduce(comm, send, recv, recv_count, type, mpi_op, element_size,
                                    limit);
}

MLXMPI_EXPORT int32_t mlxmpi_reduce_scatter(mlxmpi_comm* comm, const void* send, void* recv,
                                            int64_t recv_count, int32_t dtype, int32_t op) {
    return mlxmpi_internal_reduce_scatter_with_limit(comm, send, recv, recv_count, dtype, op,
                                                     INT_MAX);
}

MLXMPI_EXPORT int32_t mlxmpi_reduce_local(const void* in, void* inout, int64_t count,
                                          int32_t dtype, int32_t op) {
    static const char function[] = "mlxmpi_reduce_local";
    if (count < 0 || (count > 0 && (in == NULL || inout == NULL))) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: count %lld with in %p, inout %p", function,
                                    (long long)count, in, inout);
    }
    int32_t element_size = mlxmpi_dtype_size(dtype);
    int64_t bytes = 0;
    if (element_size == 0 || !mlxmpi_internal_byte_size(count, element_size, &bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: dtype %d or count %lld is not valid", function,
                                    (int)dtype, (long long)count);
    }
    if (mlxmpi_internal_ranges_overlap((uintptr_t)in, (uint64_t)bytes, (uintptr_t)inout,
                                       (uint64_t)bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: in and inout overlap",
                                    function);
    }
    int32_t status = mlxmpi_internal_require_mpi();
    MPI_Datatype type;
    MPI_Op mpi_op;
    if (status == MLXMPI_STATUS_OK) {
        status = mlxmpi_internal_reduce_types(function, dtype, op, &type, &mpi_op);
    }
    for (int64_t done = 0; status == MLXMPI_STATUS_OK && done < count; done += INT_MAX) {
        int64_t piece = count - done < INT_MAX ? count - done : INT_MAX;
        int rc = MPI_Reduce_local((const char*)in + done * element_size,
                                  (char*)inout + done * element_size, (int)piece, type, mpi_op);
        if (rc != MPI_SUCCESS) {
            status = mlxmpi_internal_mpi_error("MPI_Reduce_local", rc);
        }
    }
    return status;
}
