/*
 * allgatherv.c: MPI_Allgatherv for any counts and displacements.
 *
 * MPI is handed recv rebased to the lowest non-empty block (the origin), and displacements
 * relative to it: the displacement of an empty block moves nothing, so it plays no part. The
 * rebase also sidesteps MPICH 4.0's MPI_Allgatherv on a one-rank communicator, which ignores
 * displs[0] and writes at recv itself. Then there are three ways to the same result:
 *   1. every count and relative displacement fits in an int (the common case): MPI_Allgatherv;
 *   2. otherwise, on MPI-4 libraries: MPI_Allgatherv_c;
 *   3. otherwise (MPI-3): MPI_Alltoallw with a derived datatype per rank (gather_alltoallw).
 * They are different collectives, so every rank must take the same one: the choice depends on
 * counts and displs only, which are identical on every rank, never on send or the pointers.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

/* A byte offset that fits in PTRDIFF_MAX (validated) must also fit in an MPI_Aint. */
_Static_assert(sizeof(MPI_Aint) >= sizeof(ptrdiff_t), "MPI_Aint narrower than ptrdiff_t");

static const char k_function[] = "mlxmpi_allgatherv";

/* What validation learned that the gather needs. */
typedef struct gatherv_layout {
    int32_t element_size;
    int64_t origin;  /* the lowest displacement of a non-empty block (0 if there is none) */
    int64_t largest; /* the largest count, or displacement past origin, of a non-empty block */
} gatherv_layout;

static int32_t validate(const mlxmpi_comm* comm, const void* send, int64_t send_count,
                        const void* recv, const int64_t* counts, const int64_t* displs,
                        int32_t dtype, gatherv_layout* layout) {
    int32_t element_size = 0;
    int32_t status = mlxmpi_internal_check_gather_basics(k_function, comm, recv, dtype,
                                                         &element_size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (counts == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgatherv: counts is NULL");
    }
    if (displs == NULL) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgatherv: displs is NULL");
    }
    /* MPI_IN_PLACE means different things to MPI_Allgatherv and MPI_Alltoallw, so the same
       call would gather on one path and scramble on another: refused on all of them. */
    if (send == MPI_IN_PLACE || recv == MPI_IN_PLACE) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgatherv: %s is MPI_IN_PLACE (in-place gathers "
                                    "are not supported)",
                                    send == MPI_IN_PLACE ? "send" : "recv");
    }

    /* Each block on its own: non-negative, and its byte range [displs[r], displs[r] +
       counts[r]) * element_size inside the address space (so every byte offset below, and the
       MPI_Aint offsets of gather_alltoallw, are representable). */
    int64_t largest_count = 0;
    int64_t lowest_displ = INT64_MAX;
    int64_t highest_displ = 0;
    for (int32_t r = 0; r < comm->size; r++) {
        if (counts[r] < 0) {
            return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                        "mlxmpi_allgatherv: counts[%d] is %lld (counts must be "
                                        ">= 0)",
                                        (int)r, (long long)counts[r]);
        }
        if (displs[r] < 0) {
            return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                        "mlxmpi_allgatherv: displs[%d] is %lld (displacements "
                                        "must be >= 0)",
                                        (int)r, (long long)displs[r]);
        }
        int64_t end = 0;
        int64_t end_bytes = 0;
        if (__builtin_add_overflow(displs[r], counts[r], &end) ||
            !mlxmpi_internal_byte_size(end, element_size, &end_bytes) ||
            (uint64_t)end_bytes > UINTPTR_MAX - (uintptr_t)recv) {
            return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                        "mlxmpi_allgatherv: the block of rank %d (counts[%d] = "
                                        "%lld at displs[%d] = %lld, %d-byte elements) does not "
                                        "fit in the address space",
                                        (int)r, (int)r, (long long)counts[r], (int)r,
                                        (long long)displs[r], (int)element_size);
        }
        if (counts[r] > 0) {
            largest_count = counts[r] > largest_count ? counts[r] : largest_count;
            lowest_displ = displs[r] < lowest_displ ? displs[r] : lowest_displ;
            highest_displ = displs[r] > highest_displ ? displs[r] : highest_displ;
        }
    }
    int64_t origin = largest_count > 0 ? lowest_displ : 0;
    int64_t largest = highest_displ - origin > largest_count ? highest_displ - origin
                                                              : largest_count;

    /* This rank's own contribution. */
    if (send_count != counts[comm->rank]) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgatherv: send_count %lld differs from "
                                    "counts[%d] = %lld (this rank's block)",
                                    (long long)send_count, (int)comm->rank,
                                    (long long)counts[comm->rank]);
    }
    status = mlxmpi_internal_check_send(k_function, "send_count", send, send_count);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int64_t send_bytes = (int64_t)element_size * send_count; /* <= a block's end, checked */
    if ((uint64_t)send_bytes > UINTPTR_MAX - (uintptr_t)send) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_COUNT_TOO_LARGE,
                                    "mlxmpi_allgatherv: send_count %lld of %d-byte elements "
                                    "from send does not fit in the address space",
                                    (long long)send_count, (int)element_size);
    }

    status = mlxmpi_internal_check_blocks_disjoint(k_function, counts, displs, comm->size);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    /* send is compared with the blocks, not with the span of recv: MPI writes nothing in the
       gaps between blocks, so send may live in one. */
    for (int32_t r = 0; r < comm->size && send_bytes > 0; r++) {
        uintptr_t block_begin = (uintptr_t)recv + (uintptr_t)(displs[r] * element_size);
        uint64_t block_bytes = (uint64_t)(counts[r] * element_size);
        if (mlxmpi_internal_ranges_overlap((uintptr_t)send, (uint64_t)send_bytes, block_begin,
                                           block_bytes)) {
            return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                        "mlxmpi_allgatherv: send overlaps the block of rank %d "
                                        "(elements [%lld, %lld) of recv)",
                                        (int)r, (long long)displs[r],
                                        (long long)(displs[r] + counts[r]));
        }
    }

    layout->element_size = element_size;
    layout->origin = origin;
    layout->largest = largest;
    return MLXMPI_STATUS_OK;
}

static int32_t out_of_memory(int32_t size) {
    return mlxmpi_internal_fail(MLXMPI_STATUS_OUT_OF_MEMORY,
                                "mlxmpi_allgatherv: out of memory for the per-rank arrays of %d "
                                "ranks",
                                (int)size);
}

/* Path 1: everything fits in an int. recv is the origin; displs are taken relative to it. */
static int32_t gather_ints(const mlxmpi_comm* comm, const void* send, int64_t send_count,
                           void* recv, const int64_t* counts, const int64_t* displs,
                           int64_t origin, int32_t dtype) {
    int32_t size = comm->size;
    int* ints = malloc(2 * (size_t)size * sizeof *ints);
    if (ints == NULL) {
        return out_of_memory(size);
    }
    int* int_counts = ints;
    int* int_displs = ints + size;
    for (int32_t r = 0; r < size; r++) {
        int_counts[r] = (int)counts[r];
        int_displs[r] = counts[r] > 0 ? (int)(displs[r] - origin) : 0;
    }
    MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
    int rc = MPI_Allgatherv(send, (int)send_count, type, recv, int_counts, int_displs, type,
                            comm->comm);
    free(ints);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Allgatherv", rc);
    }
    return MLXMPI_STATUS_OK;
}

#if MPI_VERSION >= 4
/* Path 2: MPI-4 takes MPI_Count counts and MPI_Aint displacements (still in elements). */
static int32_t gather_large_counts(const mlxmpi_comm* comm, const void* send,
                                   int64_t send_count, void* recv, const int64_t* counts,
                                   const int64_t* displs, int64_t origin, int32_t dtype) {
    int32_t size = comm->size;
    MPI_Count* large_counts = malloc((size_t)size * sizeof *large_counts);
    MPI_Aint* large_displs = malloc((size_t)size * sizeof *large_displs);
    if (large_counts == NULL || large_displs == NULL) {
        free(large_counts);
        free(large_displs);
        return out_of_memory(size);
    }
    for (int32_t r = 0; r < size; r++) {
        large_counts[r] = (MPI_Count)counts[r];
        large_displs[r] = counts[r] > 0 ? (MPI_Aint)(displs[r] - origin) : 0;
    }
    MPI_Datatype type = mlxmpi_internal_dtype_mpi_type(dtype);
    int rc = MPI_Allgatherv_c(send, (MPI_Count)send_count, type, recv, large_counts,
                              large_displs, type, comm->comm);
    free(large_counts);
    free(large_displs);
    if (rc != MPI_SUCCESS) {
        return mlxmpi_internal_mpi_error("MPI_Allgatherv_c", rc);
    }
    return MLXMPI_STATUS_OK;
}
#endif

/* A committed type placing `count` elements of dtype at byte_offset from the buffer: a
   one-member struct around count_type.c's block. On failure *type may still hold a type,
   which the caller frees like any other. */
static int32_t block_type_at(int64_t count, MPI_Aint byte_offset, int32_t dtype, int64_t limit,
                             MPI_Datatype* type) {
    MPI_Datatype body = MPI_DATATYPE_NULL;
    int32_t status = mlxmpi_internal_count_type(k_function, count, dtype, limit, &body);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    int one = 1;
    int rc = MPI_Type_create_struct(1, &one, &byte_offset, &body, type);
    const char* failed_call = "MPI_Type_create_struct";
    if (rc != MPI_SUCCESS) {
        *type = MPI_DATATYPE_NULL;
    } else {
        rc = MPI_Type_commit(type);
        failed_call = "MPI_Type_commit";
    }
    if (rc != MPI_SUCCESS) {
        status = mlxmpi_internal_mpi_error(failed_call, rc);
    }
    return mlxmpi_internal_free_type(&body, status);
}

/* Path 3, MPI-3 beyond INT_MAX. A block that large can only be described to MPI-3 through a
   derived datatype, and MPI_Allgatherv takes a single receive type for all ranks with int
   displacements in units of its extent, which cannot express arbitrary counts at arbitrary
   offsets. MPI_Alltoallw is the one MPI-3 collective with a datatype per peer: here rank r's
   receive type is its whole block (count_type.c, split at `limit` elements) at its 64-bit
   byte offset from the origin (an MPI_Aint inside a struct), so all the ints that MPI_Alltoallw
   itself takes are 0 or 1. Every rank sends one element of its own block's type to every
   peer, itself included (MPI makes that copy locally).
   Cost: Open MPI runs MPI_Alltoallw as direct sends to all peers, so each rank sends its block
   size - 1 times where a ring would forward other ranks' blocks: as many bytes per rank when
   blocks are even, more on the rank with the largest block when they are not. The
   alternative, size MPI_Bcast calls in a row, costs size collectives instead of one. Either is
   fine for a path taken only beyond 2^31 elements, and only on MPI-3 libraries. */
static int32_t gather_alltoallw(const mlxmpi_comm* comm, const void* send, int64_t send_count,
                                void* recv, const int64_t* counts, const int64_t* displs,
                                int64_t origin, int32_t dtype, int32_t element_size,
                                int64_t limit) {
    size_t size = (size_t)comm->size;
    MPI_Datatype* types = malloc(2 * size * sizeof *types);
    int* ints = malloc(3 * size * sizeof *ints);
    if (types == NULL || ints == NULL) {
        free(types);
        free(ints);
        return out_of_memory(comm->size);
    }
    MPI_Datatype* send_types = types;
    MPI_Datatype* recv_types = types + size;
    int* send_counts = ints;
    int* recv_counts = ints + size;
    int* zero_displs = ints + 2 * size;
    MPI_Datatype element = mlxmpi_internal_dtype_mpi_type(dtype);
    for (size_t r = 0; r < size; r++) {
        recv_types[r] = MPI_DATATYPE_NULL;
        recv_counts[r] = counts[r] > 0 ? 1 : 0;
        send_counts[r] = send_count > 0 ? 1 : 0;
        zero_displs[r] = 0;
    }

    /* Types are built for non-empty blocks only; empty ones name the element type, which MPI
       requires to be valid even for a count of 0. Whatever was built is freed below, on every
       path: recv_types[r] is ours exactly when counts[r] > 0. */
    MPI_Datatype send_type = MPI_DATATYPE_NULL;
    int32_t status = MLXMPI_STATUS_OK;
    if (send_count > 0) {
        status = block_type_at(send_count, 0, dtype, limit, &send_type);
    }
    for (size_t r = 0; r < size && status == MLXMPI_STATUS_OK; r++) {
        if (counts[r] > 0) {
            MPI_Aint offset = (MPI_Aint)(displs[r] - origin) * element_size;
            status = block_type_at(counts[r], offset, dtype, limit, &recv_types[r]);
        }
    }
    if (status == MLXMPI_STATUS_OK) {
        for (size_t r = 0; r < size; r++) {
            send_types[r] = send_count > 0 ? send_type : element;
            if (counts[r] == 0) {
                recv_types[r] = element;
            }
        }
        int rc = MPI_Alltoallw(send, send_counts, zero_displs, send_types, recv, recv_counts,
                               zero_displs, recv_types, comm->comm);
        if (rc != MPI_SUCCESS) {
            status = mlxmpi_internal_mpi_error("MPI_Alltoallw", rc);
        }
    }

    for (size_t r = 0; r < size; r++) {
        if (counts[r] > 0) {
            status = mlxmpi_internal_free_type(&recv_types[r], status);
        }
    }
    status = mlxmpi_internal_free_type(&send_type, status);
    free(types);
    free(ints);
    return status;
}

static int32_t allgatherv(mlxmpi_comm* comm, const void* send, int64_t send_count, void* recv,
                          const int64_t* counts, const int64_t* displs, int32_t dtype,
                          int64_t limit, int use_large_count_api) {
    gatherv_layout layout = {0, 0, 0};
    int32_t status = validate(comm, send, send_count, recv, counts, displs, dtype, &layout);
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    if (limit < 1 || limit > INT_MAX) {
        return mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT,
                                    "mlxmpi_allgatherv: limit must be in 1..INT_MAX, got %lld",
                                    (long long)limit);
    }
    status = mlxmpi_internal_require_mpi();
    if (status != MLXMPI_STATUS_OK) {
        return status;
    }
    /* Inside recv: validate checked every block's byte range. */
    void* origin = (unsigned char*)recv + layout.origin * layout.element_size;
    if (layout.largest <= limit) {
        return gather_ints(comm, send, send_count, origin, counts, displs, layout.origin, dtype);
    }
#if MPI_VERSION >= 4
    if (use_large_count_api) {
        return gather_large_counts(comm, send, send_count, origin, counts, displs, layout.origin,
                                   dtype);
    }
#else
    (void)use_large_count_api;
#endif
    return gather_alltoallw(comm, send, send_count, origin, counts, displs, layout.origin,
                            dtype, layout.element_size, limit);
}

int32_t mlxmpi_internal_allgatherv_with_limit(mlxmpi_comm* comm, const void* send,
                                              int64_t send_count, void* recv,
                                              const int64_t* counts, const int64_t* displs,
                                              int32_t dtype, int64_t limit) {
    return allgatherv(comm, send, send_count, recv, counts, displs, dtype, limit, 0);
}

MLXMPI_EXPORT int32_t mlxmpi_allgatherv(mlxmpi_comm* comm, const void* send, int64_t send_count,
                                        void* recv, const int64_t* counts, const int64_t* displs,
                                        int32_t dtype) {
    return allgatherv(comm, send, send_count, recv, counts, displs, dtype, INT_MAX, 1);
}
