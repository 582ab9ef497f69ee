/*
 * mlxmpi.h: the C ABI of the MlxMpi shim around MPI.
 *
 * The managed bindings in bindings/ are generated from this file (scripts/generate_bindings.py),
 * so everything here is part of a frozen ABI:
 *   - every export is prefixed mlxmpi_ and uses fixed-width types only;
 *   - every function returns an mlxmpi_status (0 = success) unless its comment says otherwise;
 *     on failure the message and MPI error class of the failure are kept per thread and read
 *     back with mlxmpi_last_error_message / mlxmpi_last_error_class;
 *   - enum values are frozen (checked by static asserts in native/src/status.c, dtype.c and
 *     init.c, which also pins the layout of mlxmpi_init_info): append new values, never
 *     renumber;
 *   - a failure's message and class stay readable until the next failure on the same thread:
 *     a successful call does not clear them (like errno).
 * Every function that calls MPI requires a successful mlxmpi_init first and returns
 * MLXMPI_STATUS_NOT_INITIALIZED before it and after MPI_Finalize (whoever called it).
 * No function here calls MPI_Abort or exits the process: every MPI call runs under
 * MPI_ERRORS_RETURN and its failure comes back as MLXMPI_STATUS_MPI_ERROR.
 */
#ifndef MLXMPI_H
#define MLXMPI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define MLXMPI_EXPORT __declspec(dllexport)
#else
#define MLXMPI_EXPORT __attribute__((visibility("default")))
#endif

/* Status codes returned by every function (frozen values). */
typedef enum mlxmpi_status {
    MLXMPI_STATUS_OK = 0,
    MLXMPI_STATUS_MPI_ERROR = 1,         /* an MPI call failed; see mlxmpi_last_error_class */
    MLXMPI_STATUS_INVALID_ARGUMENT = 2,  /* a null pointer, a negative count, an unknown dtype */
    MLXMPI_STATUS_NOT_INITIALIZED = 3,   /* MPI is not initialised (or already finalized) */
    MLXMPI_STATUS_OUT_OF_MEMORY = 4,
    MLXMPI_STATUS_COUNT_TOO_LARGE = 5,   /* a count this MPI cannot express */
} mlxmpi_status;

/* Element types, in the order of MLX's Dtype as exposed by MlxMpi (frozen values). */
typedef enum mlxmpi_dtype {
    MLXMPI_DTYPE_BOOL = 0,
    MLXMPI_DTYPE_UINT8 = 1,
    MLXMPI_DTYPE_UINT16 = 2,
    MLXMPI_DTYPE_UINT32 = 3,
    MLXMPI_DTYPE_UINT64 = 4,
    MLXMPI_DTYPE_INT8 = 5,
    MLXMPI_DTYPE_INT16 = 6,
    MLXMPI_DTYPE_INT32 = 7,
    MLXMPI_DTYPE_INT64 = 8,
    MLXMPI_DTYPE_FLOAT16 = 9,    /* moved as 2-byte elements */
    MLXMPI_DTYPE_BFLOAT16 = 10,  /* moved as 2-byte elements */
    MLXMPI_DTYPE_FLOAT32 = 11,
    MLXMPI_DTYPE_FLOAT64 = 12,
    MLXMPI_DTYPE_COMPLEX64 = 13, /* moved as 8-byte elements */
    MLXMPI_DTYPE_COUNT = 14,
} mlxmpi_dtype;

/* MPI thread support levels, as requested from MPI_Init_thread (frozen values). */
typedef enum mlxmpi_thread_level {
    MLXMPI_THREAD_SINGLE = 0,
    MLXMPI_THREAD_FUNNELED = 1,
    MLXMPI_THREAD_SERIALIZED = 2,
    MLXMPI_THREAD_MULTIPLE = 3,
} mlxmpi_thread_level;

/* An MPI communicator owned by the shim. Opaque: only pointers to it cross the ABI. */
typedef struct mlxmpi_comm mlxmpi_comm;

/* What mlxmpi_init found and did; filled on success. */
typedef struct mlxmpi_init_info {
    int32_t provided_thread_level; /* an mlxmpi_thread_level */
    int32_t initialized_by_shim;   /* 1 when this call ran MPI_Init_thread (and so owns finalize) */
    int32_t mpi_version;           /* MPI standard version, e.g. 3 */
    int32_t mpi_subversion;        /* e.g. 1 */
} mlxmpi_init_info;

/* Returns the size in bytes of one element of dtype, or 0 when dtype is not an mlxmpi_dtype.
   (Returns a size, not a status.) */
MLXMPI_EXPORT int32_t mlxmpi_dtype_size(int32_t dtype);

/* Returns 1 when MPI_Init has been called and MPI_Finalize has not, else 0.
   (Returns a flag, not a status; safe to call at any time.) */
MLXMPI_EXPORT int32_t mlxmpi_is_initialized(void);

/* Initialises MPI with MPI_Init_thread(requested_thread_level) unless it is already initialised
   (by this shim or by any other binding in the process), in which case it only reports the
   level in force. Sets MPI_ERRORS_RETURN on MPI_COMM_WORLD and MPI_COMM_SELF (where MPI-3 and
   MPI-4 raise errors that belong to no communicator of ours). Calling it again is allowed and
   only reports. info may be NULL. Fails with MLXMPI_STATUS_NOT_INITIALIZED once MPI has been
   finalized (MPI cannot be initialised twice). Call it and mlxmpi_finalize from one thread at
   a time. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_init(int32_t requested_thread_level, mlxmpi_init_info* info);

/* Calls MPI_Finalize only if mlxmpi_init initialised MPI and it is not finalized yet; otherwise
   does nothing and returns MLXMPI_STATUS_OK. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_finalize(void);

/* Writes a new handle on a duplicate of MPI_COMM_WORLD (MPI_ERRORS_RETURN set) to *comm.
   Free it with mlxmpi_comm_free. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_comm_world(mlxmpi_comm** comm);

/* MPI_Comm_split: ranks with the same color form one new communicator, ordered by key (ties by
   rank in comm). color must be >= 0. Writes the new handle to *subgroup. Collective over comm.
   Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_comm_split(mlxmpi_comm* comm, int32_t color, int32_t key,
                                        mlxmpi_comm** subgroup);

/* Frees comm and its MPI communicator (MPI_Comm_free, collective in MPI terms but local in
   practice). Accepts NULL. After MPI is finalized only the handle is released. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_comm_free(mlxmpi_comm* comm);

/* Writes this process's rank in comm to *rank (read once when comm was created, so it calls no
   MPI). Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_comm_rank(mlxmpi_comm* comm, int32_t* rank);

/* Writes the number of ranks in comm to *size (read once when comm was created). Returns a
   status. */
MLXMPI_EXPORT int32_t mlxmpi_comm_size(mlxmpi_comm* comm, int32_t* size);

/* MPI_Allgather of count elements of dtype per rank: recv receives size(comm) * count elements,
   rank r's block at element offset r * count. send and recv must not overlap (checked:
   MLXMPI_STATUS_INVALID_ARGUMENT). send may be NULL only when count is 0; recv must never be
   NULL. Any count is accepted: above INT_MAX it goes through MPI_Allgather_c (MPI-4) or a derived
   datatype (MPI-3); MLXMPI_STATUS_COUNT_TOO_LARGE only when size(comm) * count elements cannot
   be addressed at all. Collective over comm. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_allgather(mlxmpi_comm* comm, const void* send, void* recv,
                                       int64_t count, int32_t dtype);

/* MPI_Allgatherv, for gathers whose first dimension differs between ranks: this rank contributes
   send_count elements of dtype; rank r's counts[r] elements land in recv at element offset
   displs[r]. counts and displs have size(comm) entries each, identical on every rank, with
   send_count == counts[rank]; blocks must not overlap each other nor send. send may be NULL only
   when send_count is 0; recv must never be NULL. Any count and displacement is accepted: above
   INT_MAX it goes through MPI_Allgatherv_c (MPI-4) or per-rank derived datatypes (MPI-3).
   Collective over comm. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_allgatherv(mlxmpi_comm* comm, const void* send, int64_t send_count,
                                        void* recv, const int64_t* counts, const int64_t* displs,
                                        int32_t dtype);

/* MPI_Barrier over comm. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_barrier(mlxmpi_comm* comm);

/* Aborts every process of comm's job through MPI_Abort(errorcode). Returns a status only when
   MPI_Abort itself fails. */
MLXMPI_EXPORT int32_t mlxmpi_abort(mlxmpi_comm* comm, int32_t errorcode);

/* Returns the MPI error class of this thread's last MLXMPI_STATUS_MPI_ERROR (MPI_SUCCESS, 0,
   when the last failure was not an MPI error). (Returns a class, not a status.) */
MLXMPI_EXPORT int32_t mlxmpi_last_error_class(void);

/* Copies this thread's last error message, NUL-terminated and truncated to fit, into buffer of
   capacity bytes. Returns the full length of the message in bytes without the NUL (0 if there
   was none), so a caller can retry with a larger buffer. (Returns a length, not a status.) */
MLXMPI_EXPORT int32_t mlxmpi_last_error_message(char* buffer, int32_t capacity);

/* Writes the MPI library's version string (MPI_Get_library_version), NUL-terminated and
   truncated to fit, into buffer of capacity bytes. Callable before MPI_Init. Returns the full
   length in bytes without the NUL. (Returns a length, not a status.) */
MLXMPI_EXPORT int32_t mlxmpi_library_version(char* buffer, int32_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* MLXMPI_H */
