/* Every request the daemon APIs build, sent to libqb echo servers that stand in for the
 * daemons (tests-c/qb_echo_server.c with PCMKRS_ECHO_LOG, which records each request's header
 * and text): tests-c/wire-suite.sh builds this against Pacemaker 3.0.0 in the 3.0 chroot, runs
 * it on libcrmcommon alone and with our library preloaded, and requires the same requests on
 * the wire, byte for byte once the pid and the clock are masked, and the same return codes.
 *
 * It sets libcrmcommon's crm_system_name (the sender name, as sbd and Pacemaker's tools do),
 * pcmk__is_daemon (how attribute lists are sent) and the environment a resource agent gets
 * (pcmk__node_attr_target), and calls the attribute manager's internal API (declared in
 * pacemaker_internal.h, as Pacemaker does not install its internal headers).
 */
#include <crm/common/ipc.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <crm/common/ipc_schedulerd.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "pacemaker_internal.h"

extern char *crm_system_name;
extern bool pcmk__is_daemon;

#define RC(call) printf("%-60s %d\n", #call, (call))

static void attribute_manager(void)
{
    pcmk__attrd_query_pair_t one = { "node1", "list-a", "a1" };
    pcmk__attrd_query_pair_t two = { NULL, "list-b", "b & <c>" };
    GList *list = g_list_append(g_list_append(NULL, &one), &two);
    pcmk_ipc_api_t *api = NULL;

    RC(pcmk__attrd_api_update(NULL, NULL, "a1", "v1", NULL, NULL, NULL, o_value));
    RC(pcmk__attrd_api_update(NULL, "node1", "a2", "v\"2\"", "5s", "set1", "hacluster",
                              o_value | o_delay | o_private | o_remote | o_sync_local));
    RC(pcmk__attrd_api_update(NULL, "localhost", "a.*", NULL, "1s", NULL, NULL,
                              o_pattern | o_utilization | o_delay | o_sync_cluster));
    RC(pcmk__attrd_api_update_list(NULL, list, "2s", "set2", "root", o_value));
    /* in a daemon, the resolved nodes are written back into the caller's list */
    printf("the list's nodes afterwards: %s, %s\n", one.node ? one.node : "(null)",
           two.node ? two.node : "(null)");
    RC(pcmk__attrd_api_delete(NULL, "node1", "a1", o_delay | o_private));
    RC(pcmk__attrd_api_query(NULL, NULL, "a1", 0));
    RC(pcmk__attrd_api_query(NULL, "node1", "a1", 0));
    RC(pcmk__attrd_api_query(NULL, "node1", "a1", o_query_all));
    RC(pcmk__attrd_api_refresh(NULL, NULL));
    RC(pcmk__attrd_api_refresh(NULL, "node1"));
    RC(pcmk__attrd_api_clear_failures(NULL, "node1", "rsc1", "monitor", "10s", "hacluster", o_remote));
    RC(pcmk__attrd_api_clear_failures(NULL, NULL, NULL, NULL, NULL, NULL, 0));
    RC(pcmk__attrd_api_clear_failures(NULL, "node1", "rsc1", "start", NULL, NULL, 0));

    /* On an object of its own (sync mode). Requests the daemon does not answer go out without
     * waiting; each is followed by one it answers, so that the connection is still open when the
     * stand-in reads it (a libqb server drops what a closed connection left unread). */
    RC(pcmk_new_ipc_api(&api, pcmk_ipc_attrd));
    RC(pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync));
    RC(pcmk__attrd_api_update(api, "node1", "a4", "4", NULL, NULL, NULL, o_value));
    RC(pcmk__attrd_api_query(api, NULL, "a4", 0));
    RC(pcmk__attrd_api_update(api, "auto", "a3", "3", NULL, NULL, NULL, 0));
    RC(pcmk__attrd_api_purge(api, "node1", true));
    RC(pcmk__attrd_api_purge(api, NULL, false));
    RC(pcmk_ipc_purge_node(api, "node2", 2));
    RC(pcmk_ipc_purge_node(api, NULL, 3));
    RC(pcmk__attrd_api_query(api, "node1", "a4", 0));
    pcmk_free_ipc_api(api);
    g_list_free(list);
}

static void other_daemons(void)
{
    pcmk_ipc_api_t *api = NULL;
    xmlNode *cib = xmlNewNode(NULL, (const xmlChar *) "cib");
    char *ref = NULL;

    pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
    RC(pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync));
    RC(pcmk_pacemakerd_api_ping(api, NULL));
    RC(pcmk_pacemakerd_api_ping(api, "pcmkrs-pinger"));
    RC(pcmk_ipc_purge_node(api, "node2", 0));
    RC(pcmk_pacemakerd_api_ping(api, "pcmkrs-after-purge"));
    pcmk_free_ipc_api(api);

    pcmk_new_ipc_api(&api, pcmk_ipc_controld);
    RC(pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync));
    RC(pcmk_controld_api_ping(api, NULL));
    RC(pcmk_controld_api_ping(api, "node1"));
    RC(pcmk_controld_api_list_nodes(api));
    RC(pcmk_controld_api_node_info(api, 1));
    RC(pcmk_controld_api_reprobe(api, "node1", NULL));
    RC(pcmk_controld_api_fail(api, "node1", "node1", "rsc1", "rsc1:0", "ocf", "pacemaker", "Dummy"));
    RC(pcmk_controld_api_refresh(api, "node1", NULL, "rsc1", NULL, "ocf", "pacemaker", "Dummy", true));
    RC(pcmk_ipc_purge_node(api, "node2", 2));
    pcmk_free_ipc_api(api);

    pcmk_new_ipc_api(&api, pcmk_ipc_schedulerd);
    RC(pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync));
    xmlSetProp(cib, (const xmlChar *) "epoch", (const xmlChar *) "1");
    RC(pcmk_schedulerd_api_graph(api, cib, &ref));
    free(ref);
    pcmk_free_ipc_api(api);
    xmlFreeNode(cib);
}

int main(void)
{
    printf("pid %d\n", (int) getpid());
    printf("-- crm_system_name unset\n");
    attribute_manager();
    other_daemons();

    printf("-- crm_system_name \"pcmkrs-wire\"\n");
    crm_system_name = strdup("pcmkrs-wire");
    attribute_manager();
    other_daemons();

    printf("-- in a daemon (pcmk__is_daemon), for a resource agent (OCF_RESKEY_CRM_meta_on_node)\n");
    pcmk__is_daemon = true;
    setenv("OCF_RESKEY_CRM_meta_on_node", "node7", 1);
    attribute_manager();
    setenv("OCF_RESKEY_CRM_meta_container_attribute_target", "host", 1);
    setenv("OCF_RESKEY_CRM_meta_physical_host", "phys1", 1);
    RC(pcmk__attrd_api_update(NULL, NULL, "a5", "5", NULL, NULL, NULL, o_value));
    free(crm_system_name);
    crm_system_name = NULL;
    return 0;
}
