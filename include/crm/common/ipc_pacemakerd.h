/*
 * pcmk-ipc-rs: Pacemaker 3.0.0's <crm/common/ipc_pacemakerd.h>. Written by hand to match
 * Pacemaker's declarations; src/ffi/daemons.rs implements it (layout asserted there) and
 * tests-c/abi_daemons.c checks it against Pacemaker's own header.
 */
#ifndef PCMK__CRM_COMMON_IPC_PACEMAKERD__H
#define PCMK__CRM_COMMON_IPC_PACEMAKERD__H

#include <sys/types.h>
#include <crm/common/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/** States of pacemakerd */
enum pcmk_pacemakerd_state {
    pcmk_pacemakerd_state_invalid = -1,
    pcmk_pacemakerd_state_init = 0,
    pcmk_pacemakerd_state_starting_daemons,
    pcmk_pacemakerd_state_wait_for_ping,
    pcmk_pacemakerd_state_running,
    pcmk_pacemakerd_state_shutting_down,
    pcmk_pacemakerd_state_shutdown_complete,
    pcmk_pacemakerd_state_remote,
    pcmk_pacemakerd_state_max = pcmk_pacemakerd_state_remote,
};

/** Types of pacemakerd replies */
enum pcmk_pacemakerd_api_reply {
    pcmk_pacemakerd_reply_unknown,
    pcmk_pacemakerd_reply_ping,
    pcmk_pacemakerd_reply_shutdown,
};

/** A pacemakerd reply, the event data of a reply callback */
typedef struct {
    enum pcmk_pacemakerd_api_reply reply_type;
    union {
        struct {
            const char *sys_from;
            enum pcmk_pacemakerd_state state;
            time_t last_good;
            int status;
        } ping;
        struct {
            int status;
        } shutdown;
    } data;
} pcmk_pacemakerd_api_reply_t;

/** Ask pacemakerd for its state (the reply goes to the callback). */
int pcmk_pacemakerd_api_ping(pcmk_ipc_api_t *api, const char *ipc_name);
/** Ask pacemakerd to shut down (the reply goes to the callback). */
int pcmk_pacemakerd_api_shutdown(pcmk_ipc_api_t *api, const char *ipc_name);
/** The state of a state name; pcmk_pacemakerd_state_invalid if unknown. */
enum pcmk_pacemakerd_state
    pcmk_pacemakerd_api_daemon_state_text2enum(const char *state);
/** The name of a state; "invalid" if out of range. */
const char
    *pcmk_pacemakerd_api_daemon_state_enum2text(enum pcmk_pacemakerd_state state);

#ifdef __cplusplus
}
#endif

#endif /* PCMK__CRM_COMMON_IPC_PACEMAKERD__H */
