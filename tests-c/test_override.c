/* PCMK_IPC_RS_WIRE, the override: a libqb server under a name no Pacemaker daemon serves, which
 * reads and writes Pacemaker 3.0.1's header (the echo server given as argv[1], "multipart"). By
 * default the library writes to such a server what libcrmcommon 3.0.0 writes, which it cannot
 * answer in a header the library takes: the call ends with -EBADMSG. With PCMK_IPC_RS_WIRE=3.0.1 the
 * library writes 3.0.1's header and the answer comes. argv[2] says which is expected
 * ("answered" or "unanswered"); meson runs it both ways. The only test that sets the variable.
 * Needs root: the server must pass the daemon credential check. */
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
    int rc, answered;
    pid_t server;
    FILE *from_server;
    crm_ipc_t *c;
    xmlNode *msg, *reply = NULL;
    const char *wire = getenv("PCMK_IPC_RS_WIRE");

    if (argc < 3 || geteuid() != 0) {
        CHECK(0, "needs root, the echo server's path and the expected outcome");
        DONE();
    }
    answered = strcmp(argv[2], "answered") == 0;
    snprintf(name, sizeof(name), "pcmkrs-override-%d", (int) getpid());
    server = start_echo(argv[1], name, "multipart", &from_server);
    CHECK(server > 0, "echo server started");

    c = crm_ipc_new(name, 0);
    CHECK(crm_ipc_connect(c), "connect");
    msg = xmlNewNode(NULL, (const xmlChar *) "ping");
    rc = crm_ipc_send(c, msg, crm_ipc_client_response, 1000, &reply);
    if (answered) {
        CHECK(rc > 0 && reply != NULL && !strcmp((const char *) reply->name, "ping"),
              "PCMK_IPC_RS_WIRE=%s: the 3.0.1 server answers (rc %d)", wire ? wire : "(unset)", rc);
    } else {
        CHECK(rc == -EBADMSG && reply == NULL,
              "PCMK_IPC_RS_WIRE=%s: no answer the library takes (rc %d)", wire ? wire : "(unset)", rc);
    }
    if (reply) xmlFreeDoc(reply->doc);
    xmlFreeNode(msg);
    crm_ipc_destroy(c);
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    fclose(from_server);
    DONE();
}
