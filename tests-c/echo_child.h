/* The libqb echo server of tests-c/qb_echo_server.c as a child of a test: started on
 * shared memory, serving NAME in MODE ("raw", "compressed", "multipart"), the test waiting until
 * it says it listens. */
#ifndef PCMK_IPC_RS_TESTS_ECHO_CHILD_H
#define PCMK_IPC_RS_TESTS_ECHO_CHILD_H
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The server's pid (its stdout in *out, to close after it is gone), or -1 when it did not say
 * "ready". */
static inline pid_t start_echo(const char *path, const char *name, const char *mode, FILE **out)
{
    char line[64] = "";
    int fds[2];
    pid_t pid;

    if (pipe(fds) != 0) return -1;
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        execl(path, path, name, "shm", "0", mode, (char *) NULL);
        _exit(127);
    }
    close(fds[1]);
    *out = fdopen(fds[0], "r");
    if (pid < 0 || !fgets(line, sizeof(line), *out) || strncmp(line, "ready", 5)) {
        return -1;
    }
    return pid;
}

#endif
