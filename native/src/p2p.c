/*
 * p2p.c: MPI_Send and MPI_Recv of any element count.
 *
 * Counts up to INT_MAX go as they are; larger ones through MPI_Send_c / MPI_Recv_c on MPI-4, or
 * as one element of a derived datatype of exactly `count` elements (count_type.c) on MPI-3.
 * The managed side runs its own protocol on top (a header, a reply, then the data), so a
 * receive here must get exactly the count it asks for: a shorter message is an error too.
 */
#include <limits.h>
#include <stdint.h>

#include "internal.h"

static int32_t check_peer(const char* function, const mlxmpi_comm* comm, const void* buffer,
                          int64_t count, int32_t dtype, int32_t peer, int32_t tag,
                          int32_t* element_size) {
    if (comm == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: comm is NULL", function);
    }
    *element_size = mlxmpi_dtype_size(dtype);
    if (*element_size == 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: dtype %d is not an mlxmpi_dtype (valid: 0..%d)",
                                    function, (int)dtype, MLXMPI_DTYPE_COUNT - 1);
    }
    if (buffer == NULL && count > 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: buffer is NULL with count %lld", function,
                                    (long long)count);
    }
    if (count < 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: count must be >= 0, got %lld", function,
                                    (long long)count);
    }
    int64_t bytes = 0;
    if (!mlxmpi_internal_byte_size(count, *element_size, &bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "%s: count %lld does not fit in the address space", function,
                                    (long long)count);
    }
    if (peer < 0 || peer >= comm->size || peer == comm->rank) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: peer %d is not another rank of this communicator (size "
                                    "%d, this rank %d)",
                                    function, (int)peer, (int)comm->size, (int)comm->rank);
    }
    if (tag < 0 || tag > 32767) { /* MPI guarantees tags up to 32767 */
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: tag must be in 0..32767, got %d", function, (int)tag);
    }
    return mlxmpi_internal_require_mpi();
}

int32_t mlxmpi_internal_send_with_limit(mlxmpi_comm* comm, const void* buffer, int64_t count,
                                        int32_t dtype, int32_t dst, int32_t tag, int64_t limit) {
    static const char function[] = "mlxmpi_send";
    int32_t element_size = 0;
    int32_t status = check_peer(function, comm, buffer, count, dtype, dst, tag, &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
    if (count <= limit) {
        int rc = MPI_Send(buffer, (int)count, type, dst, tag, comm->comm);
        return rc == MPI_SUCCESS ? MLXMPI_STATUS_OK : mlxmpi_internal_mpi_error("MPI_Send", rc);
    }
#if MPI_VERSION >= 4
    if (limit == INT_MAX) {
        int rc = MPI_Send_c(buffer, (MPI_Count)count, type, dst, tag, comm->comm);
        return rc == MPI_SUCCESS ? MLXMPI_STATUS_OK : mlxmpi_internal_mpi_error("MPI_Send_c", rc);
    }
#endif
    MPI_Datatype whole = MPI_DATATYPE_NULL;
    status = mlxmpi_internal_count_type(function, count, dtype, limit, &whole);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = MPI_Type_commit(&whole);
    const char* failed_call = "MPI_Type_commit";
    if (rc == MPI_SUCCESS) {
        rc = MPI_Send(buffer, 1, whole, dst, tag, comm->comm);
        failed_call = "MPI_Send";
    }
    status = rc == MPI_SUCCESS ? MLXMPI_STATUS_OK : mlxmpi_internal_mpi_error(failed_call, rc);
    return mlxmpi_internal_free_type(&whole, status);
}

/* The message must have been exactly `expected` units of `type`. */
static int32_t check_received(const char* function, MPI_Status* received, MPI_Datatype type,
                              int64_t expected) {
    int units = 0;
    int rc = MPI_Get_count(received, type, &units);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Get_count", rc);
    }
    if (units != expected) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: the message from rank %d held %d units, %lld expected",
                                    function, received->MPI_SOURCE, units, (long long)expected);
    }
    return MLXMPI_STATUS_OK;
}

int32_t mlxmpi_internal_recv_with_limit(mlxmpi_comm* comm, void* buffer, int64_t count,
                                        int32_t dtype, int32_t src, int32_t tag, int64_t limit) {
    static const char function[] = "mlxmpi_recv";
    int32_t element_size = 0;
    int32_t status = check_peer(function, comm, buffer, count, dtype, src, tag, &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
    MPI_Status received;
    if (count <= limit) {
        int rc = MPI_Recv(buffer, (int)count, type, src, tag, comm->comm, &received);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Recv", rc);
        }
        return check_received(function, &received, type, count);
    }
#if MPI_VERSION >= 4
    if (limit == INT_MAX) {
        int rc = MPI_Recv_c(buffer, (MPI_Count)count, type, src, tag, comm->comm, &received);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Recv_c", rc);
        }
        MPI_Count units = 0;
        rc = MPI_Get_count_c(&received, type, &units);
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error("MPI_Get_count_c", rc);
        }
        return units == count ? MLXMPI_STATUS_OK
                              : mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                                     "%s: the message held %lld elements, %lld "
                                                     "expected",
                                                     function, (long long)units, (long long)count);
    }
#endif
    MPI_Datatype whole = MPI_DATATYPE_NULL;
    status = mlxmpi_internal_count_type(function, count, dtype, limit, &whole);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = MPI_Type_commit(&whole);
    const char* failed_call = "MPI_Type_commit";
    if (rc == MPI_SUCCESS) {
        rc = MPI_Recv(buffer, 1, whole, src, tag, comm->comm, &received);
        failed_call = "MPI_Recv";
    }
    status = rc == MPI_SUCCESS ? check_received(function, &received, whole, 1)
                               : mlxmpi_internal_mpi_error(failed_call, rc);
    return mlxmpi_internal_free_type(&whole, status);
}

MLXMPI_EXPORT int32_t mlxmpi_send(mlxmpi_comm* comm, const void* buffer, int64_t count,
                                  int32_t dtype, int32_t dst, int32_t tag) {
    return mlxmpi_internal_send_with_limit(comm, buffer, count, dtype, dst, tag, INT_MAX);
}

MLXMPI_EXPORT int32_t mlxmpi_recv(mlxmpi_comm* comm, void* buffer, int64_t count, int32_t dtype,
                                  int32_t src, int32_t tag) {
    return mlxmpi_internal_recv_with_limit(comm, buffer, count, dtype, src, tag, INT_MAX);
}
