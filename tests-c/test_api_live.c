/* The daemon API object (pcmk_* of ipc.h and its companions) against a live node.
 *
 * Built against our header and library, and against Pacemaker 3.0.0's headers and libcrmcommon
 * (in the 3.0 chroot); tests-c/live-suite.sh runs both on the same live node and requires
 * identical output. It prints nothing that changes between runs (no pids, times, references).
 */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <crm/common/ipc_schedulerd.h>
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "check.h"
#include "live_cib.h"

#define S(s) ((s) ? (s) : "(null)")

static const char *event_name(enum pcmk_ipc_event e)
{
    switch (e) {
        case pcmk_ipc_event_connect: return "connect";
        case pcmk_ipc_event_disconnect: return "disconnect";
        case pcmk_ipc_event_reply: return "reply";
        case pcmk_ipc_event_notify: return "notify";
    }
    return "?";
}

/* --- pacemakerd ------------------------------------------------------------------------- */

static int pcmkd_replies;

static void pcmkd_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                     void *data, void *user_data)
{
    pcmk_pacemakerd_api_reply_t *r = data;

    printf("pacemakerd callback: %s status %d user_data %s\n", event_name(type), (int) status,
           (const char *) user_data);
    if (type == pcmk_ipc_event_reply) {
        pcmkd_replies++;
        if (r->reply_type == pcmk_pacemakerd_reply_ping) {
            CHECK(r->data.ping.state == pcmk_pacemakerd_state_running && r->data.ping.status == 0
                  && r->data.ping.last_good > 0 && !strcmp(S(r->data.ping.sys_from), "pacemakerd"),
                  "ping reply: state %s, status %d, from %s, last_good set",
                  pcmk_pacemakerd_api_daemon_state_enum2text(r->data.ping.state),
                  r->data.ping.status, S(r->data.ping.sys_from));
        } else {
            printf("pacemakerd reply type %d\n", r->reply_type);
        }
    } else {
        CHECK(data == NULL, "pacemakerd: %s event has no data", event_name(type));
    }
    (void) api;
}

static void test_pacemakerd(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;
    const char *states[] = { "init", "starting_daemons", "wait_for_ping", "running", "shutting_down",
                             "shutdown_complete", "remote", "Running", "bogus", NULL };

    for (int i = 0; i < (int) (sizeof(states) / sizeof(states[0])); i++) {
        printf("text2enum(%s) = %d\n", S(states[i]), pcmk_pacemakerd_api_daemon_state_text2enum(states[i]));
    }
    for (int s = -2; s <= 8; s++) {
        printf("enum2text(%d) = %s\n", s, pcmk_pacemakerd_api_daemon_state_enum2text(s));
    }

    CHECK(pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd) == 0 && api, "pacemakerd: new");
    pcmk_register_ipc_callback(api, pcmkd_cb, "pcmkd-data");
    rc = pcmk_pacemakerd_api_ping(api, "watcher");
    CHECK(rc == ENOTCONN, "pacemakerd: ping before connecting: %d (ENOTCONN)", rc);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    CHECK(rc == 0 && pcmk_ipc_is_connected(api), "pacemakerd: connect sync: %d", rc);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_poll);
    CHECK(rc == 0, "pacemakerd: connect again (already connected): %d", rc);
    CHECK(pcmk_poll_ipc(api, 0) == EINVAL, "pacemakerd: poll in sync mode: EINVAL");
    printf("pacemakerd: ping\n");
    rc = pcmk_pacemakerd_api_ping(api, "watcher");
    printf("pacemakerd: ping returned %d (%d replies before it returned)\n", rc, pcmkd_replies);
    CHECK(rc == 0 && pcmkd_replies == 1, "pacemakerd: the sync ping's callback ran before it returned");
    rc = pcmk_pacemakerd_api_ping(api, NULL);
    CHECK(rc == 0 && pcmkd_replies == 2, "pacemakerd: ping as 'client': %d", rc);
    rc = pcmk_ipc_purge_node(api, "pcmkrs-no-such-node", 0);
    CHECK(rc == 0, "pacemakerd: purge of a node that does not exist: %d", rc);
    printf("pacemakerd: disconnect\n");
    pcmk_disconnect_ipc(api);
    CHECK(!pcmk_ipc_is_connected(api), "pacemakerd: disconnected");
    pcmk_disconnect_ipc(api); /* a second time: nothing */
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    CHECK(rc == 0, "pacemakerd: reconnect: %d", rc);
    printf("pacemakerd: free\n");
    pcmk_free_ipc_api(api);
}

/* --- controller, poll mode ---------------------------------------------------------------- */

static int controld_seen[6];

static void controld_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                        void *data, void *user_data)
{
    pcmk_controld_api_reply_t *r = data;

    (void) api; (void) user_data;
    if (type != pcmk_ipc_event_reply) {
        printf("controller callback: %s status %d\n", event_name(type), (int) status);
        return;
    }
    printf("controller callback: reply type %d status %d feature_set %s\n", r->reply_type,
           (int) status, S(r->feature_set));
    controld_seen[r->reply_type]++;
    switch (r->reply_type) {
        case pcmk_controld_reply_ping:
            printf("  ping: sys_from %s fsa_state %s result %s\n", S(r->data.ping.sys_from),
                   S(r->data.ping.fsa_state), S(r->data.ping.result));
            break;
        case pcmk_controld_reply_nodes:
            printf("  nodes: %u\n", g_list_length(r->data.nodes));
            for (GList *l = r->data.nodes; l; l = l->next) {
                pcmk_controld_api_node_t *n = l->data;
                printf("  node id %u uname %s state %s\n", n->id, S(n->uname), S(n->state));
            }
            break;
        case pcmk_controld_reply_info:
            printf("  info: quorum %d remote %d id %d uuid %s uname %s state %s\n",
                   r->data.node_info.have_quorum, r->data.node_info.is_remote, r->data.node_info.id,
                   S(r->data.node_info.uuid), S(r->data.node_info.uname), S(r->data.node_info.state));
            break;
        default:
            break;
    }
}

static void test_controller(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc, rounds = 0;

    CHECK(pcmk_new_ipc_api(&api, pcmk_ipc_controld) == 0, "controller: new");
    pcmk_register_ipc_callback(api, controld_cb, NULL);
    CHECK(pcmk_poll_ipc(api, 0) == EINVAL, "controller: poll before connecting: EINVAL");
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_poll);
    CHECK(rc == 0, "controller: connect poll: %d", rc);
    CHECK(pcmk_poll_ipc(api, 200) == EAGAIN, "controller: nothing to read after the hello: EAGAIN");
    CHECK(pcmk_controld_api_ping(api, NULL) == 0, "controller: ping the DC");
    CHECK(pcmk_controld_api_list_nodes(api) == 0, "controller: list nodes");
    CHECK(pcmk_controld_api_node_info(api, 0) == 0, "controller: local node info");
    CHECK(pcmk_controld_api_replies_expected(api) == 3, "controller: 3 replies expected");
    while (pcmk_controld_api_replies_expected(api) > 0 && rounds++ < 100) {
        rc = pcmk_poll_ipc(api, 100);
        if (rc == 0) {
            pcmk_dispatch_ipc(api);
        } else if (rc != EAGAIN) {
            printf("controller: poll %d\n", rc);
            break;
        }
    }
    CHECK(controld_seen[pcmk_controld_reply_ping] == 1 && controld_seen[pcmk_controld_reply_nodes] == 1
          && controld_seen[pcmk_controld_reply_info] == 1, "controller: each reply once");
    CHECK(pcmk_controld_api_replies_expected(api) == 0, "controller: none expected any more");
    rc = pcmk_ipc_purge_node(api, "pcmkrs-no-such-node", 0);
    CHECK(rc == 0, "controller: purge of a node that does not exist: %d", rc);
    printf("controller: free\n");
    pcmk_free_ipc_api(api);
}

/* --- controller, sync mode ---------------------------------------------------------------- */

static void test_controller_sync(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;

    memset(controld_seen, 0, sizeof(controld_seen));
    pcmk_new_ipc_api(&api, pcmk_ipc_controld);
    pcmk_register_ipc_callback(api, controld_cb, NULL);
    CHECK(pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync) == 0, "controller: connect sync");
    rc = pcmk_controld_api_ping(api, NULL);
    CHECK(rc == 0 && controld_seen[pcmk_controld_reply_ping] == 1, "controller: sync ping answered before it returned");
    rc = pcmk_ipc_purge_node(api, NULL, 424242);
    CHECK(rc == 0, "controller: sync purge by id of a node that does not exist: %d", rc);
    pcmk_free_ipc_api(api);
}

/* --- controller operations that change state (last: they start a transition) ---------- */

static void wait_controller(pcmk_ipc_api_t *api)
{
    /* up to 30 s: under valgrind, behind a transition, the controller can take a while */
    for (int rounds = 0; pcmk_controld_api_replies_expected(api) > 0 && rounds < 300; rounds++) {
        if (pcmk_poll_ipc(api, 100) == 0) {
            pcmk_dispatch_ipc(api);
        }
    }
    printf("controller ops: %u replies still expected after the wait\n", pcmk_controld_api_replies_expected(api));
}

static void test_controller_ops(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;

    memset(controld_seen, 0, sizeof(controld_seen));
    pcmk_new_ipc_api(&api, pcmk_ipc_controld);
    pcmk_register_ipc_callback(api, controld_cb, NULL);
    CHECK(pcmk_connect_ipc(api, pcmk_ipc_dispatch_poll) == 0, "controller ops: connect poll");
    /* one at a time: the controller answers them in its own order */
    rc = pcmk_controld_api_reprobe(api, "node1", NULL);
    CHECK(rc == 0 && pcmk_controld_api_replies_expected(api) == 1, "controller ops: reprobe node1: %d", rc);
    wait_controller(api);
    rc = pcmk_controld_api_refresh(api, "node1", NULL, "pcmkrs-no-such-rsc", NULL, "ocf", "pacemaker", "Dummy", true);
    CHECK(rc == 0, "controller ops: refresh (CIB only) of a resource that does not exist: %d", rc);
    wait_controller(api);
    rc = pcmk_controld_api_fail(api, "node1", NULL, "pcmkrs-no-such-rsc", NULL, "ocf", "pacemaker", "Dummy");
    CHECK(rc == 0 && pcmk_controld_api_replies_expected(api) == 1,
          "controller ops: fail a resource that is not configured: %d", rc);
    wait_controller(api);
    /* clean up what the failure recorded */
    rc = pcmk_controld_api_refresh(api, "node1", NULL, "pcmkrs-no-such-rsc", NULL, "ocf", "pacemaker", "Dummy", false);
    CHECK(rc == 0, "controller ops: refresh it: %d", rc);
    wait_controller(api);
    if (getenv("PCMK_NODE_VERSION") && !strcmp(getenv("PCMK_NODE_VERSION"), "2.1")) {
        /* a 2.1 controller answers a reprobe as a resource operation */
        CHECK(controld_seen[pcmk_controld_reply_resource] == 4, "controller ops 2.1: four resource replies");
    } else {
        CHECK(controld_seen[pcmk_controld_reply_reprobe] == 1 && controld_seen[pcmk_controld_reply_resource] == 3,
              "controller ops: a reprobe reply and three resource replies");
    }
    pcmk_free_ipc_api(api);
}

/* --- attribute manager -------------------------------------------------------------------- */

static void test_attrd(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;

    CHECK(pcmk_new_ipc_api(&api, pcmk_ipc_attrd) == 0, "attrd: new");
    CHECK(!strcmp(pcmk_ipc_name(api, false), "attrd") && !strcmp(pcmk_ipc_name(api, true), "attribute manager"),
          "attrd: names");
    CHECK(pcmk_ipc_purge_node(api, "x", 0) == ENOTCONN, "attrd: purge before connecting: ENOTCONN");
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    CHECK(rc == 0, "attrd: connect sync: %d", rc);
    rc = pcmk_ipc_purge_node(api, "pcmkrs-no-such-node", 0);
    CHECK(rc == 0, "attrd: purge of a node that does not exist: %d", rc);
    CHECK(pcmk_ipc_purge_node(api, NULL, 0) == EINVAL, "attrd: purge without name or id: EINVAL");
    pcmk_free_ipc_api(api);
}

/* --- scheduler, main loop ---------------------------------------------------------------- */

static GMainLoop *loop;
static int old_daemons; /* PCMK_NODE_VERSION=2.1 */
static char *graph_ref;

static void sched_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                     void *data, void *user_data)
{
    pcmk_schedulerd_api_reply_t *r = data;

    (void) api; (void) user_data;
    if (type == pcmk_ipc_event_reply && old_daemons) {
        /* a 2.1 scheduler marks its reply as a controller message: 3.0.0 refuses it
         * (CRM_EX_PROTOCOL), this library reads the graph (docs/differences.md A11, shown by
         * test_api_beyond.c); not compared here */
        (void) status; (void) r;
        printf("scheduler callback: reply from a 2.1 scheduler\n");
        g_main_loop_quit(loop);
        return;
    }
    printf("scheduler callback: %s status %d\n", event_name(type), (int) status);
    if (type == pcmk_ipc_event_reply) {
        CHECK(r->reply_type == pcmk_schedulerd_reply_graph && r->data.graph.tgraph
              && !strcmp((const char *) r->data.graph.tgraph->name, "transition_graph")
              && r->data.graph.reference && graph_ref && !strcmp(r->data.graph.reference, graph_ref)
              && r->data.graph.input != NULL,
              "scheduler: a <%s> for our reference, input saved",
              r->data.graph.tgraph ? (const char *) r->data.graph.tgraph->name : "(none)");
        g_main_loop_quit(loop);
    }
}

static gboolean give_up(gpointer data)
{
    (void) data;
    printf("no answer within 20 s\n");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}


static void test_scheduler(void)
{
    pcmk_ipc_api_t *api = NULL;
    xmlNode *cib = live_cib();
    int rc;

    CHECK(cib != NULL, "scheduler: the live CIB");
    CHECK(pcmk_schedulerd_api_graph(NULL, cib, &graph_ref) == ENOTCONN, "scheduler: graph(NULL api): ENOTCONN");
    CHECK(pcmk_new_ipc_api(&api, pcmk_ipc_schedulerd) == 0, "scheduler: new");
    CHECK(pcmk_ipc_purge_node(api, "x", 0) == EOPNOTSUPP, "scheduler: purge: EOPNOTSUPP");
    pcmk_register_ipc_callback(api, sched_cb, NULL);
    loop = g_main_loop_new(NULL, FALSE);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_main);
    CHECK(rc == 0, "scheduler: connect main: %d", rc);
    rc = pcmk_schedulerd_api_graph(api, cib, &graph_ref);
    CHECK(rc == 0 && graph_ref && !strncmp(graph_ref, "pe_calc-", 8), "scheduler: graph requested: %d", rc);
    guint timer = g_timeout_add(20000, give_up, NULL);
    g_main_loop_run(loop);
    g_source_remove(timer);
    printf("scheduler: disconnect\n");
    pcmk_disconnect_ipc(api);
    printf("scheduler: disconnected\n");
    CHECK(!pcmk_ipc_is_connected(api), "scheduler: not connected");
    pcmk_free_ipc_api(api);
    g_main_loop_unref(loop);
    free(graph_ref);
    xmlFreeNode(cib);
}

/* --- freeing the object from inside its own callback (main loop) ------------------------- */

static int free_events;

static void free_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                    void *data, void *user_data)
{
    (void) data; (void) user_data;
    free_events++;
    printf("free-in-callback: %s status %d\n", event_name(type), (int) status);
    if (type == pcmk_ipc_event_reply) {
        printf("free-in-callback: freeing the object from its reply callback\n");
        pcmk_free_ipc_api(api);
        printf("free-in-callback: free returned\n");
    } else if (type == pcmk_ipc_event_disconnect) {
        g_main_loop_quit(loop);
    }
}

static void test_free_in_callback(void)
{
    pcmk_ipc_api_t *api = NULL;

    loop = g_main_loop_new(NULL, FALSE);
    pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(api, free_cb, NULL);
    CHECK(pcmk_connect_ipc(api, pcmk_ipc_dispatch_main) == 0, "free-in-callback: connect main");
    CHECK(pcmk_pacemakerd_api_ping(api, "watcher") == 0, "free-in-callback: ping");
    guint timer = g_timeout_add(20000, give_up, NULL);
    g_main_loop_run(loop);
    g_source_remove(timer);
    CHECK(free_events == 2, "free-in-callback: reply, then the disconnect after the dispatch returned");
    g_main_loop_unref(loop);
}

/* --- objects and arguments ----------------------------------------------------------------- */

static void test_objects(void)
{
    pcmk_ipc_api_t *api = (pcmk_ipc_api_t *) 1;

    CHECK(pcmk_new_ipc_api(NULL, pcmk_ipc_pacemakerd) == EINVAL, "new(NULL): EINVAL");
    for (int s = -1; s <= 9; s++) {
        int rc = pcmk_new_ipc_api(&api, (enum pcmk_ipc_server) s);
        printf("new(server %d) = %d, object %s", s, rc, api ? "set" : "NULL");
        if (api) {
            printf(", name %s, log name %s, connected %d", S(pcmk_ipc_name(api, false)),
                   pcmk_ipc_name(api, true), pcmk_ipc_is_connected(api));
            pcmk_free_ipc_api(api);
        }
        printf("\n");
    }
    CHECK(pcmk_ipc_name(NULL, false) == NULL && !strcmp(pcmk_ipc_name(NULL, true), "Pacemaker"), "name(NULL)");
    CHECK(pcmk_connect_ipc(NULL, pcmk_ipc_dispatch_sync) == EINVAL, "connect(NULL): EINVAL");
    CHECK(pcmk_poll_ipc(NULL, 0) == EINVAL, "poll(NULL): EINVAL");
    CHECK(!pcmk_ipc_is_connected(NULL), "is_connected(NULL): false");
    CHECK(pcmk_ipc_purge_node(NULL, "x", 0) == EINVAL, "purge(NULL): EINVAL");
    CHECK(pcmk_pacemakerd_api_ping(NULL, NULL) == EINVAL, "pacemakerd ping(NULL): EINVAL");
    CHECK(pcmk_pacemakerd_api_shutdown(NULL, NULL) == EINVAL, "pacemakerd shutdown(NULL): EINVAL");
    CHECK(pcmk_controld_api_ping(NULL, NULL) == EINVAL && pcmk_controld_api_list_nodes(NULL) == EINVAL
          && pcmk_controld_api_node_info(NULL, 1) == EINVAL && pcmk_controld_api_reprobe(NULL, "a", "b") == EINVAL
          && pcmk_controld_api_fail(NULL, "n", NULL, "r", NULL, "ocf", "pacemaker", "Dummy") == EINVAL
          && pcmk_controld_api_refresh(NULL, "n", NULL, "r", NULL, "ocf", "pacemaker", "Dummy", true) == EINVAL,
          "controller functions(NULL): EINVAL");
    pcmk_disconnect_ipc(NULL);
    pcmk_dispatch_ipc(NULL);
    pcmk_register_ipc_callback(NULL, NULL, NULL);
    pcmk_free_ipc_api(NULL);
    CHECK(1, "disconnect/dispatch/register/free(NULL): no-ops");

    /* a dispatch type out of range: no connection attempt; what post-connect makes of that */
    pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
    printf("pacemakerd: connect with dispatch type 7 = %d, connected %d\n",
           pcmk_connect_ipc(api, (enum pcmk_ipc_dispatch) 7), pcmk_ipc_is_connected(api));
    pcmk_free_ipc_api(api);
    pcmk_new_ipc_api(&api, pcmk_ipc_controld);
    printf("controller: connect with dispatch type 7 = %d, connected %d\n",
           pcmk_connect_ipc(api, (enum pcmk_ipc_dispatch) 7), pcmk_ipc_is_connected(api));
    pcmk_free_ipc_api(api);

    /* connected, then freed without a disconnect first */
    pcmk_new_ipc_api(&api, pcmk_ipc_controld);
    CHECK(pcmk_connect_ipc(api, pcmk_ipc_dispatch_poll) == 0, "controller: connect");
    pcmk_free_ipc_api(api);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    old_daemons = getenv("PCMK_NODE_VERSION") && !strcmp(getenv("PCMK_NODE_VERSION"), "2.1");
    test_objects();
    test_pacemakerd();
    test_controller();
    test_controller_sync();
    test_attrd();
    test_scheduler();
    test_free_in_callback();
    test_controller_ops();
    DONE();
}
