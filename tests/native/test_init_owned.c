/*
 * test_init_owned.c: the shim initialises MPI itself (at the thread level given as argv[1]),
 * so it owns MPI_Finalize; after finalizing, nothing may call into MPI any more, and every
 * entry point must say so instead of crashing or aborting the job.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "test_support.h"

static int32_t to_shim_level(int level) {
    if (level == MPI_THREAD_MULTIPLE) {
        return MLXMPI_THREAD_MULTIPLE;
    }
    if (level == MPI_THREAD_SERIALIZED) {
        return MLXMPI_THREAD_SERIALIZED;
    }
    if (level == MPI_THREAD_FUNNELED) {
        return MLXMPI_THREAD_FUNNELED;
    }
    return MLXMPI_THREAD_SINGLE;
}

int main(int argc, char** argv) {
    int32_t requested = argc > 1 ? (int32_t)atoi(argv[1]) : MLXMPI_THREAD_SINGLE;

    CHECK(mlxmpi_is_initialized() == 0, "initialised before mlxmpi_init");
    /* MPICH's version text runs to a couple of kilobytes: size the buffer from the length. */
    int32_t version_length = mlxmpi_library_version(NULL, 0);
    char* version = malloc((size_t)version_length + 1);
    if (version == NULL) {
        printf("FAIL out of memory\n");
        return 1;
    }
    CHECK(version_length > 0 &&
              mlxmpi_library_version(version, version_length + 1) == version_length &&
              strlen(version) == (size_t)version_length,
          "library version before init: length %d, text \"%s\"", (int)version_length, version);
    char* first_line_end = strchr(version, '\n');

    mlxmpi_init_info info;
    memset(&info, 0x7F, sizeof info);
    if (CHECK_STATUS(mlxmpi_init(requested, &info), MLXMPI_STATUS_OK) != MLXMPI_STATUS_OK) {
        free(version);
        return test_finish("test_init_owned");
    }
    int mpi_rank = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    test_set_rank(mpi_rank);
    if (mpi_rank == 0) {
        printf("test_init_owned: %.*s; requested level %d, provided %d\n",
               first_line_end != NULL ? (int)(first_line_end - version) : version_length, version,
               (int)requested, (int)info.provided_thread_level);
    }

    int provided = -1;
    MPI_Query_thread(&provided);
    int version_major = 0;
    int version_minor = 0;
    MPI_Get_version(&version_major, &version_minor);
    CHECK(info.initialized_by_shim == 1, "initialized_by_shim %d, expected 1",
          (int)info.initialized_by_shim);
    CHECK(info.provided_thread_level == to_shim_level(provided),
          "provided_thread_level %d, MPI_Query_thread says %d", (int)info.provided_thread_level,
          provided);
    CHECK(info.mpi_version == version_major && info.mpi_subversion == version_minor,
          "MPI version %d.%d, MPI_Get_version says %d.%d", (int)info.mpi_version,
          (int)info.mpi_subversion, version_major, version_minor);
    CHECK(mlxmpi_is_initialized() == 1, "not initialised after mlxmpi_init");
    CHECK(test_errhandler_is(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
          "MPI_COMM_WORLD lacks MPI_ERRORS_RETURN");
    CHECK(test_errhandler_is(MPI_COMM_SELF, MPI_ERRORS_RETURN),
          "MPI_COMM_SELF lacks MPI_ERRORS_RETURN");

    /* A second init only reports: it did not initialise anything this time. */
    mlxmpi_init_info again;
    memset(&again, 0x7F, sizeof again);
    CHECK_STATUS(mlxmpi_init(MLXMPI_THREAD_MULTIPLE, &again), MLXMPI_STATUS_OK);
    CHECK(again.initialized_by_shim == 0, "second init: initialized_by_shim %d, expected 0",
          (int)again.initialized_by_shim);
    CHECK(again.provided_thread_level == info.provided_thread_level,
          "second init: provided level %d, first said %d", (int)again.provided_thread_level,
          (int)info.provided_thread_level);
    CHECK_STATUS(mlxmpi_init(MLXMPI_THREAD_SINGLE, NULL), MLXMPI_STATUS_OK);

    mlxmpi_comm* world = NULL;
    mlxmpi_comm* kept = NULL; /* outlives MPI, as a handle awaiting its finalizer would */
    CHECK_STATUS(mlxmpi_comm_world(&world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_comm_world(&kept), MLXMPI_STATUS_OK);
    int32_t value = mpi_rank;
    int32_t gathered[64];
    if (world != NULL) {
        CHECK_STATUS(mlxmpi_allgather(world, &value, gathered, 1, MLXMPI_DTYPE_INT32),
                     MLXMPI_STATUS_OK);
    }
    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);

    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    int finalized = 0;
    MPI_Finalized(&finalized);
    CHECK(finalized == 1, "mlxmpi_finalize did not finalize MPI");
    CHECK(mlxmpi_is_initialized() == 0, "still initialised after mlxmpi_finalize");

    /* Everything after this point must be refused without touching MPI. */
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_init(requested, &info), MLXMPI_STATUS_NOT_INITIALIZED);
    CHECK(strstr(test_last_error(), "finalized") != NULL,
          "re-init after finalize: message \"%s\" does not say finalized", test_last_error());
    mlxmpi_comm* late = NULL;
    CHECK_STATUS(mlxmpi_comm_world(&late), MLXMPI_STATUS_NOT_INITIALIZED);
    CHECK(late == NULL, "comm_world after finalize left a handle");
    if (kept != NULL) {
        CHECK_STATUS(mlxmpi_allgather(kept, &value, gathered, 1, MLXMPI_DTYPE_INT32),
                     MLXMPI_STATUS_NOT_INITIALIZED);
        CHECK_STATUS(mlxmpi_barrier(kept), MLXMPI_STATUS_NOT_INITIALIZED);
        mlxmpi_comm* sub = NULL;
        CHECK_STATUS(mlxmpi_comm_split(kept, 0, 0, &sub), MLXMPI_STATUS_NOT_INITIALIZED);
        CHECK_STATUS(mlxmpi_abort(kept, 3), MLXMPI_STATUS_NOT_INITIALIZED);
        int32_t kept_rank = -1;
        CHECK_STATUS(mlxmpi_comm_rank(kept, &kept_rank), MLXMPI_STATUS_OK);
        CHECK(kept_rank == mpi_rank, "rank after finalize %d, expected %d", (int)kept_rank,
              mpi_rank);
    }
    CHECK_STATUS(mlxmpi_comm_free(kept), MLXMPI_STATUS_OK);
    CHECK(mlxmpi_library_version(NULL, 0) == version_length,
          "library version length after finalize differs");
    free(version);
    return test_finish("test_init_owned");
}
