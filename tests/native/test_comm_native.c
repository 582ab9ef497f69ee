/*
 * test_comm_native.c: adopting a communicator "another binding" made (here: the test itself,
 * through plain MPI, as MPI.NET or mpi4py would) and handing ours out. The shim must work on a
 * duplicate, leave the caller's communicator and its error handler alone, round-trip the
 * integer form, and refuse MPI_COMM_NULL and intercommunicators with a message.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "test_support.h"

static intptr_t as_integer(MPI_Comm comm) {
    if (sizeof comm == sizeof(intptr_t)) {
        intptr_t wide;
        memcpy(&wide, &comm, sizeof wide);
        return wide;
    }
    int32_t narrow;
    memcpy(&narrow, &comm, sizeof narrow);
    return narrow;
}

static MPI_Errhandler handler_of(MPI_Comm comm) {
    MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
    MPI_Comm_get_errhandler(comm, &handler);
    return handler; /* predefined handlers only here: nothing to free */
}

int main(void) {
    /* Before mlxmpi_init nothing may be adopted: the shim has no MPI to talk to yet. */
    mlxmpi_comm* early = NULL;
    int32_t status = mlxmpi_comm_from_native(0, &early);
    if (status != MLXMPI_STATUS_NOT_INITIALIZED || early != NULL) {
        printf("FAIL before mlxmpi_init: status %d, expected NOT_INITIALIZED\n", (int)status);
        return 1;
    }

    mlxmpi_comm* world = NULL;
    int32_t rank = -1;
    int32_t size = -1;
    if (!test_start_world(&world, &rank, &size)) {
        return test_finish("test_comm_native");
    }

    /* The "host's" communicator: reversed order, so a rank mix-up shows, and fatal errors as
       MPI.NET leaves them. */
    MPI_Comm host = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, 0, size - 1 - rank, &host);
    MPI_Comm_set_errhandler(host, MPI_ERRORS_ARE_FATAL);

    mlxmpi_comm* adopted = NULL;
    if (CHECK_STATUS(mlxmpi_comm_from_native(as_integer(host), &adopted), MLXMPI_STATUS_OK) ==
        MLXMPI_STATUS_OK) {
        int32_t sub_rank = -1;
        int32_t sub_size = -1;
        CHECK_STATUS(mlxmpi_comm_rank(adopted, &sub_rank), MLXMPI_STATUS_OK);
        CHECK_STATUS(mlxmpi_comm_size(adopted, &sub_size), MLXMPI_STATUS_OK);
        CHECK(sub_rank == size - 1 - rank, "adopted rank %d, expected %d", (int)sub_rank,
              (int)(size - 1 - rank));
        CHECK(sub_size == size, "adopted size %d, expected %d", (int)sub_size, (int)size);

        int comparison = MPI_UNEQUAL;
        MPI_Comm_compare(adopted->comm, host, &comparison);
        CHECK(comparison == MPI_CONGRUENT, "adopted communicator compares %d to the host's, "
                                           "expected a duplicate (MPI_CONGRUENT %d)",
              comparison, MPI_CONGRUENT);
        CHECK(handler_of(adopted->comm) == MPI_ERRORS_RETURN, "the duplicate lacks MPI_ERRORS_RETURN");
        CHECK(handler_of(host) == MPI_ERRORS_ARE_FATAL, "the host's communicator lost its handler");

        intptr_t native = 0;
        CHECK_STATUS(mlxmpi_comm_native(adopted, &native), MLXMPI_STATUS_OK);
        CHECK(native == as_integer(adopted->comm), "mlxmpi_comm_native gave %lld, the handle is %lld",
              (long long)native, (long long)as_integer(adopted->comm));
        CHECK(native != as_integer(host), "mlxmpi_comm_native gave the host's own handle back");

        /* Gather world ranks over the adopted communicator: block r comes from the world rank
           that is r in the host's reversed order. */
        int32_t* members = malloc(sizeof *members * (size_t)size);
        if (members != NULL) {
            memset(members, TEST_POISON, sizeof *members * (size_t)size);
            if (CHECK_STATUS(mlxmpi_allgather(adopted, &rank, members, 1, MLXMPI_DTYPE_INT32),
                             MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
                for (int32_t r = 0; r < size; r++) {
                    CHECK(members[r] == size - 1 - r, "block %d is world rank %d, expected %d",
                          (int)r, (int)members[r], (int)(size - 1 - r));
                }
            }
            free(members);
        }

        /* Our handle handed out and adopted again: a duplicate of a duplicate still works. */
        mlxmpi_comm* again = NULL;
        if (CHECK_STATUS(mlxmpi_comm_from_native(native, &again), MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
            int32_t again_rank = -1;
            mlxmpi_comm_rank(again, &again_rank);
            CHECK(again_rank == sub_rank, "re-adopted rank %d, expected %d", (int)again_rank, (int)sub_rank);
        }
        CHECK_STATUS(mlxmpi_comm_free(again), MLXMPI_STATUS_OK);
    }
    CHECK_STATUS(mlxmpi_comm_free(adopted), MLXMPI_STATUS_OK);
    /* Freeing our duplicate left the host's communicator alive. */
    int host_size = -1;
    CHECK(MPI_Comm_size(host, &host_size) == MPI_SUCCESS && host_size == size,
          "the host's communicator broke after the duplicate was freed");

    mlxmpi_comm* none = NULL;
    CHECK_FAILS(mlxmpi_comm_from_native(as_integer(MPI_COMM_NULL), &none), MLXMPI_STATUS_INVALID_ARGUMENT,
                "MPI_COMM_NULL");
    CHECK(none == NULL, "a failed adoption wrote a handle");
    CHECK_FAILS(mlxmpi_comm_from_native(as_integer(host), NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "NULL");
    if (sizeof(MPI_Comm) < sizeof(intptr_t)) {
        CHECK_FAILS(mlxmpi_comm_from_native((intptr_t)1 << 40, &none), MLXMPI_STATUS_INVALID_ARGUMENT,
                    "32-bit");
    }

    /* An intercommunicator between the even and the odd ranks (needs 2 ranks or more). */
    if (size >= 2) {
        MPI_Comm half = MPI_COMM_NULL;
        MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
        MPI_Comm inter = MPI_COMM_NULL;
        MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, rank % 2 == 0 ? 1 : 0, 77, &inter);
        CHECK_FAILS(mlxmpi_comm_from_native(as_integer(inter), &none), MLXMPI_STATUS_INVALID_ARGUMENT,
                    "intercommunicator");
        MPI_Comm_free(&inter);
        MPI_Comm_free(&half);
    }

    MPI_Comm_free(&host);
    mlxmpi_comm_free(world);
    int failures = test_finish("test_comm_native");
    mlxmpi_finalize();
    return failures;
}
