/*
 * internal.h: declarations shared by the shim's source files and by the native tests.
 *
 * Nothing here is exported from libmlxmpi.so (the library is built with -fvisibility=hidden and
 * only MLXMPI_EXPORT functions are visible); the native tests reach these functions by linking
 * the shim's object library directly.
 */
#ifndef MLXMPI_INTERNAL_H
#define MLXMPI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <mpi.h>

#include "mlxmpi.h"

/* The handle behind mlxmpi_comm*. Rank and size never change for a communicator, so they are
   read once at creation: querying them, and the size-dependent argument checks of a gather,
   then cost no MPI call. */
struct mlxmpi_comm {
    MPI_Comm comm;
    int32_t rank;
    int32_t size;
};

/* ---- status.c: the per-thread last error ---- */

/* Capacity of the per-thread message buffer, NUL included; longer messages are cut to fit. */
enum { MLXMPI_LAST_ERROR_CAPACITY = 2048 };

/* Records a failure that is not an MPI error (error class MPI_SUCCESS) and returns status. */
int32_t mlxmpi_internal_fail(int32_t status, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the failure of MPI call `call` with return code `code` as
   "<call> failed: <MPI_Error_string text>" plus its MPI_Error_class, and returns
   MLXMPI_STATUS_MPI_ERROR. */
int32_t mlxmpi_internal_mpi_error(const char* call, int code);

/* Copies length bytes of text into buffer (capacity bytes, NUL included), truncating to fit;
   writes nothing when buffer is NULL or capacity <= 0. Returns length, capped at INT32_MAX. */
int32_t mlxmpi_internal_copy_text(const char* text, size_t length, char* buffer,
                                  int32_t capacity);

/* The name of an mlxmpi_status ("INVALID_ARGUMENT"), for messages; "unknown status" otherwise. */
const char* mlxmpi_internal_status_name(int32_t status);

/* ---- dtype.c ---- */

/* The MPI datatype that moves one element of dtype, or MPI_DATATYPE_NULL for an unknown one. */
MPI_Datatype mlxmpi_internal_dtype_mpi_type(int32_t dtype);

/* ---- init.c: the shim's view of the MPI lifecycle ---- */

/* Returns MLXMPI_STATUS_OK when mlxmpi_init has succeeded and MPI has not been finalized since
   (by us or by anyone else); otherwise records and returns MLXMPI_STATUS_NOT_INITIALIZED.
   Costs one atomic load, so every collective can afford it. */
int32_t mlxmpi_internal_require_mpi(void);

/* Asks MPI itself (MPI_Initialized && !MPI_Finalized). Slower than require_mpi, but also right
   when MPI was initialised or finalized behind the shim's back. */
int mlxmpi_internal_mpi_usable(void);

/* ---- comm.c ---- */

/* Sets MPI_ERRORS_RETURN on comm, a communicator the shim created, reads its rank and size and
   writes a new handle owning it to *handle. Takes ownership of comm: on failure it is freed. */
int32_t mlxmpi_internal_wrap_communicator(MPI_Comm comm, mlxmpi_comm** handle);

/* ---- global_symbols.c ---- */

/* Re-opens the already loaded MPI library with RTLD_GLOBAL. Best effort: returns 1 when the
   library was found and promoted, 0 otherwise (never an error). */
int mlxmpi_internal_promote_mpi_symbols(void);

/* ---- count_split.c: expressing a count beyond an int limit ---- */

/* count == block_count * block_length + remainder, each an int, remainder < block_length. */
typedef struct mlxmpi_count_split {
    int32_t block_length;
    int32_t block_count;
    int32_t remainder;
} mlxmpi_count_split;

/* Splits count (>= 0) into blocks of `limit` elements (1 <= limit <= INT_MAX). Returns 1 on
   success, 0 when the arguments are out of range or more than INT_MAX blocks would be needed. */
int mlxmpi_internal_split_count(int64_t count, int64_t limit, mlxmpi_count_split* split);

/* ---- count_type.c: a datatype for a count beyond an int limit ---- */

/* Builds, uncommitted, a datatype of `count` (>= 0) contiguous elements of dtype (a known one)
   whose extent is exactly count elements, using only int counts of at most `limit` elements
   (1 <= limit <= INT_MAX). The caller commits it if it communicates with it, and frees it.
   On failure *type is MPI_DATATYPE_NULL and the error is recorded with `function` (the public
   name, for messages): MLXMPI_STATUS_COUNT_TOO_LARGE when more than INT_MAX blocks of limit
   would be needed, MLXMPI_STATUS_MPI_ERROR when MPI refuses a constructor. */
int32_t mlxmpi_internal_count_type(const char* function, int64_t count, int32_t dtype,
                                   int64_t limit, MPI_Datatype* type);

/* MPI_Type_free(type) unless it is MPI_DATATYPE_NULL. Returns status, or the MPI error of the
   free when status was MLXMPI_STATUS_OK (the first failure is the one reported), so cleanup
   chains read `status = mlxmpi_internal_free_type(&t, status);`. */
int32_t mlxmpi_internal_free_type(MPI_Datatype* type, int32_t status);

/* ---- gather_checks.c: argument checks shared by the gathers ---- */

/* comm and recv non-NULL, dtype known; writes dtype's element size. Messages start with
   `function`. Returns a status. */
int32_t mlxmpi_internal_check_gather_basics(const char* function, const mlxmpi_comm* comm,
                                            const void* recv, int32_t dtype,
                                            int32_t* element_size);

/* send may be NULL only when count (called count_name in the message) is 0. Returns a status. */
int32_t mlxmpi_internal_check_send(const char* function, const char* count_name,
                                   const void* send, int64_t count);

/* *bytes = elements * element_size; returns 1 when both are >= 0 and the product fits in
   PTRDIFF_MAX (so also in MPI_Aint and in any pointer offset), else 0. Records nothing. */
int mlxmpi_internal_byte_size(int64_t elements, int64_t element_size, int64_t* bytes);

/* 1 when the byte ranges [a, a + a_bytes) and [b, b + b_bytes) share a byte; empty ranges
   share none. Neither range may wrap around the address space. */
int mlxmpi_internal_ranges_overlap(uintptr_t a, uint64_t a_bytes, uintptr_t b,
                                   uint64_t b_bytes);

/* Non-empty blocks [displs[r], displs[r] + counts[r]) of size ranks (counts >= 0, ends
   representable) must be pairwise disjoint; empty blocks overlap nothing. O(size) when the
   blocks are in rank order (displs a running sum), else one allocation and a sort. Returns
   MLXMPI_STATUS_INVALID_ARGUMENT naming the first overlapping pair, or OUT_OF_MEMORY. */
int32_t mlxmpi_internal_check_blocks_disjoint(const char* function, const int64_t* counts,
                                              const int64_t* displs, int32_t size);

/* ---- allgather.c ---- */

/* mlxmpi_allgather with an artificial per-call element limit: counts above `limit` go through a
   derived datatype exactly as counts above INT_MAX do, so tests can exercise that path with
   small buffers. limit must be in 1..INT_MAX. */
int32_t mlxmpi_internal_allgather_with_limit(mlxmpi_comm* comm, const void* send, void* recv,
                                             int64_t count, int32_t dtype, int64_t limit);

/* ---- allgatherv.c ---- */

/* mlxmpi_allgatherv with an artificial element limit: when any count, or the displacement of a
   non-empty block past the lowest non-empty block (what is passed to MPI), exceeds `limit`,
   the gather goes through the per-rank derived datatypes (MPI_Alltoallw) that MPI-3 libraries
   use beyond INT_MAX, with blocks split at `limit` elements, even on MPI-4 libraries. limit
   must be in 1..INT_MAX. */
int32_t mlxmpi_internal_allgatherv_with_limit(mlxmpi_comm* comm, const void* send,
                                              int64_t send_count, void* recv,
                                              const int64_t* counts, const int64_t* displs,
                                              int32_t dtype, int64_t limit);

/* ---- comm.c ---- */

/* The start of every function that returns a new handle: fails when `handle` (the output pointer, named in the
   message with `function`) is NULL, else sets *handle to NULL and requires MPI. Returns a status. */
int32_t mlxmpi_internal_begin_new_handle(const char* function, mlxmpi_comm** handle);

/* MPI_Comm_dup of parent, wrapped as a new handle (MPI_ERRORS_RETURN on the duplicate only). Returns a status. */
int32_t mlxmpi_internal_dup_communicator(MPI_Comm parent, mlxmpi_comm** handle);

/* ---- output_drain.c ---- */

/* Flushes stdio and waits until the readers of the descriptors fds (stdout and stderr: the
   launcher's proxy) have taken everything written to them, polling every millisecond for at most
   timeout_ms. Returns 1 when drained (descriptors whose backlog cannot be measured, such as
   files, count as drained), 0 on timeout. Called before MPI_Abort, which can make the launcher
   kill this process before it has read the reason for the abort. */
int mlxmpi_internal_wait_for_output_drain(const int* fds, int fd_count, int timeout_ms);

/* How long mlxmpi_abort waits for that: a reader that stopped reading (a paused pager) delays the
   abort by this much at most. */
enum { MLXMPI_ABORT_OUTPUT_DRAIN_MS = 1000 };

/* ---- reduce_ops.c ---- */

/* The MPI datatype and operation that reduce dtype with op (an mlxmpi_reduce_op), creating the
   user-defined operation on first use. Messages start with `function`. Returns a status. */
int32_t mlxmpi_internal_reduce_types(const char* function, int32_t dtype, int32_t op,
                                     MPI_Datatype* type, MPI_Op* mpi_op);

/* The conversions the float16 and bfloat16 operations round through, for the native tests. */
float mlxmpi_internal_half_to_float(uint16_t h);
uint16_t mlxmpi_internal_float_to_half(float f);
float mlxmpi_internal_bfloat_to_float(uint16_t b);
uint16_t mlxmpi_internal_float_to_bfloat(float f);

/* ---- allreduce.c and p2p.c: the exported functions with an artificial per-call element limit
   (1..INT_MAX), so tests reach the beyond-INT_MAX paths with small buffers ---- */

int32_t mlxmpi_internal_allreduce_with_limit(mlxmpi_comm* comm, const void* send, void* recv,
                                             int64_t count, int32_t dtype, int32_t op,
                                             int64_t limit);
int32_t mlxmpi_internal_reduce_scatter_with_limit(mlxmpi_comm* comm, const void* send,
                                                  void* recv, int64_t recv_count, int32_t dtype,
                                                  int32_t op, int64_t limit);
int32_t mlxmpi_internal_send_with_limit(mlxmpi_comm* comm, const void* buffer, int64_t count,
                                        int32_t dtype, int32_t dst, int32_t tag, int64_t limit);
int32_t mlxmpi_internal_recv_with_limit(mlxmpi_comm* comm, void* buffer, int64_t count,
                                        int32_t dtype, int32_t src, int32_t tag, int64_t limit);

#endif /* MLXMPI_INTERNAL_H */
