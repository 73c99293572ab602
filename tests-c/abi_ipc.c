/* Compile-time ABI checks of <crm/common/ipc.h>: every function assigned to a pointer of the
 * exact type Pacemaker 3.0.0 declares, every enum value asserted. Built against our header
 * (meson) and against Pacemaker 3.0.0's own headers in the 3.0 chroot (scripts/test), linked
 * with our library both times: a differing signature or value fails the build (-Werror). Run,
 * it calls nothing and prints the number of functions checked. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <stdio.h>

_Static_assert(crm_ipc_flags_none == 0x00000000, "crm_ipc_flags_none");
_Static_assert(crm_ipc_compressed == 0x00000001, "crm_ipc_compressed");
_Static_assert(crm_ipc_proxied == 0x00000100, "crm_ipc_proxied");
_Static_assert(crm_ipc_client_response == 0x00000200, "crm_ipc_client_response");
_Static_assert(crm_ipc_server_event == 0x00010000, "crm_ipc_server_event");
_Static_assert(crm_ipc_server_free == 0x00020000, "crm_ipc_server_free");
_Static_assert(crm_ipc_proxied_relay_response == 0x00040000, "crm_ipc_proxied_relay_response");
_Static_assert(sizeof(enum crm_ipc_flags) == 4, "enum crm_ipc_flags is int-sized");

int main(void)
{
    crm_ipc_t *(*f_new)(const char *, size_t) = crm_ipc_new;
    bool (*f_connect)(crm_ipc_t *) = crm_ipc_connect;
    void (*f_close)(crm_ipc_t *) = crm_ipc_close;
    void (*f_destroy)(crm_ipc_t *) = crm_ipc_destroy;
    void (*f_free_event)(struct iovec *) = pcmk_free_ipc_event;
    int (*f_send)(crm_ipc_t *, const xmlNode *, enum crm_ipc_flags, int32_t, xmlNode **) = crm_ipc_send;
    int (*f_get_fd)(crm_ipc_t *) = crm_ipc_get_fd;
    bool (*f_connected)(crm_ipc_t *) = crm_ipc_connected;
    int (*f_ready)(crm_ipc_t *) = crm_ipc_ready;
    long (*f_read)(crm_ipc_t *) = crm_ipc_read;
    const char *(*f_buffer)(crm_ipc_t *) = crm_ipc_buffer;
    uint32_t (*f_buffer_flags)(crm_ipc_t *) = crm_ipc_buffer_flags;
    const char *(*f_name)(crm_ipc_t *) = crm_ipc_name;
    unsigned int (*f_default_size)(void) = crm_ipc_default_buffer_size;
    int (*f_authentic)(int, uid_t, gid_t, pid_t *, uid_t *, gid_t *) = crm_ipc_is_authentic_process;
    const void *all[] = {
        (const void *) f_new, (const void *) f_connect, (const void *) f_close,
        (const void *) f_destroy, (const void *) f_free_event, (const void *) f_send,
        (const void *) f_get_fd, (const void *) f_connected, (const void *) f_ready,
        (const void *) f_read, (const void *) f_buffer, (const void *) f_buffer_flags,
        (const void *) f_name, (const void *) f_default_size, (const void *) f_authentic,
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        n += all[i] != NULL;
    }
    printf("%zu functions with Pacemaker 3.0.0's signatures\n", n);
    printf("%zu passed, 0 failed\n", n);
    return n == sizeof(all) / sizeof(all[0]) ? 0 : 1;
}
