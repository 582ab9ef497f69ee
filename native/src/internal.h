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

/* ---- allgather.c ---- */

/* mlxmpi_allgather with an artificial per-call element limit: counts above `limit` go through a
   derived datatype exactly as counts above INT_MAX do, so tests can exercise that path with
   small buffers. limit must be in 1..INT_MAX. */
int32_t mlxmpi_internal_allgather_with_limit(mlxmpi_comm* comm, const void* send, void* recv,
                                             int64_t count, int32_t dtype, int64_t limit);

#endif /* MLXMPI_INTERNAL_H */
