/* crm_ipc_default_buffer_size(): 131072 by default; PCMK_ipc_buffer as Pacemaker reads it. */
#include <crm/common/ipc.h>
#include "check.h"

#ifndef EXPECT_SIZE
#define EXPECT_SIZE 131072
#endif

int main(void)
{
    unsigned int (*fn)(void) = crm_ipc_default_buffer_size; /* the exact signature */
    unsigned int size = fn();

    CHECK(size == EXPECT_SIZE, "crm_ipc_default_buffer_size() = %u (want %u)", size, EXPECT_SIZE);
    CHECK(fn() == size, "crm_ipc_default_buffer_size() is stable");
    DONE();
}
