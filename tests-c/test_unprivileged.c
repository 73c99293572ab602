/* Every daemon of a live node, from a client that is not root (tests-c/security-suite.sh runs it
 * as a user in the cluster group and as one outside it, built against this library and against
 * libcrmcommon 3.0.0; the outputs must be identical). For each IPC service: the connect (and
 * errno when it fails), then an ordinary request and what comes back; then the daemon API:
 * pacemakerd and controller pings, an attribute query. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "pacemaker_internal.h"

static xmlNode *request_for(const char *service)
{
    xmlNode *r = NULL;

    if (!strncmp(service, "cib_", 4)) {
        r = xmlNewNode(NULL, (const xmlChar *) "cib_command");
        xmlSetProp(r, (const xmlChar *) "t", (const xmlChar *) "cib");
        xmlSetProp(r, (const xmlChar *) "cib_op", (const xmlChar *) "cib_query");
        xmlSetProp(r, (const xmlChar *) "cib_section", (const xmlChar *) "nodes");
        xmlSetProp(r, (const xmlChar *) "cib_callid", (const xmlChar *) "1");
        xmlSetProp(r, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
    } else if (!strcmp(service, "lrmd")) {
        r = xmlNewNode(NULL, (const xmlChar *) "lrmd_command");
        xmlSetProp(r, (const xmlChar *) "lrmd_op", (const xmlChar *) "register");
        xmlSetProp(r, (const xmlChar *) "lrmd_clientname", (const xmlChar *) "pcmkrs-unprivileged");
        xmlSetProp(r, (const xmlChar *) "lrmd_protocol_version", (const xmlChar *) "1.2");
    } else if (!strcmp(service, "stonith-ng")) {
        r = xmlNewNode(NULL, (const xmlChar *) "stonith_command");
        xmlSetProp(r, (const xmlChar *) "st_op", (const xmlChar *) "register");
        xmlSetProp(r, (const xmlChar *) "st_clientname", (const xmlChar *) "pcmkrs-unprivileged");
    }
    return r;
}

static const char *code(int rc)
{
    return rc == 0 ? "ok" : rc > 0 ? strerror(rc) : "a Pacemaker code";
}

static int replies;
static void cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status, void *data,
               void *user_data)
{
    (void) api; (void) data; (void) user_data;
    if (type == pcmk_ipc_event_reply) {
        printf("  reply, status %d\n", (int) status);
        replies++;
    }
}

static void api_case(enum pcmk_ipc_server server)
{
    pcmk_ipc_api_t *api = NULL;
    int rc;

    pcmk_new_ipc_api(&api, server);
    pcmk_register_ipc_callback(api, cb, NULL);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    printf("api %s: connect %d (%s)\n", pcmk_ipc_name(api, false), rc, code(rc));
    if (rc == 0) {
        rc = server == pcmk_ipc_pacemakerd ? pcmk_pacemakerd_api_ping(api, "unprivileged")
           : server == pcmk_ipc_controld ? pcmk_controld_api_ping(api, NULL)
           : pcmk__attrd_api_query(api, "node1", "pcmkrs-unprivileged", 0);
        printf("api %s: request %d (%s)\n", pcmk_ipc_name(api, false), rc, code(rc));
    }
    pcmk_free_ipc_api(api);
}

int main(void)
{
    const char *services[] = { "cib_ro", "cib_rw", "cib_shm", "crmd", "pacemakerd", "attrd",
                               "pengine", "lrmd", "stonith-ng" };

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("running as uid %d\n", (int) getuid() == 0 ? 0 : 1);
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        crm_ipc_t *c = crm_ipc_new(services[i], 0);
        xmlNode *req = request_for(services[i]), *reply = NULL;
        bool ok;

        errno = 0;
        ok = crm_ipc_connect(c);
        printf("%s: connect %s", services[i], ok ? "ok" : "failed");
        if (!ok) printf(" (errno %s)", strerror(errno));
        printf("\n");
        if (ok && req != NULL) {
            int rc = crm_ipc_send(c, req, crm_ipc_client_response, 5000, &reply);
            printf("%s: request %s, reply <%s>\n", services[i], rc > 0 ? "> 0" : strerror(-rc),
                   reply ? (const char *) reply->name : "none");
            if (reply) xmlFreeDoc(reply->doc);
        }
        if (req) xmlFreeNode(req);
        crm_ipc_close(c);
        crm_ipc_destroy(c);
    }
    api_case(pcmk_ipc_pacemakerd);
    api_case(pcmk_ipc_controld);
    api_case(pcmk_ipc_attrd);
    return 0;
}
