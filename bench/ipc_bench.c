/* Round trips through <crm/common/ipc.h> against a live node, timed. The same source is built
 * against this library, libcrmcommon 3.0.0 (3.0 chroot) and libcrmcommon 2.1.5 (Debian 12's)
 * by scripts/bench.
 *
 *   ipc_bench small N   N synchronous queries of the CIB's nodes section (crm_ipc_send)
 *   ipc_bench large N   N synchronous queries of the whole CIB (> 1 MiB: bzip2-compressed)
 *   ipc_bench ping N    N pacemakerd pings through the daemon API (sync mode)
 * Prints one line: "<what> <N> <mean us> <p50 us> <p99 us>". */
#include <crm/common/ipc.h>
#if __has_include(<crm/common/ipc_client_compat.h>)
#include <crm/common/ipc_client_compat.h> /* crm_ipc_connect: ipc.h itself declares it in 2.1 */
#endif
#include <crm/common/ipc_pacemakerd.h>
#ifdef LIBCRMCOMMON
/* libcrmcommon's trees carry private data on every node: its own free_xml frees them */
#include <crm/common/xml.h>
#define FREE_REPLY(x) free_xml(x)
#else
#define FREE_REPLY(x) xmlFreeDoc((x)->doc)
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"
#include <libxml/tree.h>

static int replies;

static void cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status, void *data, void *ud)
{
    (void) api; (void) data; (void) ud;
    replies += (type == pcmk_ipc_event_reply && status == 0);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "small";
    int n = argc > 2 ? atoi(argv[2]) : 1000, ok = 0;
    double t0, t1, *lat;

    if (n < 1) {
        return 2;
    }
    lat = malloc(sizeof(double) * (size_t) n);
    if (!strcmp(what, "ping")) {
        pcmk_ipc_api_t *api = NULL;
        pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
        pcmk_register_ipc_callback(api, cb, NULL);
        if (pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync) != 0) return 1;
        t0 = now_us();
        for (int i = 0; i < n; i++) {
            double a = now_us();
            pcmk_pacemakerd_api_ping(api, "bench");
            lat[i] = now_us() - a;
        }
        t1 = now_us();
        ok = replies;
        pcmk_free_ipc_api(api);
    } else {
        crm_ipc_t *c = crm_ipc_new("cib_rw", 0);
        xmlNode *q = xmlNewNode(NULL, (const xmlChar *) "cib_command");
        xmlSetProp(q, (const xmlChar *) "t", (const xmlChar *) "cib");
        xmlSetProp(q, (const xmlChar *) "cib_op", (const xmlChar *) "cib_query");
        xmlSetProp(q, (const xmlChar *) "cib_callid", (const xmlChar *) "1");
        xmlSetProp(q, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
        if (!strcmp(what, "small")) xmlSetProp(q, (const xmlChar *) "cib_section", (const xmlChar *) "nodes");
        if (!crm_ipc_connect(c)) return 1;
        t0 = now_us();
        for (int i = 0; i < n; i++) {
            xmlNode *reply = NULL;
            double a = now_us();
            if (crm_ipc_send(c, q, crm_ipc_client_response, 10000, &reply) > 0 && reply) {
                ok++;
                FREE_REPLY(reply);
            }
            lat[i] = now_us() - a;
        }
        t1 = now_us();
        xmlFreeNode(q);
        crm_ipc_close(c);
        crm_ipc_destroy(c);
    }
    if (ok != n) {
        fprintf(stderr, "ipc_bench: %d of %d answered\n", ok, n);
        return 1;
    }
    qsort(lat, (size_t) n, sizeof(double), cmp);
    printf("%s %d %.1f %.1f %.1f\n", what, n, (t1 - t0) / n, lat[n / 2], lat[(n * 99) / 100]);
    free(lat);
    return 0;
}
