/*
 * pcmk-ipc-rs: Pacemaker 3.0.0's <crm/common/ipc_controld.h>. Written by hand to match
 * Pacemaker's declarations; src/ffi/daemons.rs implements it (layout asserted there) and
 * tests-c/abi_daemons.c checks it against Pacemaker's own header.
 */
#ifndef PCMK__CRM_COMMON_IPC_CONTROLD__H
#define PCMK__CRM_COMMON_IPC_CONTROLD__H

#include <stdbool.h>
#include <glib.h>
#include <libxml/tree.h>
#include <crm/common/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Types of controller replies */
enum pcmk_controld_api_reply {
    pcmk_controld_reply_unknown,
    pcmk_controld_reply_reprobe,
    pcmk_controld_reply_info,
    pcmk_controld_reply_resource,
    pcmk_controld_reply_ping,
    pcmk_controld_reply_nodes,
};

/** A node in a controller node list */
typedef struct {
    uint32_t id;
    const char *uname;
    const char *state;
} pcmk_controld_api_node_t;

/** A controller reply, the event data of a reply callback */
typedef struct {
    enum pcmk_controld_api_reply reply_type;
    const char *feature_set;    /**< CRM feature set advertised by the controller */
    const char *host_from;      /**< Name of the node that sent the reply */
    union {
        struct {
            bool have_quorum;
            bool is_remote;
            int id;
            const char *uuid;
            const char *uname;
            const char *state;
        } node_info;
        struct {
            xmlNode *node_state;    /**< Resource operation history XML */
        } resource;
        struct {
            const char *sys_from;
            const char *fsa_state;
            const char *result;
        } ping;
        GList *nodes;   /**< list of pcmk_controld_api_node_t * */
    } data;
} pcmk_controld_api_reply_t;

int pcmk_controld_api_reprobe(pcmk_ipc_api_t *api, const char *target_node,
                              const char *router_node);
int pcmk_controld_api_node_info(pcmk_ipc_api_t *api, uint32_t nodeid);
int pcmk_controld_api_fail(pcmk_ipc_api_t *api, const char *target_node,
                           const char *router_node, const char *rsc_id,
                           const char *rsc_long_id, const char *standard,
                           const char *provider, const char *type);
int pcmk_controld_api_refresh(pcmk_ipc_api_t *api, const char *target_node,
                              const char *router_node, const char *rsc_id,
                              const char *rsc_long_id, const char *standard,
                              const char *provider, const char *type,
                              bool cib_only);
int pcmk_controld_api_ping(pcmk_ipc_api_t *api, const char *node_name);
int pcmk_controld_api_list_nodes(pcmk_ipc_api_t *api);
unsigned int pcmk_controld_api_replies_expected(const pcmk_ipc_api_t *api);

#ifdef __cplusplus
}
#endif

#endif /* PCMK__CRM_COMMON_IPC_CONTROLD__H */
