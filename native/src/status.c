/*
 * status.c: status codes and the per-thread last error.
 *
 * The error lives in thread-local storage so that a failure on one thread can never be read
 * (or overwritten) by another: the managed side reads it right after a call returns a non-zero
 * status, on the same thread, and turns it into an exception. A successful call leaves it as it
 * was, like errno, so it always describes the most recent failure on this thread.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The managed side mirrors these numbers; renumbering would silently change their meaning. */
_Static_assert(MLXMPI_STATUS_OK == 0, "frozen status value");
_Static_assert(MLXMPI_STATUS_MPI_ERROR == 1, "frozen status value");
_Static_assert(MLXMPI_STATUS_INVALID_ARGUMENT == 2, "frozen status value");
_Static_assert(MLXMPI_STATUS_NOT_INITIALIZED == 3, "frozen status value");
_Static_assert(MLXMPI_STATUS_OUT_OF_MEMORY == 4, "frozen status value");
_Static_assert(MLXMPI_STATUS_COUNT_TOO_LARGE == 5, "frozen status value");
_Static_assert(MLXMPI_STATUS_DEVICE_UNAVAILABLE == 6, "frozen status value");
_Static_assert(MLXMPI_STATUS_DEVICE_ERROR == 7, "frozen status value");
/* The status is carried as int32_t across the ABI. */
_Static_assert(sizeof(mlxmpi_status) == sizeof(int32_t), "status enum must fit int32_t");
/* mlxmpi_last_error_class reports "not an MPI error" as 0. */
_Static_assert(MPI_SUCCESS == 0, "MPI_SUCCESS must be 0");
/* MPI's longest error text must fit next to a call name. */
_Static_assert(MPI_MAX_ERROR_STRING + 128 <= MLXMPI_LAST_ERROR_CAPACITY,
               "last error buffer too small for MPI error strings");

typedef struct last_error {
    int32_t error_class;
    int32_t length;
    char message[MLXMPI_LAST_ERROR_CAPACITY];
} last_error;

static _Thread_local last_error t_last_error;

static void store_message(const char* format, va_list args) {
    int written = vsnprintf(t_last_error.message, sizeof t_last_error.message, format, args);
    if (written < 0) {
        t_last_error.message[0] = '\0';
        written = 0;
    }
    /* Keep the stored length equal to what is really in the buffer, so the length that
       mlxmpi_last_error_message reports always matches the text it can copy out. */
    if ((size_t)written >= sizeof t_last_error.message) {
        written = (int)sizeof t_last_error.message - 1;
    }
    t_last_error.length = written;
}

int32_t mlxmpi_internal_fail(int32_t status, const char* format, ...) {
    va_list args;
    va_start(args, format);
    store_message(format, args);
    va_end(args);
    t_last_error.error_class = MPI_SUCCESS;
    return status;
}

static int32_t record_mpi_error(int32_t error_class, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

static int32_t record_mpi_error(int32_t error_class, const char* format, ...) {
    va_list args;
    va_start(args, format);
    store_message(format, args);
    va_end(args);
    t_last_error.error_class = error_class;
    return MLXMPI_STATUS_MPI_ERROR;
}

int32_t mlxmpi_internal_mpi_error(const char* call, int code) {
    char text[MPI_MAX_ERROR_STRING];
    int text_length = 0;
    /* MPI_ERR_UNKNOWN unless MPI can tell us better: a caller must always see a non-zero class
       for MLXMPI_STATUS_MPI_ERROR. */
    int error_class = MPI_ERR_UNKNOWN;

    /* MPI-3 allows the error queries only between MPI_Init and MPI_Finalize. */
    if (mlxmpi_internal_mpi_usable()) {
        if (MPI_Error_string(code, text, &text_length) != MPI_SUCCESS || text_length < 0) {
            text_length = 0;
        }
        int queried_class = MPI_SUCCESS;
        if (MPI_Error_class(code, &queried_class) == MPI_SUCCESS && queried_class != MPI_SUCCESS) {
            error_class = queried_class;
        }
    } else if (code > MPI_SUCCESS && code <= MPI_ERR_LASTCODE) {
        /* Predefined codes are their own class. */
        error_class = code;
    }

    while (text_length > 0 && (text[text_length - 1] == '\n' || text[text_length - 1] == ' ')) {
        text_length--;
    }
    if (text_length == 0) {
        return record_mpi_error(error_class, "%s failed: MPI error code %d", call, code);
    }
    return record_mpi_error(error_class, "%s failed: %.*s", call, text_length, text);
}

int32_t mlxmpi_internal_copy_text(const char* text, size_t length, char* buffer,
                                  int32_t capacity) {
    if (buffer != NULL && capacity > 0) {
        size_t copied = length < (size_t)capacity - 1 ? length : (size_t)capacity - 1;
        memcpy(buffer, text, copied);
        buffer[copied] = '\0';
    }
    return length > (size_t)INT32_MAX ? INT32_MAX : (int32_t)length;
}

MLXMPI_EXPORT int32_t mlxmpi_last_error_class(void) {
    return t_last_error.error_class;
}

MLXMPI_EXPORT int32_t mlxmpi_last_error_message(char* buffer, int32_t capacity) {
    return mlxmpi_internal_copy_text(t_last_error.message, (size_t)t_last_error.length, buffer,
                                     capacity);
}

const char* mlxmpi_internal_status_name(int32_t status) {
    switch (status) {
    case MLXMPI_STATUS_OK:
        return "OK";
    case MLXMPI_STATUS_MPI_ERROR:
        return "MPI_ERROR";
    case MLXMPI_STATUS_INVALID_ARGUMENT:
        return "INVALID_ARGUMENT";
    case MLXMPI_STATUS_NOT_INITIALIZED:
        return "NOT_INITIALIZED";
    case MLXMPI_STATUS_OUT_OF_MEMORY:
        return "OUT_OF_MEMORY";
    case MLXMPI_STATUS_COUNT_TOO_LARGE:
        return "COUNT_TOO_LARGE";
    case MLXMPI_STATUS_DEVICE_UNAVAILABLE:
        return "DEVICE_UNAVAILABLE";
    case MLXMPI_STATUS_DEVICE_ERROR:
        return "DEVICE_ERROR";
    default:
        return "unknown status";
    }
}
