/*
 * test_support.h: checks, reporting and reproducible random data for the native tests.
 *
 * Each test program keeps going after a failed check (stopping early on one rank would leave
 * the other ranks waiting in a collective), prints one line per failure prefixed with its rank,
 * and returns non-zero from main if anything failed, which makes mpiexec fail too.
 */
#ifndef MLXMPI_TEST_SUPPORT_H
#define MLXMPI_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mpi.h>

#include "mlxmpi.h"

/* The byte that receive buffers are filled with before a gather. Generated data never
   contains it, so any byte the gather failed to write is caught. */
#define TEST_POISON 0xCD

void test_set_rank(int rank);
int test_failure_count(void);

void test_fail(const char* file, int line, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

#define CHECK(condition, ...)                                   \
    do {                                                        \
        if (!(condition)) {                                     \
            test_fail(__FILE__, __LINE__, __VA_ARGS__);         \
        }                                                       \
    } while (0)

/* Checks that a shim call returned `expected`; on mismatch prints both statuses and the
   shim's last error message. Evaluates to the status actually returned. */
#define CHECK_STATUS(call, expected) \
    test_check_status((call), (expected), #call, __FILE__, __LINE__)
int32_t test_check_status(int32_t status, int32_t expected, const char* call, const char* file,
                          int line);

/* Expects status and a message mentioning `needle`, with error class 0 (not an MPI error). */
#define CHECK_FAILS(call, status, needle)                                                       \
    do {                                                                                        \
        if (CHECK_STATUS(call, status) == (status)) {                                           \
            CHECK(strstr(test_last_error(), (needle)) != NULL,                                  \
                  "%s: message \"%s\" does not mention \"%s\"", #call, test_last_error(),       \
                  (needle));                                                                    \
            CHECK(mlxmpi_last_error_class() == MPI_SUCCESS, "%s: error class %d, expected 0",   \
                  #call, (int)mlxmpi_last_error_class());                                       \
        }                                                                                       \
    } while (0)

/* 1 when comm's error handler is `expected` (the reference MPI_Comm_get_errhandler returns is
   freed), 0 otherwise or when the query fails. */
int test_errhandler_is(MPI_Comm comm, MPI_Errhandler expected);

/* The start the multi-rank tests share: mlxmpi_init at MPI_THREAD_SINGLE, the world
   communicator, this rank and the size (reports are prefixed with the rank from then on).
   Returns 1; on failure reports it and returns 0, and main should return test_finish(). */
int test_start_world(mlxmpi_comm** world, int32_t* rank, int32_t* size);

/* This thread's last shim error message (a buffer owned by the caller's thread). */
const char* test_last_error(void);

const char* test_status_name(int32_t status);

/* A seed shared by every rank of comm: rank 0 draws it from the clock and its pid (or takes
   MLXMPI_TEST_SEED from the environment, to replay a failure) and broadcasts it. Printed by
   rank 0 so a failing run can be reproduced. */
uint64_t test_shared_seed(MPI_Comm comm, const char* test_name);

/* Fills bytes with data determined by (seed, a, b, c): any rank can regenerate any other
   rank's block. Never produces TEST_POISON, and never an all-zero buffer. */
void test_fill(void* bytes, size_t length, uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

/* Compares got with expected; on mismatch reports one line with the first differing offset
   and the number of differing bytes. Returns 1 when equal. */
int test_expect_bytes(const void* got, const void* expected, size_t length, const char* what,
                      const char* file, int line);
#define CHECK_BYTES(got, expected, length, ...)                                            \
    do {                                                                                   \
        char what_[256];                                                                   \
        snprintf(what_, sizeof what_, __VA_ARGS__);                                        \
        test_expect_bytes((got), (expected), (length), what_, __FILE__, __LINE__);         \
    } while (0)

/* Checks that every byte is TEST_POISON. Returns 1 when so. */
int test_expect_poison(const void* bytes, size_t length, const char* what, const char* file,
                       int line);

/* Prints the verdict line and returns the exit code for main. */
int test_finish(const char* test_name);

#endif /* MLXMPI_TEST_SUPPORT_H */
