/* One capability of a client against the live node it runs on, for the interoperability table
 * (scripts/interop): built in the 3.0 chroot against Pacemaker 3.0.0's headers, once with
 * libcrmcommon 3.0.0 and once with this library, and run against 2.1.5, 3.0.0 and newer nodes.
 *
 *   interop CAPABILITY
 *
 * prints "ok" (exit 0) or "FAIL: why" (exit 1). Every wait is bounded (the caller also puts a
 * time limit on the whole run: a client that waits for a reply that never comes is a failure).
 * The fencer and executor capabilities go through Pacemaker's own client libraries (libstonithd,
 * liblrmd 3.0.0), which reach the daemons through crm_ipc_*: libcrmcommon's, or this library's
 * when it is linked first.
 */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <crm/common/ipc_schedulerd.h>
#include <crm/lrmd.h>
#include <crm/stonith-ng.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "pacemaker_internal.h"

#define MIB (1024 * 1024)

static int fail(const char *why)
{
    printf("FAIL: %s\n", why);
    return 1;
}

static xmlNode *cib_command(const char *op, const char *section)
{
    xmlNode *q = xmlNewNode(NULL, (const xmlChar *) "cib_command");

    xmlSetProp(q, (const xmlChar *) "t", (const xmlChar *) "cib");
    xmlSetProp(q, (const xmlChar *) "cib_op", (const xmlChar *) op);
    xmlSetProp(q, (const xmlChar *) "cib_callid", (const xmlChar *) "1");
    xmlSetProp(q, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
    xmlSetProp(q, (const xmlChar *) "cib_clientname", (const xmlChar *) "pcmkrs-interop");
    if (section) {
        xmlSetProp(q, (const xmlChar *) "cib_section", (const xmlChar *) section);
    }
    return q;
}

/* a CIB request on a fresh cib_rw connection (registered first); the reply's text length */
static long cib_request(const char *op, const char *section, xmlNode **reply)
{
    crm_ipc_t *c = crm_ipc_new("cib_rw", 512 * 1024);
    xmlNode *reg = cib_command("register", NULL), *q = cib_command(op, section), *r = NULL;
    long n = -1;

    if (crm_ipc_connect(c) && crm_ipc_send(c, reg, crm_ipc_client_response, 5000, &r) > 0 && r) {
        xmlFreeDoc(r->doc);
        r = NULL;
        if (crm_ipc_send(c, q, crm_ipc_client_response, 10000, &r) > 0 && r) {
            n = (long) strlen(crm_ipc_buffer(c));
            *reply = r;
        }
    }
    xmlFreeNode(reg);
    xmlFreeNode(q);
    crm_ipc_close(c);
    crm_ipc_destroy(c);
    return n;
}

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *) c->name, name)) {
            return c;
        }
    }
    return NULL;
}

/* --- the daemon API objects, in poll mode, with a bounded wait ---------------------------- */

static int replies, good;

static void api_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                   void *data, void *user_data)
{
    const char *what = user_data;

    (void) api;
    if (type != pcmk_ipc_event_reply) {
        return;
    }
    replies++;
    if (status != CRM_EX_OK || data == NULL) {
        return;
    }
    if (!strcmp(what, "pacemakerd")) {
        pcmk_pacemakerd_api_reply_t *r = data;
        good += r->reply_type == pcmk_pacemakerd_reply_ping
                && r->data.ping.state == pcmk_pacemakerd_state_running;
    } else if (!strcmp(what, "controller")) {
        pcmk_controld_api_reply_t *r = data;
        good += r->reply_type == pcmk_controld_reply_nodes && r->data.nodes != NULL;
    } else if (!strcmp(what, "scheduler")) {
        pcmk_schedulerd_api_reply_t *r = data;
        good += r->reply_type == pcmk_schedulerd_reply_graph && r->data.graph.tgraph != NULL;
    }
}

static void wait_replies(pcmk_ipc_api_t *api, int want)
{
    for (int i = 0; i < 100 && replies < want; i++) {
        if (pcmk_poll_ipc(api, 100) == 0) {
            pcmk_dispatch_ipc(api);
        }
    }
}

static int api_capability(enum pcmk_ipc_server server, const char *what)
{
    pcmk_ipc_api_t *api = NULL;
    xmlNode *cib = NULL;
    int rc;

    if (server == pcmk_ipc_schedulerd) {
        xmlNode *reply = NULL;

        if (cib_request("cib_query", NULL, &reply) < 0) {
            return fail("no CIB to compute a graph for");
        }
        cib = xmlCopyNode(child(child(reply, "cib_calldata"), "cib"), 1);
        xmlFreeDoc(reply->doc);
    }
    pcmk_new_ipc_api(&api, server);
    pcmk_register_ipc_callback(api, api_cb, (void *) what);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_poll);
    if (rc != 0) {
        pcmk_free_ipc_api(api);
        return fail("connect");
    }
    if (server == pcmk_ipc_pacemakerd) {
        rc = pcmk_pacemakerd_api_ping(api, "pcmkrs-interop");
    } else if (server == pcmk_ipc_controld) {
        rc = pcmk_controld_api_list_nodes(api);
    } else {
        char *ref = NULL;
        rc = pcmk_schedulerd_api_graph(api, cib, &ref);
        free(ref);
    }
    if (rc == 0) {
        wait_replies(api, 1);
    }
    pcmk_free_ipc_api(api);
    xmlFreeNode(cib);
    if (rc != 0) {
        return fail("request not sent");
    }
    if (replies == 0) {
        return fail("no reply within 10 s");
    }
    return good ? (printf("ok\n"), 0) : fail("a reply that does not say it");
}

/* --- the attribute manager ---------------------------------------------------------------- */

static char attr_value[64];

static void attrd_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                     void *data, void *user_data)
{
    pcmk__attrd_api_reply_t *r = data;

    (void) api; (void) user_data;
    if (type != pcmk_ipc_event_reply) {
        return;
    }
    attr_value[0] = '\0';
    if (status == CRM_EX_OK && r && r->reply_type == 1
        && r->data.pairs) {
        pcmk__attrd_query_pair_t *p = r->data.pairs->data;
        snprintf(attr_value, sizeof(attr_value), "%s", p->value ? p->value : "");
    }
}

static int attrd_capability(void)
{
    pcmk_ipc_api_t *api = NULL;
    char value[32];
    int rc;

    snprintf(value, sizeof(value), "%d", (int) getpid());
    rc = pcmk__attrd_api_update(NULL, "node1", "pcmkrs-interop", value, NULL, NULL, NULL, o_value);
    if (rc != 0) {
        return fail("update");
    }
    pcmk_new_ipc_api(&api, pcmk_ipc_attrd);
    pcmk_register_ipc_callback(api, attrd_cb, NULL);
    /* the attribute manager answers queries on the response channel: sync mode */
    if (pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync) != 0) {
        pcmk_free_ipc_api(api);
        return fail("connect");
    }
    for (int i = 0; i < 50 && strcmp(attr_value, value); i++) {
        if (pcmk__attrd_api_query(api, "node1", "pcmkrs-interop", 0) != 0) {
            break;
        }
        if (strcmp(attr_value, value)) {
            g_usleep(100000);
        }
    }
    pcmk__attrd_api_delete(api, "node1", "pcmkrs-interop", 0);
    pcmk_free_ipc_api(api);
    return !strcmp(attr_value, value) ? (printf("ok\n"), 0) : fail("the value did not come back");
}

static int purge_capability(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;

    pcmk_new_ipc_api(&api, pcmk_ipc_controld);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    if (rc == 0) {
        rc = pcmk_ipc_purge_node(api, "pcmkrs-ghost", 0);
    }
    pcmk_free_ipc_api(api);
    return rc == 0 ? (printf("ok\n"), 0) : fail("purge refused or not answered");
}

/* --- an sbd-style watcher: pacemakerd pinged from GLib's main loop ------------------------- */

static GMainLoop *loop;
static pcmk_ipc_api_t *watched;

static void watch_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                     void *data, void *user_data)
{
    pcmk_pacemakerd_api_reply_t *r = data;

    (void) api; (void) user_data;
    if (type == pcmk_ipc_event_reply && status == CRM_EX_OK && r
        && r->reply_type == pcmk_pacemakerd_reply_ping) {
        good++;
    }
    if (good >= 3) {
        g_main_loop_quit(loop);
    }
}

static gboolean tick(gpointer data)
{
    (void) data;
    if (pcmk_connect_ipc(watched, pcmk_ipc_dispatch_main) == 0) {
        pcmk_pacemakerd_api_ping(watched, "pcmkrs-interop");
    }
    return G_SOURCE_CONTINUE;
}

static gboolean give_up(gpointer data)
{
    (void) data;
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static int watcher_capability(void)
{
    loop = g_main_loop_new(NULL, FALSE);
    pcmk_new_ipc_api(&watched, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(watched, watch_cb, NULL);
    g_timeout_add(200, tick, NULL);
    g_timeout_add(10000, give_up, NULL);
    g_main_loop_run(loop);
    pcmk_free_ipc_api(watched);
    return good >= 3 ? (printf("ok\n"), 0) : fail("fewer than 3 pings answered in 10 s");
}

/* --- the fencer and the executor, through libstonithd and liblrmd --------------------------- */

static int fencer_capability(void)
{
    stonith_t *st = stonith_api_new();
    stonith_key_value_t *devices = NULL;
    int rc;

    if (st == NULL) {
        return fail("stonith_api_new");
    }
    rc = st->cmds->connect(st, "pcmkrs-interop", NULL);
    if (rc == pcmk_ok) {
        /* a synchronous call: the one a fencer that misreads its flags aborts on */
        rc = st->cmds->query(st, st_opt_sync_call, NULL, &devices, 10);
        stonith_key_value_freeall(devices, 1, 1);
        st->cmds->disconnect(st);
    }
    stonith_api_delete(st);
    return rc >= 0 ? (printf("ok\n"), 0) : fail("register or device query refused or not answered");
}

static int executor_capability(void)
{
    lrmd_t *l = lrmd_api_new();
    lrmd_rsc_info_t *info = NULL;
    int rc;

    if (l == NULL) {
        return fail("lrmd_api_new");
    }
    rc = l->cmds->connect(l, "pcmkrs-interop", NULL);
    if (rc == pcmk_ok) {
        rc = l->cmds->register_rsc(l, "pcmkrs-interop", "ocf", "pacemaker", "Dummy", 0);
    }
    if (rc == pcmk_ok) {
        info = l->cmds->get_rsc_info(l, "pcmkrs-interop", 0);
        l->cmds->unregister_rsc(l, "pcmkrs-interop", 0);
    }
    if (info != NULL) {
        lrmd_free_rsc_info(info);
    }
    l->cmds->disconnect(l);
    lrmd_api_delete(l);
    return info != NULL ? (printf("ok\n"), 0) : fail("register or resource query refused or not answered");
}

int main(int argc, char **argv)
{
    const char *cap = argc > 1 ? argv[1] : "";
    xmlNode *reply = NULL;
    long n;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(cap, "connect")) {
        crm_ipc_t *c = crm_ipc_new("cib_rw", 0);
        bool ok = crm_ipc_connect(c);

        crm_ipc_close(c);
        crm_ipc_destroy(c);
        return ok ? (printf("ok\n"), 0) : fail("connect");
    } else if (!strcmp(cap, "cib-small") || !strcmp(cap, "cib-large")) {
        int large = !strcmp(cap, "cib-large");

        n = cib_request("cib_query", large ? NULL : "nodes", &reply);
        if (n < 0) {
            return fail("no reply");
        }
        xmlNode *data = child(child(reply, "cib_calldata"), large ? "cib" : "nodes");
        int ok = data != NULL && (!large || n > MIB);

        xmlFreeDoc(reply->doc);
        return ok ? (printf("ok\n"), 0) : fail("not the section asked for");
    } else if (!strcmp(cap, "pacemakerd-ping")) {
        return api_capability(pcmk_ipc_pacemakerd, "pacemakerd");
    } else if (!strcmp(cap, "controller-nodes")) {
        return api_capability(pcmk_ipc_controld, "controller");
    } else if (!strcmp(cap, "scheduler-graph")) {
        return api_capability(pcmk_ipc_schedulerd, "scheduler");
    } else if (!strcmp(cap, "attrd")) {
        return attrd_capability();
    } else if (!strcmp(cap, "purge")) {
        return purge_capability();
    } else if (!strcmp(cap, "watcher")) {
        return watcher_capability();
    } else if (!strcmp(cap, "fencer")) {
        return fencer_capability();
    } else if (!strcmp(cap, "executor")) {
        return executor_capability();
    }
    return fail("unknown capability");
}
