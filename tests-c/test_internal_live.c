/* The entry points that Pacemaker's own libraries and tools call besides ipc.h, against a live
 * node: mainloop.h's IPC sources (mainloop_add_ipc_client & co), the internal connects
 * (pcmk__connect_generic_ipc, pcmk__ipc_fd, pcmk__connect_ipc) and the attribute manager's
 * client API (pcmk__attrd_api_*).
 *
 * Built against our header and library, and against Pacemaker 3.0.0's headers and libcrmcommon
 * (in the 3.0 chroot); tests-c/live-suite.sh runs both on the same live node and requires
 * identical output. Pacemaker installs no header for the internal functions: their 3.0.0
 * declarations are in pacemaker_internal.h.
 */
#include <crm/common/ipc.h>
#include <crm/common/ipc_pacemakerd.h>
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <libxml/tree.h>
#include "check.h"
#include "pacemaker_internal.h"

#define S(s) ((s) ? (s) : "(null)")

/* --- the internal connects --------------------------------------------------------------- */

static void generic_connects(void)
{
    int fd = -1, rc;
    crm_ipc_t *c = crm_ipc_new("cib_ro", 0);

    CHECK(pcmk__connect_generic_ipc(NULL) == EINVAL, "pcmk__connect_generic_ipc(NULL): EINVAL");
    CHECK(pcmk__ipc_fd(NULL, &fd) == EINVAL, "pcmk__ipc_fd(NULL): EINVAL");
    CHECK(pcmk__ipc_fd(c, NULL) == EINVAL, "pcmk__ipc_fd(fd NULL): EINVAL");
    CHECK(pcmk__ipc_fd(c, &fd) == ENOTCONN && fd == -1, "pcmk__ipc_fd before connect: ENOTCONN");
    rc = pcmk__connect_generic_ipc(c);
    CHECK(rc == 0, "pcmk__connect_generic_ipc(cib_ro): %d", rc);
    rc = pcmk__ipc_fd(c, &fd);
    CHECK(rc == 0 && fd >= 0 && fd == crm_ipc_get_fd(c), "pcmk__ipc_fd: %d, the fd crm_ipc_get_fd gives", rc);
    crm_ipc_close(c);
    CHECK(pcmk__ipc_fd(c, &fd) == ENOTCONN, "pcmk__ipc_fd after close: ENOTCONN");
    crm_ipc_destroy(c);

    c = crm_ipc_new("pcmkrs-no-such-service", 0);
    rc = pcmk__connect_generic_ipc(c);
    CHECK(rc == ECONNREFUSED, "pcmk__connect_generic_ipc of a missing service: %d (%s)", rc, strerror(rc));
    crm_ipc_destroy(c);
}

static int pings;

static void pcmkd_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                     void *data, void *user_data)
{
    (void) api; (void) data; (void) user_data;
    if (type == pcmk_ipc_event_reply && status == CRM_EX_OK) {
        pings++;
    }
}

static void api_connects(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;

    CHECK(pcmk__connect_ipc(NULL, pcmk_ipc_dispatch_sync, 1) == EINVAL, "pcmk__connect_ipc(NULL): EINVAL");
    pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(api, pcmkd_cb, NULL);
    CHECK(pcmk__connect_ipc(api, pcmk_ipc_dispatch_sync, 0) == EINVAL, "pcmk__connect_ipc with 0 attempts: EINVAL");
    rc = pcmk__connect_ipc(api, pcmk_ipc_dispatch_sync, 5);
    CHECK(rc == 0 && pcmk_ipc_is_connected(api), "pcmk__connect_ipc(pacemakerd, sync, 5): %d", rc);
    rc = pcmk__connect_ipc(api, pcmk_ipc_dispatch_poll, 5);
    CHECK(rc == 0, "pcmk__connect_ipc again (already connected): %d", rc);
    rc = pcmk_pacemakerd_api_ping(api, "pcmkrs");
    CHECK(rc == 0 && pings == 1, "ping in sync mode: %d, %d reply", rc, pings);
    pcmk_free_ipc_api(api);
}

/* --- the attribute manager ----------------------------------------------------------------- */

static int attrd_status = -1;
static char attrd_values[512];

static void attrd_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                     void *data, void *user_data)
{
    pcmk__attrd_api_reply_t *r = data;

    (void) api; (void) user_data;
    if (type != pcmk_ipc_event_reply) {
        return;
    }
    attrd_status = (int) status;
    attrd_values[0] = '\0';
    for (GList *l = (r->reply_type == 1) ? r->data.pairs : NULL; l; l = l->next) {
        pcmk__attrd_query_pair_t *p = l->data;
        size_t n = strlen(attrd_values);

        snprintf(attrd_values + n, sizeof(attrd_values) - n, "%s%s:%s=%s", n ? " " : "",
                 S(p->node), S(p->name), S(p->value));
    }
}

/* query `name` through a sync object with the callback; "status N: values" */
static const char *query(pcmk_ipc_api_t *api, const char *node, const char *name, uint32_t opts)
{
    static char out[600];
    int rc;

    attrd_status = -1;
    rc = pcmk__attrd_api_query(api, node, name, opts);
    snprintf(out, sizeof(out), "rc %d, status %d: %s", rc, attrd_status,
             attrd_status == 0 ? attrd_values : "-");
    return out;
}

/* the attribute manager applies an update after acknowledging it: query until the answer is
 * `want` (up to 5 s), then show the last answer */
static const char *query_until(pcmk_ipc_api_t *api, const char *node, const char *name,
                               uint32_t opts, const char *want)
{
    const char *got = NULL;

    for (int i = 0; i < 100; i++) {
        got = query(api, node, name, opts);
        if (!strcmp(got, want)) {
            break;
        }
        g_usleep(50000);
    }
    return got;
}

static void attribute_manager(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;
    pcmk__attrd_query_pair_t one = { "node1", "pcmkrs-list-a", "a1" };
    pcmk__attrd_query_pair_t two = { NULL, "pcmkrs-list-b", "b1" };
    GList *list = g_list_append(g_list_append(NULL, &one), &two);

    pcmk_new_ipc_api(&api, pcmk_ipc_attrd);
    pcmk_register_ipc_callback(api, attrd_cb, NULL);
    rc = pcmk__connect_ipc(api, pcmk_ipc_dispatch_sync, 5);
    CHECK(rc == 0, "attrd: connect sync: %d", rc);

    CHECK(pcmk__attrd_api_update(NULL, NULL, NULL, "1", NULL, NULL, NULL, o_value) == EINVAL,
          "attrd: update without a name: EINVAL");
    CHECK(pcmk__attrd_api_query(api, NULL, NULL, 0) == EINVAL, "attrd: query without a name: EINVAL");
    CHECK(pcmk__attrd_api_delete(NULL, NULL, NULL, 0) == EINVAL, "attrd: delete without a name: EINVAL");
    CHECK(pcmk__attrd_api_update_list(NULL, NULL, NULL, NULL, NULL, o_value) == EINVAL,
          "attrd: update of an empty list: EINVAL");
    printf("attrd: query of an unknown attribute: %s\n", query(api, NULL, "pcmkrs-never-set", 0));

    /* a temporary connection (NULL object), then the sync object */
    rc = pcmk__attrd_api_update(NULL, NULL, "pcmkrs-attr", "3", NULL, NULL, NULL, o_value);
    CHECK(rc == 0, "attrd: update through a temporary connection: %d", rc);
    printf("attrd: query on the local node: %s\n",
           query_until(api, NULL, "pcmkrs-attr", 0, "rc 0, status 0: node1:pcmkrs-attr=3"));
    printf("attrd: query on node1: %s\n", query(api, "node1", "pcmkrs-attr", 0));
    printf("attrd: query on every node: %s\n", query(api, NULL, "pcmkrs-attr", o_query_all));
    rc = pcmk__attrd_api_update(api, "node1", "pcmkrs-attr", "4", "5s", NULL, NULL, o_value | o_delay);
    CHECK(rc == 0, "attrd: update value and delay on the object: %d", rc);
    printf("attrd: query after: %s\n",
           query_until(api, NULL, "pcmkrs-attr", 0, "rc 0, status 0: node1:pcmkrs-attr=4"));
    rc = pcmk__attrd_api_update_list(api, list, NULL, NULL, NULL, o_value);
    CHECK(rc == 0, "attrd: update of a list of two: %d", rc);
    printf("attrd: query list a: %s\n",
           query_until(api, NULL, "pcmkrs-list-a", 0, "rc 0, status 0: node1:pcmkrs-list-a=a1"));
    printf("attrd: query list b: %s\n",
           query_until(api, NULL, "pcmkrs-list-b", 0, "rc 0, status 0: node1:pcmkrs-list-b=b1"));
    rc = pcmk__attrd_api_refresh(api, NULL);
    CHECK(rc == 0, "attrd: refresh: %d", rc);
    rc = pcmk__attrd_api_clear_failures(api, "node1", "pcmkrs-no-such-rsc", "monitor", "10s", NULL, 0);
    CHECK(rc == 0, "attrd: clear failures of one operation: %d", rc);
    rc = pcmk__attrd_api_clear_failures(NULL, "node1", NULL, NULL, NULL, NULL, 0);
    CHECK(rc == 0, "attrd: clear all failures (temporary connection): %d", rc);
    rc = pcmk__attrd_api_purge(api, "pcmkrs-ghost", true);
    CHECK(rc == 0, "attrd: purge of an unknown node: %d", rc);
    rc = pcmk__attrd_api_delete(api, NULL, "pcmkrs-attr", 0);
    CHECK(rc == 0, "attrd: delete: %d", rc);
    printf("attrd: query after delete: %s\n",
           query_until(api, NULL, "pcmkrs-attr", 0, "rc 0, status 0: node1:pcmkrs-attr=(null)"));
    pcmk__attrd_api_delete(NULL, "node1", "pcmkrs-list-a", 0);
    pcmk__attrd_api_delete(NULL, "node1", "pcmkrs-list-b", 0);
    pcmk_free_ipc_api(api);
    g_list_free(list);
}

/* --- mainloop.h: a CIB connection attached to the main loop ------------------------------ */

static GMainLoop *loop;
static int events, destroyed;
static char last_event[256];

static int cib_dispatch(const char *buffer, ssize_t length, gpointer userdata)
{
    xmlDoc *doc = xmlReadMemory(buffer, (int) strlen(buffer), NULL, NULL, XML_PARSE_NOBLANKS);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlChar *subt = root ? xmlGetProp(root, (const xmlChar *) "subt") : NULL;
    xmlChar *op = root ? xmlGetProp(root, (const xmlChar *) "cib_op") : NULL;

    events++;
    snprintf(last_event, sizeof(last_event), "<%s subt=%s cib_op=%s>, length %s",
             root ? (const char *) root->name : "?", S((const char *) subt), S((const char *) op),
             length == (ssize_t) strlen(buffer) + 1 ? "text + NUL" : "other");
    xmlFree(subt);
    xmlFree(op);
    xmlFreeDoc(doc);
    if (!strcmp((const char *) userdata, "cib-test")) {
        g_main_loop_quit(loop);
    }
    return 0;
}

static void cib_destroy(gpointer userdata)
{
    destroyed++;
    printf("mainloop: destroy callback (%s)\n", (const char *) userdata);
}

static gboolean give_up(gpointer data)
{
    (void) data;
    printf("mainloop: no event in 10 s\n");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static xmlNode *cib_request(const char *op, const char *section, const char *data_xml)
{
    static int callid;
    char id[16];
    xmlNode *r = xmlNewNode(NULL, (const xmlChar *) "cib_command");

    snprintf(id, sizeof(id), "%d", ++callid);
    xmlSetProp(r, (const xmlChar *) "t", (const xmlChar *) "cib");
    xmlSetProp(r, (const xmlChar *) "cib_op", (const xmlChar *) op);
    xmlSetProp(r, (const xmlChar *) "cib_callid", (const xmlChar *) id);
    xmlSetProp(r, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
    if (section) {
        xmlSetProp(r, (const xmlChar *) "cib_section", (const xmlChar *) section);
    }
    if (data_xml) {
        xmlDoc *d = xmlReadMemory(data_xml, (int) strlen(data_xml), NULL, NULL, 0);
        xmlNode *w = xmlNewChild(r, NULL, (const xmlChar *) "cib_calldata", NULL);

        xmlAddChild(w, xmlDocCopyNode(xmlDocGetRootElement(d), r->doc, 1));
        xmlFreeDoc(d);
    }
    return r;
}

/* send on the source's connection and wait for the reply; "rc N, <reply cib_rc=...>" */
static void cib_call(crm_ipc_t *c, const char *what, xmlNode *req)
{
    xmlNode *reply = NULL;
    int rc = crm_ipc_send(c, req, crm_ipc_client_response, 5000, &reply);
    xmlChar *cib_rc = reply ? xmlGetProp(reply, (const xmlChar *) "cib_rc") : NULL;

    CHECK(rc > 0 && reply != NULL, "mainloop: %s: reply <%s cib_rc=%s>", what,
          reply ? (const char *) reply->name : "none", S((const char *) cib_rc));
    xmlFree(cib_rc);
    if (reply) {
        /* a tree of libcrmcommon in its process, a plain libxml2 one elsewhere: the root's
         * document goes with it either way */
        xmlFreeDoc(reply->doc);
    }
    xmlFreeNode(req);
}

static void main_loop_source(void)
{
    struct ipc_client_callbacks cb = { cib_dispatch, cib_destroy };
    mainloop_io_t *src, *missing;
    crm_ipc_t *c;
    xmlNode *notify;

    loop = g_main_loop_new(NULL, FALSE);
    errno = 0;
    missing = mainloop_add_ipc_client("pcmkrs-no-such-service", G_PRIORITY_DEFAULT, 0, "missing", &cb);
    CHECK(missing == NULL && errno == ECONNREFUSED, "mainloop: a missing service: NULL, errno %s",
          strerror(errno));
    CHECK(mainloop_get_ipc_client(NULL) == NULL, "mainloop: the connection of NULL: NULL");
    mainloop_del_ipc_client(NULL);

    src = mainloop_add_ipc_client("cib_rw", G_PRIORITY_HIGH, 512 * 1024, "cib-test", &cb);
    CHECK(src != NULL, "mainloop: cib_rw attached");
    c = mainloop_get_ipc_client(src);
    CHECK(c != NULL && crm_ipc_connected(c) && !strcmp(crm_ipc_name(c), "cib_rw"),
          "mainloop: its connection is connected to %s", c ? crm_ipc_name(c) : "-");

    notify = cib_request("register", NULL, NULL);
    xmlSetProp(notify, (const xmlChar *) "cib_clientname", (const xmlChar *) "pcmkrs-test");
    cib_call(c, "register", notify);
    notify = cib_request("cib_notify", NULL, NULL);
    xmlSetProp(notify, (const xmlChar *) "cib_notify_type", (const xmlChar *) "cib_diff_notify");
    xmlSetProp(notify, (const xmlChar *) "cib_notify_activate", (const xmlChar *) "1");
    cib_call(c, "notifications on", notify);
    cib_call(c, "create", cib_request("cib_create", "crm_config",
             "<cluster_property_set id=\"pcmkrs-probe\"><nvpair id=\"pcmkrs-probe-x\" "
             "name=\"pcmkrs-probe\" value=\"1\"/></cluster_property_set>"));
    guint timer = g_timeout_add(10000, give_up, NULL);
    g_main_loop_run(loop);
    g_source_remove(timer);
    CHECK(events >= 1, "mainloop: the change came as an event: %s", last_event);
    cib_call(c, "delete", cib_request("cib_delete", "crm_config",
             "<cluster_property_set id=\"pcmkrs-probe\"/>"));

    /* removing the source closes and frees the connection: the destroy callback comes from the
     * main loop */
    mainloop_del_ipc_client(src);
    CHECK(destroyed == 1, "mainloop: destroyed once by removing the source");
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    CHECK(destroyed == 1, "mainloop: no second destroy");

    /* pcmk__add_mainloop_ipc with an object of our own; the daemon closing it ends the source */
    c = crm_ipc_new("cib_ro", 0);
    src = NULL;
    CHECK(pcmk__add_mainloop_ipc(c, G_PRIORITY_DEFAULT, "cib-ro", &cb, &src) == 0 && src != NULL
          && mainloop_get_ipc_client(src) == c, "mainloop: pcmk__add_mainloop_ipc(cib_ro)");
    CHECK(pcmk__add_mainloop_ipc(NULL, G_PRIORITY_DEFAULT, "x", &cb, &src) == EINVAL,
          "mainloop: pcmk__add_mainloop_ipc(NULL): EINVAL");
    mainloop_del_ipc_client(src);
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    CHECK(destroyed == 2, "mainloop: that source destroyed too");
    g_main_loop_unref(loop);
}

int main(void)
{
    generic_connects();
    api_connects();
    attribute_manager();
    main_loop_source();
    DONE();
}
