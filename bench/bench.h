/* What the benchmark's clients share: a monotonic clock in microseconds, and the comparison
 * that sorts latencies for their percentiles. */
#ifndef PCMK_IPC_RS_BENCH_H
#define PCMK_IPC_RS_BENCH_H
#include <time.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}
#endif
