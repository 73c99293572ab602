/* The daemon API where Pacemaker 3.0.0 aborts, crashes or reads a foreign structure
 * (docs/differences.md A2-A5), against a live node. Run against our library only: 3.0.0 cannot
 * run these lines. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <crm/common/ipc_schedulerd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "check.h"

#define S(s) ((s) ? (s) : "(null)")
#include "live_cib.h"

static int events, replies, graphs;

static void count_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status, void *data, void *ud)
{
    (void) api; (void) status; (void) ud;
    events++;
    if (type == pcmk_ipc_event_reply) {
        replies++;
    }
    if (type == pcmk_ipc_event_reply && data != NULL) {
        pcmk_schedulerd_api_reply_t *r = data;
        if (r->reply_type == pcmk_schedulerd_reply_graph && r->data.graph.tgraph != NULL) {
            graphs++;
        }
    }
}

int main(void)
{
    pcmk_ipc_api_t *pcmkd = NULL, *ctl = NULL, *sched = NULL;
    xmlNode *cib = live_cib();
    char *ref = NULL;
    int rc;

    CHECK(cib != NULL, "the live CIB");

    /* A4: 3.0.0 dereferences NULL */
    CHECK(pcmk_controld_api_replies_expected(NULL) == 0, "A4: replies_expected(NULL): 0");

    /* A2: 3.0.0 aborts in crm_ipc_ready(NULL) */
    CHECK(pcmk_new_ipc_api(&pcmkd, pcmk_ipc_pacemakerd) == 0, "new pacemakerd object");
    pcmk_register_ipc_callback(pcmkd, count_cb, NULL);
    pcmk_dispatch_ipc(pcmkd);
    CHECK(events == 0, "A2: dispatch on a never-connected object returns, no callback");
    CHECK(pcmk_connect_ipc(pcmkd, pcmk_ipc_dispatch_sync) == 0, "pacemakerd: connect sync");
    events = 0;
    pcmk_disconnect_ipc(pcmkd);
    CHECK(events == 1, "pacemakerd: disconnect event (%d)", events);
    pcmk_dispatch_ipc(pcmkd);
    CHECK(events == 1, "A2: dispatch on a disconnected object returns, no callback");
    CHECK(pcmk_connect_ipc(pcmkd, pcmk_ipc_dispatch_sync) == 0, "pacemakerd: connect again");

    /* A3: 3.0.0 reads the other daemon's private data as its own */
    CHECK(pcmk_new_ipc_api(&ctl, pcmk_ipc_controld) == 0, "new controller object");
    CHECK(pcmk_connect_ipc(ctl, pcmk_ipc_dispatch_poll) == 0, "controller: connect poll");
    CHECK(pcmk_pacemakerd_api_ping(ctl, "beyond") == EINVAL, "A3: pacemakerd ping on a controller object: EINVAL");
    CHECK(pcmk_pacemakerd_api_shutdown(ctl, "beyond") == EINVAL, "A3: pacemakerd shutdown on a controller object: EINVAL");
    CHECK(pcmk_controld_api_ping(pcmkd, NULL) == EINVAL, "A3: controller ping on a pacemakerd object: EINVAL");
    CHECK(pcmk_controld_api_list_nodes(pcmkd) == EINVAL, "A3: controller node list on a pacemakerd object: EINVAL");
    CHECK(pcmk_controld_api_replies_expected(pcmkd) == 0, "A3: replies_expected on a pacemakerd object: 0");
    CHECK(pcmk_schedulerd_api_graph(ctl, cib, &ref) == EINVAL && ref == NULL,
          "A3: scheduler graph on a controller object: EINVAL, no reference");
    CHECK(pcmk_ipc_is_connected(ctl) && pcmk_ipc_is_connected(pcmkd), "A3: both objects still connected");

    /* A5: 3.0.0 writes the reference through NULL after sending */
    CHECK(pcmk_new_ipc_api(&sched, pcmk_ipc_schedulerd) == 0, "new scheduler object");
    pcmk_register_ipc_callback(sched, count_cb, NULL);
    CHECK(pcmk_connect_ipc(sched, pcmk_ipc_dispatch_poll) == 0, "scheduler: connect poll");
    rc = pcmk_schedulerd_api_graph(sched, cib, NULL);
    CHECK(rc == 0, "A5: graph with a NULL reference pointer: sent (%d)", rc);
    for (int i = 0; i < 40 && replies == 0; i++) {
        if (pcmk_poll_ipc(sched, 500) == 0) {
            pcmk_dispatch_ipc(sched);
        }
    }
    CHECK(replies == 1, "A5: the reply comes to the callback");
    /* with the graph, also from a 2.1 scheduler, whose reply 3.0.0 refuses (A11) */
    CHECK(graphs == 1, "A5, A11: with the graph (Pacemaker %s daemons)", S(getenv("PCMK_NODE_VERSION")));

    pcmk_free_ipc_api(sched);
    pcmk_free_ipc_api(ctl);
    pcmk_free_ipc_api(pcmkd);
    xmlFreeNode(cib);
    DONE();
}
