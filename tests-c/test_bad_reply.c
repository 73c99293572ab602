/* A reply that is not well-formed XML: crm_ipc_send still reports what it received, *reply is
 * NULL, the buffer holds the text, nothing is printed. meson runs it against our library;
 * tests-c/live-suite.sh also builds it against Pacemaker 3.0.0's headers and libcrmcommon 3.0.0
 * and requires the same output. Needs root: the server it starts (the libqb echo server given as
 * argv[1]) must pass the daemon credential check. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libxml/tree.h>
#include "check.h"
#include "echo_child.h"

int main(int argc, char **argv)
{
    char name[64];
    pid_t server;
    FILE *from_server;
    crm_ipc_t *c;
    xmlNode *msg, *reply = (xmlNode *) 1;
    int rc, err_fd, saved_err;
    char err_path[] = "/tmp/pcmkrs-badreply-err.XXXXXX";
    long err_bytes;

    if (argc < 2 || geteuid() != 0) {
        CHECK(0, "needs root and the echo server's path");
        DONE();
    }
    snprintf(name, sizeof(name), "pcmkrs-badreply-%d", (int) getpid());
    server = start_echo(argv[1], name, "raw", &from_server);
    CHECK(server > 0, "echo server started");

    c = crm_ipc_new(name, 0);
    CHECK(crm_ipc_connect(c), "connect");
    msg = xmlNewNode(NULL, (const xmlChar *) "garble");
    xmlSetProp(msg, (const xmlChar *) "a", (const xmlChar *) "1");

    err_fd = mkstemp(err_path);
    saved_err = dup(2);
    fflush(stderr);
    dup2(err_fd, 2);
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, 5000, &reply);
    fflush(stderr);
    dup2(saved_err, 2);
    err_bytes = check_file_size(err_path);
    unlink(err_path);

    CHECK(rc > 0, "the reply was received: %d bytes", rc);
    CHECK(reply == NULL, "*reply: NULL (not XML)");
    CHECK(strstr(crm_ipc_buffer(c), "garble a=\"1\"/ ") != NULL, "the buffer holds the text as received");
    CHECK(err_bytes == 0, "nothing on stderr (%ld bytes)", err_bytes);
    CHECK(crm_ipc_connected(c), "still connected");

    xmlFreeNode(msg);
    crm_ipc_destroy(c);
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    fclose(from_server);
    DONE();
}
