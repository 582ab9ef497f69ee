/*
 * mlxmpi_bench.c: the floor of the MlxMpi benchmark, plain MPI_Allgather timed in C.
 *
 * The benchmark process starts MPI through MlxMpi (Distributed.Init) and then calls these
 * functions for variant (a), so the floor is measured in the same processes, on the same
 * placement and in the same minutes as MlxMpi's own gathers. This library never initialises or
 * finalizes MPI. It works on its own duplicate of MPI_COMM_WORLD (made by mlxmpi_bench_open),
 * so its collectives can never match the library's.
 *
 * Every function returns 0 or an MPI error code (MPI_ERR_OTHER when MPI is not initialised or
 * mlxmpi_bench_open was not called); mlxmpi_bench_error_string turns a code into text. Calls
 * must come from one thread at a time.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mpi.h>

#define BENCH_EXPORT __attribute__((visibility("default")))

static MPI_Comm bench_comm = MPI_COMM_NULL;

static int mpi_ready(void) {
    int initialized = 0;
    int finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

/* Collective over MPI_COMM_WORLD: duplicates it for the benchmark. */
BENCH_EXPORT int32_t mlxmpi_bench_open(int32_t* rank, int32_t* size) {
    if (!mpi_ready()) {
        return MPI_ERR_OTHER;
    }
    if (bench_comm == MPI_COMM_NULL) {
        int rc = MPI_Comm_dup(MPI_COMM_WORLD, &bench_comm);
        if (rc != MPI_SUCCESS) {
            return rc;
        }
        MPI_Comm_set_errhandler(bench_comm, MPI_ERRORS_RETURN);
    }
    int r = 0;
    int s = 0;
    MPI_Comm_rank(bench_comm, &r);
    MPI_Comm_size(bench_comm, &s);
    *rank = r;
    *size = s;
    return MPI_SUCCESS;
}

/* Collective: frees the duplicate (call before MPI is finalized). */
BENCH_EXPORT int32_t mlxmpi_bench_close(void) {
    if (bench_comm == MPI_COMM_NULL || !mpi_ready()) {
        return MPI_SUCCESS;
    }
    return MPI_Comm_free(&bench_comm);
}

BENCH_EXPORT int32_t mlxmpi_bench_barrier(void) {
    if (bench_comm == MPI_COMM_NULL) {
        return MPI_ERR_OTHER;
    }
    return MPI_Barrier(bench_comm);
}

/* *value becomes the maximum of every rank's *value. */
BENCH_EXPORT int32_t mlxmpi_bench_max(double* value) {
    if (bench_comm == MPI_COMM_NULL) {
        return MPI_ERR_OTHER;
    }
    return MPI_Allreduce(MPI_IN_PLACE, value, 1, MPI_DOUBLE, MPI_MAX, bench_comm);
}

/* One raw collective of the benchmark, on the benchmark's communicator. */
typedef int (*raw_call)(const void* send, void* recv, int count);

static int raw_allgather(const void* send, void* recv, int count) {
    return MPI_Allgather(send, count, MPI_BYTE, recv, count, MPI_BYTE, bench_comm);
}

static int raw_allreduce(const void* send, void* recv, int count) {
    return MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, bench_comm);
}

/*
 * The timed raw loop: `warmup` untimed calls, a barrier, then `iterations` timed calls. *seconds receives the time
 * per call, averaged over the iterations on each rank and then the maximum over ranks (an OSU-style figure: the
 * slowest rank decides).
 */
static int32_t timed(raw_call call, const void* send, void* recv, int64_t count, int64_t warmup,
                     int64_t iterations, double* seconds) {
    if (bench_comm == MPI_COMM_NULL || !mpi_ready()) {
        return MPI_ERR_OTHER;
    }
    if (count < 0 || count > INT_MAX || iterations < 1 || warmup < 0) {
        return MPI_ERR_ARG;
    }
    for (int64_t i = 0; i < warmup; i++) {
        int rc = call(send, recv, (int)count);
        if (rc != MPI_SUCCESS) {
            return rc;
        }
    }
    int rc = MPI_Barrier(bench_comm);
    if (rc != MPI_SUCCESS) {
        return rc;
    }
    double start = MPI_Wtime();
    for (int64_t i = 0; i < iterations; i++) {
        rc = call(send, recv, (int)count);
        if (rc != MPI_SUCCESS) {
            return rc;
        }
    }
    double per_call = (MPI_Wtime() - start) / (double)iterations;
    rc = MPI_Allreduce(MPI_IN_PLACE, &per_call, 1, MPI_DOUBLE, MPI_MAX, bench_comm);
    if (rc != MPI_SUCCESS) {
        return rc;
    }
    *seconds = per_call;
    return MPI_SUCCESS;
}

/* MPI_Allgather of `bytes` bytes per rank from `send` into `recv` (size * bytes, preallocated by the caller). */
BENCH_EXPORT int32_t mlxmpi_bench_raw_allgather(const void* send, void* recv, int64_t bytes,
                                                int64_t warmup, int64_t iterations,
                                                double* seconds) {
    return timed(raw_allgather, send, recv, bytes, warmup, iterations, seconds);
}

/* The AllSum floor: MPI_Allreduce(MPI_SUM) of `count` floats from `send` into `recv` (count floats). */
BENCH_EXPORT int32_t mlxmpi_bench_raw_allreduce(const float* send, float* recv, int64_t count,
                                                int64_t warmup, int64_t iterations,
                                                double* seconds) {
    return timed(raw_allreduce, send, recv, count, warmup, iterations, seconds);
}

/* Writes the text of an MPI error code (or of MPI_ERR_OTHER's meaning here) into buffer. */
BENCH_EXPORT void mlxmpi_bench_error_string(int32_t code, char* buffer, int32_t capacity) {
    if (buffer == NULL || capacity <= 0) {
        return;
    }
    if (code == MPI_ERR_OTHER && (bench_comm == MPI_COMM_NULL || !mpi_ready())) {
        snprintf(buffer, (size_t)capacity, "MPI is not initialised or mlxmpi_bench_open was not called");
        return;
    }
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) {
        snprintf(text, sizeof text, "MPI error %d", (int)code);
    }
    snprintf(buffer, (size_t)capacity, "%s", text);
}

/* The MPI library's own version string (MPI_Get_library_version), for the report. */
BENCH_EXPORT void mlxmpi_bench_mpi_version(char* buffer, int32_t capacity) {
    if (buffer == NULL || capacity <= 0) {
        return;
    }
    char text[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(text, &length);
    text[strcspn(text, "\n")] = '\0';
    snprintf(buffer, (size_t)capacity, "%s", text);
}
