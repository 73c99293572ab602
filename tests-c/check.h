/* A minimal checking helper for the C suite: each CHECK prints one line ("ok - ..." or
 * "not ok - ..."), and DONE prints the closing "N passed, N failed" and the exit status. */
#ifndef PCMK_IPC_RS_TESTS_CHECK_H
#define PCMK_IPC_RS_TESTS_CHECK_H
#include <stdio.h>

static int checks_passed, checks_failed;

#define CHECK(cond, ...) do { \
        int ok_ = (cond) ? 1 : 0; \
        printf("%s - ", ok_ ? "ok" : "not ok"); \
        printf(__VA_ARGS__); \
        printf("\n"); \
        if (ok_) checks_passed++; else checks_failed++; \
    } while (0)

/* The size of a file in bytes, -1 if it cannot be opened. */
static inline long check_file_size(const char *path)
{
    FILE *f = fopen(path, "r");
    long n;
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return n;
}

#define DONE() do { \
        printf("%d passed, %d failed\n", checks_passed, checks_failed); \
        return checks_failed ? 1 : 0; \
    } while (0)

#endif
