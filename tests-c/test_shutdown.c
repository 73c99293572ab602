/* pcmk_pacemakerd_api_shutdown against a live node: pacemakerd answers, then stops the node; the
 * client then sees the launcher go. tests-c/shutdown-suite.sh runs this source three ways (ours;
 * Pacemaker 3.0.0's headers with libcrmcommon 3.0.0; Pacemaker's headers with ours), each on a
 * node of its own, and requires identical output. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_pacemakerd.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

static int shutdown_replies, shutdown_status = -1, disconnects;

static void cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status, void *data, void *ud)
{
    pcmk_pacemakerd_api_reply_t *r = data;
    (void) api; (void) ud;
    if (type == pcmk_ipc_event_disconnect) {
        disconnects++;
    } else if (type == pcmk_ipc_event_reply && status == CRM_EX_OK && r != NULL
               && r->reply_type == pcmk_pacemakerd_reply_shutdown) {
        shutdown_replies++;
        shutdown_status = r->data.shutdown.status;
    }
}

int main(void)
{
    pcmk_ipc_api_t *api = NULL;
    int rc, last = 0, tries;

    CHECK(pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd) == 0, "new");
    pcmk_register_ipc_callback(api, cb, NULL);
    rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
    CHECK(rc == 0, "connect sync: %d", rc);
    rc = pcmk_pacemakerd_api_shutdown(api, "pcmkrs-shutdown");
    CHECK(rc == 0, "shutdown: %d", rc);
    CHECK(shutdown_replies == 1, "the shutdown reply came before the call returned (%d)", shutdown_replies);
    printf("shutdown reply status: %d\n", shutdown_status);
    /* the node stops: keep asking until the launcher is gone (at most 2 minutes) */
    for (tries = 0; tries < 600; tries++) {
        last = pcmk_pacemakerd_api_ping(api, "pcmkrs-shutdown");
        if (last != 0) {
            break;
        }
        usleep(200000);
    }
    /* the code of that failure, and whether a disconnect event came with it, depend on the
     * moment pacemakerd exits relative to a ping: not printed */
    CHECK(last != 0, "once the launcher is gone, a ping fails");
    CHECK(disconnects <= 1, "at most one disconnect event");
    printf("connected afterwards: %d\n", pcmk_ipc_is_connected(api));
    pcmk_free_ipc_api(api);
    DONE();
}
