/* Compile-time ABI checks of the daemon API: pcmk_* of <crm/common/ipc.h> and the companions
 * ipc_pacemakerd.h, ipc_controld.h, ipc_schedulerd.h. Every function assigned to a pointer of
 * the exact type Pacemaker 3.0.0 declares, every enum value and every struct layout asserted.
 * Built against our headers (meson) and against Pacemaker 3.0.0's own (scripts/test), linked
 * with our library both times. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_controld.h>
#include <crm/common/ipc_pacemakerd.h>
#include <crm/common/ipc_schedulerd.h>
#include <stddef.h>
#include <stdio.h>

#define A(x) _Static_assert(x, #x)
A(pcmk_ipc_unknown == 0); A(pcmk_ipc_attrd == 1); A(pcmk_ipc_based == 2); A(pcmk_ipc_controld == 3);
A(pcmk_ipc_execd == 4); A(pcmk_ipc_fenced == 5); A(pcmk_ipc_pacemakerd == 6); A(pcmk_ipc_schedulerd == 7);
A(pcmk_ipc_event_connect == 0); A(pcmk_ipc_event_disconnect == 1); A(pcmk_ipc_event_reply == 2);
A(pcmk_ipc_event_notify == 3);
A(pcmk_ipc_dispatch_main == 0); A(pcmk_ipc_dispatch_poll == 1); A(pcmk_ipc_dispatch_sync == 2);
A(pcmk_pacemakerd_state_invalid == -1); A(pcmk_pacemakerd_state_init == 0);
A(pcmk_pacemakerd_state_starting_daemons == 1); A(pcmk_pacemakerd_state_wait_for_ping == 2);
A(pcmk_pacemakerd_state_running == 3); A(pcmk_pacemakerd_state_shutting_down == 4);
A(pcmk_pacemakerd_state_shutdown_complete == 5); A(pcmk_pacemakerd_state_remote == 6);
A(pcmk_pacemakerd_state_max == 6);
A(pcmk_pacemakerd_reply_unknown == 0); A(pcmk_pacemakerd_reply_ping == 1); A(pcmk_pacemakerd_reply_shutdown == 2);
A(pcmk_controld_reply_unknown == 0); A(pcmk_controld_reply_reprobe == 1); A(pcmk_controld_reply_info == 2);
A(pcmk_controld_reply_resource == 3); A(pcmk_controld_reply_ping == 4); A(pcmk_controld_reply_nodes == 5);
A(pcmk_schedulerd_reply_unknown == 0); A(pcmk_schedulerd_reply_graph == 1);
A(CRM_EX_OK == 0); A(CRM_EX_PROTOCOL == 76); A(CRM_EX_DISCONNECT == 102); A(CRM_EX_INDETERMINATE == 112);
A(pcmk_rc_ipc_unauthorized == -1018); A(pcmk_rc_error == -1001);

A(sizeof(pcmk_pacemakerd_api_reply_t) == 40);
A(offsetof(pcmk_pacemakerd_api_reply_t, data.ping.sys_from) == 8);
A(offsetof(pcmk_pacemakerd_api_reply_t, data.ping.state) == 16);
A(offsetof(pcmk_pacemakerd_api_reply_t, data.ping.last_good) == 24);
A(offsetof(pcmk_pacemakerd_api_reply_t, data.ping.status) == 32);
A(offsetof(pcmk_pacemakerd_api_reply_t, data.shutdown.status) == 8);
A(sizeof(pcmk_controld_api_node_t) == 24);
A(offsetof(pcmk_controld_api_node_t, uname) == 8); A(offsetof(pcmk_controld_api_node_t, state) == 16);
A(sizeof(pcmk_controld_api_reply_t) == 56);
A(offsetof(pcmk_controld_api_reply_t, feature_set) == 8); A(offsetof(pcmk_controld_api_reply_t, host_from) == 16);
A(offsetof(pcmk_controld_api_reply_t, data.node_info.have_quorum) == 24);
A(offsetof(pcmk_controld_api_reply_t, data.node_info.is_remote) == 25);
A(offsetof(pcmk_controld_api_reply_t, data.node_info.id) == 28);
A(offsetof(pcmk_controld_api_reply_t, data.node_info.uuid) == 32);
A(offsetof(pcmk_controld_api_reply_t, data.node_info.uname) == 40);
A(offsetof(pcmk_controld_api_reply_t, data.node_info.state) == 48);
A(offsetof(pcmk_controld_api_reply_t, data.resource.node_state) == 24);
A(offsetof(pcmk_controld_api_reply_t, data.ping.sys_from) == 24);
A(offsetof(pcmk_controld_api_reply_t, data.ping.fsa_state) == 32);
A(offsetof(pcmk_controld_api_reply_t, data.ping.result) == 40);
A(offsetof(pcmk_controld_api_reply_t, data.nodes) == 24);
A(sizeof(pcmk_schedulerd_api_reply_t) == 32);
A(offsetof(pcmk_schedulerd_api_reply_t, data.graph.tgraph) == 8);
A(offsetof(pcmk_schedulerd_api_reply_t, data.graph.reference) == 16);
A(offsetof(pcmk_schedulerd_api_reply_t, data.graph.input) == 24);
A(sizeof(enum pcmk_ipc_server) == 4 && sizeof(enum pcmk_pacemakerd_state) == 4);

int main(void)
{
    int (*f_new)(pcmk_ipc_api_t **, enum pcmk_ipc_server) = pcmk_new_ipc_api;
    void (*f_free)(pcmk_ipc_api_t *) = pcmk_free_ipc_api;
    int (*f_connect)(pcmk_ipc_api_t *, enum pcmk_ipc_dispatch) = pcmk_connect_ipc;
    void (*f_disconnect)(pcmk_ipc_api_t *) = pcmk_disconnect_ipc;
    int (*f_poll)(const pcmk_ipc_api_t *, int) = pcmk_poll_ipc;
    void (*f_dispatch)(pcmk_ipc_api_t *) = pcmk_dispatch_ipc;
    void (*f_register)(pcmk_ipc_api_t *, pcmk_ipc_callback_t, void *) = pcmk_register_ipc_callback;
    const char *(*f_name)(const pcmk_ipc_api_t *, bool) = pcmk_ipc_name;
    bool (*f_connected)(pcmk_ipc_api_t *) = pcmk_ipc_is_connected;
    int (*f_purge)(pcmk_ipc_api_t *, const char *, uint32_t) = pcmk_ipc_purge_node;
    void (*f_cb)(pcmk_ipc_api_t *, enum pcmk_ipc_event, crm_exit_t, void *, void *) = NULL;
    pcmk_ipc_callback_t cb = f_cb;
    int (*f_ping)(pcmk_ipc_api_t *, const char *) = pcmk_pacemakerd_api_ping;
    int (*f_shutdown)(pcmk_ipc_api_t *, const char *) = pcmk_pacemakerd_api_shutdown;
    enum pcmk_pacemakerd_state (*f_t2e)(const char *) = pcmk_pacemakerd_api_daemon_state_text2enum;
    const char *(*f_e2t)(enum pcmk_pacemakerd_state) = pcmk_pacemakerd_api_daemon_state_enum2text;
    int (*f_reprobe)(pcmk_ipc_api_t *, const char *, const char *) = pcmk_controld_api_reprobe;
    int (*f_info)(pcmk_ipc_api_t *, uint32_t) = pcmk_controld_api_node_info;
    int (*f_fail)(pcmk_ipc_api_t *, const char *, const char *, const char *, const char *, const char *,
                  const char *, const char *) = pcmk_controld_api_fail;
    int (*f_refresh)(pcmk_ipc_api_t *, const char *, const char *, const char *, const char *, const char *,
                     const char *, const char *, bool) = pcmk_controld_api_refresh;
    int (*f_cping)(pcmk_ipc_api_t *, const char *) = pcmk_controld_api_ping;
    int (*f_list)(pcmk_ipc_api_t *) = pcmk_controld_api_list_nodes;
    unsigned int (*f_expected)(const pcmk_ipc_api_t *) = pcmk_controld_api_replies_expected;
    int (*f_graph)(pcmk_ipc_api_t *, xmlNode *, char **) = pcmk_schedulerd_api_graph;
    const void *all[] = {
        (const void *) f_new, (const void *) f_free, (const void *) f_connect, (const void *) f_disconnect,
        (const void *) f_poll, (const void *) f_dispatch, (const void *) f_register, (const void *) f_name,
        (const void *) f_connected, (const void *) f_purge, (const void *) f_ping, (const void *) f_shutdown,
        (const void *) f_t2e, (const void *) f_e2t, (const void *) f_reprobe, (const void *) f_info,
        (const void *) f_fail, (const void *) f_refresh, (const void *) f_cping, (const void *) f_list,
        (const void *) f_expected, (const void *) f_graph,
    };
    size_t n = 0;

    (void) cb;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        n += all[i] != NULL;
    }
    printf("%zu functions with Pacemaker 3.0.0's signatures, structs with its layouts\n", n);
    printf("%zu passed, 0 failed\n", n);
    return n == sizeof(all) / sizeof(all[0]) ? 0 : 1;
}
