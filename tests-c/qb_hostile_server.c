/* A libqb IPC server that misbehaves on command, for the fault suite (tests-c/hostile-suite.sh,
 * tests/hostile.rs). Built against the system's libqb and libbz2.
 *
 *   qb_hostile_server NAME compressed|multipart [BUFFER_SIZE]
 *
 * Serves NAME over shared memory (Pacemaker's buffer size, 128 KiB by default) and reads and
 * answers Pacemaker frames in the given header layout (2.1/3.0.0's, or 3.0.1+'s): as a daemon of
 * that release, it drops unanswered a request whose version, where that layout has it, is above
 * 1 (pcmk__valid_ipc_header). Prints "ready <pid>"
 * once it listens. A request whose text is <hostile case="CASE"/> is answered as CASE says; any
 * other request gets <ok/> as its reply (and, for a flagless request, as an event).
 *
 *   trunc        a reply of 30 bytes: libqb's header and 6 bytes (shorter than Pacemaker's)
 *   version      a reply whose header says protocol version 2
 *   size-frame   a reply whose header declares a text 1000 bytes longer than the frame
 *   size-max     a reply declaring a text of 2 GiB - 1 (uncompressed)
 *   size-4g      a compressed reply declaring 4 GiB - 1 once decompressed
 *   bomb         a compressed reply declaring 100 bytes whose data inflate to 100 MiB
 *   bzcorrupt    a reply flagged compressed whose data are not bzip2
 *   nonul        a reply whose text does not end with its NUL (none in the frame)
 *   garbage      a reply of 200 bytes of noise after libqb's header (the id and size right)
 *   badparts     (multipart) the first part of a reply, then its third (the second missing)
 *   notxml       a reply whose text is not well-formed XML
 *   deep         a reply of 1,000,000 nested elements (compressed, or in parts)
 *   bigattr      a reply with one attribute of 100 MiB (compressed, or in parts)
 *   stale        a reply with the id before the request's, then the right one
 *   staleonly    only a reply with the id before the request's
 *   stalelate    the same, 2.5 s late (after a 2 s timeout, when crm_ipc_send's last wait
 *                for the deadline is under way)
 *   noreply      nothing
 *   closemid     (multipart) the first part of a two-part reply, then the connection dropped
 *   flood        as many events as the event ring holds (each <event n="i"/>), then the reply
 *                <ok events="N"/>
 *   truncring    every shared-memory file of the connection truncated to nothing, no reply
 *   close        the connection dropped, no reply
 *
 * Served as "pacemakerd", a ping that wants a reply is answered with an ack that announces the
 * real reply, which never comes (one from a client named "apigarbage": with noise, as "garbage"). Started with PCMKRS_HOSTILE_FLOW=1, libqb's flow control is
 * turned on as each connection is made: no request is ever taken (the controller's hello cannot
 * be sent).
 */
#include <bzlib.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "qb_server.h"

#define HEADER 40
#define F_COMPRESSED 0x1u
#define F_EVENT 0x10000u
#define F_MULTIPART 0x80000u
#define F_MULTIPART_END 0x100000u
#define PART 131072

static int multipart;
static const char *name;

/* Pacemaker's header in the chosen layout */
static void header(unsigned char *h, int32_t id, size_t total, uint32_t text_size,
                   uint32_t compressed, uint32_t flags, uint8_t version, uint16_t part)
{
    int32_t size = (int32_t) total, zero = 0;

    memset(h, 0, HEADER);
    memcpy(h, &id, 4);
    memcpy(h + 8, &size, 4);
    memcpy(h + 16, &zero, 4);
    memcpy(h + 24, &text_size, 4);
    if (multipart) {
        memcpy(h + 28, &flags, 4);
        h[32] = version;
        memcpy(h + 34, &part, 2);
    } else {
        memcpy(h + 28, &compressed, 4);
        memcpy(h + 32, &flags, 4);
        h[36] = version;
    }
}

static int send_frame(qb_ipcs_connection_t *c, int event, const unsigned char *h,
                      const void *body, size_t len)
{
    struct iovec iov[2] = { { (void *) h, HEADER }, { (void *) body, len } };
    ssize_t rc;

    /* a full ring: wait for the client to read (this server serves one client at a time) */
    for (int tries = 0; tries < 20000; tries++) {
        rc = event ? qb_ipcs_event_sendv(c, iov, 2) : qb_ipcs_response_sendv(c, iov, 2);
        if (rc != -EAGAIN) {
            return rc < 0 ? (int) rc : 0;
        }
        usleep(500);
    }
    return -EAGAIN;
}

/* a whole text (with its NUL) as one frame, or in parts for the multipart layout */
static int send_text(qb_ipcs_connection_t *c, int event, int32_t id, const char *text, size_t len)
{
    unsigned char h[HEADER];
    uint32_t flags = event ? F_EVENT : 0;

    if (!multipart || HEADER + len + 1 <= PART) {
        char *buf = malloc(len + 1);
        int rc;
        memcpy(buf, text, len);
        buf[len] = 0;
        header(h, id, HEADER + len + 1, (uint32_t) len + 1, 0, flags, 1, 0);
        rc = send_frame(c, event, h, buf, len + 1);
        free(buf);
        return rc;
    }
    for (size_t off = 0, part = 0; off < len; part++) {
        size_t n = len - off > PART - HEADER - 1 ? PART - HEADER - 1 : len - off;
        int last = off + n == len;
        char *buf = malloc(n + 1);
        int rc;
        memcpy(buf, text + off, n);
        buf[n] = 0;
        header(h, id, HEADER + n + 1, (uint32_t) n + 1, 0,
               flags | F_MULTIPART | (last ? F_MULTIPART_END : 0), 1, (uint16_t) part);
        rc = send_frame(c, event, h, buf, n + 1);
        free(buf);
        if (rc < 0) {
            return rc;
        }
        off += n;
    }
    return 0;
}

/* a text compressed with bzip2 (2.1/3.0.0 layout), declaring `declared` bytes */
static int send_compressed(qb_ipcs_connection_t *c, int32_t id, const char *text, size_t len,
                           uint32_t declared)
{
    unsigned int zlen = (unsigned int) (len / 50 + 1000);
    char *z = malloc(zlen);
    unsigned char h[HEADER];
    int rc;

    if (BZ2_bzBuffToBuffCompress(z, &zlen, (char *) text, (unsigned int) len, 9, 0, 30) != BZ_OK) {
        fprintf(stderr, "qb_hostile_server: compress failed\n");
        free(z);
        return -EIO;
    }
    header(h, id, HEADER + zlen, declared, zlen, F_COMPRESSED, 1, 0);
    rc = send_frame(c, 0, h, z, zlen);
    free(z);
    return rc;
}

/* a large text: compressed, or in parts */
static int send_large(qb_ipcs_connection_t *c, int32_t id, const char *text, size_t len)
{
    return multipart ? send_text(c, 0, id, text, len)
                     : send_compressed(c, id, text, len + 1, (uint32_t) len + 1);
}


/* a reply of 200 bytes of noise after libqb's header (its id and size right) */
static void kase_garbage(qb_ipcs_connection_t *c, int32_t id)
{
    unsigned char g[200];
    int32_t sz = (int32_t) sizeof(g);
    uint32_t x = 2463534242u;

    for (size_t i = 0; i < sizeof(g); i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        g[i] = (unsigned char) x;
    }
    memcpy(g, &id, 4);
    memcpy(g + 8, &sz, 4);
    qb_ipcs_response_send(c, g, sizeof(g));
}

/* the first part of a reply split in two (3.0.1+ layout): a full part of <ok v="ppp... */
static void send_first_part(qb_ipcs_connection_t *c, int32_t id)
{
    static char part[PART - HEADER];
    unsigned char h[HEADER];

    memset(part, 'p', sizeof(part) - 1);
    memcpy(part, "<ok v=\"", 7);
    part[sizeof(part) - 1] = 0;
    header(h, id, PART, sizeof(part), 0, F_MULTIPART, 1, 0);
    send_frame(c, 0, h, part, sizeof(part));
}

static int32_t on_message(qb_ipcs_connection_t *c, void *data, size_t size)
{
    const unsigned char *b = data;
    const char *text = size > HEADER ? (const char *) data + HEADER : "";
    int32_t id;
    uint32_t flags = 0;
    const char *k;
    char kase[32] = "";
    unsigned char h[HEADER];

    if (size < HEADER) {
        return 0;
    }
    if (b[multipart ? 32 : 36] > 1) {
        return 0;   /* "Filtering incompatible v2 IPC message" */
    }
    memcpy(&id, b, 4);
    memcpy(&flags, b + (multipart ? 28 : 32), 4);
    int wants_reply = (flags & 0x200u) != 0;
    if ((k = strstr(text, "<hostile case=\"")) != NULL) {
        sscanf(k + 15, "%31[^\"]", kase);
    }

    if (!strcmp(name, "pacemakerd") && strstr(text, "crm_task=\"ping\"") && wants_reply
        && strstr(text, "_apigarbage\"")) {
        /* noise after libqb's header, as the "garbage" case */
        kase_garbage(c, id);
        return 0;
    }
    if (!strcmp(name, "pacemakerd") && strstr(text, "crm_task=\"ping\"") && wants_reply) {
        /* an ack that announces the real reply (CRM_EX_INDETERMINATE), and nothing after it */
        const char *ack = "<ack function=\"hostile\" line=\"1\" status=\"112\"/>";
        send_text(c, 0, id, ack, strlen(ack));
        return 0;
    }
    if (!strcmp(kase, "trunc")) {
        unsigned char t[30] = { 0 };
        int32_t sz = 30;
        memcpy(t, &id, 4);
        memcpy(t + 8, &sz, 4);
        memcpy(t + 24, "<ok/>", 5);
        qb_ipcs_response_send(c, t, sizeof(t));
    } else if (!strcmp(kase, "version")) {
        header(h, id, HEADER + 6, 6, 0, 0, 2, 0);
        send_frame(c, 0, h, "<ok/>", 6);
    } else if (!strcmp(kase, "size-frame")) {
        header(h, id, HEADER + 6, 6 + 1000, 0, 0, 1, 0);
        send_frame(c, 0, h, "<ok/>", 6);
    } else if (!strcmp(kase, "size-max")) {
        header(h, id, HEADER + 6, 0x7fffffffu, 0, 0, 1, 0);
        send_frame(c, 0, h, "<ok/>", 6);
    } else if (!strcmp(kase, "size-4g")) {
        send_compressed(c, id, "<ok/>", 6, 0xffffffffu);
    } else if (!strcmp(kase, "bomb")) {
        size_t n = 100u << 20;
        char *big = malloc(n);
        memset(big, 'a', n);
        send_compressed(c, id, big, n, 100);
        free(big);
    } else if (!strcmp(kase, "bzcorrupt")) {
        char junk[512];
        for (size_t i = 0; i < sizeof(junk); i++) junk[i] = (char) (i * 7 + 3);
        memcpy(junk, "BZh9", 4);
        header(h, id, HEADER + sizeof(junk), 5000, sizeof(junk), F_COMPRESSED, 1, 0);
        send_frame(c, 0, h, junk, sizeof(junk));
    } else if (!strcmp(kase, "nonul")) {
        header(h, id, HEADER + 5, 5, 0, 0, 1, 0);
        send_frame(c, 0, h, "<ok/>", 5);
    } else if (!strcmp(kase, "garbage")) {
        kase_garbage(c, id);
    } else if (!strcmp(kase, "badparts") && multipart) {
        send_first_part(c, id);
        header(h, id, HEADER + 4, 4, 0, F_MULTIPART | F_MULTIPART_END, 1, 2);
        send_frame(c, 0, h, "\"/>", 4);
    } else if (!strcmp(kase, "notxml")) {
        const char *bad = "<ok <<";
        send_text(c, 0, id, bad, strlen(bad));
    } else if (!strcmp(kase, "deep")) {
        size_t levels = 1000000, len = levels * 7;
        char *t = malloc(len + 1);
        for (size_t i = 0; i < levels; i++) memcpy(t + 3 * i, "<a>", 3);
        for (size_t i = 0; i < levels; i++) memcpy(t + 3 * levels + 4 * i, "</a>", 4);
        t[len] = 0;
        send_large(c, id, t, len);
        free(t);
    } else if (!strcmp(kase, "bigattr")) {
        size_t n = 100u << 20, len = n + 10;
        char *t = malloc(len + 1);
        memcpy(t, "<a v=\"", 6);
        memset(t + 6, 'v', n);
        memcpy(t + 6 + n, "\"/>", 4);
        len = strlen(t);
        send_large(c, id, t, len);
        free(t);
    } else if (!strcmp(kase, "stale") || !strcmp(kase, "staleonly") || !strcmp(kase, "stalelate")) {
        if (!strcmp(kase, "stalelate")) {
            usleep(2500000);
        }
        const char *old = "<stale/>";
        send_text(c, 0, id - 1, old, strlen(old));
        if (!strcmp(kase, "stale")) {
            send_text(c, 0, id, "<ok/>", 5);
        }
    } else if (!strcmp(kase, "noreply")) {
        /* nothing */
    } else if (!strcmp(kase, "closemid") && multipart) {
        send_first_part(c, id);
        qb_ipcs_disconnect(c);
    } else if (!strcmp(kase, "flood")) {
        int n = 0;
        char ev[64], ok[64];
        for (;; n++) {
            unsigned char eh[HEADER];
            int len = snprintf(ev, sizeof(ev), "<event n=\"%d\"/>", n + 1);
            header(eh, 0, HEADER + (size_t) len + 1, (uint32_t) len + 1, 0, F_EVENT, 1, 0);
            struct iovec iov[2] = { { eh, HEADER }, { ev, (size_t) len + 1 } };
            if (qb_ipcs_event_sendv(c, iov, 2) < 0) {
                break;
            }
        }
        snprintf(ok, sizeof(ok), "<ok events=\"%d\"/>", n);
        send_text(c, 0, id, ok, strlen(ok));
    } else if (!strcmp(kase, "truncring")) {
        truncate_rings(c);
    } else if (!strcmp(kase, "close")) {
        qb_ipcs_disconnect(c);
    } else if (wants_reply) {
        send_text(c, 0, id, "<ok/>", 5);
    } else {
        send_text(c, 1, 0, "<ok/>", 5);
    }
    return 0;
}

static int32_t on_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
    (void) c; (void) uid; (void) gid;
    return 0;
}

static void on_created(qb_ipcs_connection_t *c)
{
    (void) c;
    /* flow control on for every connection, this one included: nothing is taken from it */
    if (getenv("PCMKRS_HOSTILE_FLOW")) {
        qb_ipcs_request_rate_limit(service, QB_IPCS_RATE_OFF);
    }
}
static int32_t on_closed(qb_ipcs_connection_t *c) { (void) c; return 0; }
static void on_destroyed(qb_ipcs_connection_t *c) { (void) c; }


int main(int argc, char **argv)
{
    struct qb_ipcs_service_handlers handlers = {
        .connection_accept = on_accept,
        .connection_created = on_created,
        .msg_process = on_message,
        .connection_closed = on_closed,
        .connection_destroyed = on_destroyed,
    };
    long size = PART;

    if (argc < 3) {
        fprintf(stderr, "usage: %s NAME compressed|multipart [BUFFER_SIZE]\n", argv[0]);
        return 2;
    }
    name = argv[1];
    multipart = strcmp(argv[2], "multipart") == 0;
    if (argc > 3) {
        size = strtol(argv[3], NULL, 10);
    }
    loop = qb_loop_create();
    service = qb_ipcs_create(name, 0, QB_IPC_SHM, &handlers);
    if (service == NULL) {
        perror("qb_ipcs_create");
        return 1;
    }
    qb_ipcs_enforce_buffer_size(service, (uint32_t) size);
    return serve();
}
