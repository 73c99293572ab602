/* Where Pacemaker 3.0.0 aborts or crashes, we return the failure value the same function uses
 * elsewhere (docs/differences.md C1-C3, C10). Run against our library only. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <errno.h>
#include <string.h>
#include "check.h"

int main(void)
{
    crm_ipc_t *c;

    CHECK(crm_ipc_new(NULL, 0) == NULL, "crm_ipc_new(NULL): NULL (3.0.0: strdup(NULL) crash)");
    CHECK(crm_ipc_ready(NULL) == -ENOTCONN, "crm_ipc_ready(NULL): -ENOTCONN (3.0.0: abort)");
    CHECK(crm_ipc_read(NULL) == -ENOMSG, "crm_ipc_read(NULL): -ENOMSG (3.0.0: abort)");
    CHECK(crm_ipc_buffer(NULL) == NULL, "crm_ipc_buffer(NULL): NULL (3.0.0: abort)");
    CHECK(crm_ipc_buffer_flags(NULL) == 0, "crm_ipc_buffer_flags(NULL): 0 (3.0.0: abort)");
    CHECK(crm_ipc_name(NULL) == NULL, "crm_ipc_name(NULL): NULL (3.0.0: abort)");

    c = crm_ipc_new("cib_rw", 1000);
    CHECK(c != NULL && strcmp(crm_ipc_name(c), "cib_rw") == 0, "crm_ipc_new: named object");
    CHECK(crm_ipc_read(c) == -ENOMSG, "crm_ipc_read, never connected: -ENOMSG (3.0.0: abort)");
    CHECK(crm_ipc_buffer(c) != NULL && crm_ipc_buffer(c)[0] == 0, "fresh buffer: empty text (3.0.0: garbage)");
    CHECK(crm_ipc_buffer_flags(c) == 0, "fresh buffer flags: 0 (3.0.0: garbage)");
    CHECK(crm_ipc_send(c, NULL, 0, 0, NULL) == -ENOTCONN, "send on an unconnected object: -ENOTCONN");
    crm_ipc_destroy(c);

    /* a pointer that is not an object from crm_ipc_new (3.0.0 uses it as one): the NULL case */
    {
        static long long not_an_object[64];
        crm_ipc_t *foreign = (crm_ipc_t *) (void *) not_an_object;

        errno = 0;
        CHECK(!crm_ipc_connect(foreign) && errno == ENOTCONN, "connect(foreign pointer): false, ENOTCONN");
        CHECK(!crm_ipc_connected(foreign), "connected(foreign pointer): false");
        CHECK(crm_ipc_name(foreign) == NULL, "name(foreign pointer): NULL");
        CHECK(crm_ipc_get_fd(foreign) == -EINVAL, "get_fd(foreign pointer): -EINVAL");
        crm_ipc_destroy(foreign);
        CHECK(not_an_object[0] == 0 && not_an_object[63] == 0, "destroy(foreign pointer): memory untouched");
    }
    DONE();
}
