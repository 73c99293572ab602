/* crm_ipc_is_authentic_process() on sockets whose peer runs as root or as nobody, on a socket
 * without a peer, on a pipe and on a bad descriptor. Run as root. */
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

/* a connection whose peer is a child process running as nobody */
static int connect_from_nobody(pid_t *child, int *hold)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0), cfd;
    char go;
    int sv[2];

    snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "pcmkrs-cred-%d", (int) getpid());
    if (lfd < 0 || bind(lfd, (struct sockaddr *) &addr, sizeof(addr)) < 0 || listen(lfd, 1) < 0
        || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        return -1;
    }
    *child = fork();
    if (*child == 0) {
        int fd;
        close(sv[0]);
        if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0) _exit(1);
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
    DONE();
}
