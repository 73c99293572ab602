/* The crm_ipc_* API against a live node: CIB manager, fencer, executor, launcher sockets.
 *
 * This one source is built against our header and library, and against Pacemaker 3.0.0's own
 * headers and libcrmcommon (in the 3.0 chroot); scripts/test runs both on the same live node and
 * requires identical output. So it prints only what does not depend on the run (no pids, no ids
 * the daemons make up, no CIB counters), and checks what 3.0.0 does.
 *
 * Expects the CIB to hold more than 1 MiB (tests-c/live-suite.sh loads it) and PCMKRS_PAD_NVPAIRS
 * to say how many padding nvpairs it put into rsc_defaults.
 */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "check.h"

/* PCMK_NODE_VERSION=sid: daemons of Pacemaker 3.0.1 or later */
static int newer_daemons;

#define MIB (1024 * 1024)

static xmlNode *node(const char *name, const char *const *attrs)
{
    xmlNode *n = xmlNewNode(NULL, (const xmlChar *) name);
    for (; attrs && attrs[0]; attrs += 2) {
        xmlSetProp(n, (const xmlChar *) attrs[0], (const xmlChar *) attrs[1]);
    }
    return n;
}

static void free_node(xmlNode *n)
{
    if (n == NULL) return;
    if (n->doc) xmlFreeDoc(n->doc); else xmlFreeNode(n);
}

static const char *attr(xmlNode *n, const char *name)
{
    static char bufs[4][256];
    static int next;
    char *buf = bufs[next++ % 4];
    xmlChar *v = n ? xmlGetProp(n, (const xmlChar *) name) : NULL;
    if (v == NULL) return "(none)";
    snprintf(buf, sizeof(bufs[0]), "%s", (const char *) v);
    xmlFree(v);
    return buf;
}

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && (!name || !strcmp((const char *) c->name, name))) return c;
    }
    return NULL;
}

static int count_children(xmlNode *n)
{
    int k = 0;
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next) k += c->type == XML_ELEMENT_NODE;
    return k;
}

static const char *name_of(xmlNode *n) { return n ? (const char *) n->name : "(null)"; }

static int wait_readable(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, ms);
}

/* a raw connection to a service's abstract socket, as libqb names them */
static int raw_connect(const char *service)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    strncpy(a.sun_path + 1, service, sizeof(a.sun_path) - 2);
    if (connect(fd, (struct sockaddr *) &a, sizeof(a)) < 0) { close(fd); return -1; }
    return fd;
}

static xmlNode *cib_op(const char *op, const char *callid, const char *callopt)
{
    const char *a[] = { "t", "cib", "cib_op", op, "cib_callid", callid, "cib_callopt", callopt,
                        "cib_clientname", "pcmkrs-test", NULL };
    return node("cib_command", a);
}

static void test_missing_daemon(void)
{
    crm_ipc_t *c = crm_ipc_new("pcmkrs-no-such-daemon", 0);
    xmlNode *msg = cib_op("cib_query", "1", "4096"), *reply = NULL;
    bool ok;

    errno = 0;
    ok = crm_ipc_connect(c);
    CHECK(!ok && errno == ECONNREFUSED, "missing daemon: connect %d, errno %d", ok, errno);
    CHECK(!crm_ipc_connected(c), "missing daemon: not connected");
    CHECK(crm_ipc_get_fd(c) == -EINVAL, "missing daemon: get_fd -EINVAL");
    CHECK(crm_ipc_ready(c) == -ENOTCONN, "missing daemon: ready -ENOTCONN");
    CHECK(crm_ipc_send(c, msg, crm_ipc_client_response, 1000, &reply) == -ENOTCONN && reply == NULL,
          "missing daemon: send -ENOTCONN, reply untouched");
    crm_ipc_destroy(c);
    free_node(msg);
}

static void test_null_where_pacemaker_answers(void)
{
    xmlNode *msg = cib_op("cib_query", "1", "4096");

    errno = 0;
    CHECK(!crm_ipc_connect(NULL) && errno == ENOTCONN, "connect(NULL): false, errno ENOTCONN");
    CHECK(!crm_ipc_connected(NULL), "connected(NULL): false");
    CHECK(crm_ipc_get_fd(NULL) == -EINVAL, "get_fd(NULL): -EINVAL");
    CHECK(crm_ipc_send(NULL, msg, 0, 0, NULL) == -ENOTCONN, "send(NULL): -ENOTCONN");
    crm_ipc_close(NULL);
    crm_ipc_destroy(NULL);
    pcmk_free_ipc_event(NULL);
    CHECK(1, "close/destroy/free_ipc_event(NULL): no-ops");
    free_node(msg);
}

static xmlNode *padding(xmlNode *cib)
{
    return child(child(child(cib, "configuration"), "rsc_defaults"), "meta_attributes");
}

static void test_cib(int nvpairs)
{
    crm_ipc_t *c = crm_ipc_new("cib_rw", 0);
    xmlNode *msg, *reply = NULL, *data;
    int rc, fd;
    long n;
    char *big;

    CHECK(strcmp(crm_ipc_name(c), "cib_rw") == 0, "name: %s", crm_ipc_name(c));
    CHECK(!crm_ipc_connected(c) && crm_ipc_get_fd(c) == -EINVAL, "new object: not connected");
    CHECK(crm_ipc_connect(c), "cib_rw: connect");
    fd = crm_ipc_get_fd(c);
    CHECK(crm_ipc_connected(c) && fd >= 0, "cib_rw: connected, fd valid");
    CHECK(crm_ipc_ready(c) == 0, "cib_rw: nothing to read yet");

    /* registration, as libcib signs on (no timeout) */
    msg = cib_op("register", "1", "4096");
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, -1, &reply);
    /* the frame: the header, the reply's text and its NUL (the text's first element is the
     * daemon's function name: it differs between releases) */
    CHECK(rc > 0 && rc == 40 + (int) strlen(crm_ipc_buffer(c)) + 1,
          "register: the reply frame's size (header, text, NUL)");
    CHECK(reply && !strcmp(attr(reply, "cib_op"), "register") && strlen(attr(reply, "cib_clientid")) == 36,
          "register: reply <%s cib_op=%s> with a client id", name_of(reply), attr(reply, "cib_op"));
    CHECK(crm_ipc_buffer_flags(c) == (crm_ipc_client_response | crm_ipc_server_free),
          "register: reply flags 0x%x", (unsigned) crm_ipc_buffer_flags(c));
    free_node(reply); reply = NULL; free_node(msg);

    /* a synchronous query of the whole CIB (> 1 MiB: it comes compressed) */
    msg = cib_op("cib_query", "2", "4096");
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, 5000, &reply);
    data = child(child(reply, "cib_calldata"), NULL);
    CHECK(rc > 0 && reply, "query: rc > 0 and a reply");
    CHECK(!strcmp(name_of(reply), "cib-reply") && !strcmp(attr(reply, "cib_op"), "cib_query")
          && !strcmp(attr(reply, "cib_callid"), "2") && !strcmp(attr(reply, "cib_rc"), "0"),
          "query: <%s cib_op=%s cib_callid=%s cib_rc=%s>", name_of(reply), attr(reply, "cib_op"),
          attr(reply, "cib_callid"), attr(reply, "cib_rc"));
    /* larger than the buffer: a 2.1 or 3.0.0 daemon compresses it, a 3.0.1+ daemon splits it
     * into parts (which leave no flag behind) */
    CHECK(newer_daemons ? !(crm_ipc_buffer_flags(c) & crm_ipc_compressed)
                        : (crm_ipc_buffer_flags(c) & crm_ipc_compressed) != 0,
          "query: the reply came compressed, or in parts from a 3.0.1+ daemon");
    CHECK(strlen(crm_ipc_buffer(c)) > MIB, "query: more than 1 MiB of text");
    CHECK(!strcmp(name_of(data), "cib") && count_children(padding(data)) == nvpairs,
          "query: <%s> with %d padding nvpairs", name_of(data), count_children(padding(data)));
    free_node(reply); reply = NULL; free_node(msg);

    /* a request larger than the buffer goes compressed, and the daemon reads it */
    msg = cib_op("cib_query", "3", "4096");
    big = malloc(300 * 1024 + 1);
    memset(big, 'x', 300 * 1024);
    big[300 * 1024] = 0;
    xmlSetProp(xmlNewChild(msg, NULL, (const xmlChar *) "cib_calldata", NULL), (const xmlChar *) "pad",
               (const xmlChar *) big);
    free(big);
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, 5000, &reply);
    CHECK(rc > 0 && !strcmp(attr(reply, "cib_callid"), "3") && !strcmp(attr(reply, "cib_rc"), "0"),
          "300 KiB request: answered, cib_callid=%s cib_rc=%s", attr(reply, "cib_callid"), attr(reply, "cib_rc"));
    free_node(reply); reply = NULL; free_node(msg);

    /* an asynchronous query: sent without waiting, the result comes as an event */
    msg = cib_op("cib_query", "4", "0");
    rc = crm_ipc_send(c, msg, crm_ipc_flags_none, 0, &reply);
    CHECK(rc == 40 + (int) strlen("<cib_command t=\"cib\" cib_op=\"cib_query\" cib_callid=\"4\" cib_callopt=\"0\" cib_clientname=\"pcmkrs-test\"/>") + 1
          && reply == NULL, "async query: rc %d (bytes sent), no reply", rc);
    free_node(msg);
    CHECK(wait_readable(fd, 5000) == 1 && crm_ipc_ready(c) > 0, "async query: the event makes the fd readable");
    n = crm_ipc_read(c);
    CHECK(n > MIB && (size_t) n == strlen(crm_ipc_buffer(c)) + 1, "async query: read %s bytes", n > MIB ? "> 1 MiB" : "few");
    CHECK(!strncmp(crm_ipc_buffer(c), "<cib-reply ", 11), "async query: the event is a cib-reply");
    CHECK((crm_ipc_buffer_flags(c) & ~crm_ipc_compressed) == (crm_ipc_server_event | crm_ipc_server_free),
          "async query: event flags 0x%x", (unsigned) (crm_ipc_buffer_flags(c) & ~crm_ipc_compressed));
    CHECK(crm_ipc_read(c) == -EAGAIN && crm_ipc_ready(c) == 0, "async query: nothing more (-EAGAIN)");

    /* waiting for a response that comes as an event: timeout; then 3.0.0 locks sending until
     * a reply comes, where pcmk-ipc-rs sends (docs/differences.md C17) */
    msg = cib_op("cib_query", "5", "0");
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, 1000, &reply);
    CHECK(rc == -ETIMEDOUT && reply == NULL, "response that never comes: %d (-ETIMEDOUT)", rc);
    free_node(msg);
    CHECK(wait_readable(fd, 5000) == 1 && crm_ipc_read(c) > 0, "the answer came as an event");
    msg = cib_op("cib_query", "6", "4096");
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, 500, &reply);
    if (on_pcmk_ipc_rs()) {
        CHECK(rc > 0 && reply != NULL && !strcmp(attr(reply, "cib_callid"), "6"),
              "next send while a reply is pending: -EALREADY (3.0.0) or answered (pcmk-ipc-rs)");
    } else {
        CHECK(rc == -EALREADY && reply == NULL,
              "next send while a reply is pending: -EALREADY (3.0.0) or answered (pcmk-ipc-rs)");
    }
    free_node(reply); reply = NULL;
    free_node(msg);

    /* close: the object stays, unconnected; connecting again clears the pending reply */
    crm_ipc_close(c);
    errno = 0;
    CHECK(!crm_ipc_connected(c) && crm_ipc_get_fd(c) == -EINVAL && errno == EINVAL, "closed: not connected");
    msg = cib_op("register", "7", "4096");
    CHECK(crm_ipc_send(c, msg, crm_ipc_client_response, 1000, &reply) == -ENOTCONN, "closed: send -ENOTCONN");
    CHECK(crm_ipc_connect(c), "reconnect");
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, 5000, &reply);
    CHECK(rc > 0 && !strcmp(attr(reply, "cib_op"), "register"), "reconnected: register answered");
    free_node(reply); reply = NULL; free_node(msg);
    crm_ipc_close(c);
    crm_ipc_destroy(c);
}

static void test_register(const char *service, xmlNode *hello, const char *op_attr, const char *id_attr)
{
    crm_ipc_t *c = crm_ipc_new(service, 0);
    xmlNode *reply = NULL;
    int rc;

    CHECK(crm_ipc_connect(c), "%s: connect", service);
    rc = crm_ipc_send(c, hello, crm_ipc_client_response, -1, &reply);
    CHECK(rc > 0 && reply != NULL, "%s: register answered", service);
    CHECK(!strcmp(attr(reply, op_attr), "register") && strcmp(attr(reply, id_attr), "(none)"),
          "%s: <%s %s=%s> with a client id", service, name_of(reply), op_attr, attr(reply, op_attr));
    free_node(reply);
    free_node(hello);
    crm_ipc_close(c);
    crm_ipc_destroy(c);
}

static void test_authentic(void)
{
    struct passwd *pw = getpwnam("hacluster");
    uid_t hu = pw ? pw->pw_uid : 0;
    gid_t hg = pw ? pw->pw_gid : 0;
    pid_t pid = 0;
    uid_t uid = 1;
    gid_t gid = 1;
    int fd = raw_connect("cib_rw"), rc;

    rc = crm_ipc_is_authentic_process(fd, hu, hg, &pid, &uid, &gid);
    CHECK(rc == 1 && uid == hu && gid == hg && pid > 0, "CIB manager, hacluster ids: %d (runs as hacluster)", rc);
    rc = crm_ipc_is_authentic_process(fd, 12345, 12345, NULL, &uid, NULL);
    CHECK(rc == 0 && uid == hu, "CIB manager, other ids: %d", rc);
    CHECK(crm_ipc_is_authentic_process(fd, 12345, hg, NULL, NULL, NULL) == 1, "CIB manager, haclient gid only: 1");
    close(fd);
    fd = raw_connect("pacemakerd");
    rc = crm_ipc_is_authentic_process(fd, 12345, 12345, NULL, &uid, &gid);
    CHECK(rc == 1 && uid == 0 && gid == 0, "launcher (root), other ids: %d", rc);
    close(fd);
    CHECK(crm_ipc_is_authentic_process(-1, hu, hg, NULL, NULL, NULL) == -EBADF, "bad descriptor: -EBADF");
}

/* A libqb server that is not Pacemaker's: tests-c/live-suite.sh runs qb_echo_server as nobody
 * under the name in PCMKRS_IMPOSTOR. Connecting to it must fail the daemon credential check. */
static void test_impostor(void)
{
    const char *name = getenv("PCMKRS_IMPOSTOR");
    crm_ipc_t *c;
    bool ok;
    int saved, fd, rc;
    uid_t uid = 1;
    gid_t gid = 1;
    struct passwd *pw = getpwnam("hacluster");

    if (name == NULL) {
        CHECK(0, "PCMKRS_IMPOSTOR names the server run as nobody");
        return;
    }
    c = crm_ipc_new(name, 0);
    errno = 0;
    ok = crm_ipc_connect(c);
    saved = errno;
    CHECK(!ok && saved == ENOTCONN, "server run as nobody: connect %d, errno %d", ok, saved);
    CHECK(!crm_ipc_connected(c), "server run as nobody: not connected");
    CHECK(crm_ipc_get_fd(c) == -EINVAL, "server run as nobody: get_fd -EINVAL");
    crm_ipc_destroy(c);
    fd = raw_connect(name);
    rc = crm_ipc_is_authentic_process(fd, pw ? pw->pw_uid : 0, pw ? pw->pw_gid : 0, NULL, &uid, &gid);
    CHECK(rc == 0 && uid == 65534, "server run as nobody, hacluster ids: %d (uid %s)", rc,
          uid == 65534 ? "nobody" : "other");
    close(fd);
}

int main(void)
{
    const char *p = getenv("PCMKRS_PAD_NVPAIRS");
    const char *fenced[] = { "t", "stonith-ng", "st_op", "register", "st_clientname", "pcmkrs-test", NULL };
    const char *execd[] = { "t", "lrmd", "lrmd_op", "register", "lrmd_clientname", "pcmkrs-test",
                            "lrmd_protocol_version", "1.2", NULL };

    newer_daemons = getenv("PCMK_NODE_VERSION") && !strcmp(getenv("PCMK_NODE_VERSION"), "sid");

    CHECK(crm_ipc_default_buffer_size() == 131072, "default buffer size %u", crm_ipc_default_buffer_size());
    test_null_where_pacemaker_answers();
    test_missing_daemon();
    test_cib(p ? atoi(p) : -1);
    test_register("stonith-ng", node("stonith_command", fenced), "st_op", "st_clientid");
    test_register("lrmd", node("lrmd_command", execd), "lrmd_op", "lrmd_clientid");
    test_authentic();
    test_impostor();
    DONE();
}
