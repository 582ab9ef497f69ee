/*
 * test_abort.c: mlxmpi_abort ends the whole job with the given error code. The last rank
 * aborts (through its world handle, or the NULL handle meaning MPI_COMM_WORLD when argv[1] is
 * "null") while the others wait in a barrier that can only end by the abort; the CTest wrapper
 * checks that mpiexec exits with code 7.
 */
#include <string.h>

#include "test_support.h"

int main(int argc, char** argv) {
    int use_null = argc > 1 && strcmp(argv[1], "null") == 0;
    if (mlxmpi_init(MLXMPI_THREAD_SINGLE, NULL) != MLXMPI_STATUS_OK) {
        printf("FAIL mlxmpi_init: %s\n", test_last_error());
        return 1;
    }
    mlxmpi_comm* world = NULL;
    if (mlxmpi_comm_world(&world) != MLXMPI_STATUS_OK) {
        printf("FAIL mlxmpi_comm_world: %s\n", test_last_error());
        return 1;
    }
    int32_t rank = 0;
    int32_t size = 0;
    mlxmpi_comm_rank(world, &rank);
    mlxmpi_comm_size(world, &size);
    if (rank == size - 1) {
        int32_t status = mlxmpi_abort(use_null ? NULL : world, 7);
        printf("[rank %d] FAIL mlxmpi_abort returned %d: %s\n", (int)rank, (int)status,
               test_last_error());
        return 1;
    }
    mlxmpi_barrier(world);
    printf("[rank %d] FAIL the barrier ended without the abort\n", (int)rank);
    return 1;
}
