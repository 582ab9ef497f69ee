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

/* A message of `count` elements as MPI sees it: that many of the element type, or (beyond the limit)
   one element of a derived type of exactly `count` elements, which is committed here and freed by
   release_message. */
typedef struct message {
    MPI_Datatype type;
    int units;
    int derived;
} message;

static int32_t describe_message(const char* function, int64_t count, int32_t dtype, int64_t limit,
                                message* m) {
    m->type = mlxmpi_internal_dtype_mpi_type(dtype);
    m->units = (int)count;
    m->derived = 0;
    if (count <= limit) {
        return MLXMPI_STATUS_OK;
    }
    int32_t status = mlxmpi_internal_count_type(function, count, dtype, limit, &m->type);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    m->units = 1;
    m->derived = 1;
    int rc = MPI_Type_commit(&m->type);
    return rc == MPI_SUCCESS ? MLXMPI_STATUS_OK
                             : mlxmpi_internal_free_type(&m->type, mlxmpi_internal_mpi_error(
                                                                       "MPI_Type_commit", rc));
}

static int32_t release_message(message* m, int32_t status) {
    return m->derived ? mlxmpi_internal_free_type(&m->type, status) : status;
}

/* The message must have been exactly m->units units of m->type. */
static int32_t check_received(const char* function, MPI_Status* received, const message* m) {
    int units = 0;
    int rc = MPI_Get_count(received, m->type, &units);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Get_count", rc);
    }
    if (units != m->units) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: the message from rank %d held %d units, %d expected",
                                    function, received->MPI_SOURCE, units, m->units);
    }
    return MLXMPI_STATUS_OK;
}

/* One point-to-point transfer, sending from or receiving into buffer. */
static int32_t transfer(int sending, mlxmpi_comm* comm, void* buffer, int64_t count, int32_t dtype,
                        int32_t peer, int32_t tag, int64_t limit) {
    const char* function = sending ? "mlxmpi_send" : "mlxmpi_recv";
    int32_t element_size = 0;
    int32_t status = check_peer(function, comm, buffer, count, dtype, peer, tag, &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    MPI_Status received;
#if MPI_VERSION >= 4
    if (count > limit && limit == INT_MAX) {
        MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
        MPI_Count units = count;
        int rc = sending ? MPI_Send_c(buffer, units, type, peer, tag, comm->comm)
                         : MPI_Recv_c(buffer, units, type, peer, tag, comm->comm, &received);
        if (rc == MPI_SUCCESS && !sending) {
            rc = MPI_Get_count_c(&received, type, &units);
        }
        if (rc != MPI_SUCCESS) {
            return mlxmpi_internal_mpi_error(sending ? "MPI_Send_c" : "MPI_Recv_c", rc);
        }
        return units == count ? MLXMPI_STATUS_OK
                              : mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                                     "%s: the message held %lld elements, %lld "
                                                     "expected",
                                                     function, (long long)units, (long long)count);
    }
#endif
    message m;
    status = describe_message(function, count, dtype, limit, &m);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = sending ? MPI_Send(buffer, m.units, m.type, peer, tag, comm->comm)
                     : MPI_Recv(buffer, m.units, m.type, peer, tag, comm->comm, &received);
    if (rc != MPI_SUCCESS) {
        status = mlxmpi_internal_mpi_error(sending ? "MPI_Send" : "MPI_Recv", rc);
    } else if (!sending) {
        status = check_received(function, &received, &m);
    }
    return release_message(&m, status);
}

int32_t mlxmpi_internal_send_with_limit(mlxmpi_comm* comm, const void* buffer, int64_t count,
                                        int32_t dtype, int32_t dst, int32_t tag, int64_t limit) {
    /* MPI_Send takes a const buffer since MPI-3; transfer only reads it when sending. */
    return transfer(1, comm, (void*)(uintptr_t)buffer, count, dtype, dst, tag, limit);
}

int32_t mlxmpi_internal_recv_with_limit(mlxmpi_comm* comm, void* buffer, int64_t count,
                                        int32_t dtype, int32_t src, int32_t tag, int64_t limit) {
    return transfer(0, comm, buffer, count, dtype, src, tag, limit);
}

MLXMPI_EXPORT int32_t mlxmpi_send(mlxmpi_comm* comm, const void* buffer, int64_t count,
                                  int32_t dtype, int32_t dst, int32_t tag) {
    return mlxmpi_internal_send_with_limit(comm, buffer, count, dtype, dst, tag, INT_MAX);
}

MLXMPI_EXPORT int32_t mlxmpi_recv(mlxmpi_comm* comm, void* buffer, int64_t count, int32_t dtype,
                                  int32_t src, int32_t tag) {
    return mlxmpi_internal_recv_with_limit(comm, buffer, count, dtype, src, tag, INT_MAX);
}
