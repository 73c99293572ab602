/* A minimal checking helper for the C suite: each CHECK prints one line ("ok - ..." or
 * "not ok - ..."), and DONE prints the closing "N passed, N failed" and the exit status. */
#ifndef PCMK_IPC_RS_TESTS_CHECK_H
#define PCMK_IPC_RS_TESTS_CHECK_H
#include <stdio.h>
#include <string.h>

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

/* Whether this process runs on pcmk-ipc-rs (its library is mapped): a check of a documented
 * difference from libcrmcommon 3.0.0 (docs/differences.md) expects each library's result, and
 * prints the same line with both, so that the suites still compare outputs line by line. */
static inline int on_pcmk_ipc_rs(void)
{
    static int known = -1;
    char line[512];
    FILE *f;

    if (known >= 0) return known;
    known = 0;
    if ((f = fopen("/proc/self/maps", "r")) == NULL) return known;
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "libpcmk-ipc-rs") || strstr(line, "libpcmk_ipc_rs")) {
            known = 1;
            break;
        }
    }
    fclose(f);
    return known;
}

#define DONE() do { \
        printf("%d passed, %d failed\n", checks_passed, checks_failed); \
        return checks_failed ? 1 : 0; \
    } while (0)

#endif
