/* Pacemaker 3.0.0's declarations of the functions its own code calls besides the public API,
 * which Pacemaker does not install: mainloop.h's IPC part (installed, but it pulls in more than
 * these tests use), ipc_internal.h and internal.h (the internal connects), ipc_attrd_internal.h
 * (the attribute manager's client API) and attrs_internal.h (its options). The same ABI in both
 * builds of the tests that use them (against our headers, and against Pacemaker's). */
#ifndef PCMK_IPC_RS_TESTS_PACEMAKER_INTERNAL_H
#define PCMK_IPC_RS_TESTS_PACEMAKER_INTERNAL_H
#include <crm/common/ipc.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct mainloop_io_s mainloop_io_t;
struct ipc_client_callbacks {
    int (*dispatch) (const char *buffer, ssize_t length, gpointer userdata);
    void (*destroy) (gpointer userdata);
};
mainloop_io_t *mainloop_add_ipc_client(const char *name, int priority, size_t max_size,
                                       void *userdata, struct ipc_client_callbacks *callbacks);
void mainloop_del_ipc_client(mainloop_io_t *client);
crm_ipc_t *mainloop_get_ipc_client(mainloop_io_t *client);
int pcmk__add_mainloop_ipc(crm_ipc_t *ipc, int priority, void *userdata,
                           const struct ipc_client_callbacks *callbacks, mainloop_io_t **source);
int pcmk__connect_generic_ipc(crm_ipc_t *ipc);
int pcmk__ipc_fd(crm_ipc_t *ipc, int *fd);
int pcmk__connect_ipc(pcmk_ipc_api_t *api, enum pcmk_ipc_dispatch dispatch_type, int attempts);

typedef struct {
    const char *node;
    const char *name;
    const char *value;
} pcmk__attrd_query_pair_t;
typedef struct {
    int reply_type; /* enum pcmk__attrd_api_reply: 0 unknown, 1 query */
    union {
        GList *pairs;
    } data;
} pcmk__attrd_api_reply_t;
/* enum pcmk__node_attr_opts */
enum {
    o_remote = 1 << 0, o_private = 1 << 1, o_pattern = 1 << 2, o_value = 1 << 3,
    o_delay = 1 << 4, o_sync_local = 1 << 6, o_sync_cluster = 1 << 7, o_utilization = 1 << 8,
    o_query_all = 1 << 9,
};
int pcmk__attrd_api_update(pcmk_ipc_api_t *api, const char *node, const char *name,
                           const char *value, const char *dampen, const char *set,
                           const char *user_name, uint32_t options);
int pcmk__attrd_api_update_list(pcmk_ipc_api_t *api, GList *attrs, const char *dampen,
                                const char *set, const char *user_name, uint32_t options);
int pcmk__attrd_api_delete(pcmk_ipc_api_t *api, const char *node, const char *name,
                           uint32_t options);
int pcmk__attrd_api_query(pcmk_ipc_api_t *api, const char *node, const char *name,
                          uint32_t options);
int pcmk__attrd_api_refresh(pcmk_ipc_api_t *api, const char *node);
int pcmk__attrd_api_purge(pcmk_ipc_api_t *api, const char *node, bool reap);
int pcmk__attrd_api_clear_failures(pcmk_ipc_api_t *api, const char *node, const char *resource,
                                   const char *operation, const char *interval_spec,
                                   const char *user_name, uint32_t options);
#endif
