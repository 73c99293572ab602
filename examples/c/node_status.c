/* A node's status through the daemon API of <crm/common/ipc.h>: pacemakerd's state (sync
 * mode), then the controller's ping and node list (poll mode), as sbd-style tools do it.
 *
 *   cc node_status.c $(pkg-config --cflags --libs pcmk-ipc-rs) -o node_status && ./node_status
 *
 * The same source builds against Pacemaker's own headers and libcrmcommon. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

static void pacemakerd_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                          void *data, void *user_data)
{
    pcmk_pacemakerd_api_reply_t *r = data;

    (void) api; (void) user_data;
    if (type == pcmk_ipc_event_reply && status == CRM_EX_OK && r->reply_type == pcmk_pacemakerd_reply_ping) {
        printf("pacemakerd: %s (%s)\n", pcmk_pacemakerd_api_daemon_state_enum2text(r->data.ping.state),
               r->data.ping.status == 0 ? "ok" : "not ok");
    }
}

static void controller_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status,
                          void *data, void *user_data)
{
    pcmk_controld_api_reply_t *r = data;

    (void) api; (void) user_data;
    if (type != pcmk_ipc_event_reply || status != CRM_EX_OK) {
        return;
    }
    if (r->reply_type == pcmk_controld_reply_ping) {
        printf("controller (DC): %s, %s (feature set %s)\n", r->data.ping.fsa_state, r->data.ping.result,
               r->feature_set);
    } else if (r->reply_type == pcmk_controld_reply_nodes) {
        for (GList *l = r->data.nodes; l != NULL; l = l->next) {
            pcmk_controld_api_node_t *n = l->data;
            printf("node %s (id %u): %s\n", n->uname, n->id, n->state);
        }
    }
}

int main(void)
{
    pcmk_ipc_api_t *pacemakerd = NULL, *controller = NULL;
    int rc;

    pcmk_new_ipc_api(&pacemakerd, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(pacemakerd, pacemakerd_cb, NULL);
    rc = pcmk_connect_ipc(pacemakerd, pcmk_ipc_dispatch_sync);
    if (rc != 0 || (rc = pcmk_pacemakerd_api_ping(pacemakerd, "node_status")) != 0) {
        fprintf(stderr, "node_status: pacemakerd: %s\n", strerror(rc > 0 ? rc : EPROTO));
        return 1;
    }
    pcmk_free_ipc_api(pacemakerd);

    pcmk_new_ipc_api(&controller, pcmk_ipc_controld);
    pcmk_register_ipc_callback(controller, controller_cb, NULL);
    rc = pcmk_connect_ipc(controller, pcmk_ipc_dispatch_poll);
    if (rc != 0) {
        fprintf(stderr, "node_status: controller: %s\n", strerror(rc > 0 ? rc : EPROTO));
        return 1;
    }
    pcmk_controld_api_ping(controller, NULL);
    pcmk_controld_api_list_nodes(controller);
    for (int i = 0; i < 100 && pcmk_controld_api_replies_expected(controller) > 0; i++) {
        if (pcmk_poll_ipc(controller, 100) == 0) {
            pcmk_dispatch_ipc(controller);
        }
    }
    pcmk_free_ipc_api(controller);
    return 0;
}
