/* A source libcrmcommon's mainloop_add_fd made, removed with mainloop_del_ipc_client, as
 * Pacemaker's liblrmd removes its TLS connection to a remote node (lrmd_tls_disconnect): the
 * source goes, its destroy callback runs once, nothing is dispatched after. (This library once
 * left such a source in place: the controller then crashed when a remote node's connection
 * stopped.) tests-c/live-suite.sh builds it against Pacemaker 3.0.0 in the 3.0 chroot, on
 * libcrmcommon alone and with this library linked first, and requires the same output. */
#include <crm/common/mainloop.h>
#include <glib.h>
#include <unistd.h>
#include "check.h"

static int destroyed, dispatched;

static int on_dispatch(gpointer data)
{
    char b;
    (void) data;
    dispatched++;
    return read(*(int *) data, &b, 1) == 1 ? 0 : -1;
}

static void on_destroy(gpointer data)
{
    (void) data;
    destroyed++;
}

int main(void)
{
    int fds[2];
    struct mainloop_fd_callbacks cb = { .dispatch = on_dispatch, .destroy = on_destroy };
    mainloop_io_t *src;

    if (pipe(fds) != 0) return 1;
    src = mainloop_add_fd("pcmkrs-fd", G_PRIORITY_DEFAULT, fds[0], &fds[0], &cb);
    CHECK(src != NULL, "mainloop_add_fd (libcrmcommon's source)");
    CHECK(write(fds[1], "x", 1) == 1, "a byte to read");
    for (int i = 0; i < 5 && dispatched == 0; i++) g_main_context_iteration(NULL, FALSE);
    CHECK(dispatched == 1, "dispatched once");
    CHECK(mainloop_get_ipc_client(src) == NULL, "mainloop_get_ipc_client: no connection object");
    mainloop_del_ipc_client(src);
    CHECK(destroyed == 1, "mainloop_del_ipc_client: its destroy callback ran once (%d)", destroyed);
    CHECK(write(fds[1], "y", 1) == 1, "another byte");
    for (int i = 0; i < 5; i++) g_main_context_iteration(NULL, FALSE);
    CHECK(dispatched == 1 && destroyed == 1, "nothing dispatched after the removal (%d, %d)", dispatched, destroyed);
    DONE();
}
