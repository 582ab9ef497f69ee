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
    MLXMPI_STATUS_DEVICE_UNAVAILABLE = 6, /* no runtime for a device kind (libcudart not found,
                                             Metal off macOS); the message says what was tried */
    MLXMPI_STATUS_DEVICE_ERROR = 7,      /* a device runtime call failed; the message names the
                                            call and quotes the runtime's error text */
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

/* Kinds of device memory (frozen values). */
typedef enum mlxmpi_device_kind {
    MLXMPI_DEVICE_CPU = 0,   /* host memory: no device functions; gather it with mlxmpi_allgather */
    MLXMPI_DEVICE_CUDA = 1,  /* CUDA device memory, through libcudart loaded at run time */
    MLXMPI_DEVICE_METAL = 2, /* Metal shared-storage buffers (Apple silicon; macOS builds only) */
} mlxmpi_device_kind;

/* How mlxmpi_allgather_device moved the data (frozen values); see mlxmpi_device_last_path. */
typedef enum mlxmpi_device_path {
    MLXMPI_DEVICE_PATH_NONE = 0,    /* no device gather has chosen a path on this thread yet */
    MLXMPI_DEVICE_PATH_DIRECT = 1,  /* device pointers went straight to a CUDA-aware MPI */
    MLXMPI_DEVICE_PATH_STAGING = 2, /* copied through pinned host buffers, ordered on the stream */
    MLXMPI_DEVICE_PATH_UNIFIED = 3, /* unified memory (Metal): gathered in place after a sync */
} mlxmpi_device_path;

/* Element-wise reductions (frozen values). How each dtype reduces: integers and float32/64 with
   MPI's own operations (integer sums wrap); bool: sum and max are logical OR, min logical AND
   (results 0 or 1); float16 and bfloat16: through float, rounded back to nearest even, NaN
   propagating in max and min; complex64: sum as MPI_C_FLOAT_COMPLEX, max and min ordered by
   real part, then imaginary part. */
typedef enum mlxmpi_reduce_op {
    MLXMPI_REDUCE_SUM = 0,
    MLXMPI_REDUCE_MAX = 1,
    MLXMPI_REDUCE_MIN = 2,
} mlxmpi_reduce_op;

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

/* Writes a new handle on the shim's own MPI_Comm_dup of native, a communicator that another
   binding (MPI.NET, mpi4py, the host program) created, to *comm. native is that MPI_Comm as an
   integer: the int handle on MPICH (sign- or zero-extended to 64 bits), the pointer on Open MPI.
   native itself is left as it was (error handler, attributes, ownership); only the duplicate
   gets MPI_ERRORS_RETURN. MPI must be initialised (by anyone) and mlxmpi_init called; an
   MPI_COMM_NULL, an out-of-range MPICH handle and an intercommunicator are
   MLXMPI_STATUS_INVALID_ARGUMENT. Collective over native. Free it with mlxmpi_comm_free.
   Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_comm_from_native(intptr_t native, mlxmpi_comm** comm);

/* Writes comm's MPI_Comm as an integer to *native, in the form mlxmpi_comm_from_native takes
   (MPICH's int handle sign-extended, Open MPI's pointer). comm keeps owning it: freeing it
   through another binding breaks comm. Calls no MPI. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_comm_native(mlxmpi_comm* comm, intptr_t* native);

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

/* MPI_Allreduce of count elements of dtype with op (an mlxmpi_reduce_op): recv receives count
   elements, each the reduction over the ranks of that element. send == recv reduces in place;
   any other overlap is MLXMPI_STATUS_INVALID_ARGUMENT. send may be NULL only when count is 0.
   Any count is accepted (MPI_Allreduce_c on MPI-4, consecutive pieces of at most INT_MAX
   elements on MPI-3). Collective over comm. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_allreduce(mlxmpi_comm* comm, const void* send, void* recv,
                                       int64_t count, int32_t dtype, int32_t op);

/* MPI_Reduce_scatter_block: send holds size(comm) * recv_count elements of dtype; rank r receives
   in recv (recv_count elements, not overlapping send) the reduction with op of every rank's
   block r, i.e. elements [r * recv_count, (r + 1) * recv_count). Any count is accepted
   (MPI_Reduce_scatter_block_c on MPI-4; on MPI-3 a block beyond INT_MAX is reduced onto its owner
   in pieces). Collective over comm. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_reduce_scatter(mlxmpi_comm* comm, const void* send, void* recv,
                                            int64_t recv_count, int32_t dtype, int32_t op);

/* MPI_Reduce_local: inout[i] = in[i] op inout[i] for count elements of dtype, on this rank alone,
   with the same datatypes and operations as mlxmpi_allreduce (so a reduction of payloads that
   arrived some other way gives the collective's result). in and inout must not overlap. Needs
   mlxmpi_init. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_reduce_local(const void* in, void* inout, int64_t count,
                                          int32_t dtype, int32_t op);

/* MPI_Send of count elements of dtype to rank dst of comm (not this rank), with tag in 0..32767.
   Any count is accepted (MPI_Send_c on MPI-4, a derived datatype on MPI-3). Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_send(mlxmpi_comm* comm, const void* buffer, int64_t count,
                                  int32_t dtype, int32_t dst, int32_t tag);

/* MPI_Recv of exactly count elements of dtype from rank src of comm (not this rank) with tag:
   a message of another length is an error (MLXMPI_STATUS_INVALID_ARGUMENT, or MPI's truncation
   error when it is longer). Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_recv(mlxmpi_comm* comm, void* buffer, int64_t count, int32_t dtype,
                                  int32_t src, int32_t tag);

/* MPI_Barrier over comm. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_barrier(mlxmpi_comm* comm);

/* Aborts every process of comm's job through MPI_Abort(errorcode), after waiting (at most 1 s)
   until the launcher has read what this process wrote to stdout and stderr, so the reason for
   the abort is not lost. Returns a status only when MPI_Abort itself fails. */
MLXMPI_EXPORT int32_t mlxmpi_abort(mlxmpi_comm* comm, int32_t errorcode);

/* ---- Device buffers ----
   Device memory is reached through hooks per mlxmpi_device_kind, loaded on first use:
   - CUDA: libcudart is opened with dlopen, so the shim needs no CUDA toolkit to build or run.
     Candidates: MLXMPI_CUDART_PATH when set (then the only one), else libcudart.so,
     libcudart.so.12, libcudart.so.11.0. A failed load is retried by the next call. Device
     pointers are cudaMalloc (or managed) addresses; a stream is a cudaStream_t, NULL meaning the
     legacy default stream of `device`. The calling thread's current CUDA device is the same on
     return as on entry.
   - Metal (macOS builds only; elsewhere MLXMPI_STATUS_DEVICE_UNAVAILABLE): device pointers are
     id<MTLBuffer> handles of shared-storage buffers, copies start at the buffer's first byte,
     and a stream is an id<MTLCommandQueue> (NULL: the caller has already waited for its work).
   - MLXMPI_DEVICE_CPU is host memory: only mlxmpi_device_count accepts it.
   CUDA pointers are checked against the runtime (a host pointer where device memory is
   expected, or memory of another device, is MLXMPI_STATUS_INVALID_ARGUMENT). A failed
   runtime call is MLXMPI_STATUS_DEVICE_ERROR, or MLXMPI_STATUS_OUT_OF_MEMORY when the runtime
   ran out of memory, with the runtime's own error text (cudaGetErrorString) in the message. */

/* Writes the number of devices of kind to *count: 1 for MLXMPI_DEVICE_CPU, 0 when libcudart
   loads but reports no GPU. Loads the hooks; MLXMPI_STATUS_DEVICE_UNAVAILABLE, naming every
   library tried, when they cannot be loaded. Needs no MPI. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_count(int32_t kind, int32_t* count);

/* Allocates bytes (>= 0) of memory on device (0 <= device < count) and writes its address
   to *ptr (NULL for 0 bytes). The contents are undefined. Needs no MPI. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_alloc(int32_t kind, int32_t device, int64_t bytes,
                                          void** ptr);

/* Frees ptr, from mlxmpi_device_alloc(kind, device, ...). Accepts NULL. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_free(int32_t kind, int32_t device, void* ptr);

/* Copies bytes (>= 0) from host memory src_host to device memory dst on device, ordered on
   stream after the work already queued there, then synchronises stream: the copy is complete
   when this returns, so src_host may be reused at once. Needs no MPI. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_copy_to_device(int32_t kind, int32_t device, void* dst,
                                                   const void* src_host, int64_t bytes,
                                                   void* stream);

/* Copies bytes (>= 0) from device memory src on device to host memory dst_host, ordered on
   stream, then synchronises stream: dst_host holds the data when this returns. Needs no MPI.
   Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_copy_to_host(int32_t kind, int32_t device, void* dst_host,
                                                 const void* src, int64_t bytes, void* stream);

/* Waits until the work queued on stream (NULL: device's default stream) has finished. Needs no
   MPI. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_synchronize(int32_t kind, int32_t device, void* stream);

/* Writes to *device the index of the device that owns ptr, or -1 when ptr is host memory (CUDA:
   cudaPointerGetAttributes; managed memory counts as its device's). Metal buffers cannot be
   queried (MLXMPI_STATUS_INVALID_ARGUMENT). Needs no MPI. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_query_pointer(int32_t kind, const void* ptr, int32_t* device);

/* Writes 1 to *flag when the MPI library reports at run time that it accepts CUDA device
   pointers (Open MPI's MPIX_Query_cuda_support, MPICH's MPIX_GPU_query_support), else 0; 0 when
   this shim was built against an MPI that has neither query. Needs mlxmpi_init; loads no CUDA.
   Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_is_cuda_aware(int32_t* flag);

/* mlxmpi_allgather of device memory: send (count elements of dtype) and recv (size(comm) * count
   elements) are device pointers on device, with the same rules as mlxmpi_allgather (no overlap;
   send may be NULL only when count is 0; any count, large ones through the same machinery).
   The data is gathered after the work queued on stream, and the function returns when the
   result is in recv (stream synchronised). The path:
   - CUDA, MPI CUDA-aware (mlxmpi_device_is_cuda_aware): DIRECT, device pointers given to MPI;
   - CUDA otherwise: STAGING, send copied to a pinned host buffer on stream, host buffers
     gathered, the result copied into recv on stream; the pinned buffers are cached by size
     class for later calls (see mlxmpi_device_release_staging);
   - Metal: UNIFIED, the queue synchronised and the buffers' shared contents gathered in place.
   MLXMPI_GPU_PATH=staging or =direct forces that CUDA path (direct on an MPI that is not
   CUDA-aware is for tests whose "device" memory is host memory); unset, empty or "auto" chooses
   as above; any other value is MLXMPI_STATUS_INVALID_ARGUMENT. The chosen path is readable with
   mlxmpi_device_last_path.
   Collective over comm. Failures are agreed on before any data moves: when preparing fails on
   any rank (an argument, the runtime, a staging copy), every rank returns that rank's status
   without gathering, the others with a message naming the rank. A failure after the gather (the
   copy into recv) is reported on its rank only. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_allgather_device(mlxmpi_comm* comm, int32_t kind, int32_t device,
                                              const void* send, void* recv, int64_t count,
                                              int32_t dtype, void* stream);

/* mlxmpi_allreduce of device memory (send == recv is not allowed here), and
   mlxmpi_reduce_scatter of device memory: the same paths, agreement and stream rules as
   mlxmpi_allgather_device. Collective over comm. Return a status. */
MLXMPI_EXPORT int32_t mlxmpi_allreduce_device(mlxmpi_comm* comm, int32_t kind, int32_t device,
                                              const void* send, void* recv, int64_t count,
                                              int32_t dtype, int32_t op, void* stream);
MLXMPI_EXPORT int32_t mlxmpi_reduce_scatter_device(mlxmpi_comm* comm, int32_t kind,
                                                   int32_t device, const void* send, void* recv,
                                                   int64_t recv_count, int32_t dtype, int32_t op,
                                                   void* stream);

/* Returns the mlxmpi_device_path that this thread's last mlxmpi_allgather_device chose (set once
   the path is chosen, also when the gather then fails), MLXMPI_DEVICE_PATH_NONE before any.
   (Returns a path, not a status.) */
MLXMPI_EXPORT int32_t mlxmpi_device_last_path(void);

/* Frees the idle pinned staging buffers that mlxmpi_allgather_device keeps for reuse (a gather
   running meanwhile returns its buffers to the cache afterwards). Also done when MPI is
   finalized. Returns a status. */
MLXMPI_EXPORT int32_t mlxmpi_device_release_staging(void);

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
