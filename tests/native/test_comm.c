/*
 * test_comm.c: the world handle and splits: sizes, ranks, key order, membership (checked by
 * gathering world ranks over the new communicator) and error handlers.
 */
#include <stdlib.h>

#include "internal.h"
#include "test_support.h"

/* Gathers every member's world rank over comm and compares with expected_members, which
   lists them in the order the new ranks should have. */
static void check_members(mlxmpi_comm* comm, int32_t world_rank, const int32_t* expected_members,
                          int32_t expected_size, const char* what) {
    int32_t size = -1;
    CHECK_STATUS(mlxmpi_comm_size(comm, &size), MLXMPI_STATUS_OK);
    CHECK(size == expected_size, "%s: size %d, expected %d", what, (int)size, (int)expected_size);
    if (size != expected_size) {
        return;
    }
    int32_t* members = malloc(sizeof *members * (size_t)size);
    if (members == NULL) {
        CHECK(0, "out of memory");
        return;
    }
    if (CHECK_STATUS(mlxmpi_allgather(comm, &world_rank, members, 1, MLXMPI_DTYPE_INT32),
                     MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
        for (int32_t i = 0; i < size; i++) {
            CHECK(members[i] == expected_members[i], "%s: rank %d is world rank %d, expected %d",
                  what, (int)i, (int)members[i], (int)expected_members[i]);
        }
    }
    free(members);
}

int main(void) {
    mlxmpi_init_info info;
    if (mlxmpi_init(MLXMPI_THREAD_SINGLE, &info) != MLXMPI_STATUS_OK) {
        printf("FAIL mlxmpi_init: %s\n", test_last_error());
        return 1;
    }
    int mpi_rank = -1;
    int mpi_size = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    test_set_rank(mpi_rank);

    mlxmpi_comm* world = NULL;
    if (CHECK_STATUS(mlxmpi_comm_world(&world), MLXMPI_STATUS_OK) != MLXMPI_STATUS_OK) {
        return test_finish("test_comm");
    }
    int32_t rank = -1;
    int32_t size = -1;
    CHECK_STATUS(mlxmpi_comm_rank(world, &rank), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_comm_size(world, &size), MLXMPI_STATUS_OK);
    CHECK(rank == mpi_rank, "world rank %d, MPI says %d", (int)rank, mpi_rank);
    CHECK(size == mpi_size, "world size %d, MPI says %d", (int)size, mpi_size);

    /* A duplicate, not MPI_COMM_WORLD itself: same group, separate traffic. */
    int comparison = MPI_UNEQUAL;
    MPI_Comm_compare(world->comm, MPI_COMM_WORLD, &comparison);
    CHECK(comparison == MPI_CONGRUENT, "world handle compares %d to MPI_COMM_WORLD, expected "
                                       "MPI_CONGRUENT (%d)",
          comparison, MPI_CONGRUENT);
    CHECK(test_errhandler_is(world->comm, MPI_ERRORS_RETURN),
          "world handle lacks MPI_ERRORS_RETURN");
    CHECK(test_errhandler_is(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
          "MPI_COMM_WORLD lacks MPI_ERRORS_RETURN");
    CHECK_STATUS(mlxmpi_barrier(world), MLXMPI_STATUS_OK);

    int32_t* expected = malloc(sizeof *expected * (size_t)size);
    if (expected == NULL) {
        CHECK(0, "out of memory");
        return test_finish("test_comm");
    }

    /* Parity split, key = rank: members in world order. */
    mlxmpi_comm* parity = NULL;
    if (CHECK_STATUS(mlxmpi_comm_split(world, rank % 2, rank, &parity), MLXMPI_STATUS_OK) ==
        MLXMPI_STATUS_OK) {
        int32_t n = 0;
        for (int32_t r = rank % 2; r < size; r += 2) {
            expected[n++] = r;
        }
        int32_t sub_rank = -1;
        CHECK_STATUS(mlxmpi_comm_rank(parity, &sub_rank), MLXMPI_STATUS_OK);
        CHECK(sub_rank == rank / 2, "parity rank %d, expected %d", (int)sub_rank, (int)(rank / 2));
        check_members(parity, rank, expected, n, "parity split");
        CHECK(test_errhandler_is(parity->comm, MPI_ERRORS_RETURN),
              "parity split lacks MPI_ERRORS_RETURN");

        /* Splitting a split, keys negative and reversed: the shim passes keys through. */
        mlxmpi_comm* reversed_parity = NULL;
        if (CHECK_STATUS(mlxmpi_comm_split(parity, 0, -rank, &reversed_parity),
                         MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
            for (int32_t i = 0; i < n / 2; i++) {
                int32_t t = expected[i];
                expected[i] = expected[n - 1 - i];
                expected[n - 1 - i] = t;
            }
            check_members(reversed_parity, rank, expected, n, "reversed parity split");
        }
        CHECK_STATUS(mlxmpi_comm_free(reversed_parity), MLXMPI_STATUS_OK);
    }
    CHECK_STATUS(mlxmpi_comm_free(parity), MLXMPI_STATUS_OK);

    /* One color, reversed keys: the order flips. */
    mlxmpi_comm* reversed = NULL;
    if (CHECK_STATUS(mlxmpi_comm_split(world, 0, size - 1 - rank, &reversed), MLXMPI_STATUS_OK) ==
        MLXMPI_STATUS_OK) {
        int32_t sub_rank = -1;
        mlxmpi_comm_rank(reversed, &sub_rank);
        CHECK(sub_rank == size - 1 - rank, "reversed rank %d, expected %d", (int)sub_rank,
              (int)(size - 1 - rank));
        for (int32_t i = 0; i < size; i++) {
            expected[i] = size - 1 - i;
        }
        check_members(reversed, rank, expected, size, "reversed split");
    }
    CHECK_STATUS(mlxmpi_comm_free(reversed), MLXMPI_STATUS_OK);

    /* Equal keys: ties keep the parent's order. */
    mlxmpi_comm* tied = NULL;
    if (CHECK_STATUS(mlxmpi_comm_split(world, 3, 0, &tied), MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
        for (int32_t i = 0; i < size; i++) {
            expected[i] = i;
        }
        check_members(tied, rank, expected, size, "tied split");
    }
    CHECK_STATUS(mlxmpi_comm_free(tied), MLXMPI_STATUS_OK);

    /* Every rank alone: a gather over one rank copies send to recv. */
    mlxmpi_comm* alone = NULL;
    if (CHECK_STATUS(mlxmpi_comm_split(world, rank, 0, &alone), MLXMPI_STATUS_OK) ==
        MLXMPI_STATUS_OK) {
        int32_t sub_rank = -1;
        mlxmpi_comm_rank(alone, &sub_rank);
        CHECK(sub_rank == 0, "singleton rank %d, expected 0", (int)sub_rank);
        expected[0] = rank;
        check_members(alone, rank, expected, 1, "singleton split");
    }
    CHECK_STATUS(mlxmpi_comm_free(alone), MLXMPI_STATUS_OK);

    /* A split gets MPI_ERRORS_RETURN even when its parent's handler was changed since. */
    MPI_Comm_set_errhandler(world->comm, MPI_ERRORS_ARE_FATAL);
    mlxmpi_comm* child = NULL;
    if (CHECK_STATUS(mlxmpi_comm_split(world, 0, rank, &child), MLXMPI_STATUS_OK) ==
        MLXMPI_STATUS_OK) {
        CHECK(test_errhandler_is(child->comm, MPI_ERRORS_RETURN),
              "split of a fatal-handler parent lacks "
                                                 "MPI_ERRORS_RETURN");
    }
    MPI_Comm_set_errhandler(world->comm, MPI_ERRORS_RETURN);
    CHECK_STATUS(mlxmpi_comm_free(child), MLXMPI_STATUS_OK);

    /* A second world handle is a communicator of its own. */
    mlxmpi_comm* world2 = NULL;
    if (CHECK_STATUS(mlxmpi_comm_world(&world2), MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
        MPI_Comm_compare(world->comm, world2->comm, &comparison);
        CHECK(comparison == MPI_CONGRUENT, "two world handles compare %d, expected MPI_CONGRUENT",
              comparison);
    }
    CHECK_STATUS(mlxmpi_comm_free(world2), MLXMPI_STATUS_OK);

    CHECK_STATUS(mlxmpi_comm_free(NULL), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_barrier(world), MLXMPI_STATUS_OK);
    free(expected);
    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_comm");
}
