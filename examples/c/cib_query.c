/* Query the live CIB through <crm/common/ipc.h>, as a libcrmcommon tool would.
 *
 *   cc cib_query.c $(pkg-config --cflags --libs pcmk-ipc-rs) -o cib_query && ./cib_query
 *
 * The same source builds against Pacemaker's own headers and libcrmcommon. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libxml/tree.h>

static xmlNode *command(const char *op, const char *callid)
{
    xmlNode *n = xmlNewNode(NULL, (const xmlChar *) "cib_command");
    xmlSetProp(n, (const xmlChar *) "t", (const xmlChar *) "cib");
    xmlSetProp(n, (const xmlChar *) "cib_op", (const xmlChar *) op);
    xmlSetProp(n, (const xmlChar *) "cib_callid", (const xmlChar *) callid);
    xmlSetProp(n, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096"); /* cib_sync_call */
    xmlSetProp(n, (const xmlChar *) "cib_clientname", (const xmlChar *) "cib_query");
    return n;
}

static xmlNode *first(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && (!name || !strcmp((const char *) c->name, name))) return c;
    }
    return NULL;
}

static void count(xmlNode *n, int *elements)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) { (*elements)++; count(c, elements); }
    }
}

int main(void)
{
    crm_ipc_t *ipc = crm_ipc_new("cib_rw", 0);
    xmlNode *msg, *reply = NULL, *cib;
    int rc, elements = 0;

    if (!crm_ipc_connect(ipc)) {
        fprintf(stderr, "cib_query: cannot connect to the CIB manager: %s\n", strerror(errno));
        crm_ipc_destroy(ipc);
        return 1;
    }
    msg = command("register", "1");
    rc = crm_ipc_send(ipc, msg, crm_ipc_client_response, 5000, &reply);
    xmlFreeNode(msg);
    if (rc <= 0 || reply == NULL) {
        fprintf(stderr, "cib_query: registration failed: %d\n", rc);
        return 1;
    }
    printf("registered with the CIB manager (client id %s)\n",
           (char *) xmlGetProp(reply, (const xmlChar *) "cib_clientid"));
    xmlFreeDoc(reply->doc);

    msg = command("cib_query", "2");
    reply = NULL;
    rc = crm_ipc_send(ipc, msg, crm_ipc_client_response, 5000, &reply);
    xmlFreeNode(msg);
    cib = first(first(reply, "cib_calldata"), "cib");
    if (rc <= 0 || cib == NULL) {
        fprintf(stderr, "cib_query: query failed: %d\n", rc);
        return 1;
    }
    count(cib, &elements);
    printf("CIB: %zu bytes of XML%s, %d elements, validate-with=%s epoch=%s num_updates=%s dc-uuid=%s\n",
           strlen(crm_ipc_buffer(ipc)),
           (crm_ipc_buffer_flags(ipc) & crm_ipc_compressed) ? " (came bzip2-compressed)" : "", elements,
           (char *) xmlGetProp(cib, (const xmlChar *) "validate-with"),
           (char *) xmlGetProp(cib, (const xmlChar *) "epoch"),
           (char *) xmlGetProp(cib, (const xmlChar *) "num_updates"),
           (char *) xmlGetProp(cib, (const xmlChar *) "dc-uuid"));
    for (xmlNode *n = first(first(cib, "configuration"), "nodes") ? first(first(cib, "configuration"), "nodes")->children : NULL;
         n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            printf("node %s (id %s)\n", (char *) xmlGetProp(n, (const xmlChar *) "uname"),
                   (char *) xmlGetProp(n, (const xmlChar *) "id"));
        }
    }
    xmlFreeDoc(reply->doc);
    crm_ipc_close(ipc);
    crm_ipc_destroy(ipc);
    return 0;
}
