/*
 * comm.c: communicator handles.
 *
 * Every handle owns a communicator of its own (a duplicate of MPI_COMM_WORLD, or the result of
 * a split), so our collectives can never match messages of the application's collectives on
 * the same ranks, and setting MPI_ERRORS_RETURN on it changes nothing for anyone else.
 */
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

/* Takes ownership of comm: on failure it is freed, so callers have nothing to undo. */
int32_t mlxmpi_internal_wrap_communicator(MPI_Comm comm, mlxmpi_comm** handle) {
    /* A duplicate inherits its parent's handler, but the application may have changed the
       parent's since mlxmpi_init; say it explicitly. */
    int rc = MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    const char* failed_call = "MPI_Comm_set_errhandler";
    int rank = 0;
    int size = 0;
    if (rc == MPI_SUCCESS) {
        rc = MPI_Comm_rank(comm, &rank);
        failed_call = "MPI_Comm_rank";
    }
    if (rc == MPI_SUCCESS) {
        rc = MPI_Comm_size(comm, &size);
        failed_call = "MPI_Comm_size";
    }
    if (rc != MPI_SUCCESS) {
        int32_t status = mlxmpi_internal_mpi_error(failed_call, rc);
        (void)MPI_Comm_free(&comm);
        return status;
    }

    /* Allocated after the collective that created comm, not before: a rank that runs out of
       memory then still took part in it, so no other rank is left waiting. */
    mlxmpi_comm* created = malloc(sizeof *created);
    if (created == NULL) {
        (void)MPI_Comm_free(&comm);
        return mlxmpi_internal_fail(MLXMPI_STATUS_OUT_OF_MEMORY,
                                    "out of memory allocating a communicator handle");
    }
    created->comm = comm;
    created->rank = rank;
    created->size = size;
    *handle = created;
    return MLXMPI_STATUS_OK;
}

int32_t mlxmpi_internal_begin_new_handle(const char* function, mlxmpi_comm** handle) {
    if (handle == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: comm (the output pointer) is NULL", function);
    }
    *handle = NULL;
    return mlxmpi_internal_require_mpi();
}

int32_t mlxmpi_internal_dup_communicator(MPI_Comm parent, mlxmpi_comm** handle) {
    MPI_Comm duplicate = MPI_COMM_NULL;
    int rc = MPI_Comm_dup(parent, &duplicate);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Comm_dup", rc);
    }
    return mlxmpi_internal_wrap_communicator(duplicate, handle);
}

MLXMPI_EXPORT int32_t mlxmpi_comm_world(mlxmpi_comm** comm) {
    int32_t status = mlxmpi_internal_begin_new_handle("mlxmpi_comm_world", comm);
    return status == MLXMPI_STATUS_OK ? mlxmpi_internal_dup_communicator(MPI_COMM_WORLD, comm)
                                      : status;
}

MLXMPI_EXPORT int32_t mlxmpi_comm_split(mlxmpi_comm* comm, int32_t color, int32_t key,
                                        mlxmpi_comm** subgroup) {
    if (subgroup == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_comm_split: subgroup (the output pointer) is NULL");
    }
    *subgroup = NULL;
    if (comm == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_comm_split: comm is NULL");
    }
    /* A negative color would be MPI_UNDEFINED (no communicator at all) or erroneous; a group
       always has this rank in it. */
    if (color < 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_comm_split: color must be >= 0, got %d", (int)color);
    }
    int32_t status = mlxmpi_internal_require_mpi();
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    MPI_Comm split = MPI_COMM_NULL;
    int rc = MPI_Comm_split(comm->comm, color, key, &split);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Comm_split", rc);
    }
    return mlxmpi_internal_wrap_communicator(split, subgroup);
}

MLXMPI_EXPORT int32_t mlxmpi_comm_free(mlxmpi_comm* comm) {
    if (comm == NULL) {
        return MLXMPI_STATUS_OK;
    }
    /* Handles are often released by finalizers at process exit, after MPI_Finalize (ours or
       the application's): then MPI already released the communicator and must not be called.
       Both views are consulted because MPI may have been finalized behind the shim's back. */
    int rc = MPI_SUCCESS;
    if (mlxmpi_internal_require_mpi() == MLXMPI_STATUS_OK && mlxmpi_internal_mpi_usable()) {
        rc = MPI_Comm_free(&comm->comm);
    }
    free(comm);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Comm_free", rc);
    }
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_comm_rank(mlxmpi_comm* comm, int32_t* rank) {
    if (comm == NULL || rank == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "mlxmpi_comm_rank: %s is NULL",
                                    comm == NULL ? "comm" : "rank");
    }
    *rank = comm->rank;
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_comm_size(mlxmpi_comm* comm, int32_t* size) {
    if (comm == NULL || size == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "mlxmpi_comm_size: %s is NULL",
                                    comm == NULL ? "comm" : "size");
    }
    *size = comm->size;
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_barrier(mlxmpi_comm* comm) {
    if (comm == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "mlxmpi_barrier: comm is NULL");
    }
    int32_t status = mlxmpi_internal_require_mpi();
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int rc = MPI_Barrier(comm->comm);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Barrier", rc);
    }
    return MLXMPI_STATUS_OK;
}

MLXMPI_EXPORT int32_t mlxmpi_abort(mlxmpi_comm* comm, int32_t errorcode) {
    int32_t status = mlxmpi_internal_require_mpi();
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    /* The caller has usually just written why; the launcher must read it before it kills us. */
    const int output_fds[] = {STDOUT_FILENO, STDERR_FILENO};
    mlxmpi_internal_wait_for_output_drain(output_fds, 2, MLXMPI_ABORT_OUTPUT_DRAIN_MS);
    int rc = MPI_Abort(comm != NULL ? comm->comm : MPI_COMM_WORLD, errorcode);
    if (rc == MPI_SUCCESS) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_MPI_ERROR, "MPI_Abort returned without aborting");
    }
    return mlxmpi_internal_mpi_error("MPI_Abort", rc);
}
