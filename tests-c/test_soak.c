/* Connect, request, close, N times, through <crm/common/ipc.h> (tests-c/soak-suite.sh):
 *
 *   test_soak SERVICE N [raw]
 *
 * Each cycle: crm_ipc_new, crm_ipc_connect, one request that wants a reply (a Pacemaker frame
 * to the libqb echo server in raw mode, a query of the CIB's nodes section otherwise),
 * crm_ipc_close, crm_ipc_destroy. Prints "cycle <i> rss <kB> fds <n>" after every tenth of
 * them and "failed <n>" at the end. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
    }
    if (f) fclose(f);
    return kb;
}

static int fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    while (d && readdir(d)) n++;
    if (d) closedir(d);
    return n - 3;
}

int main(int argc, char **argv)
{
    const char *service = argc > 1 ? argv[1] : "cib_ro";
    long n = argc > 2 ? atol(argv[2]) : 10000, failed = 0;
    int raw = argc > 3 && !strcmp(argv[3], "raw");
    xmlNode *q = xmlNewNode(NULL, (const xmlChar *) (raw ? "soak" : "cib_command"));

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!raw) {
        xmlSetProp(q, (const xmlChar *) "t", (const xmlChar *) "cib");
        xmlSetProp(q, (const xmlChar *) "cib_op", (const xmlChar *) "cib_query");
        xmlSetProp(q, (const xmlChar *) "cib_section", (const xmlChar *) "nodes");
        xmlSetProp(q, (const xmlChar *) "cib_callid", (const xmlChar *) "1");
        xmlSetProp(q, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
    }
    for (long i = 1; i <= n; i++) {
        crm_ipc_t *c = crm_ipc_new(service, 0);
        xmlNode *reply = NULL;

        if (!crm_ipc_connect(c) || crm_ipc_send(c, q, crm_ipc_client_response, 5000, &reply) <= 0
            || reply == NULL) {
            failed++;
        }
        if (reply) xmlFreeDoc(reply->doc);
        crm_ipc_close(c);
        crm_ipc_destroy(c);
        if (i % (n / 10 > 0 ? n / 10 : 1) == 0) {
            printf("cycle %ld rss %ld fds %d\n", i, rss_kb(), fds());
        }
    }
    printf("failed %ld\n", failed);
    xmlFreeNode(q);
    return failed ? 1 : 0;
}
