/* The live CIB (a copy of the cib element, to free with xmlFreeNode), queried through
 * crm_ipc_*: for the live tests that need one (test_api_live.c, test_api_beyond.c). */
#ifndef PCMK_IPC_RS_TESTS_LIVE_CIB_H
#define PCMK_IPC_RS_TESTS_LIVE_CIB_H
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <string.h>
#include <libxml/tree.h>

static inline xmlNode *live_cib(void)
{
    crm_ipc_t *c = crm_ipc_new("cib_ro", 0);
    xmlNode *q = xmlNewNode(NULL, (const xmlChar *) "cib_command"), *reply = NULL, *cib = NULL;

    xmlSetProp(q, (const xmlChar *) "t", (const xmlChar *) "cib");
    xmlSetProp(q, (const xmlChar *) "cib_op", (const xmlChar *) "cib_query");
    xmlSetProp(q, (const xmlChar *) "cib_callid", (const xmlChar *) "1");
    xmlSetProp(q, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
    if (crm_ipc_connect(c) && crm_ipc_send(c, q, crm_ipc_client_response, 5000, &reply) > 0 && reply) {
        for (xmlNode *w = reply->children; w; w = w->next) {
            if (!strcmp((const char *) w->name, "cib_calldata") && w->children) {
                cib = xmlCopyNode(w->children, 1);
            }
        }
        xmlFreeDoc(reply->doc);
    }
    xmlFreeNode(q);
    crm_ipc_close(c);
    crm_ipc_destroy(c);
    return cib;
}

#endif
