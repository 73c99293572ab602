/* A libqb IPC server for the transport tests, built against the system's libqb (libqb-dev).
 *
 *   qb_echo_server NAME shm|socket [BUFFER_SIZE [raw|compressed|multipart]]
 *
 * Serves NAME with the chosen transport; BUFFER_SIZE (if > 0) is enforced as Pacemaker's daemons
 * do. Prints "ready <pid>" on stdout once it listens.
 *
 * With "raw", every request comes back unchanged as the response (a Pacemaker frame, whose
 * header starts with libqb's response header, is then its own reply); a frame whose text starts
 * with <delay ms="N" is answered after N ms, one that starts with <newer is first answered with
 * a copy whose id is one higher, one that starts with <short is answered with a 24-byte frame
 * (libqb's header and 8 bytes: too short for Pacemaker's), one that starts with <garble comes
 * back with every '>' of its text turned into a space (not XML any more), and
 * <flowcontrol ms="N" turns libqb's flow control on for N ms before it is echoed.
 *
 * "compressed" and "multipart" are "raw" reading as a Pacemaker daemon of that header layout
 * reads (2.1/3.0.0, or 3.0.1 and later): a request whose protocol version, where that layout
 * has it (byte 36, or byte 32), is above 1 is dropped unanswered ("Filtering incompatible v2 IPC
 * message", pcmk__valid_ipc_header); "multipart" also answers with the compressed layout's
 * version byte (padding to 3.0.1+) zeroed, as such a daemon writes its own headers. With
 * PCMKRS_ECHO_LOG=FILE, each request is also appended to FILE as one line: the service, the
 * fields of Pacemaker's header, the text (tests-c/wire-suite.sh compares clients with it).
 *
 * Otherwise each request's payload (after libqb's 16-byte header) is a command:
 *   "events N ..."  send N events ("event <i>", i from 1), then echo the request
 *   "bigevent N"    send one event of N bytes in all, then echo
 *   "delay MS ..."  wait MS milliseconds, then echo
 *   "flowcontrol MS" turn libqb's flow control on for MS ms (level 2 if MS < 0), then echo
 *   "noreply"       do not answer
 *   "truncate"      truncate every shared-memory file of this connection to nothing (what
 *                   makes a libqb client die of SIGBUS), and do not answer
 *   "close"         drop the connection
 *   anything else   echo: a response with the request's id and the same payload
 * SIGTERM stops it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include "qb_server.h"

static int raw;
/* 0: any version taken; else the offset of the version byte a request must have <= 1 */
static int version_at;

static qb_loop_timer_handle flow_timer;
static const char *service_name;

/* one line per request for PCMKRS_ECHO_LOG: Pacemaker's 40-byte header (libqb's response header,
 * whose fields are 8-aligned, then uncompressed size, compressed size, flags, version) and text */
static void log_request(const void *data, size_t size)
{
    const char *path = getenv("PCMKRS_ECHO_LOG");
    const unsigned char *b = data;
    uint32_t su, sc, flags;
    FILE *f;

    if (path == NULL || size < 40 || (f = fopen(path, "a")) == NULL) {
        return;
    }
    memcpy(&su, b + 24, 4);
    memcpy(&sc, b + 28, 4);
    memcpy(&flags, b + 32, 4);
    if (version_at && b[version_at] > 1) {
        fprintf(f, "%s id=%d dropped: version %u at byte %d\n", service_name,
                ((const struct qb_ipc_response_header *) data)->id, b[version_at], version_at);
        fclose(f);
        return;
    }
    fprintf(f, "%s id=%d flags=%#x size_uncompressed=%u size_compressed=%u version=%u ", service_name,
            ((const struct qb_ipc_response_header *) data)->id, flags, su, sc, b[36]);
    if (sc == 0) {
        fwrite(b + 40, 1, strnlen((const char *) b + 40, size - 40), f);
    } else {
        fprintf(f, "(%u compressed bytes)", sc);
    }
    fputc('\n', f);
    fclose(f);
}

static void flow_again(void *data)
{
    (void) data;
    qb_ipcs_request_rate_limit(service, QB_IPCS_RATE_NORMAL);
}

static int32_t on_raw(qb_ipcs_connection_t *c, void *data, size_t size)
{
    const char *text = size > 40 ? (const char *) data + 40 : "";

    log_request(data, size);
    if (version_at && size >= 40 && ((const unsigned char *) data)[version_at] > 1) {
        fprintf(stderr, "qb_echo_server: Filtering incompatible v%u IPC message\n",
                ((const unsigned char *) data)[version_at]);
        return 0;
    }
    if (strncmp(text, "<delay ms=\"", 11) == 0) {
        usleep((useconds_t) atoi(text + 11) * 1000);
    } else if (strncmp(text, "<short", 6) == 0 && size >= 24) {
        /* a reply too short for Pacemaker's header: only libqb's part and 8 bytes */
        char copy[24];
        memcpy(copy, data, sizeof(copy));
        ((struct qb_ipc_response_header *) copy)->size = (int32_t) sizeof(copy);
        qb_ipcs_response_send(c, copy, sizeof(copy));
        return 0;
    } else if (strncmp(text, "<flowcontrol ms=\"", 17) == 0) {
        /* libqb's flow control on for N ms (see "flowcontrol" below), then the echo */
        qb_ipcs_request_rate_limit(service, QB_IPCS_RATE_OFF);
        qb_loop_timer_add(loop, QB_LOOP_HIGH, (uint64_t) atoi(text + 17) * 1000000ULL, NULL,
                          flow_again, &flow_timer);
    } else if (strncmp(text, "<garble", 7) == 0) {
        /* the same frame with its text no longer well-formed XML: every '>' becomes ' ' */
        char *copy = malloc(size);
        memcpy(copy, data, size);
        for (size_t i = 40; i < size; i++) {
            if (copy[i] == '>') copy[i] = ' ';
        }
        qb_ipcs_response_send(c, copy, size);
        free(copy);
        return 0;
    } else if (strncmp(text, "<newer", 6) == 0) {
        char *copy = malloc(size);
        memcpy(copy, data, size);
        ((struct qb_ipc_response_header *) copy)->id += 1;
        qb_ipcs_response_send(c, copy, size);
        free(copy);
    }
    qb_ipcs_response_send(c, data, size);
    return 0;
}

static int32_t on_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
    (void) c; (void) uid; (void) gid;
    return getenv("ECHO_REFUSE") ? -EACCES : 0;
}

static void on_created(qb_ipcs_connection_t *c) { (void) c; }
static int32_t on_closed(qb_ipcs_connection_t *c) { (void) c; return 0; }
static void on_destroyed(qb_ipcs_connection_t *c) { (void) c; }

static void send_event(qb_ipcs_connection_t *c, const char *text, size_t total)
{
    struct qb_ipc_response_header *h;
    char *buf;
    size_t len = strlen(text);

    if (total < sizeof(*h) + len) {
        total = sizeof(*h) + len;
    }
    buf = calloc(1, total);
    h = (struct qb_ipc_response_header *) buf;
    h->id = 0;
    h->size = (int32_t) total;
    h->error = 0;
    memcpy(buf + sizeof(*h), text, len);
    if (total > sizeof(*h) + len) {
        memset(buf + sizeof(*h) + len, 'e', total - sizeof(*h) - len);
    }
    if (qb_ipcs_event_send(c, buf, total) < 0) {
        fprintf(stderr, "qb_echo_server: event send failed\n");
    }
    free(buf);
}


static int32_t on_message(qb_ipcs_connection_t *c, void *data, size_t size)
{
    struct qb_ipc_request_header *req = data;
    const char *payload = (const char *) data + sizeof(*req);
    size_t plen = size - sizeof(*req);
    struct qb_ipc_response_header rh;
    struct iovec iov[2];
    char word[16] = "";
    long n = 0;

    if (size < sizeof(*req)) {
        return 0;
    }
    if (raw && version_at == 32 && size >= 40) {
        /* a 3.0.1+ daemon's own header: the old version byte's place is padding, zero */
        char *copy = malloc(size);
        int32_t rc;
        memcpy(copy, data, size);
        memset(copy + 36, 0, 4);
        rc = on_raw(c, copy, size);
        free(copy);
        return rc;
    }
    if (raw) {
        return on_raw(c, data, size);
    }
    sscanf(payload, "%15s %ld", word, &n);
    if (plen >= 7 && strncmp(payload, "noreply", 7) == 0) {
        return 0;
    }
    if (plen >= 8 && strncmp(payload, "truncate", 8) == 0) {
        truncate_rings(c);
        return 0;
    }
    if (plen >= 5 && strncmp(payload, "close", 5) == 0) {
        qb_ipcs_disconnect(c);
        return 0;
    }
    if (strcmp(word, "events") == 0) {
        for (long i = 1; i <= n; i++) {
            char text[32];
            snprintf(text, sizeof(text), "event %ld", i);
            send_event(c, text, 0);
        }
    } else if (strcmp(word, "bigevent") == 0) {
        send_event(c, "bigevent", (size_t) n);
    } else if (strcmp(word, "delay") == 0) {
        usleep((useconds_t) n * 1000);
    } else if (strcmp(word, "flowcontrol") == 0) {
        /* flow control on every connection for |n| ms: level 1, or libqb's level 2 if n < 0 */
        qb_ipcs_request_rate_limit(service, n < 0 ? QB_IPCS_RATE_OFF_2 : QB_IPCS_RATE_OFF);
        qb_loop_timer_add(loop, QB_LOOP_HIGH, (uint64_t) labs(n) * 1000000ULL, NULL,
                          flow_again, &flow_timer);
    }
    rh.id = req->id;
    rh.size = (int32_t) (sizeof(rh) + plen);
    rh.error = 0;
    iov[0].iov_base = &rh;
    iov[0].iov_len = sizeof(rh);
    iov[1].iov_base = (void *) payload;
    iov[1].iov_len = plen;
    if (qb_ipcs_response_sendv(c, iov, 2) < 0) {
        fprintf(stderr, "qb_echo_server: response send failed\n");
    }
    return 0;
}


int main(int argc, char **argv)
{
    struct qb_ipcs_service_handlers handlers = {
        .connection_accept = on_accept,
        .connection_created = on_created,
        .msg_process = on_message,
        .connection_closed = on_closed,
        .connection_destroyed = on_destroyed,
    };
    enum qb_ipc_type type;
    long size = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: %s NAME shm|socket [BUFFER_SIZE]\n", argv[0]);
        return 2;
    }
    type = strcmp(argv[2], "socket") == 0 ? QB_IPC_SOCKET : QB_IPC_SHM;
    if (argc > 3) {
        size = strtol(argv[3], NULL, 10);
    }
    raw = argc > 4 && (strcmp(argv[4], "raw") == 0 || strcmp(argv[4], "compressed") == 0
                       || strcmp(argv[4], "multipart") == 0);
    version_at = argc > 4 && strcmp(argv[4], "compressed") == 0 ? 36
                 : argc > 4 && strcmp(argv[4], "multipart") == 0 ? 32 : 0;
    loop = qb_loop_create();
    service_name = argv[1];
    service = qb_ipcs_create(argv[1], 0, type, &handlers);
    if (service == NULL) {
        perror("qb_ipcs_create");
        return 1;
    }
    if (size > 0) {
        qb_ipcs_enforce_buffer_size(service, (uint32_t) size);
    }
    return serve();
}
