/* One fault of tests-c/qb_hostile_server.c through <crm/common/ipc.h>, built against this
 * library and against libcrmcommon 3.0.0 (tests-c/hostile-suite.sh compares the two).
 *
 *   test_hostile SERVICE CASE [TIMEOUT_MS]
 *
 * Connects to SERVICE, sends <hostile case="CASE"/> wanting a reply (crm_ipc_send, TIMEOUT_MS,
 * 2000 by default), then tells what came back, whether the object is still connected, what an
 * ordinary request gets next, and how many events are waiting. Lines starting with "timing:"
 * say how long the call took; the others are the result, compared between libraries.
 *
 *   test_hostile pacemakerd ping         a sync-mode pacemakerd ping (the server answers an ack
 *                                        that announces a reply, and nothing else)
 *   test_hostile pacemakerd apigarbage   the same, answered with noise
 *   test_hostile pacemakerd impostor     pacemakerd served by a libqb server that runs as
 *                                        nobody: crm_ipc_connect and the daemon API both refuse
 */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_pacemakerd.h>
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/tree.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static const char *rc_text(int rc)
{
    static char buf[64];
    if (rc > 0) {
        return "> 0";
    }
    snprintf(buf, sizeof(buf), "%d (%s)", rc, rc < 0 ? strerror(-rc) : "0");
    return buf;
}

static void free_reply(xmlNode *reply)
{
    if (reply != NULL) {
        xmlFreeDoc(reply->doc);
    }
}

static int events_seen;
static void api_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status, void *data,
                   void *user_data)
{
    (void) api; (void) data; (void) user_data;
    printf("callback: event %d status %d\n", (int) type, (int) status);
    events_seen++;
}

/* a sync-mode pacemakerd ping from a client called `who` (the server answers "hostile" with an
 * ack that announces a reply that never comes, "apigarbage" with noise) */
static int ping_case(const char *who)
{
    pcmk_ipc_api_t *api = NULL;
    double t0;
    int rc;

    pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(api, api_cb, NULL);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    printf("connect: %d\n", rc);
    t0 = now();
    rc = pcmk_pacemakerd_api_ping(api, who);
    printf("timing: %.1f s\n", now() - t0);
    printf("ping: %d (%s), %d callbacks\n", rc, strerror(rc), events_seen);
    printf("connected after it: %d\n", pcmk_ipc_is_connected(api));
    pcmk_free_ipc_api(api);
    return 0;
}

static int impostor_case(void)
{
    pcmk_ipc_api_t *api = NULL;
    crm_ipc_t *c = crm_ipc_new("pacemakerd", 0);
    bool ok;
    int rc;

    errno = 0;
    ok = crm_ipc_connect(c);
    printf("crm_ipc_connect: %s, errno %d (%s), connected %d\n", ok ? "true" : "false", errno,
           strerror(errno), crm_ipc_connected(c));
    crm_ipc_destroy(c);
    pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(api, api_cb, NULL);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    printf("pcmk_connect_ipc: %d, connected %d, %d callbacks\n", rc, pcmk_ipc_is_connected(api),
           events_seen);
    pcmk_free_ipc_api(api);
    return 0;
}

static int hello_case(void)
{
    pcmk_ipc_api_t *api = NULL;
    double t0;
    int rc;

    pcmk_new_ipc_api(&api, pcmk_ipc_controld);
    pcmk_register_ipc_callback(api, api_cb, NULL);
    t0 = now();
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_main);
    printf("timing: %.1f s\n", now() - t0);
    printf("connect: %d (%s), %d callbacks during it, connected %d\n", rc, strerror(rc),
           events_seen, pcmk_ipc_is_connected(api));
    /* nothing may be left on the main loop for the closed descriptor */
    for (int i = 0; i < 10 && g_main_context_iteration(NULL, FALSE); i++) {
    }
    printf("after the loop ran: %d callbacks\n", events_seen);
    pcmk_free_ipc_api(api);
    return 0;
}

int main(int argc, char **argv)
{
    const char *service = argc > 1 ? argv[1] : "pcmkrs-hostile";
    const char *kase = argc > 2 ? argv[2] : "noreply";
    int timeout = argc > 3 ? atoi(argv[3]) : 2000;
    crm_ipc_t *c;
    xmlNode *msg, *reply = NULL;
    char text[64];
    double t0;
    int rc, n = 0; /* the events the server says it sent */

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(kase, "ping")) {
        return ping_case("hostile");
    }
    if (!strcmp(kase, "apigarbage")) {
        return ping_case("apigarbage");
    }
    if (!strcmp(kase, "hello")) {
        return hello_case();
    }
    if (!strcmp(kase, "impostor")) {
        return impostor_case();
    }
    c = crm_ipc_new(service, 0);
    if (!crm_ipc_connect(c)) {
        printf("connect failed\n");
        crm_ipc_destroy(c);
        return 1;
    }
    msg = xmlNewNode(NULL, (const xmlChar *) "hostile");
    xmlSetProp(msg, (const xmlChar *) "case", (const xmlChar *) kase);
    snprintf(text, sizeof(text), "%s", kase);
    t0 = now();
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, timeout, &reply);
    printf("timing: %.1f s (timeout %d ms)\n", now() - t0, timeout);
    printf("%s: send %s, reply %s%s%s\n", text, rc_text(rc), reply ? "<" : "(none)",
           reply ? (const char *) reply->name : "", reply ? ">" : "");
    if (reply != NULL && xmlHasProp(reply, (const xmlChar *) "events")) {
        xmlChar *e = xmlGetProp(reply, (const xmlChar *) "events");
        n = atoi((const char *) e);
        xmlFree(e);
    }
    free_reply(reply);
    reply = NULL;
    printf("connected after it: %d\n", crm_ipc_connected(c));
    if (crm_ipc_connected(c)) {
        xmlNode *ok = xmlNewNode(NULL, (const xmlChar *) "ordinary");
        t0 = now();
        rc = crm_ipc_send(c, ok, crm_ipc_client_response, timeout, &reply);
        printf("timing: next %.1f s\n", now() - t0);
        printf("next request: send %s, reply %s%s%s\n", rc_text(rc), reply ? "<" : "(none)",
               reply ? (const char *) reply->name : "", reply ? ">" : "");
        free_reply(reply);
        xmlFreeNode(ok);
        /* what is waiting on the event channel (the flood): every event the server says it
         * sent, each once */
        int read = 0;
        for (;;) {
            if (crm_ipc_ready(c) > 0) {
                if (crm_ipc_read(c) > 0) {
                    read++;
                }
                continue;
            }
            /* the server sends the notification bytes it could not send earlier as the
             * socket drains: wait for them, a second at most */
            struct pollfd p = { .fd = crm_ipc_get_fd(c), .events = POLLIN };
            if (poll(&p, 1, 1000) <= 0) {
                break;
            }
        }
        printf("events: %d read (of %d)%s\n", read, n, n == 0 ? "" : read == n ? ", all that were sent" : ", not all that were sent");
    }
    xmlFreeNode(msg);
    crm_ipc_close(c);
    crm_ipc_destroy(c);
    return 0;
}
