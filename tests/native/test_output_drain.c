/*
 * test_output_drain.c: the wait before MPI_Abort for the launcher to read what a rank wrote.
 * Pipes and sockets stand in for the launcher's; a thread reads them late, or never.
 * Needs no MPI launch.
 */
#define _GNU_SOURCE /* clock_gettime, nanosleep, socketpair with -std=c11 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "test_support.h"

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

typedef struct late_reader {
    int fd;
    int delay_ms;
    size_t expected;
    size_t received;
    unsigned char last;
} late_reader;

static void* read_late(void* argument) {
    late_reader* reader = argument;
    struct timespec delay = {reader->delay_ms / 1000, (reader->delay_ms % 1000) * 1000000L};
    nanosleep(&delay, NULL);
    unsigned char buffer[4096];
    while (reader->received < reader->expected) {
        ssize_t n = read(reader->fd, buffer, sizeof buffer);
        if (n <= 0) {
            break;
        }
        reader->received += (size_t)n;
        reader->last = buffer[n - 1];
    }
    return NULL;
}

/* Writes `bytes` random bytes to write_fd, lets a thread read them from read_fd after delay_ms,
   and checks that the wait returns drained only once the reader has taken them all. */
static void expect_waits_for_reader(const char* what, int write_fd, int read_fd, size_t bytes,
                                    int delay_ms) {
    unsigned char* data = malloc(bytes);
    for (size_t i = 0; i < bytes; i++) {
        data[i] = (unsigned char)(rand() % 251 + 1);
    }
    CHECK(write(write_fd, data, bytes) == (ssize_t)bytes, "%s: write failed", what);
    late_reader reader = {read_fd, delay_ms, bytes, 0, 0};
    pthread_t thread;
    pthread_create(&thread, NULL, read_late, &reader);
    double start = now_ms();
    int drained = mlxmpi_internal_wait_for_output_drain(&write_fd, 1, 5000);
    double waited = now_ms() - start;
    /* Read before joining: the wait may only end once the reader has emptied the channel. */
    size_t received_at_return = reader.received;
    pthread_join(thread, NULL);
    CHECK(drained == 1, "%s: the wait timed out after %.0f ms with a reader", what, waited);
    CHECK(waited >= delay_ms - 5, "%s: returned after %.0f ms, before the reader (%d ms) read",
          what, waited, delay_ms);
    CHECK(waited < delay_ms + 2000, "%s: returned %.0f ms after the reader read", what,
          waited - delay_ms);
    CHECK(received_at_return == bytes, "%s: returned with %zu of %zu bytes read", what,
          received_at_return, bytes);
    CHECK(reader.received == bytes && reader.last == data[bytes - 1],
          "%s: the reader got %zu of %zu bytes", what, reader.received, bytes);
    free(data);
}

static void expect_times_out(const char* what, int write_fd, int timeout_ms) {
    const char text[] = "nobody reads this\n";
    CHECK(write(write_fd, text, sizeof text) == (ssize_t)sizeof text, "%s: write failed", what);
    double start = now_ms();
    int drained = mlxmpi_internal_wait_for_output_drain(&write_fd, 1, timeout_ms);
    double waited = now_ms() - start;
    CHECK(drained == 0, "%s: reported drained with nobody reading", what);
    CHECK(waited >= timeout_ms && waited < timeout_ms + 1000,
          "%s: waited %.0f ms, timeout %d ms", what, waited, timeout_ms);
}

static void expect_no_wait(const char* what, int fd) {
    double start = now_ms();
    int drained = mlxmpi_internal_wait_for_output_drain(&fd, 1, 2000);
    double waited = now_ms() - start;
    CHECK(drained == 1, "%s: not reported drained", what);
    CHECK(waited < 500, "%s: waited %.0f ms for a descriptor nobody drains", what, waited);
}

int main(void) {
    srand((unsigned)time(NULL));

    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0, "pipe failed");
    expect_waits_for_reader("pipe, one line", pipe_fds[1], pipe_fds[0], 200, 150);
    expect_waits_for_reader("pipe, 60 KiB", pipe_fds[1], pipe_fds[0], 60 * 1024, 100);
    expect_times_out("pipe nobody reads", pipe_fds[1], 120);
    close(pipe_fds[0]);
    close(pipe_fds[1]);

    int socket_fds[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, socket_fds) == 0, "socketpair failed");
    expect_waits_for_reader("unix socket", socket_fds[0], socket_fds[1], 4000, 120);
    expect_times_out("unix socket nobody reads", socket_fds[0], 120);
    close(socket_fds[0]);
    close(socket_fds[1]);

    /* Both descriptors are polled: one drained, one not, is not drained. */
    int first[2];
    int second[2];
    CHECK(pipe(first) == 0 && pipe(second) == 0, "pipe failed");
    CHECK(write(second[1], "x", 1) == 1, "write failed");
    int both[] = {first[1], second[1]};
    CHECK(mlxmpi_internal_wait_for_output_drain(both, 2, 50) == 0,
          "the second of two descriptors was not waited for");
    char byte = 0;
    CHECK(read(second[0], &byte, 1) == 1 && byte == 'x', "read back failed");
    CHECK(mlxmpi_internal_wait_for_output_drain(both, 2, 50) == 1,
          "two empty pipes not reported drained");
    close(first[0]);
    close(first[1]);
    close(second[0]);
    close(second[1]);

    FILE* file = tmpfile();
    CHECK(file != NULL && fputs("written to a file\n", file) >= 0 && fflush(file) == 0,
          "tmpfile failed");
    expect_no_wait("regular file", fileno(file));
    fclose(file);
    int null_fd = open("/dev/null", O_WRONLY);
    CHECK(write(null_fd, "x", 1) == 1, "write to /dev/null failed");
    expect_no_wait("/dev/null", null_fd);
    close(null_fd);
    expect_no_wait("closed descriptor", 1000);

    return test_finish("test_output_drain");
}
