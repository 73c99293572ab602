/* A CIB client on Pacemaker's own libcib (the public API sbd uses): sign on, query, get diff
 * notifications on the main loop, create and remove a cluster option, sign off.
 *
 * tests-c/live-suite.sh builds it in the 3.0 chroot twice against Pacemaker 3.0.0: once as
 * usual (libcib, libcrmcommon), once linked with our library ahead of them
 * (`-lpcmk-ipc-rs $(pkg-config --libs pacemaker-cib)`), so that libcib's unmodified code talks
 * to the CIB manager through this library; both must print the same on the same live node.
 */
#include <crm/cib.h>
#include <crm/common/xml.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <libxml/tree.h>

static GMainLoop *loop;
static int diffs;

static void on_diff(const char *event, xmlNode *msg)
{
    (void) msg;
    diffs++;
    printf("notification: %s\n", event);
    g_main_loop_quit(loop);
}

static gboolean give_up(gpointer data)
{
    (void) data;
    printf("no notification in 10 s\n");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static xmlNode *option_set(void)
{
    xmlNode *set = xmlNewNode(NULL, (const xmlChar *) "cluster_property_set");
    xmlNode *nv = xmlNewChild(set, NULL, (const xmlChar *) "nvpair", NULL);

    xmlSetProp(set, (const xmlChar *) "id", (const xmlChar *) "pcmkrs-cib-client");
    xmlSetProp(nv, (const xmlChar *) "id", (const xmlChar *) "pcmkrs-cib-client-x");
    xmlSetProp(nv, (const xmlChar *) "name", (const xmlChar *) "pcmkrs-cib-client");
    xmlSetProp(nv, (const xmlChar *) "value", (const xmlChar *) "1");
    return set;
}

int main(void)
{
    cib_t *cib = cib_new();
    xmlNode *out = NULL, *set = option_set();
    int rc;

    loop = g_main_loop_new(NULL, FALSE);
    rc = cib->cmds->signon(cib, "pcmkrs-cib-client", cib_command);
    printf("signon: %d (%s)\n", rc, pcmk_strerror(rc));
    rc = cib->cmds->query(cib, "nodes", &out, cib_sync_call);
    printf("query nodes: %d, <%s> with %s\n", rc, out ? (const char *) out->name : "none",
           (out && out->children) ? (const char *) out->children->name : "nothing");
    free_xml(out);
    out = NULL;
    rc = cib->cmds->query(cib, "crm_config", &out, cib_sync_call);
    printf("query crm_config: %d, <%s>\n", rc, out ? (const char *) out->name : "none");
    free_xml(out);

    rc = cib->cmds->add_notify_callback(cib, "cib_diff_notify", on_diff);
    printf("diff notifications: %d\n", rc);
    rc = cib->cmds->create(cib, "crm_config", set, cib_sync_call);
    printf("create a cluster option: %d (%s)\n", rc, pcmk_strerror(rc));
    guint timer = g_timeout_add(10000, give_up, NULL);
    g_main_loop_run(loop);
    g_source_remove(timer);
    printf("notifications seen: %s\n", diffs > 0 ? "yes" : "no");
    rc = cib->cmds->create(cib, "crm_config", set, cib_sync_call);
    printf("create it again: %d (%s)\n", rc, pcmk_strerror(rc));
    rc = cib->cmds->remove(cib, "crm_config", set, cib_sync_call);
    printf("remove it: %d (%s)\n", rc, pcmk_strerror(rc));
    rc = cib->cmds->del_notify_callback(cib, "cib_diff_notify", on_diff);
    printf("notifications off: %d\n", rc);
    rc = cib->cmds->signoff(cib);
    printf("signoff: %d (%s)\n", rc, pcmk_strerror(rc));
    cib_delete(cib);
    xmlFreeNode(set);
    g_main_loop_unref(loop);
    return 0;
}
