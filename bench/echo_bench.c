/* Round trips against the libqb echo server of tests-c (qb_echo_server NAME shm BUFFER raw), which
 * sends every request back as its reply. One source, built four ways by scripts/bench:
 *
 *   -DCLIENT_CRM      <crm/common/ipc.h>: crm_ipc_send of an XML tree, the reply tree freed
 *                     (linked with this library, libcrmcommon 3.0.0, or libcrmcommon 2.1.5);
 *                     -DLIBCRMCOMMON frees it with libcrmcommon's free_xml, as its trees need
 *   -DCLIENT_QB       raw libqb: qb_ipcc_sendv_recv of the same message as a ready Pacemaker
 *                     frame, no XML at all (the transport's floor)
 *   -DCLIENT_XML      libxml2 alone, no IPC: the tree written out (xmlNodeDump), the text parsed
 *                     back (xmlReadMemory, blanks dropped as Pacemaker parses) and freed (the
 *                     XML work's floor)
 *
 *   echo_bench SERVICE SIZE N          N round trips of a message of about SIZE bytes: prints
 *                                      "<size> <n> <bytes> <total us> <p50 us> <p99 us>
 *                                      <minor page faults per round trip>"
 *   echo_bench SERVICE connect N       N connect + close (CLIENT_CRM, CLIENT_QB)
 *   echo_bench SERVICE soak N          N round trips of 128 bytes, printing "soak <i> rss <kB>
 *                                      fds <n>" after every tenth of them (resident memory
 *                                      includes the pages of the shared rings that messages
 *                                      have touched so far: with an 8 MiB buffer, all of them
 *                                      after some 40,000 round trips)
 *
 * The message is shaped like a CIB section: a cib_command with nvpair children of about 80
 * bytes each.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"
#include <dirent.h>
#include <sys/resource.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#ifdef CLIENT_CRM
#include <crm/common/ipc.h>
#if __has_include(<crm/common/ipc_client_compat.h>)
#include <crm/common/ipc_client_compat.h> /* crm_ipc_connect: ipc.h itself declares it in 2.1 */
#endif
#ifdef LIBCRMCOMMON
/* a tree libcrmcommon made carries its private data on every node: freed by its own free_xml
 * (xmlFreeDoc would leak it); this library's trees are plain libxml2 documents */
#include <crm/common/xml.h>
#define FREE_REPLY(x) free_xml(x)
#else
#define FREE_REPLY(x) xmlFreeDoc((x)->doc)
#endif
#endif
#ifdef CLIENT_QB
#include <qb/qbipcc.h>
#endif

/* the request: <cib_command ...><cib_calldata><nodes><nvpair .../>... of about `size` bytes */
static xmlNode *message(long size)
{
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *) "cib_command");
    xmlNode *data, *set;
    char id[64], value[64];

    xmlSetProp(root, (const xmlChar *) "t", (const xmlChar *) "cib");
    xmlSetProp(root, (const xmlChar *) "cib_op", (const xmlChar *) "cib_replace");
    xmlSetProp(root, (const xmlChar *) "cib_callid", (const xmlChar *) "1");
    data = xmlNewChild(root, NULL, (const xmlChar *) "cib_calldata", NULL);
    set = xmlNewChild(data, NULL, (const xmlChar *) "instance_attributes", NULL);
    xmlSetProp(set, (const xmlChar *) "id", (const xmlChar *) "bench");
    for (long i = 0, n = size > 200 ? (size - 120) / 80 : 0; i < n; i++) {
        xmlNode *nv = xmlNewChild(set, NULL, (const xmlChar *) "nvpair", NULL);
        snprintf(id, sizeof(id), "bench-nvpair-%06ld", i);
        snprintf(value, sizeof(value), "value-%06ld-xxxxxxxx", i);
        xmlSetProp(nv, (const xmlChar *) "id", (const xmlChar *) id);
        xmlSetProp(nv, (const xmlChar *) "name", (const xmlChar *) id + 6);
        xmlSetProp(nv, (const xmlChar *) "value", (const xmlChar *) value);
    }
    return root;
}

/* the message's text as Pacemaker writes it (no declaration, no formatting) */
static char *text_of(xmlNode *n, size_t *len)
{
    xmlBufferPtr b = xmlBufferCreate();
    char *s;

    xmlNodeDump(b, n->doc, n, 0, 0);
    *len = (size_t) xmlBufferLength(b);
    s = malloc(*len + 1);
    memcpy(s, xmlBufferContent(b), *len + 1);
    xmlBufferFree(b);
    return s;
}

static long minor_faults(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "VmRSS:", 6)) {
            kb = atol(line + 6);
        }
    }
    if (f) fclose(f);
    return kb;
}

static int fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    while (d && readdir(d)) {
        n++;
    }
    if (d) closedir(d);
    return n - 3; /* ., .., and the one opendir holds */
}

#ifdef CLIENT_CRM
typedef crm_ipc_t *conn_t;
static conn_t open_conn(const char *service)
{
    crm_ipc_t *c = crm_ipc_new(service, 0);
    if (!crm_ipc_connect(c)) {
        fprintf(stderr, "echo_bench: cannot connect to %s\n", service);
        exit(1);
    }
    return c;
}
static void close_conn(conn_t c)
{
    crm_ipc_close(c);
    crm_ipc_destroy(c);
}
static int round_trip(conn_t c, xmlNode *msg, const char *text, size_t len)
{
    xmlNode *reply = NULL;
    int rc;

    (void) text; (void) len;
    /* 2.1.5 declares a non-const message: the cast serves both */
    rc = crm_ipc_send(c, (void *) msg, crm_ipc_client_response, 10000, &reply);
    if (rc <= 0 || reply == NULL) {
        return -1;
    }
    FREE_REPLY(reply);
    return 0;
}
#elif defined(CLIENT_QB)
typedef qb_ipcc_connection_t *conn_t;
static char *reply_buf;
static conn_t open_conn(const char *service)
{
    const char *env = getenv("PCMK_ipc_buffer");
    qb_ipcc_connection_t *c = qb_ipcc_connect(service, env ? atoi(env) : 131072);
    if (c == NULL) {
        fprintf(stderr, "echo_bench: cannot connect to %s\n", service);
        exit(1);
    }
    if (reply_buf == NULL) {
        reply_buf = malloc(8 << 20);
    }
    return c;
}
static void close_conn(conn_t c)
{
    qb_ipcc_disconnect(c);
}
static int round_trip(conn_t c, xmlNode *msg, const char *text, size_t len)
{
    /* a Pacemaker 3.0.0 frame: libqb's header (fields 8-aligned), text size, flags, version */
    static uint32_t id;
    unsigned char h[40] = { 0 };
    uint32_t v;
    struct iovec iov[2];
    ssize_t rc;

    (void) msg;
    v = ++id; memcpy(h, &v, 4);
    v = (uint32_t) (40 + len + 1); memcpy(h + 8, &v, 4);
    v = (uint32_t) (len + 1); memcpy(h + 24, &v, 4);
    v = 0x200; memcpy(h + 32, &v, 4);
    h[36] = 1;
    iov[0].iov_base = h;
    iov[0].iov_len = sizeof(h);
    iov[1].iov_base = (void *) text;
    iov[1].iov_len = len + 1;
    rc = qb_ipcc_sendv_recv(c, iov, 2, reply_buf, 8 << 20, 10000);
    return rc > 0 ? 0 : -1;
}
#endif

int main(int argc, char **argv)
{
    const char *service = argc > 1 ? argv[1] : "pcmkrs-bench";
    const char *what = argc > 2 ? argv[2] : "128";
    long n = argc > 3 ? atol(argv[3]) : 1000;

    setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef CLIENT_XML
    (void) service;
#endif
    if (!strcmp(what, "connect")) {
#ifdef CLIENT_XML
        return 2;
#else
        double t0 = now_us();
        for (long i = 0; i < n; i++) {
            close_conn(open_conn(service));
        }
        printf("connect %ld %.1f\n", n, now_us() - t0);
        return 0;
#endif
    }
    int soak = !strcmp(what, "soak");
    long size = soak ? 128 : atol(what);
    xmlDoc *doc = xmlNewDoc((const xmlChar *) "1.0");
    xmlNode *msg = message(size);
    size_t len;
    char *text;
    /* a soak keeps the latencies of its last 1000 round trips only: its memory is measured */
    long kept = soak && n > 1000 ? 1000 : n;
    double *lat = malloc(sizeof(double) * (size_t) kept), t0, t1;
    long f0, f1;

    xmlDocSetRootElement(doc, msg);
    text = text_of(msg, &len);
#ifndef CLIENT_XML
    conn_t c = open_conn(service);
#endif
    f0 = minor_faults();
    t0 = now_us();
    for (long i = 0; i < n; i++) {
        double a = now_us();
#ifdef CLIENT_XML
        xmlBufferPtr b = xmlBufferCreate();
        xmlDoc *d;

        xmlNodeDump(b, doc, msg, 0, 0);
        d = xmlReadMemory((const char *) xmlBufferContent(b), xmlBufferLength(b), NULL, NULL,
                          XML_PARSE_NOBLANKS);
        xmlBufferFree(b);
        if (d == NULL) {
            return 1;
        }
        xmlFreeDoc(d);
#else
        if (round_trip(c, msg, text, len) != 0) {
            fprintf(stderr, "echo_bench: round trip %ld failed\n", i);
            return 1;
        }
#endif
        lat[i % kept] = now_us() - a;
        if (soak && (i + 1) % (n / 10 > 0 ? n / 10 : 1) == 0) {
            printf("soak %ld rss %ld fds %d\n", i + 1, rss_kb(), fds());
        }
    }
    t1 = now_us();
    f1 = minor_faults();
#ifndef CLIENT_XML
    close_conn(c);
#endif
    qsort(lat, (size_t) kept, sizeof(double), cmp);
    printf("%ld %ld %zu %.1f %.1f %.1f %.1f\n", size, n, len, t1 - t0, lat[kept / 2], lat[(kept * 99) / 100],
           (double) (f1 - f0) / (double) n);
    free(lat);
    free(text);
    xmlFreeDoc(doc);
    return 0;
}
