/*
 * test_valgrind_canary.c: proves that the valgrind run can still fail. Every rank splits the
 * world and never frees the handle, so the shim's own allocation in mlxmpi_comm_split is
 * definitely lost (its stack holds shim and test frames, none of Open MPI's). The CTest wrapper
 * expects memcheck's error exit code: if valgrind.supp ever grew broad enough to hide the
 * shim's own leaks, or memcheck stopped failing the job, this test would pass its program and
 * fail itself. Only built and run with MLXMPI_VALGRIND=ON.
 */
#include "test_support.h"

int main(void) {
    if (mlxmpi_init(MLXMPI_THREAD_SINGLE, NULL) != MLXMPI_STATUS_OK) {
        printf("FAIL mlxmpi_init: %s\n", test_last_error());
        return 1;
    }
    mlxmpi_comm* world = NULL;
    mlxmpi_comm* leaked = NULL;
    int32_t rank = -1;
    CHECK_STATUS(mlxmpi_comm_world(&world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_comm_rank(world, &rank), MLXMPI_STATUS_OK);
    test_set_rank(rank);
    CHECK_STATUS(mlxmpi_comm_split(world, 0, rank, &leaked), MLXMPI_STATUS_OK);
    CHECK(leaked != NULL, "mlxmpi_comm_split returned no handle");
    /* Drop the only pointer to the handle: without this the compiler may keep it in a
       register or on the stack, where memcheck would count the block as still reachable. */
    leaked = NULL;
    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_valgrind_canary");
}
