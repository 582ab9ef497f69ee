/*
 * test_errors.c: how failures are reported. Invalid arguments, use before init, genuine MPI
 * failures (arguments MPI itself rejects, under MPI_ERRORS_RETURN), the copy-out semantics of
 * mlxmpi_last_error_message, and that the last error belongs to one thread.
 */
#define _GNU_SOURCE /* pthread with -std=c11 */

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "test_support.h"

static void check_before_init(void) {
    mlxmpi_comm fake = {MPI_COMM_NULL, 0, 1};
    int32_t value = 1;
    int32_t recv[4];
    mlxmpi_comm* comm = &fake; /* must be reset to NULL on failure */
    CHECK(mlxmpi_is_initialized() == 0, "initialised before mlxmpi_init");
    CHECK_FAILS(mlxmpi_comm_world(&comm), MLXMPI_STATUS_NOT_INITIALIZED, "mlxmpi_init");
    CHECK(comm == NULL, "comm_world failure left a handle");
    CHECK_FAILS(mlxmpi_allgather(&fake, &value, recv, 1, MLXMPI_DTYPE_INT32),
                MLXMPI_STATUS_NOT_INITIALIZED, "not initialised");
    const int64_t counts[1] = {1};
    const int64_t displs[1] = {0};
    CHECK_FAILS(mlxmpi_allgatherv(&fake, &value, 1, recv, counts, displs, MLXMPI_DTYPE_INT32),
                MLXMPI_STATUS_NOT_INITIALIZED, "not initialised");
    CHECK_FAILS(mlxmpi_barrier(&fake), MLXMPI_STATUS_NOT_INITIALIZED, "not initialised");
    CHECK_FAILS(mlxmpi_comm_split(&fake, 0, 0, &comm), MLXMPI_STATUS_NOT_INITIALIZED,
                "not initialised");
    /* Before init, abort must refuse rather than kill the process. */
    CHECK_FAILS(mlxmpi_abort(NULL, 9), MLXMPI_STATUS_NOT_INITIALIZED, "not initialised");
    CHECK_FAILS(mlxmpi_init(4, NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "requested_thread_level");
    CHECK_FAILS(mlxmpi_init(-1, NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "requested_thread_level");
    CHECK(mlxmpi_is_initialized() == 0, "a refused mlxmpi_init initialised MPI");
}

static void check_invalid_arguments(mlxmpi_comm* world) {
    int64_t send[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int64_t recv[64];
    CHECK_FAILS(mlxmpi_allgather(NULL, send, recv, 1, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "comm");
    CHECK_FAILS(mlxmpi_allgather(world, send, NULL, 1, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "recv");
    CHECK_FAILS(mlxmpi_allgather(world, send, NULL, 0, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "recv");
    CHECK_FAILS(mlxmpi_allgather(world, send, recv, -1, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "count");
    CHECK_FAILS(mlxmpi_allgather(world, send, recv, INT64_MIN, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "count");
    CHECK_FAILS(mlxmpi_allgather(world, NULL, recv, 3, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "send");
    CHECK_FAILS(mlxmpi_allgather(world, send, recv, 1, -1), MLXMPI_STATUS_INVALID_ARGUMENT,
                "dtype");
    CHECK_FAILS(mlxmpi_allgather(world, send, recv, 1, MLXMPI_DTYPE_COUNT),
                MLXMPI_STATUS_INVALID_ARGUMENT, "dtype");
    /* recv would start inside send, and send inside recv. */
    CHECK_FAILS(mlxmpi_allgather(world, recv + 1, recv, 1, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "overlap");
    CHECK_FAILS(mlxmpi_allgather(world, recv, recv + 1, 2, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_INVALID_ARGUMENT, "overlap");
    /* Counts no address space holds; the pointers are never dereferenced. */
    void* far_send = (void*)(uintptr_t)0x1000;
    void* far_recv = (void*)((uintptr_t)1 << 46);
    CHECK_FAILS(mlxmpi_allgather(world, far_send, far_recv, INT64_MAX, MLXMPI_DTYPE_UINT8),
                MLXMPI_STATUS_COUNT_TOO_LARGE, "count");
    CHECK_FAILS(mlxmpi_allgather(world, far_send, far_recv, INT64_MAX / 4, MLXMPI_DTYPE_INT64),
                MLXMPI_STATUS_COUNT_TOO_LARGE, "count");
    /* Representable in bytes, but more than INT_MAX blocks of the limit. */
    CHECK_FAILS(mlxmpi_internal_allgather_with_limit(world, far_send, far_recv,
                                                     (int64_t)INT_MAX * 4, MLXMPI_DTYPE_UINT8, 1),
                MLXMPI_STATUS_COUNT_TOO_LARGE, "INT_MAX");
    CHECK_FAILS(mlxmpi_internal_allgather_with_limit(world, send, recv, 1, MLXMPI_DTYPE_INT64, 0),
                MLXMPI_STATUS_INVALID_ARGUMENT, "limit");

    mlxmpi_comm* sub = world; /* must be reset to NULL on failure */
    CHECK_FAILS(mlxmpi_comm_split(world, -1, 0, &sub), MLXMPI_STATUS_INVALID_ARGUMENT, "color");
    CHECK(sub == NULL, "failed split left a handle");
    CHECK_FAILS(mlxmpi_comm_split(world, INT32_MIN, 0, &sub), MLXMPI_STATUS_INVALID_ARGUMENT,
                "color");
    CHECK_FAILS(mlxmpi_comm_split(NULL, 0, 0, &sub), MLXMPI_STATUS_INVALID_ARGUMENT, "comm");
    CHECK_FAILS(mlxmpi_comm_split(world, 0, 0, NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "subgroup");
    CHECK_FAILS(mlxmpi_comm_world(NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "comm");
    int32_t out = 0;
    CHECK_FAILS(mlxmpi_comm_rank(NULL, &out), MLXMPI_STATUS_INVALID_ARGUMENT, "comm");
    CHECK_FAILS(mlxmpi_comm_rank(world, NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "rank");
    CHECK_FAILS(mlxmpi_comm_size(NULL, &out), MLXMPI_STATUS_INVALID_ARGUMENT, "comm");
    CHECK_FAILS(mlxmpi_comm_size(world, NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "size");
    CHECK_FAILS(mlxmpi_barrier(NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "comm");
}

static int is_open_mpi(void) {
    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(library, &length);
    return strstr(library, "Open MPI") != NULL;
}

/* Expects an MPI failure of `call` reported as "<mpi_call> failed: <MPI's text>", with
   expected_class (any non-zero class when expected_class is -1). */
static void expect_mpi_error(int32_t status, const char* call, const char* mpi_call,
                             int expected_class, int line) {
    if (test_check_status(status, MLXMPI_STATUS_MPI_ERROR, call, __FILE__, line) !=
        MLXMPI_STATUS_MPI_ERROR) {
        return;
    }
    const char* message = test_last_error();
    int error_class = mlxmpi_last_error_class();
    CHECK(error_class != MPI_SUCCESS, "%s: error class 0 for an MPI error", call);
    CHECK(expected_class == -1 || error_class == expected_class,
          "%s: error class %d, expected %d", call, error_class, expected_class);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s failed: ", mpi_call);
    CHECK(strncmp(message, prefix, strlen(prefix)) == 0 && strlen(message) > strlen(prefix),
          "%s: message \"%s\" is not \"%s<MPI text>\"", call, message, prefix);
    /* Open MPI's text for a predefined code is the class's own text, e.g.
       "MPI_ERR_COMM: invalid communicator"; other MPIs add detail, so there only the prefix
       is certain. */
    if (is_open_mpi() && error_class != MPI_SUCCESS) {
        char class_text[MPI_MAX_ERROR_STRING];
        int class_text_length = 0;
        MPI_Error_string(error_class, class_text, &class_text_length);
        CHECK(strstr(message, class_text) != NULL, "%s: message \"%s\" lacks MPI's text \"%s\"",
              call, message, class_text);
    }
}

static void check_mpi_errors(mlxmpi_comm* world) {
    /* MPI_IN_PLACE is not a buffer the shim can tell apart, but MPI rejects it as the receive
       buffer of MPI_Allgather: a genuine MPI failure on a valid communicator, returned rather
       than fatal because the communicator has MPI_ERRORS_RETURN. Every rank fails the same
       way before any communication, so no rank is left waiting. */
    int open_mpi = is_open_mpi();
    int32_t send[16] = {0};
    expect_mpi_error(mlxmpi_allgather(world, send, MPI_IN_PLACE, 4, MLXMPI_DTYPE_INT32),
                     "mlxmpi_allgather", "MPI_Allgather", open_mpi ? MPI_ERR_ARG : -1, __LINE__);
    expect_mpi_error(mlxmpi_internal_allgather_with_limit(world, send, MPI_IN_PLACE, 9,
                                                          MLXMPI_DTYPE_INT32, 4),
                     "allgather through a derived type", "MPI_Allgather",
                     open_mpi ? MPI_ERR_ARG : -1, __LINE__);

    /* MPI_COMM_NULL is a communicator MPI rejects; the error is raised on MPI_COMM_WORLD,
       which mlxmpi_init set to MPI_ERRORS_RETURN. (Not tried with MPI_Allgather: Open MPI
       4.1 dereferences the communicator there before validating it, and crashes.) */
    mlxmpi_comm broken = {MPI_COMM_NULL, 0, 1};
    expect_mpi_error(mlxmpi_barrier(&broken), "mlxmpi_barrier", "MPI_Barrier", MPI_ERR_COMM,
                     __LINE__);
    mlxmpi_comm* sub = NULL;
    expect_mpi_error(mlxmpi_comm_split(&broken, 0, 0, &sub), "mlxmpi_comm_split",
                     "MPI_Comm_split", MPI_ERR_COMM, __LINE__);
    CHECK(sub == NULL, "failed split left a handle");

    /* The helper itself, with a code whose class is known. */
    expect_mpi_error(mlxmpi_internal_mpi_error("MPI_Test", MPI_ERR_TRUNCATE), "mpi_error helper",
                     "MPI_Test", MPI_ERR_TRUNCATE, __LINE__);

    /* A later non-MPI failure resets the class. */
    CHECK_FAILS(mlxmpi_barrier(NULL), MLXMPI_STATUS_INVALID_ARGUMENT, "comm");
}

static void check_message_copy_out(mlxmpi_comm* world) {
    mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s", "abcdefghij");
    char buffer[32];
    memset(buffer, 'X', sizeof buffer);
    CHECK(mlxmpi_last_error_message(NULL, 0) == 10, "length with NULL buffer");
    CHECK(mlxmpi_last_error_message(NULL, 50) == 10, "length with NULL buffer and capacity");
    CHECK(mlxmpi_last_error_message(buffer, 0) == 10 && buffer[0] == 'X',
          "capacity 0 wrote to the buffer");
    CHECK(mlxmpi_last_error_message(buffer, -5) == 10 && buffer[0] == 'X',
          "negative capacity wrote to the buffer");
    CHECK(mlxmpi_last_error_message(buffer, 1) == 10 && buffer[0] == '\0' && buffer[1] == 'X',
          "capacity 1 must write just the NUL");
    CHECK(mlxmpi_last_error_message(buffer, 5) == 10 && strcmp(buffer, "abcd") == 0 &&
              buffer[5] == 'X',
          "capacity 5: got \"%s\"", buffer);
    CHECK(mlxmpi_last_error_message(buffer, 10) == 10 && strcmp(buffer, "abcdefghi") == 0,
          "capacity 10: got \"%s\"", buffer);
    CHECK(mlxmpi_last_error_message(buffer, 11) == 10 && strcmp(buffer, "abcdefghij") == 0,
          "capacity 11: got \"%s\"", buffer);
    CHECK(mlxmpi_last_error_message(buffer, (int32_t)sizeof buffer) == 10 &&
              strcmp(buffer, "abcdefghij") == 0,
          "large capacity: got \"%s\"", buffer);

    /* A success leaves the last failure in place, like errno. */
    int32_t rank = -1;
    CHECK_STATUS(mlxmpi_comm_rank(world, &rank), MLXMPI_STATUS_OK);
    CHECK(strcmp(test_last_error(), "abcdefghij") == 0,
          "a success changed the last error to \"%s\"",
          test_last_error());

    /* Longer than the shim keeps: stored cut to fit, and the length says what is stored. */
    size_t long_length = 3 * MLXMPI_LAST_ERROR_CAPACITY;
    char* long_text = malloc(long_length + 1);
    if (long_text != NULL) {
        for (size_t i = 0; i < long_length; i++) {
            long_text[i] = (char)('a' + (i % 26));
        }
        long_text[long_length] = '\0';
        mlxmpi_internal_fail(MLXMPI_STATUS_INVALID_ARGUMENT, "%s", long_text);
        int32_t stored = mlxmpi_last_error_message(NULL, 0);
        CHECK(stored == MLXMPI_LAST_ERROR_CAPACITY - 1, "long message length %d, expected %d",
              (int)stored, MLXMPI_LAST_ERROR_CAPACITY - 1);
        char* copy = malloc((size_t)stored + 1);
        if (copy != NULL) {
            CHECK(mlxmpi_last_error_message(copy, stored + 1) == stored &&
                      strlen(copy) == (size_t)stored &&
                      strncmp(copy, long_text, (size_t)stored) == 0,
                  "long message does not round-trip");
        }
        free(copy);
    }
    free(long_text);

    /* The library version follows the same convention. */
    int32_t full = mlxmpi_library_version(NULL, 0);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    CHECK(full > 3, "library version length %d", (int)full);
    CHECK(mlxmpi_library_version(version, 4) == full && strlen(version) == 3,
          "library version cut to capacity 4: \"%s\"", version);
    CHECK(mlxmpi_library_version(version, (int32_t)sizeof version) == full &&
              strlen(version) == (size_t)full,
          "library version: \"%s\" is not %d bytes", version, (int)full);
}

typedef struct thread_result {
    int32_t length_seen;
    int32_t class_seen;
    int32_t own_status;
    char own_message[256];
} thread_result;

static void* other_thread(void* argument) {
    thread_result* result = argument;
    result->length_seen = mlxmpi_last_error_message(NULL, 0);
    result->class_seen = mlxmpi_last_error_class();
    /* An error of its own, reached without any MPI call (MPI runs at MPI_THREAD_SINGLE). */
    result->own_status = mlxmpi_comm_split(NULL, 0, 0, NULL);
    mlxmpi_last_error_message(result->own_message, (int32_t)sizeof result->own_message);
    return NULL;
}

static void check_thread_locality(void) {
    mlxmpi_internal_mpi_error("MPI_Main_thread", MPI_ERR_TRUNCATE);
    char before[512];
    mlxmpi_last_error_message(before, (int32_t)sizeof before);
    int32_t class_before = mlxmpi_last_error_class();

    thread_result result;
    memset(&result, 0, sizeof result);
    pthread_t thread;
    if (pthread_create(&thread, NULL, other_thread, &result) != 0) {
        CHECK(0, "pthread_create failed");
        return;
    }
    pthread_join(thread, NULL);
    CHECK(result.length_seen == 0, "a new thread sees a last error of %d bytes",
          (int)result.length_seen);
    CHECK(result.class_seen == 0, "a new thread sees error class %d", (int)result.class_seen);
    CHECK(result.own_status == MLXMPI_STATUS_INVALID_ARGUMENT && result.own_message[0] != '\0',
          "the thread's own failure: status %d, message \"%s\"", (int)result.own_status,
          result.own_message);
    CHECK(strcmp(test_last_error(), before) == 0 && mlxmpi_last_error_class() == class_before,
          "the other thread's failure replaced this thread's error: \"%s\"", test_last_error());
}

int main(void) {
    test_set_rank(-1);
    check_before_init();

    if (CHECK_STATUS(mlxmpi_init(MLXMPI_THREAD_SINGLE, NULL), MLXMPI_STATUS_OK) !=
        MLXMPI_STATUS_OK) {
        return test_finish("test_errors");
    }
    int mpi_rank = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    test_set_rank(mpi_rank);

    mlxmpi_comm* world = NULL;
    if (CHECK_STATUS(mlxmpi_comm_world(&world), MLXMPI_STATUS_OK) == MLXMPI_STATUS_OK) {
        check_invalid_arguments(world);
        check_mpi_errors(world);
        check_message_copy_out(world);
        check_thread_locality();
        /* After all those failures the communicator still works. */
        CHECK_STATUS(mlxmpi_barrier(world), MLXMPI_STATUS_OK);
    }
    CHECK_STATUS(mlxmpi_comm_free(world), MLXMPI_STATUS_OK);
    CHECK_STATUS(mlxmpi_finalize(), MLXMPI_STATUS_OK);
    return test_finish("test_errors");
}
