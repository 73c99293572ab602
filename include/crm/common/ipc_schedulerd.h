/*
 * pcmk-ipc-rs: Pacemaker 3.0.0's <crm/common/ipc_schedulerd.h>. Written by hand to match
 * Pacemaker's declarations; src/ffi/daemons.rs implements it (layout asserted there) and
 * tests-c/abi_daemons.c checks it against Pacemaker's own header.
 */
#ifndef PCMK__CRM_COMMON_IPC_SCHEDULERD__H
#define PCMK__CRM_COMMON_IPC_SCHEDULERD__H

#include <crm/common/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Types of scheduler replies */
enum pcmk_schedulerd_api_reply {
    pcmk_schedulerd_reply_unknown,
    pcmk_schedulerd_reply_graph,
};

/** A scheduler reply, the event data of a reply callback */
typedef struct {
    enum pcmk_schedulerd_api_reply reply_type;
    union {
        struct {
            xmlNode *tgraph;
            const char *reference;
            const char *input;
        } graph;
    } data;
} pcmk_schedulerd_api_reply_t;

/** Ask the scheduler for a transition graph of a CIB (the graph goes to the callback). */
int pcmk_schedulerd_api_graph(pcmk_ipc_api_t *api, xmlNode *cib, char **ref);

#ifdef __cplusplus
}
#endif

#endif /* PCMK__CRM_COMMON_IPC_SCHEDULERD__H */
