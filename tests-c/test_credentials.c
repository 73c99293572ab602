/* crm_ipc_is_authentic_process() on sockets whose peer runs as root or as nobody, on a socket
 * without a peer, on a pipe and on a bad descriptor; then a table over the cluster's own ids:
 * peers running as root, as the daemon user, with only the daemon group, and as neither, each
 * asked for the daemon user and group. Run as root; tests-c/hostile-suite.sh also runs it
 * against libcrmcommon 3.0.0 and compares. */
#include <grp.h>
#include <pwd.h>
#include <crm/common/ipc.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define NOBODY 65534

static int connect_as(uid_t uid, gid_t gid, pid_t *child, int *hold);

/* a connection whose peer is a child process running as nobody */
static int connect_from_nobody(pid_t *child, int *hold)
{
    return connect_as(NOBODY, NOBODY, child, hold);
}

/* a connection whose peer is a child process running with these ids */
static int connect_as(uid_t as_uid, gid_t as_gid, pid_t *child, int *hold)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0), cfd;
    char go;
    int sv[2];

    static int n;
    snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "pcmkrs-cred-%d-%d", (int) getpid(), n++);
    if (lfd < 0 || bind(lfd, (struct sockaddr *) &addr, sizeof(addr)) < 0 || listen(lfd, 1) < 0
        || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        return -1;
    }
    *child = fork();
    if (*child == 0) {
        int fd;
        close(sv[0]);
        if (setgroups(0, NULL) < 0 || setgid(as_gid) < 0 || setuid(as_uid) < 0) _exit(1);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) _exit(2);
        (void) !read(sv[1], &go, 1); /* stay until the parent is done */
        _exit(0);
    }
    close(sv[1]);
    *hold = sv[0];
    cfd = accept(lfd, NULL, NULL);
    close(lfd);
    return cfd;
}

int main(void)
{
    int (*fn)(int, uid_t, gid_t, pid_t *, uid_t *, gid_t *) = crm_ipc_is_authentic_process;
    pid_t pid = 0, child = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    int sv[2], rc, fd, hold = -1, p[2];

    /* a root peer passes whatever ids are asked for */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    rc = fn(sv[0], 1000, 1000, &pid, &uid, &gid);
    CHECK(rc == 1, "root peer: %d", rc);
    CHECK(pid == getpid() && uid == 0 && gid == 0, "root peer: own pid, uid 0, gid 0");
    CHECK(fn(sv[0], 1000, 1000, NULL, NULL, NULL) == 1, "root peer, NULL out-pointers: 1");
    close(sv[0]);
    close(sv[1]);

    fd = connect_from_nobody(&child, &hold);
    CHECK(fd >= 0, "a peer running as nobody");
    pid = 0; uid = 0; gid = 0;
    rc = fn(fd, 1000, 1000, &pid, &uid, &gid);
    CHECK(rc == 0, "nobody peer, other ids: %d", rc);
    CHECK(pid == child && uid == NOBODY && gid == NOBODY, "nobody peer: outputs written (uid %u gid %u)",
          (unsigned) uid, (unsigned) gid);
    CHECK(fn(fd, NOBODY, 1000, NULL, NULL, NULL) == 1, "nobody peer, matching uid: 1");
    CHECK(fn(fd, 1000, NOBODY, NULL, NULL, NULL) == 1, "nobody peer, matching gid: 1");
    close(fd);
    close(hold);
    waitpid(child, NULL, 0);

    /* no peer at all: the kernel reports uid/gid -1 and pid 0 */
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    pid = 1; uid = 0; gid = 0;
    rc = fn(fd, 1000, 1000, &pid, &uid, &gid);
    CHECK(rc == 0 && pid == 0 && uid == (uid_t) -1 && gid == (gid_t) -1,
          "unconnected datagram socket: %d, pid %d", rc, (int) pid);
    close(fd);

    CHECK(pipe(p) == 0, "a pipe");
    uid = 42;
    rc = fn(p[0], 0, 0, NULL, &uid, NULL);
    CHECK(rc == -ENOTSOCK && uid == 42, "pipe: %d (-ENOTSOCK), outputs untouched", rc);
    close(p[0]);
    close(p[1]);
    CHECK(fn(-1, 0, 0, NULL, NULL, NULL) == -EBADF, "bad descriptor: -EBADF");
    CHECK(fn(987654, 0, 0, NULL, NULL, NULL) == -EBADF, "closed descriptor: -EBADF");

    /* the table: asked for the daemon user and group */
    struct passwd *pw = getpwnam("hacluster");
    struct group *gr = getgrnam("haclient");
    if (pw != NULL && gr != NULL) {
        uid_t du = pw->pw_uid;
        gid_t dg = gr->gr_gid;
        struct { const char *who; uid_t uid; gid_t gid; int want; } peers[] = {
            { "root", 0, 0, 1 },
            { "the daemon user (nobody's group)", du, NOBODY, 1 },
            { "the daemon group only (uid nobody)", NOBODY, dg, 1 },
            { "neither (nobody)", NOBODY, NOBODY, 0 },
        };
        for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
            uid_t gu = 0;
            gid_t gg = 0;
            pid_t gp = 0;
            fd = connect_as(peers[i].uid, peers[i].gid, &child, &hold);
            rc = fn(fd, du, dg, &gp, &gu, &gg);
            CHECK(rc == peers[i].want && gp == child && gu == peers[i].uid && gg == peers[i].gid,
                  "table: peer %s, asked for hacluster/haclient: %d", peers[i].who, rc);
            close(fd);
            close(hold);
            waitpid(child, NULL, 0);
        }
        /* a descriptor that was just closed, and a socket with no peer */
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        close(fd);
        CHECK(fn(fd, du, dg, NULL, NULL, NULL) == -EBADF, "table: a closed descriptor: -EBADF");
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        rc = fn(fd, du, dg, &pid, &uid, &gid);
        CHECK(rc == 0 && pid == 0, "table: a stream socket with no peer: %d", rc);
        close(fd);
    } else {
        CHECK(0, "table: no hacluster user or haclient group");
    }
    DONE();
}
