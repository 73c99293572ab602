/* Real daemons failing under a client, on a live node (tests-c/fault-suite.sh runs it inside
 * scripts/pcmk-node, also under valgrind and built against libcrmcommon 3.0.0):
 *
 *   test_daemon_faults kill-cib        SIGKILL the CIB manager while a whole-CIB query (over
 *                                      1 MiB) waits for it: the call returns at once, the
 *                                      main-loop source of a second connection reports the
 *                                      loss, and once pacemakerd has started a new CIB
 *                                      manager a new connection works
 *   test_daemon_faults stop-daemons    SIGSTOP the CIB manager, pacemakerd, the controller and
 *                                      the attribute manager in turn: every call gives up at
 *                                      its deadline, and works again once SIGCONT comes
 *   test_daemon_faults kill-pacemakerd a watcher pinging pacemakerd on a main loop: SIGKILL
 *                                      pacemakerd, the disconnect event must come
 *   test_daemon_faults node-stops      connect + ping loops on the controller, pacemakerd and
 *                                      the attribute manager while the node shuts down: every
 *                                      call returns, with a code Pacemaker uses
 *
 * Lines "timing: ..." say how long calls took; "ok"/"not ok" lines are the checks. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "check.h"
#include "pacemaker_internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* the pid of the process serving `service` (as the credential check sees it) */
static pid_t server_pid(const char *service)
{
    crm_ipc_t *c = crm_ipc_new(service, 0);
    pid_t pid = 0;
    uid_t uid;
    gid_t gid;

    if (crm_ipc_connect(c)) {
        crm_ipc_is_authentic_process(crm_ipc_get_fd(c), 0, 0, &pid, &uid, &gid);
        crm_ipc_close(c);
    }
    crm_ipc_destroy(c);
    return pid;
}

/* Signals one daemon, never a process group: a pid of 0 or less (a daemon not found) would
 * reach this test's own group (kill(0, SIGSTOP) stops the suite itself), so it sends nothing
 * and says so. */
static int signal_daemon(pid_t pid, int sig)
{
    if (pid <= 0) {
        printf("no daemon to send signal %d to (pid %d)\n", sig, (int) pid);
        return -1;
    }
    return kill(pid, sig);
}

static pid_t pacemakerd_pid(void)
{
    const char *pid = getenv("PCMK_NODE_PACEMAKERD_PID");
    return pid ? (pid_t) atoi(pid) : server_pid("pacemakerd");
}

static xmlNode *cib_query(void)
{
    xmlNode *q = xmlNewNode(NULL, (const xmlChar *) "cib_command");
    xmlSetProp(q, (const xmlChar *) "t", (const xmlChar *) "cib");
    xmlSetProp(q, (const xmlChar *) "cib_op", (const xmlChar *) "cib_query");
    xmlSetProp(q, (const xmlChar *) "cib_callid", (const xmlChar *) "1");
    xmlSetProp(q, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
    return q;
}

/* one whole-CIB query on a fresh connection: the reply's size, or a negative errno */
static int query_once(int timeout)
{
    crm_ipc_t *c = crm_ipc_new("cib_rw", 0);
    xmlNode *q = cib_query(), *reply = NULL;
    int rc = -ENOTCONN;

    if (crm_ipc_connect(c)) {
        rc = crm_ipc_send(c, q, crm_ipc_client_response, timeout, &reply);
        if (reply) xmlFreeDoc(reply->doc);
        crm_ipc_close(c);
    }
    crm_ipc_destroy(c);
    xmlFreeNode(q);
    return rc;
}

/* --- kill-cib ----------------------------------------------------------------------------- */

static pid_t victim;
static double killed_at;
static int destroyed;
static GMainLoop *loop;

static void *killer(void *arg)
{
    (void) arg;
    usleep(300000);
    killed_at = now();
    signal_daemon(victim, SIGKILL);
    return NULL;
}

static int on_cib_data(const char *buffer, ssize_t length, gpointer userdata)
{
    (void) buffer; (void) length; (void) userdata;
    return 0;
}

static void on_cib_destroy(gpointer userdata)
{
    (void) userdata;
    destroyed++;
    printf("main loop: the CIB connection's destroy callback\n");
    if (loop) g_main_loop_quit(loop);
}

static gboolean give_up(gpointer data)
{
    (void) data;
    printf("main loop: nothing within 10 s\n");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static int kill_cib(void)
{
    struct ipc_client_callbacks cbs = { .dispatch = on_cib_data, .destroy = on_cib_destroy };
    mainloop_io_t *src;
    crm_ipc_t *c;
    xmlNode *q = cib_query(), *reply = NULL;
    pthread_t t;
    double done;
    int rc, back = 0;

    victim = server_pid("cib_rw");
    CHECK(victim > 0, "kill-cib: the CIB manager's pid");
    if (victim <= 0) return 1;
    /* a second connection on the main loop, which must see the loss */
    src = mainloop_add_ipc_client("cib_ro", G_PRIORITY_DEFAULT, 0, NULL, &cbs);
    CHECK(src != NULL, "kill-cib: a main-loop connection to cib_ro");
    c = crm_ipc_new("cib_rw", 0);
    CHECK(crm_ipc_connect(c), "kill-cib: connect");
    /* the daemon stopped first, so that the query certainly waits when the kill comes */
    signal_daemon(victim, SIGSTOP);
    pthread_create(&t, NULL, killer, NULL);
    rc = crm_ipc_send(c, q, crm_ipc_client_response, 10000, &reply);
    done = now();
    pthread_join(t, NULL);
    printf("timing: the query returned %.2f s after the kill\n", done - killed_at);
    CHECK(rc < 0 && reply == NULL, "kill-cib: the query fails: %d (%s)", rc, strerror(-rc));
    /* 3.0.0 looks for a dead server every second, this library every 0.2 s */
    CHECK(done - killed_at < 1.5, "kill-cib: at once (well within the 10 s timeout)");
    CHECK(!crm_ipc_connected(c), "kill-cib: not connected any more");
    crm_ipc_close(c);
    crm_ipc_destroy(c);
    /* the main-loop connection */
    loop = g_main_loop_new(NULL, FALSE);
    guint g = g_timeout_add(10000, give_up, NULL);
    if (!destroyed) g_main_loop_run(loop);
    if (destroyed) g_source_remove(g);
    CHECK(destroyed == 1, "kill-cib: the main-loop connection's destroy callback, once");
    g_main_loop_unref(loop);
    loop = NULL;
    /* pacemakerd starts a new CIB manager: a new connection works */
    for (int i = 0; i < 300 && back <= 0; i++) {
        back = query_once(5000);
        if (back <= 0) usleep(100000);
    }
    CHECK(back > 0, "kill-cib: a new CIB manager answers the whole-CIB query again");
    CHECK(server_pid("cib_rw") != victim, "kill-cib: it is a new process");
    xmlFreeNode(q);
    (void) src;
    return 0;
}

/* --- stop-daemons ------------------------------------------------------------------------- */

static int api_replies;
static void api_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status, void *data,
                   void *user_data)
{
    (void) api; (void) status; (void) data; (void) user_data;
    if (type == pcmk_ipc_event_reply) api_replies++;
}

/* a sync-mode ping of pacemakerd or the controller: the standard code, and how long it took */
static int api_ping(enum pcmk_ipc_server server, double *took)
{
    pcmk_ipc_api_t *api = NULL;
    double t0;
    int rc;

    pcmk_new_ipc_api(&api, server);
    pcmk_register_ipc_callback(api, api_cb, NULL);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    t0 = now();
    if (rc == 0) {
        rc = server == pcmk_ipc_pacemakerd ? pcmk_pacemakerd_api_ping(api, "faults")
                                           : pcmk_controld_api_ping(api, NULL);
    }
    *took = now() - t0;
    pcmk_free_ipc_api(api);
    return rc;
}

static int stop_daemons(void)
{
    double t0, took;
    int rc;

    /* the CIB manager: crm_ipc_send with 2000 ms gives up at 2000 ms, within 10 % (3.0.0: at
     * its whole-second deadline, up to 3 s) */
    {
        pid_t p = server_pid("cib_rw");
        crm_ipc_t *c = crm_ipc_new("cib_rw", 0);
        xmlNode *q = cib_query(), *reply = NULL;
        CHECK(p > 0 && crm_ipc_connect(c), "stop: connect to the CIB manager (pid %d)", (int) p);
        signal_daemon(p, SIGSTOP);
        t0 = now();
        rc = crm_ipc_send(c, q, crm_ipc_client_response, 2000, &reply);
        took = now() - t0;
        printf("timing: stopped CIB manager: %.2f s\n", took);
        CHECK(rc == -ETIMEDOUT && reply == NULL, "stop: the CIB query times out: %d", rc);
        CHECK(took >= 2.0 && took <= 2.2, "stop: within crm_ipc_send's limit");
        signal_daemon(p, SIGCONT);
        /* the next request is answered (its late reply dropped by its id) */
        rc = crm_ipc_send(c, q, crm_ipc_client_response, 5000, &reply);
        CHECK(rc > 0 && reply != NULL, "stop: after SIGCONT the next query is answered: %d", rc);
        if (reply) xmlFreeDoc(reply->doc);
        crm_ipc_close(c);
        crm_ipc_destroy(c);
        xmlFreeNode(q);
    }
    /* pacemakerd and the controller: a sync ping waits crm_ipc_send's default 5 s */
    for (int i = 0; i < 2; i++) {
        enum pcmk_ipc_server s = i ? pcmk_ipc_controld : pcmk_ipc_pacemakerd;
        const char *name = i ? "crmd" : "pacemakerd";
        pid_t p = server_pid(name);
        pcmk_ipc_api_t *api = NULL;

        pcmk_new_ipc_api(&api, s);
        pcmk_register_ipc_callback(api, api_cb, NULL);
        rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
        CHECK(p > 0 && rc == 0, "stop: connect to %s (pid %d): %d", name, (int) p, rc);
        if (p <= 0 || rc != 0) {
            pcmk_free_ipc_api(api);
            continue;
        }
        signal_daemon(p, SIGSTOP);
        t0 = now();
        rc = s == pcmk_ipc_pacemakerd ? pcmk_pacemakerd_api_ping(api, "faults")
                                      : pcmk_controld_api_ping(api, NULL);
        took = now() - t0;
        printf("timing: stopped %s: %.2f s\n", name, took);
        CHECK(rc == ETIMEDOUT, "stop: the %s ping times out: %d (%s)", name, rc, strerror(rc));
        CHECK(took >= 5.0 && took <= 5.5, "stop: within the 5 s limit");
        signal_daemon(p, SIGCONT);
        pcmk_free_ipc_api(api);
        rc = api_ping(s, &took);
        CHECK(rc == 0, "stop: after SIGCONT a new %s ping is answered: %d", name, rc);
    }
    /* the attribute manager: a synchronous query */
    {
        pid_t p = server_pid("attrd");
        pcmk_ipc_api_t *api = NULL;
        pcmk_new_ipc_api(&api, pcmk_ipc_attrd);
        pcmk_register_ipc_callback(api, api_cb, NULL);
        rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
        CHECK(p > 0 && rc == 0, "stop: connect to attrd (pid %d): %d", (int) p, rc);
        if (p <= 0 || rc != 0) {
            pcmk_free_ipc_api(api);
            return 1;
        }
        signal_daemon(p, SIGSTOP);
        t0 = now();
        rc = pcmk__attrd_api_query(api, "node1", "pcmkrs-faults", 0);
        took = now() - t0;
        printf("timing: stopped attrd: %.2f s\n", took);
        CHECK(rc == ETIMEDOUT, "stop: the attribute query times out: %d (%s)", rc, strerror(rc));
        CHECK(took >= 5.0 && took <= 5.5, "stop: within the 5 s limit");
        signal_daemon(p, SIGCONT);
        pcmk_free_ipc_api(api);
    }
    return 0;
}

/* --- kill-pacemakerd ---------------------------------------------------------------------- */

static pcmk_ipc_api_t *watched;
static int pings, disconnects;
static double watcher_killed_at;

static void watch_cb(pcmk_ipc_api_t *a, enum pcmk_ipc_event type, crm_exit_t status, void *data,
                     void *user_data)
{
    (void) a; (void) status; (void) data; (void) user_data;
    if (type == pcmk_ipc_event_reply) {
        pings++;
    } else if (type == pcmk_ipc_event_disconnect) {
        disconnects++;
        printf("timing: the disconnect event %.2f s after the kill\n", now() - watcher_killed_at);
        g_main_loop_quit(loop);
    }
}

static gboolean watch_tick(gpointer data)
{
    (void) data;
    if (pcmk_connect_ipc(watched, pcmk_ipc_dispatch_main) == 0) {
        pcmk_pacemakerd_api_ping(watched, "watcher");
    }
    if (pings >= 3 && watcher_killed_at == 0) {
        watcher_killed_at = now();
        if (signal_daemon(pacemakerd_pid(), SIGKILL) != 0) g_main_loop_quit(loop);
    }
    return G_SOURCE_CONTINUE;
}

static int kill_pacemakerd(void)
{
    guint t, g;

    loop = g_main_loop_new(NULL, FALSE);
    pcmk_new_ipc_api(&watched, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(watched, watch_cb, NULL);
    t = g_timeout_add(200, watch_tick, NULL);
    g = g_timeout_add(30000, give_up, NULL);
    g_main_loop_run(loop);
    g_source_remove(t);
    if (disconnects) g_source_remove(g);
    CHECK(pings >= 3 && disconnects == 1, "kill-pacemakerd: pings, then one disconnect event");
    CHECK(!pcmk_ipc_is_connected(watched), "kill-pacemakerd: not connected any more");
    pcmk_free_ipc_api(watched);
    g_main_loop_unref(loop);
    return 0;
}

/* --- node-stops --------------------------------------------------------------------------- */

static volatile int stopping_done;
static int codes[4][256]; /* per server: how often each standard code came */
static double worst;

static void *hammer(void *arg)
{
    enum pcmk_ipc_server s = (enum pcmk_ipc_server) (long) arg;
    int k = s == pcmk_ipc_controld ? 0 : s == pcmk_ipc_pacemakerd ? 1 : 2;

    while (!stopping_done) {
        pcmk_ipc_api_t *api = NULL;
        double t0 = now();
        int rc;

        pcmk_new_ipc_api(&api, s);
        pcmk_register_ipc_callback(api, api_cb, NULL);
        rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
        if (rc == 0) {
            rc = s == pcmk_ipc_controld ? pcmk_controld_api_ping(api, NULL)
               : s == pcmk_ipc_pacemakerd ? pcmk_pacemakerd_api_ping(api, "faults")
               : pcmk__attrd_api_query(api, "node1", "pcmkrs-faults", 0);
        }
        pcmk_free_ipc_api(api);
        if (now() - t0 > worst) worst = now() - t0;
        codes[k][rc >= 0 && rc < 256 ? rc : 255]++;
    }
    return NULL;
}

static int node_stops(void)
{
    pthread_t t[3];
    enum pcmk_ipc_server s[3] = { pcmk_ipc_controld, pcmk_ipc_pacemakerd, pcmk_ipc_attrd };
    int total = 0, unexpected = 0;

    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, hammer, (void *) (long) s[i]);
    sleep(1);
    signal_daemon(pacemakerd_pid(), SIGTERM);
    /* until pacemakerd is gone, and a while after */
    for (int i = 0; i < 300 && server_pid("pacemakerd") > 0; i++) usleep(100000);
    sleep(2);
    stopping_done = 1;
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    for (int k = 0; k < 3; k++) {
        for (int c = 0; c < 256; c++) {
            if (codes[k][c] == 0) continue;
            total += codes[k][c];
            /* what a connect or a request to a daemon that goes away gives: no daemon
             * (ECONNREFUSED), gone during the exchange (ENOTCONN, EPIPE, ECONNRESET), a reply
             * that never came (ETIMEDOUT), a refused credential check while the daemon's files
             * vanish (EBADMSG, EPROTO) */
            if (c != 0 && c != ECONNREFUSED && c != ENOTCONN && c != ETIMEDOUT && c != EPIPE
                && c != ECONNRESET && c != EBADMSG && c != EPROTO && c != ENOENT) {
                unexpected++;
                printf("node-stops: server %d: code %d (%s) %d times\n", k, c, strerror(c), codes[k][c]);
            }
        }
    }
    printf("timing: longest call %.2f s\n", worst);
    CHECK(total > 10, "node-stops: %d connect + request rounds while the node stopped", total);
    CHECK(unexpected == 0, "node-stops: every call returned with one of the codes expected");
    CHECK(codes[0][0] > 0 && codes[0][ECONNREFUSED] > 0, "node-stops: the controller answered, then was gone");
    CHECK(worst < 7.0, "node-stops: no call took longer than its deadline (6 s)");
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(what, "kill-cib")) kill_cib();
    else if (!strcmp(what, "stop-daemons")) stop_daemons();
    else if (!strcmp(what, "kill-pacemakerd")) kill_pacemakerd();
    else if (!strcmp(what, "node-stops")) node_stops();
    else {
        fprintf(stderr, "usage: %s kill-cib|stop-daemons|kill-pacemakerd|node-stops\n", argv[0]);
        return 2;
    }
    DONE();
}
