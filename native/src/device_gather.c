/*
 * device_gather.c: collectives over device memory: MPI_Allgather, MPI_Allreduce and
 * MPI_Reduce_scatter_block, which differ only in how many bytes each side holds and in the
 * MPI call in the middle.
 *
 * Three ways to get device data through MPI:
 *   DIRECT   a CUDA-aware MPI reads and writes device memory itself; the stream is synchronised
 *            first so that MPI sees the data the work queued before the gather produced;
 *   STAGING  any other MPI: send is copied into a pinned host buffer on the stream, the host
 *            buffers are gathered, the result is copied into recv on the stream;
 *   UNIFIED  Metal on Apple silicon: device buffers are host memory, so after the command queue
 *            is drained their contents are gathered in place.
 * The MPI part is the host function itself (mlxmpi_allgather, mlxmpi_allreduce,
 * mlxmpi_reduce_scatter), with its large-count machinery.
 *
 * A gather is collective, so a failure that only one rank sees (its staging copy failed, its
 * pinned allocation did not fit, it was handed a host pointer) must not leave the others
 * waiting inside MPI_Allgather. Everything that can fail locally therefore happens before one
 * tiny MPI_Allreduce in which the ranks agree whether to go on; only then does data move. That
 * collective costs about as much as the header of a host gather, next to device copies and
 * stream synchronisations that cost ten times more. What can still fail afterwards (the copy
 * into recv) fails after the collective, on its own rank, and hangs nobody.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"

/* Which collective a device call runs. */
typedef enum device_collective { DEVICE_ALLGATHER, DEVICE_ALLREDUCE, DEVICE_REDUCE_SCATTER } device_collective;

static _Thread_local int32_t t_last_path = MLXMPI_DEVICE_PATH_NONE;

/* One call's state, so that every exit releases the same way. */
typedef struct device_gather {
    const char* function; /* the public name, for messages */
    device_collective collective;
    int32_t op;           /* the mlxmpi_reduce_op of a reduction */
    mlxmpi_comm* comm;
    int32_t kind;
    int32_t device;
    const void* send;
    void* recv;
    int64_t count;
    int32_t dtype;
    void* stream;
    int64_t limit;

    const mlxmpi_device_hooks* hooks;
    int32_t path;
    int64_t send_bytes;
    int64_t recv_bytes;
    const void* mpi_send; /* what MPI reads and writes: device, host-view or staging addresses */
    void* mpi_recv;
    mlxmpi_staging_buffer send_stage;
    mlxmpi_staging_buffer recv_stage;
    int stages_reusable; /* 0 once a copy into or out of them may have been left running */
} device_gather;

/* The gather's element and byte counts, checked as mlxmpi_allgather checks them. */
static int32_t check_sizes(device_gather* g) {
    int32_t element_size = 0;
    int32_t status =
        mlxmpi_internal_check_gather_basics(g->function, g->comm, g->recv, g->dtype, &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (g->count < 0) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: count must be >= 0, got %lld", g->function,
                                    (long long)g->count);
    }
    status = mlxmpi_internal_check_send(g->function, "count", g->send, g->count);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    /* count is what one rank contributes (gather, reduce) or receives (reduce-scatter). */
    int64_t ranks = g->comm->size > 0 ? g->comm->size : 1;
    int64_t block_bytes = 0;
    int64_t all_bytes = 0;
    if (!mlxmpi_internal_byte_size(g->count, element_size, &block_bytes) ||
        !mlxmpi_internal_byte_size(block_bytes, ranks, &all_bytes)) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "%s: count %lld of %d-byte elements on %lld ranks does not "
                                    "fit in the address space",
                                    g->function, (long long)g->count, (int)element_size,
                                    (long long)ranks);
    }
    g->send_bytes = g->collective == DEVICE_REDUCE_SCATTER ? all_bytes : block_bytes;
    g->recv_bytes = g->collective == DEVICE_ALLGATHER ? all_bytes : block_bytes;
    return MLXMPI_STATUS_OK;
}

static int32_t choose_path(device_gather* g) {
    if (g->hooks->host_view != NULL) {
        g->path = MLXMPI_DEVICE_PATH_UNIFIED;
        return MLXMPI_STATUS_OK;
    }
    const char* forced = getenv("MLXMPI_GPU_PATH");
    if (forced == NULL || forced[0] == '\0' || strcmp(forced, "auto") == 0) {
        g->path = mlxmpi_internal_mpi_cuda_aware() ? MLXMPI_DEVICE_PATH_DIRECT
                                                   : MLXMPI_DEVICE_PATH_STAGING;
    } else if (strcmp(forced, "staging") == 0) {
        g->path = MLXMPI_DEVICE_PATH_STAGING;
    } else if (strcmp(forced, "direct") == 0) {
        g->path = MLXMPI_DEVICE_PATH_DIRECT;
    } else {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: MLXMPI_GPU_PATH is \"%.64s\"; expected auto, staging or "
                                    "direct",
                                    g->function, forced);
    }
    return MLXMPI_STATUS_OK;
}

/* The addresses MPI will see, checked: device memory of g->device, or the host views of
   unified memory, not overlapping. */
static int32_t resolve_addresses(device_gather* g) {
    g->mpi_send = g->send;
    g->mpi_recv = g->recv;
    if (g->send_bytes == 0) {
        return MLXMPI_STATUS_OK; /* no data: nothing to check, order or copy */
    }
    int32_t status =
        mlxmpi_internal_check_pointer(g->function, g->hooks, "send", g->send, g->device, 1);
    if (status == MLXMPI_STATUS_OK) {
        status =
            mlxmpi_internal_check_pointer(g->function, g->hooks, "recv", g->recv, g->device, 1);
    }
    if (status == MLXMPI_STATUS_OK && g->path == MLXMPI_DEVICE_PATH_UNIFIED) {
        void* send_view = NULL;
        status = g->hooks->host_view(g->function, (void*)(uintptr_t)g->send,
                                     (size_t)g->send_bytes, &send_view);
        if (status == MLXMPI_STATUS_OK) {
            g->mpi_send = send_view;
            status =
                g->hooks->host_view(g->function, g->recv, (size_t)g->recv_bytes, &g->mpi_recv);
        }
    }
    if (status == MLXMPI_STATUS_OK &&
        mlxmpi_internal_ranges_overlap((uintptr_t)g->mpi_send, (uint64_t)g->send_bytes,
                                       (uintptr_t)g->mpi_recv, (uint64_t)g->recv_bytes)) {
        status = mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                      "%s: send and recv overlap", g->function);
    }
    return status;
}

/* Staging, first half: send copied into pinned memory on the stream, and waited for. */
static int32_t stage_in(device_gather* g) {
    int32_t status = mlxmpi_internal_staging_acquire(g->function, g->hooks, (size_t)g->send_bytes,
                                                     &g->send_stage);
    if (status == MLXMPI_STATUS_OK) {
        status = mlxmpi_internal_staging_acquire(g->function, g->hooks, (size_t)g->recv_bytes,
                                                 &g->recv_stage);
    }
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    g->stages_reusable = 0;
    status = g->hooks->copy_to_host_async(g->function, g->device, g->send_stage.memory, g->send,
                                          (size_t)g->send_bytes, g->stream);
    if (status == MLXMPI_STATUS_OK) {
        status = g->hooks->synchronize(g->function, g->device, g->stream);
    }
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    g->stages_reusable = 1;
    g->mpi_send = g->send_stage.memory;
    g->mpi_recv = g->recv_stage.memory;
    return MLXMPI_STATUS_OK;
}

/* Everything this rank can fail at on its own, before any data moves. */
static int32_t prepare(device_gather* g) {
    int32_t status = check_sizes(g);
    if (status == MLXMPI_STATUS_OK) {
        status = mlxmpi_internal_device_hooks(g->function, g->kind, &g->hooks);
    }
    if (status == MLXMPI_STATUS_OK) {
        status = mlxmpi_internal_check_device(g->function, g->hooks, g->device);
    }
    if (status == MLXMPI_STATUS_OK) {
        status = choose_path(g);
    }
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    t_last_path = g->path;
    status = resolve_addresses(g);
    if (status != MLXMPI_STATUS_OK || g->send_bytes == 0) {
        return status;
    }
    if (g->path == MLXMPI_DEVICE_PATH_STAGING) {
        return stage_in(g);
    }
    /* Direct and unified: MPI reads the memory itself, after the stream's work. */
    return g->hooks->synchronize(g->function, g->device, g->stream);
}

/* Every rank learns whether any rank failed to prepare. MINLOC over (status, rank) finds the
   smallest failing status and the lowest rank that had it; OK ranks offer INT_MAX. */
static int32_t agree(device_gather* g, int32_t local_status) {
    struct {
        int value;
        int rank;
    } mine = {local_status == MLXMPI_STATUS_OK ? INT_MAX : (int)local_status, (int)g->comm->rank},
      first = {INT_MAX, 0};
    int rc = MPI_Allreduce(&mine, &first, 1, MPI_2INT, MPI_MINLOC, g->comm->comm);
    if (local_status != MLXMPI_STATUS_OK) {
        return local_status; /* this rank's own failure, with its own message */
    }
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Allreduce", rc);
    }
    if (first.value == INT_MAX) {
        return MLXMPI_STATUS_OK;
    }
    return mlxmpi_internal_fail(first.value,
                                "%s: rank %d failed before the gather (%s; its own error says "
                                "why), so no rank gathered anything",
                                g->function, first.rank, mlxmpi_internal_status_name(first.value));
}

static int32_t run_collective(device_gather* g) {
    switch (g->collective) {
    case DEVICE_ALLREDUCE:
        return mlxmpi_internal_allreduce_with_limit(g->comm, g->mpi_send, g->mpi_recv, g->count,
                                                    g->dtype, g->op, g->limit);
    case DEVICE_REDUCE_SCATTER:
        return mlxmpi_internal_reduce_scatter_with_limit(g->comm, g->mpi_send, g->mpi_recv,
                                                         g->count, g->dtype, g->op, g->limit);
    default:
        if (g->limit == INT_MAX) {
            return mlxmpi_allgather(g->comm, g->mpi_send, g->mpi_recv, g->count, g->dtype);
        }
        return mlxmpi_internal_allgather_with_limit(g->comm, g->mpi_send, g->mpi_recv, g->count,
                                                    g->dtype, g->limit);
    }
}

/* Staging, second half: the gathered data copied into recv on the stream, and waited for. */
static int32_t stage_out(device_gather* g) {
    if (g->path != MLXMPI_DEVICE_PATH_STAGING || g->send_bytes == 0) {
        return MLXMPI_STATUS_OK;
    }
    g->stages_reusable = 0;
    int32_t status = g->hooks->copy_to_device_async(g->function, g->device, g->recv,
                                                    g->recv_stage.memory, (size_t)g->recv_bytes,
                                                    g->stream);
    if (status == MLXMPI_STATUS_OK) {
        status = g->hooks->synchronize(g->function, g->device, g->stream);
    }
    g->stages_reusable = status == MLXMPI_STATUS_OK;
    return status;
}

static int32_t run_device(const char* function, device_collective collective, int32_t op,
                          mlxmpi_comm* comm, int32_t kind, int32_t device, const void* send,
                          void* recv, int64_t count, int32_t dtype, void* stream, int64_t limit) {
    /* Without a communicator, or without MPI, there is nobody to agree with: every rank fails
       here alike. */
    if (comm == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s: comm is NULL",
                                    function);
    }
    if (limit < 1 || limit > INT_MAX) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "%s: limit must be in 1..INT_MAX, got %lld", function,
                                    (long long)limit);
    }
    int32_t status = mlxmpi_internal_require_mpi();
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    device_gather g = {.function = function, .collective = collective, .op = op, .comm = comm,
                       .kind = kind, .device = device, .send = send, .recv = recv, .count = count,
                       .dtype = dtype, .stream = stream, .limit = limit, .stages_reusable = 1};

    status = agree(&g, prepare(&g));
    if (status == MLXMPI_STATUS_OK) {
        status = run_collective(&g);
    }
    if (status == MLXMPI_STATUS_OK) {
        status = stage_out(&g);
    }
    mlxmpi_internal_staging_release(&g.send_stage, g.stages_reusable);
    mlxmpi_internal_staging_release(&g.recv_stage, g.stages_reusable);
    return status;
}

int32_t mlxmpi_internal_allgather_device_with_limit(mlxmpi_comm* comm, int32_t kind,
                                                    int32_t device, const void* send, void* recv,
                                                    int64_t count, int32_t dtype, void* stream,
                                                    int64_t limit) {
    return run_device("mlxmpi_allgather_device", DEVICE_ALLGATHER, 0, comm, kind, device, send,
                      recv, count, dtype, stream, limit);
}

MLXMPI_EXPORT int32_t mlxmpi_allgather_device(mlxmpi_comm* comm, int32_t kind, int32_t device,
                                              const void* send, void* recv, int64_t count,
                                              int32_t dtype, void* stream) {
    return mlxmpi_internal_allgather_device_with_limit(comm, kind, device, send, recv, count,
                                                       dtype, stream, INT_MAX);
}

MLXMPI_EXPORT int32_t mlxmpi_allreduce_device(mlxmpi_comm* comm, int32_t kind, int32_t device,
                                              const void* send, void* recv, int64_t count,
                                              int32_t dtype, int32_t op, void* stream) {
    return run_device("mlxmpi_allreduce_device", DEVICE_ALLREDUCE, op, comm, kind, device, send,
                      recv, count, dtype, stream, INT_MAX);
}

MLXMPI_EXPORT int32_t mlxmpi_reduce_scatter_device(mlxmpi_comm* comm, int32_t kind,
                                                   int32_t device, const void* send, void* recv,
                                                   int64_t recv_count, int32_t dtype, int32_t op,
                                                   void* stream) {
    return run_device("mlxmpi_reduce_scatter_device", DEVICE_REDUCE_SCATTER, op, comm, kind,
                      device, send, recv, recv_count, dtype, stream, INT_MAX);
}

MLXMPI_EXPORT int32_t mlxmpi_device_last_path(void) {
    return t_last_path;
}
