/*
 * pcmk-ipc-rs: the result codes of Pacemaker 3.0.0's <crm/common/results.h> that the IPC API
 * uses (crm_exit_t in callbacks, pcmk_rc_* return codes). Written by hand; values as in
 * Pacemaker 3.0.0. The functions of Pacemaker's results.h are not part of this library.
 */
#ifndef PCMK__CRM_COMMON_RESULTS__H
#define PCMK__CRM_COMMON_RESULTS__H

#ifdef __cplusplus
extern "C" {
#endif

/* Legacy return codes (pcmk_ok and pcmk_err_generic are the ones IPC uses) */
#define pcmk_ok                       0
#define PCMK_ERROR_OFFSET             190
#define PCMK_CUSTOM_OFFSET            200
#define pcmk_err_generic              201

/* Standard Pacemaker return codes: 0, a positive errno, or one of these */
enum pcmk_rc_e {
    pcmk_rc_compression         = -1039,
    pcmk_rc_ns_resolution       = -1038,
    pcmk_rc_no_transaction      = -1037,
    pcmk_rc_bad_xml_patch       = -1036,
    pcmk_rc_bad_input           = -1035,
    pcmk_rc_disabled            = -1034,
    pcmk_rc_duplicate_id        = -1033,
    pcmk_rc_unpack_error        = -1032,
    pcmk_rc_invalid_transition  = -1031,
    pcmk_rc_graph_error         = -1030,
    pcmk_rc_dot_error           = -1029,
    pcmk_rc_underflow           = -1028,
    pcmk_rc_no_input            = -1027,
    pcmk_rc_no_output           = -1026,
    pcmk_rc_after_range         = -1025,
    pcmk_rc_within_range        = -1024,
    pcmk_rc_before_range        = -1023,
    pcmk_rc_undetermined        = -1022,
    pcmk_rc_op_unsatisfied      = -1021,
    pcmk_rc_ipc_pid_only        = -1020,
    pcmk_rc_ipc_unresponsive    = -1019,
    pcmk_rc_ipc_unauthorized    = -1018,
    pcmk_rc_no_quorum           = -1017,
    pcmk_rc_schema_validation   = -1016,
    pcmk_rc_schema_unchanged    = -1015,
    pcmk_rc_transform_failed    = -1014,
    pcmk_rc_old_data            = -1013,
    pcmk_rc_diff_failed         = -1012,
    pcmk_rc_diff_resync         = -1011,
    pcmk_rc_cib_modified        = -1010,
    pcmk_rc_cib_backup          = -1009,
    pcmk_rc_cib_save            = -1008,
    pcmk_rc_cib_corrupt         = -1007,
    pcmk_rc_multiple            = -1006,
    pcmk_rc_node_unknown        = -1005,
    pcmk_rc_already             = -1004,
    pcmk_rc_bad_nvpair          = -1003,
    pcmk_rc_unknown_format      = -1002,
    pcmk_rc_error               = -1001,
    pcmk_rc_ok                  =     0
};

/* Exit status codes (the status of IPC API events) */
typedef enum crm_exit_e {
    CRM_EX_OK                   =   0,
    CRM_EX_ERROR                =   1,
    CRM_EX_INVALID_PARAM        =   2,
    CRM_EX_UNIMPLEMENT_FEATURE  =   3,
    CRM_EX_INSUFFICIENT_PRIV    =   4,
    CRM_EX_NOT_INSTALLED        =   5,
    CRM_EX_NOT_CONFIGURED       =   6,
    CRM_EX_NOT_RUNNING          =   7,
    CRM_EX_PROMOTED             =   8,
    CRM_EX_FAILED_PROMOTED      =   9,
    CRM_EX_USAGE                =  64,
    CRM_EX_DATAERR              =  65,
    CRM_EX_NOINPUT              =  66,
    CRM_EX_NOUSER               =  67,
    CRM_EX_NOHOST               =  68,
    CRM_EX_UNAVAILABLE          =  69,
    CRM_EX_SOFTWARE             =  70,
    CRM_EX_OSERR                =  71,
    CRM_EX_OSFILE               =  72,
    CRM_EX_CANTCREAT            =  73,
    CRM_EX_IOERR                =  74,
    CRM_EX_TEMPFAIL             =  75,
    CRM_EX_PROTOCOL             =  76,
    CRM_EX_NOPERM               =  77,
    CRM_EX_CONFIG               =  78,
    CRM_EX_FATAL                = 100,
    CRM_EX_PANIC                = 101,
    CRM_EX_DISCONNECT           = 102,
    CRM_EX_OLD                  = 103,
    CRM_EX_DIGEST               = 104,
    CRM_EX_NOSUCH               = 105,
    CRM_EX_QUORUM               = 106,
    CRM_EX_UNSAFE               = 107,
    CRM_EX_EXISTS               = 108,
    CRM_EX_MULTIPLE             = 109,
    CRM_EX_EXPIRED              = 110,
    CRM_EX_NOT_YET_IN_EFFECT    = 111,
    CRM_EX_INDETERMINATE        = 112,
    CRM_EX_UNSATISFIED          = 113,
    CRM_EX_TIMEOUT              = 124,
    CRM_EX_DEGRADED             = 190,
    CRM_EX_DEGRADED_PROMOTED    = 191,
    CRM_EX_NONE                 = 193,
    CRM_EX_MAX                  = 255,
} crm_exit_t;

#ifdef __cplusplus
}
#endif

#endif /* PCMK__CRM_COMMON_RESULTS__H */
