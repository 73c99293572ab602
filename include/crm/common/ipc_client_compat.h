/*
 * pcmk-ipc-rs: Pacemaker 3.0.0's <crm/common/ipc_client_compat.h> (deprecated API).
 * Written by hand: it only declares crm_ipc_connect, which src/ffi/crm_ipc.rs implements.
 */
#ifndef PCMK__CRM_COMMON_IPC_CLIENT_COMPAT__H
#define PCMK__CRM_COMMON_IPC_CLIENT_COMPAT__H

#include <stdbool.h>
#include <crm/common/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Connect a connection object to its service, checking that the server runs as root or as
 * the cluster user or group.
 *
 * Returns true on success; false with errno set otherwise (the connect's errno, e.g.
 * ECONNREFUSED; ENOTCONN for a server running as someone else or a NULL object).
 * Deprecated in Pacemaker.
 */
bool crm_ipc_connect(crm_ipc_t *client);

#ifdef __cplusplus
}
#endif

#endif /* PCMK__CRM_COMMON_IPC_CLIENT_COMPAT__H */
