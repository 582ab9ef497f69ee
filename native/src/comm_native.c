/*
 * comm_native.c: communicators crossing to and from other bindings (MPI.NET, mpi4py, the host).
 *
 * An MPI_Comm is an int on MPICH (and MS-MPI, whose handles MPI.NET uses) and a pointer on
 * Open MPI; at the ABI it is an intptr_t either way, and only this file knows which. A foreign
 * communicator is never used directly: the shim works on its own MPI_Comm_dup, so the caller's
 * error handler, attributes and message matching stay exactly as they were.
 */
#include <limits.h>
#include <string.h>

#include "internal.h"

/* MPICH's handles are 32-bit values with the high bit often set (0x84000000 and up), which C#
   code holds as a negative int; either extension to 64 bits names the same handle. */
static int handle_from_integer(intptr_t native, MPI_Comm* comm) {
    if (sizeof(MPI_Comm) == sizeof(intptr_t)) {
        memcpy(comm, &native, sizeof *comm);
        return 1;
    }
    if (native < INT32_MIN || native > (intptr_t)UINT32_MAX) {
        return 0;
    }
    int32_t narrow = (int32_t)(uint32_t)(uintptr_t)native;
    memcpy(comm, &narrow, sizeof *comm);
    return 1;
}

static intptr_t handle_to_integer(MPI_Comm comm) {
    if (sizeof(MPI_Comm) == sizeof(intptr_t)) {
        intptr_t wide;
        memcpy(&wide, &comm, sizeof wide);
        return wide;
    }
    int32_t narrow;
    memcpy(&narrow, &comm, sizeof narrow);
    return (intptr_t)narrow;
}

MLXMPI_EXPORT int32_t mlxmpi_comm_from_native(intptr_t native, mlxmpi_comm** comm) {
    int32_t status = mlxmpi_internal_begin_new_handle("mlxmpi_comm_from_native", comm);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    MPI_Comm foreign = MPI_COMM_NULL;
    if (!handle_from_integer(native, &foreign)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_comm_from_native: %lld is not an MPI_Comm of this MPI "
                                    "(its handles are 32-bit integers)",
                                    (long long)native);
    }
    if (foreign == MPI_COMM_NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_comm_from_native: the communicator is MPI_COMM_NULL "
                                    "(a rank left out of a split has no communicator to adopt)");
    }
    int inter = 0;
    int rc = MPI_Comm_test_inter(foreign, &inter);
    if (rc != MPI_SUCCESS || inter) {
        return rc != MPI_SUCCESS
                   ? mlxmpi_internal_mpi_error("MPI_Comm_test_inter", rc)
                   : mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                          "mlxmpi_comm_from_native: the communicator is an "
                                          "intercommunicator; only intracommunicators can be adopted");
    }
    /* The duplicate starts with the caller's error handler; wrapping replaces it on the duplicate only. */
    return mlxmpi_internal_dup_communicator(foreign, comm);
}

MLXMPI_EXPORT int32_t mlxmpi_comm_native(mlxmpi_comm* comm, intptr_t* native) {
    if (comm == NULL || native == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_comm_native: %s is NULL",
                                    comm == NULL ? "comm" : "native");
    }
    *native = handle_to_integer(comm->comm);
    return MLXMPI_STATUS_OK;
}
