/*
 * test_init_foreign.c: the application initialises MPI itself (as a job using another binding
 * would); mlxmpi_init must only report, mlxmpi_finalize must leave MPI alone, and once the
 * application finalizes MPI the shim must notice and refuse to call into it. The application's
 * MPI_COMM_WORLD and MPI_COMM_SELF keep the error handlers it gave them; only the shim's own
 * duplicates get MPI_ERRORS_RETURN.
 */
#include <string.h>

#include "internal.h"
#include "test_support.h"

static void count_error(MPI_Comm* comm, int* code, ...) {
    (void)comm;
    (void)code;
}

int main(int argc, char** argv) {
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        printf("FAIL MPI_Init\n");
        return 1;
    }
    int mpi_rank = -1;
    int mpi_size = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    test_set_rank(mpi_rank);
    CHECK(mlxmpi_is_initialized() == 1, "MPI_Init was not noticed");
    /* The application's own choice on MPI_COMM_WORLD; MPI_COMM_SELF keeps MPI's default. */
    MPI_Errhandler host_handler = MPI_ERRHANDLER_NULL;
    CHECK(MPI_Comm_create_errhandler(count_error, &host_handler) == MPI_SUCCESS,
          "MPI_Comm_create_errhandler failed");
    CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, host_handler) == MPI_SUCCESS,
          "MPI_Comm_set_errhandler(MPI_COMM_WORLD) failed");

    mlxmpi_init_info info;
    memset(&info, 0x7F, sizeof info);
    CHECK_STATUS(mlxmpi_init(MLXMPI_THREAD_MULTIPLE, &info), MLXMPI_STATUS_OK);
    int provided = -1;
    MPI_Query_thread(&provided);
    CHECK(info.initialized_by_shim == 0, "initialized_by_shim %d, expected 0",
          (int)info.initialized_by_shim);
    /* The level in force is the application's, not the one we asked for. */
    int32_t expected_level = provided == MPI_THREAD_MULTIPLE     ? MLXMPI_THREAD_MULTIPLE
                             : provided == MPI_THREAD_SERIALIZED ? MLXMPI_THREAD_SERIALIZED
                             : provided == MPI_THREAD_FUNNELED    ? MLXMPI_THREAD_FUNNELED
                                                                  : MLXMPI_THREAD_SINGLE;
    CHECK(info.provided_thread_level == expected_level,
          "provided_thread_level %d, MPI_Query_thread says %d", (int)info.provided_thread_level,
          provided);

    mlxmpi_comm* world = NULL;
    mlxmpi_comm* kept = NULL;
    CHECK_STATUS(mlxmpi_comm_world(&world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_comm_world(&kept), MLXMPI_STATUS_OK);
    CHECK(test_errhandler_is(MPI_COMM_WORLD, host_handler),
          "the application's MPI_COMM_WORLD lost its error handler");
    CHECK(test_errhandler_is(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL),
          "the application's MPI_COMM_SELF lost MPI_ERRORS_ARE_FATAL");
    if (world != NULL) {
        CHECK(test_errhandler_is(world->comm, MPI_ERRORS_RETURN),
              "the shim's duplicate of MPI_COMM_WORLD lacks MPI_ERRORS_RETURN");
    }

    /* Not ours to finalize. */
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    int finalized = 1;
    MPI_Finalized(&finalized);
    CHECK(finalized == 0, "mlxmpi_finalize finalized MPI that the application initialised");
    CHECK(mlxmpi_is_initialized() == 1, "not initialised after a no-op mlxmpi_finalize");

    /* Still fully usable, by us and by the application. */
    int32_t value = 1000 + mpi_rank;
    int32_t gathered[64];
    memset(gathered, TEST_POISON, sizeof gathered);
    if (world != NULL &&
        CHECK_STATUS(mlxmpi_allgather(world, &value, gathered, 1, MLXMPI_DTYPE_INT32),
                     MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
        for (int r = 0; r < mpi_size && r < 64; r++) {
            CHECK(gathered[r] == 1000 + r, "gathered[%d] = %d, expected %d", r, (int)gathered[r],
                  1000 + r);
        }
    }
    CHECK(MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS, "the application's MPI_Barrier failed");
    CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL) == MPI_SUCCESS,
          "restoring MPI_COMM_WORLD's handler failed");
    MPI_Errhandler_free(&host_handler);
    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);

    if (MPI_Finalize() != MPI_SUCCESS) {
        CHECK(0, "MPI_Finalize failed");
    }

    /* The shim learnt of MPI_Finalize from its MPI_COMM_SELF attribute: without that,
       this gather would make Open MPI abort the job. */
    CHECK(mlxmpi_is_initialized() == 0, "still initialised after the application's MPI_Finalize");
    if (kept != NULL) {
        CHECK_STATUS(mlxmpi_allgather(kept, &value, gathered, 1, MLXMPI_DTYPE_INT32),
                     MLXMPI_STATUS_NOT_INITIALIZED);
        CHECK_STATUS(mlxmpi_barrier(kept), MLXMPI_STATUS_NOT_INITIALIZED);
    }
    CHECK_STATUS(mlxmpi_comm_free(kept), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    mlxmpi_comm* late = NULL;
    CHECK_STATUS(mlxmpi_comm_world(&late), MLXMPI_STATUS_NOT_INITIALIZED);
    return test_finish("test_init_foreign");
}
