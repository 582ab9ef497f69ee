/*
 * test_dlopen.c: the shim loaded the way .NET loads it, with dlopen(RTLD_LOCAL), from a program
 * that does not link MPI itself. Checks the exported surface (every mlxmpi.h function, none of
 * the internal ones), that MPI's symbols become global once mlxmpi_init runs (Open MPI's
 * components may need them there), and that a gather works end to end.
 *
 * argv[1] is the path of libmlxmpi.so.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "mlxmpi.h"

static int g_failures;
static int g_rank = -1;

#define EXPECT(condition, ...)                                       \
    do {                                                             \
        if (!(condition)) {                                          \
            printf("[rank %d] FAIL test_dlopen.c:%d: ", g_rank, __LINE__); \
            printf(__VA_ARGS__);                                     \
            printf("\n");                                            \
            fflush(stdout);                                          \
            g_failures++;                                            \
        }                                                            \
    } while (0)

static const char* const exported[] = {
    "mlxmpi_dtype_size",       "mlxmpi_is_initialized", "mlxmpi_init",
    "mlxmpi_finalize",         "mlxmpi_comm_world",     "mlxmpi_comm_split",
    "mlxmpi_comm_free",        "mlxmpi_comm_rank",      "mlxmpi_comm_size",
    "mlxmpi_allgather",        "mlxmpi_allgatherv",     "mlxmpi_barrier",
    "mlxmpi_abort",
    "mlxmpi_last_error_class", "mlxmpi_last_error_message", "mlxmpi_library_version",
    "mlxmpi_device_count",     "mlxmpi_device_alloc",   "mlxmpi_device_free",
    "mlxmpi_device_copy_to_device", "mlxmpi_device_copy_to_host", "mlxmpi_device_synchronize",
    "mlxmpi_device_query_pointer",  "mlxmpi_device_is_cuda_aware", "mlxmpi_allgather_device",
    "mlxmpi_device_last_path", "mlxmpi_device_release_staging",
};

static const char* const hidden[] = {
    "mlxmpi_internal_allgather_with_limit", "mlxmpi_internal_allgatherv_with_limit",
    "mlxmpi_internal_count_type",           "mlxmpi_internal_fail",
    "mlxmpi_internal_mpi_error",            "mlxmpi_internal_split_count",
    "mlxmpi_internal_require_mpi",          "mlxmpi_internal_promote_mpi_symbols",
    "mlxmpi_internal_cuda_hooks",           "mlxmpi_internal_staging_acquire",
    "mlxmpi_internal_allgather_device_with_limit",
};

/* ISO C cannot convert dlsym's void* to a function pointer; copying the bits can. */
#define LOAD(library, name, pointer)                                 \
    do {                                                             \
        void* symbol_ = dlsym((library), (name));                    \
        EXPECT(symbol_ != NULL, "%s is not exported", (name));       \
        memcpy(&(pointer), &symbol_, sizeof(pointer));               \
    } while (0)

int main(int argc, char** argv) {
    if (argc < 2) {
        printf("usage: test_dlopen path/to/libmlxmpi.so\n");
        return 2;
    }
    EXPECT(dlsym(RTLD_DEFAULT, "MPI_Init_thread") == NULL,
           "MPI is visible before loading the shim: the test would prove nothing");

    void* library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        printf("FAIL dlopen(%s): %s\n", argv[1], dlerror());
        return 1;
    }
    for (size_t i = 0; i < sizeof exported / sizeof exported[0]; i++) {
        EXPECT(dlsym(library, exported[i]) != NULL, "%s is not exported", exported[i]);
    }
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
        EXPECT(dlsym(library, hidden[i]) == NULL, "internal %s is exported", hidden[i]);
    }
    EXPECT(dlsym(RTLD_DEFAULT, "MPI_Init_thread") == NULL,
           "MPI became global merely by loading the shim with RTLD_LOCAL");

    int32_t (*init)(int32_t, mlxmpi_init_info*) = NULL;
    int32_t (*finalize)(void) = NULL;
    int32_t (*comm_world)(mlxmpi_comm**) = NULL;
    int32_t (*comm_rank)(mlxmpi_comm*, int32_t*) = NULL;
    int32_t (*comm_size)(mlxmpi_comm*, int32_t*) = NULL;
    int32_t (*comm_free)(mlxmpi_comm*) = NULL;
    int32_t (*allgather)(mlxmpi_comm*, const void*, void*, int64_t, int32_t) = NULL;
    int32_t (*last_error_message)(char*, int32_t) = NULL;
    LOAD(library, "mlxmpi_init", init);
    LOAD(library, "mlxmpi_finalize", finalize);
    LOAD(library, "mlxmpi_comm_world", comm_world);
    LOAD(library, "mlxmpi_comm_rank", comm_rank);
    LOAD(library, "mlxmpi_comm_size", comm_size);
    LOAD(library, "mlxmpi_comm_free", comm_free);
    LOAD(library, "mlxmpi_allgather", allgather);
    LOAD(library, "mlxmpi_last_error_message", last_error_message);
    if (g_failures > 0) {
        return 1;
    }

    char message[512] = "";
    mlxmpi_init_info info = {0, 0, 0, 0};
    int32_t status = init(MLXMPI_THREAD_SINGLE, &info);
    if (status != MLXMPI_STATUS_OK) {
        last_error_message(message, (int32_t)sizeof message);
        printf("FAIL mlxmpi_init: status %d: %s\n", (int)status, message);
        return 1;
    }
    EXPECT(info.initialized_by_shim == 1, "initialized_by_shim %d", (int)info.initialized_by_shim);
    EXPECT(dlsym(RTLD_DEFAULT, "MPI_Init_thread") != NULL,
           "mlxmpi_init did not make the MPI library global");

    mlxmpi_comm* world = NULL;
    int32_t rank = -1;
    int32_t size = -1;
    status = comm_world(&world);
    EXPECT(status == MLXMPI_STATUS_OK, "mlxmpi_comm_world: status %d", (int)status);
    if (world != NULL) {
        comm_rank(world, &rank);
        comm_size(world, &size);
        g_rank = rank;
        int64_t value = 0x0102030405060708LL * (rank + 1);
        int64_t gathered[64];
        memset(gathered, 0xCD, sizeof gathered);
        status = allgather(world, &value, gathered, 1, MLXMPI_DTYPE_INT64);
        EXPECT(status == MLXMPI_STATUS_OK, "mlxmpi_allgather: status %d", (int)status);
        for (int32_t r = 0; status == MLXMPI_STATUS_OK && r < size && r < 64; r++) {
            EXPECT(gathered[r] == 0x0102030405060708LL * (r + 1), "gathered[%d] = %llx", (int)r,
                   (unsigned long long)gathered[r]);
        }
        EXPECT(comm_free(world) == MLXMPI_STATUS_OK, "mlxmpi_comm_free failed");
    }
    EXPECT(finalize() == MLXMPI_STATUS_OK, "mlxmpi_finalize failed");
    /* Left loaded on purpose: the shim made libmpi global, and unloading MPI is not safe. */
    printf("[rank %d] test_dlopen: %s\n", (int)rank, g_failures == 0 ? "PASS" : "FAILED");
    return g_failures == 0 ? 0 : 1;
}
