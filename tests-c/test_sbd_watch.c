/* An sbd-style watcher: a GLib main loop pings pacemakerd every second through the daemon API
 * (pcmk_connect_ipc on every tick, as sbd does); after three good pings it stops pinging, says
 * so on stdout and creates the file named by its first argument; then, when the node is
 * stopped (tests-c/watch-suite.sh does it), the disconnect event must arrive. Built against our
 * library and against libcrmcommon 3.0.0; the outputs must be identical. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_pacemakerd.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

static GMainLoop *loop;
static pcmk_ipc_api_t *api;
static int pings, disconnects;
static const char *ready_file;

static void cb(pcmk_ipc_api_t *a, enum pcmk_ipc_event type, crm_exit_t status, void *data, void *user_data)
{
    pcmk_pacemakerd_api_reply_t *r = data;

    (void) a; (void) user_data;
    if (type == pcmk_ipc_event_reply && r->reply_type == pcmk_pacemakerd_reply_ping) {
        pings++;
        printf("ping %d: status %d, state %s\n", pings, (int) status,
               pcmk_pacemakerd_api_daemon_state_enum2text(r->data.ping.state));
        if (pings == 3) {
            FILE *f = fopen(ready_file, "w");
            printf("three pings: waiting for the node to stop\n");
            if (f) fclose(f);
        }
    } else if (type == pcmk_ipc_event_disconnect) {
        disconnects++;
        printf("disconnect event: status %d\n", (int) status);
        g_main_loop_quit(loop);
    }
}

static gboolean tick(gpointer data)
{
    (void) data;
    if (pings >= 3) {
        return G_SOURCE_CONTINUE;
    }
    if (pcmk_connect_ipc(api, pcmk_ipc_dispatch_main) == 0) {
        pcmk_pacemakerd_api_ping(api, "watcher");
    }
    return G_SOURCE_CONTINUE;
}

static guint t2;

static gboolean give_up(gpointer data)
{
    (void) data;
    printf("no disconnect event within 90 s\n");
    t2 = 0;
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    guint t1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    ready_file = argc > 1 ? argv[1] : "/dev/null";
    loop = g_main_loop_new(NULL, FALSE);
    CHECK(pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd) == 0, "watcher: new");
    pcmk_register_ipc_callback(api, cb, NULL);
    t1 = g_timeout_add(1000, tick, NULL);
    t2 = g_timeout_add(90000, give_up, NULL);
    tick(NULL);
    g_main_loop_run(loop);
    g_source_remove(t1);
    if (t2) g_source_remove(t2);
    CHECK(pings == 3 && disconnects == 1, "watcher: three pings, then one disconnect event");
    CHECK(!pcmk_ipc_is_connected(api), "watcher: not connected any more");
    pcmk_free_ipc_api(api);
    g_main_loop_unref(loop);
    DONE();
}
