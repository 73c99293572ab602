/* What the test suite's libqb servers (qb_echo_server.c, qb_hostile_server.c) share: the main
 * loop and the service, the loop glue libqb's server needs, the stop on SIGTERM/SIGINT, and the
 * truncation of a connection's shared-memory files (what makes a libqb client die of SIGBUS). */
#ifndef PCMK_IPC_RS_TESTS_QB_SERVER_H
#define PCMK_IPC_RS_TESTS_QB_SERVER_H
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <qb/qbipcs.h>
#include <qb/qbloop.h>

static qb_loop_t *loop;
static qb_ipcs_service_t *service;

static int32_t stop(int32_t sig, void *data)
{
    (void) sig; (void) data;
    qb_ipcs_destroy(service);
    qb_loop_stop(loop);
    return 0;
}

static int32_t job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
    return qb_loop_job_add(loop, p, data, fn);
}
static int32_t dispatch_add(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
                            qb_ipcs_dispatch_fn_t fn)
{
    return qb_loop_poll_add(loop, p, fd, events, data, fn);
}
static int32_t dispatch_mod(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
                            qb_ipcs_dispatch_fn_t fn)
{
    return qb_loop_poll_mod(loop, p, fd, events, data, fn);
}
static int32_t dispatch_del(int32_t fd)
{
    return qb_loop_poll_del(loop, fd);
}

/* run `service` (made with these handlers) on the loop until SIGTERM or SIGINT, after printing
 * "ready <pid>" */
static int serve(void)
{
    struct qb_ipcs_poll_handlers poll_handlers = {
        .job_add = job_add,
        .dispatch_add = dispatch_add,
        .dispatch_mod = dispatch_mod,
        .dispatch_del = dispatch_del,
    };
    qb_loop_signal_handle handle;

    qb_ipcs_poll_handlers_set(service, &poll_handlers);
    if (qb_ipcs_run(service) != 0) {
        perror("qb_ipcs_run");
        return 1;
    }
    qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGTERM, NULL, stop, &handle);
    qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGINT, NULL, stop, &handle);
    printf("ready %d\n", (int) getpid());
    fflush(stdout);
    qb_loop_run(loop);
    qb_loop_destroy(loop);
    return 0;
}

/* truncate the files of this connection's rings, in /dev/shm/qb-<server pid>-<client pid>-... */
static void truncate_rings(qb_ipcs_connection_t *c)
{
    struct qb_ipcs_connection_stats_2 *st = qb_ipcs_connection_stats_get_2(c, 0);
    char prefix[64], path[1024];
    struct dirent *d, *f;
    DIR *shm, *dir;

    if (st == NULL) {
        return;
    }
    snprintf(prefix, sizeof(prefix), "qb-%d-%d-", (int) getpid(), (int) st->client_pid);
    free(st);
    if ((shm = opendir("/dev/shm")) == NULL) {
        return;
    }
    while ((d = readdir(shm)) != NULL) {
        if (strncmp(d->d_name, prefix, strlen(prefix)) != 0) {
            continue;
        }
        snprintf(path, sizeof(path), "/dev/shm/%s", d->d_name);
        if ((dir = opendir(path)) == NULL) {
            continue;
        }
        while ((f = readdir(dir)) != NULL) {
            if (f->d_name[0] != '.') {
                snprintf(path, sizeof(path), "/dev/shm/%s/%s", d->d_name, f->d_name);
                if (truncate(path, 0) != 0) {
                    perror("truncate");
                }
            }
        }
        closedir(dir);
    }
    closedir(shm);
}
#endif
