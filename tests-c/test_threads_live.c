/* One crm_ipc_t and one pcmk_ipc_api_t used from two threads at once against a live node.
 * libcrmcommon does not promise this (its objects have no lock); ours serialises the calls on
 * each object (docs/differences.md C9, A10). Run against our library only. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_pacemakerd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <libxml/tree.h>
#include "check.h"

#define ROUNDS 200

static crm_ipc_t *cib;
static pcmk_ipc_api_t *pcmkd;
static int good[2], pings;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void *query_loop(void *arg)
{
    int me = *(int *) arg;
    char callid[32];

    for (int i = 0; i < ROUNDS; i++) {
        xmlNode *q = xmlNewNode(NULL, (const xmlChar *) "cib_command"), *reply = NULL;
        snprintf(callid, sizeof(callid), "%d", 1000 * (me + 1) + i);
        xmlSetProp(q, (const xmlChar *) "t", (const xmlChar *) "cib");
        xmlSetProp(q, (const xmlChar *) "cib_op", (const xmlChar *) "cib_query");
        xmlSetProp(q, (const xmlChar *) "cib_section", (const xmlChar *) "nodes");
        xmlSetProp(q, (const xmlChar *) "cib_callid", (const xmlChar *) callid);
        xmlSetProp(q, (const xmlChar *) "cib_callopt", (const xmlChar *) "4096");
        if (crm_ipc_send(cib, q, crm_ipc_client_response, 5000, &reply) > 0 && reply) {
            xmlChar *id = xmlGetProp(reply, (const xmlChar *) "cib_callid");
            /* each thread gets the reply to its own request */
            if (id && !strcmp((const char *) id, callid)) good[me]++;
            xmlFree(id);
            xmlFreeDoc(reply->doc);
        }
        xmlFreeNode(q);
    }
    return NULL;
}

static void ping_cb(pcmk_ipc_api_t *api, enum pcmk_ipc_event type, crm_exit_t status, void *data, void *ud)
{
    pcmk_pacemakerd_api_reply_t *r = data;
    (void) api; (void) ud;
    if (type == pcmk_ipc_event_reply && status == 0 && r->data.ping.state == pcmk_pacemakerd_state_running) {
        pthread_mutex_lock(&count_lock);
        pings++;
        pthread_mutex_unlock(&count_lock);
    }
}

static void *ping_loop(void *arg)
{
    (void) arg;
    for (int i = 0; i < ROUNDS / 4; i++) {
        pcmk_pacemakerd_api_ping(pcmkd, "threads");
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    int ids[2] = { 0, 1 };

    cib = crm_ipc_new("cib_rw", 0);
    CHECK(crm_ipc_connect(cib), "cib_rw: connect");
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, query_loop, &ids[i]);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    CHECK(good[0] == ROUNDS && good[1] == ROUNDS, "crm_ipc_send from two threads on one object: %d + %d of %d replies matched",
          good[0], good[1], 2 * ROUNDS);
    crm_ipc_close(cib);
    crm_ipc_destroy(cib);

    pcmk_new_ipc_api(&pcmkd, pcmk_ipc_pacemakerd);
    pcmk_register_ipc_callback(pcmkd, ping_cb, NULL);
    CHECK(pcmk_connect_ipc(pcmkd, pcmk_ipc_dispatch_sync) == 0, "pacemakerd: connect sync");
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, ping_loop, NULL);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    CHECK(pings == 2 * (ROUNDS / 4), "sync pings from two threads on one API object: %d of %d answered", pings, 2 * (ROUNDS / 4));
    pcmk_free_ipc_api(pcmkd);
    DONE();
}
