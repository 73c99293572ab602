/* Diagnostics go where Pacemaker users expect them: with PCMK_logfile set, failures are logged
 * there (with PCMK_debug, debug lines too); with PCMK_stderr set, on stderr; without them nothing
 * is written, neither on stderr nor on stdout (this test's own lines are written after the
 * library calls). meson runs it in all three settings. */
#include <crm/common/ipc.h>
#include <crm/common/ipc_client_compat.h>
#include <crm/common/ipc_pacemakerd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    const char *logfile = getenv("PCMK_logfile");
    char err_path[] = "/tmp/pcmkrs-diag-err.XXXXXX", out_path[] = "/tmp/pcmkrs-diag-out.XXXXXX";
    int err_fd = mkstemp(err_path), out_fd = mkstemp(out_path);
    int saved_err = dup(2), saved_out = dup(1);
    crm_ipc_t *c;
    pcmk_ipc_api_t *api = NULL;
    long err_bytes, out_bytes;
    const char *stderr_on = getenv("PCMK_stderr");
    const char *debug_on = getenv("PCMK_debug");
    char log_text[8192] = "";

    if (logfile) {
        unlink(logfile);    /* a file left by an earlier run proves nothing */
    }
    fflush(stdout);
    dup2(err_fd, 2);
    dup2(out_fd, 1);
    /* failures the library reports: a missing daemon, a send on a closed object */
    c = crm_ipc_new("pcmkrs-no-such-daemon", 0);
    crm_ipc_connect(c);
    crm_ipc_send(c, NULL, 0, 0, NULL);
    crm_ipc_destroy(c);
    pcmk_new_ipc_api(&api, pcmk_ipc_pacemakerd);
    pcmk_pacemakerd_api_ping(api, NULL);
    pcmk_free_ipc_api(api);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_err, 2);
    dup2(saved_out, 1);
    err_bytes = check_file_size(err_path);
    out_bytes = check_file_size(out_path);
    unlink(err_path);
    unlink(out_path);

    CHECK(out_bytes == 0, "nothing on stdout (%ld bytes)", out_bytes);
    if (stderr_on) {
        CHECK(err_bytes > 0, "PCMK_stderr=%s: %ld bytes on stderr", stderr_on, err_bytes);
    } else {
        CHECK(err_bytes == 0, "nothing on stderr (%ld bytes)", err_bytes);
    }
    if (logfile) {
        FILE *f = fopen(logfile, "r");
        size_t n = f ? fread(log_text, 1, sizeof(log_text) - 1, f) : 0;

        if (f) fclose(f);
        log_text[n] = '\0';
        CHECK(strstr(log_text, " info: Could not connect to pcmkrs-no-such-daemon IPC") != NULL,
              "PCMK_logfile=%s: the failed connect is logged (%zu bytes)", logfile, n);
        if (debug_on) {
            CHECK(strstr(log_text, " debug: Connecting to pcmkrs-no-such-daemon IPC") != NULL,
                  "PCMK_debug=%s: debug lines logged", debug_on);
        } else {
            CHECK(strstr(log_text, " debug: ") == NULL, "no debug lines without PCMK_debug");
        }
        unlink(logfile);
    }
    DONE();
}
