//! Pacemaker's return codes: standard codes (0, a positive errno, or a negative `pcmk_rc_*`)
//! and their "legacy" form (0 or a negative errno, −201 for Pacemaker's own codes).

/// Success.
pub const OK: i32 = 0;
/// `pcmk_rc_error`: generic failure.
pub const RC_ERROR: i32 = -1001;
/// `pcmk_rc_ipc_unauthorized`: the IPC server does not run as root or the cluster user.
pub const RC_IPC_UNAUTHORIZED: i32 = -1018;
/// `pcmk_rc_bad_input`: input that cannot be used (e.g. corrupt compressed data).
pub const RC_BAD_INPUT: i32 = -1035;
/// `pcmk_err_generic`, the legacy code of every `pcmk_rc_*` the IPC code produces.
pub const LEGACY_GENERIC: i32 = -201;

/// `pcmk_rc2legacy`: a standard code as a legacy one (Pacemaker's own codes with a
/// `pcmk_err_*` of their own get it, the others −201).
pub(crate) fn rc2legacy(rc: i32) -> i32 {
    if rc >= 0 {
        return -rc;
    }
    OWN_CODES
        .iter()
        .find(|(_, standard, _)| *standard == rc)
        .map_or(LEGACY_GENERIC, |(legacy, _, _)| -legacy)
}

/// Pacemaker's own codes: the legacy value (`pcmk_err_*`, 201…217 on Linux), the standard one
/// (`pcmk_rc_*`) and `pcmk_rc_str`'s text, as in 3.0.0's `lib/common/results.c`.
const OWN_CODES: [(i32, i32, &str); 17] = [
    (201, RC_ERROR, "Error"),
    (202, -1017, "Operation requires quorum"),
    (
        203,
        -1016,
        "Update does not conform to the configured schema",
    ),
    (204, -1014, "Schema transform failed"),
    (205, -1013, "Update was older than existing configuration"),
    (206, -1012, "Application of update diff failed"),
    (
        207,
        -1011,
        "Application of update diff failed, requesting full refresh",
    ),
    (208, -1010, "On-disk configuration was manually modified"),
    (209, -1009, "Could not archive previous configuration"),
    (210, -1008, "Could not save new configuration to disk"),
    (211, -1015, "Schema is already the latest available"),
    (212, -1007, "Could not parse on-disk configuration"),
    (213, -1006, "Resource active on multiple nodes"),
    (214, -1005, "Node not found"),
    (215, -1004, "Already in requested state"),
    (216, -1003, "Bad name/value pair given"),
    (217, -1002, "Unknown output format"),
];

/// `pcmk_rc_schema_validation`: an update the CIB's schema does not allow.
pub const RC_SCHEMA_VALIDATION: i32 = -1016;

/// `pcmk_legacy2rc`: a legacy code as a standard one.
pub(crate) fn legacy2rc(legacy: i32) -> i32 {
    let abs = legacy.unsigned_abs() as i32;
    OWN_CODES
        .iter()
        .find(|(l, _, _)| *l == abs)
        .map_or(abs, |(_, rc, _)| *rc)
}

/// `pcmk_rc_str`: the text of a standard code (for an errno, C's `strerror`).
pub fn describe(rc: i32) -> String {
    match rc {
        OK => "OK".to_owned(),
        e if e < 0 => match OWN_CODES.iter().find(|(_, rc, _)| *rc == e) {
            Some((_, _, text)) => (*text).to_owned(),
            None => match e {
                RC_IPC_UNAUTHORIZED => "IPC server is blocked by unauthorized process".to_owned(),
                RC_BAD_INPUT => "Bad input value provided".to_owned(),
                _ => format!("Unknown error {e}"),
            },
        },
        e => {
            // SAFETY: strerror returns a static or thread-local NUL-terminated string.
            let p = unsafe { libc::strerror(e) };
            if p.is_null() {
                format!("Unknown error {e}")
            } else {
                // SAFETY: as above.
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(rc2legacy(0), 0);
        assert_eq!(rc2legacy(libc::ENOTCONN), -libc::ENOTCONN);
        assert_eq!(rc2legacy(RC_BAD_INPUT), -201);
        assert_eq!(rc2legacy(RC_IPC_UNAUTHORIZED), -201);
        assert_eq!(legacy2rc(-libc::ETIMEDOUT), libc::ETIMEDOUT);
        assert_eq!(legacy2rc(-201), RC_ERROR);
        assert_eq!(legacy2rc(0), 0);
        assert_eq!(legacy2rc(-203), RC_SCHEMA_VALIDATION);
        // every code with a pcmk_err_* of its own goes there and back
        for (legacy, standard, _) in OWN_CODES {
            assert_eq!(rc2legacy(standard), -legacy);
            assert_eq!(legacy2rc(-legacy), standard);
        }
        assert_eq!(legacy2rc(-216), -1003);
        assert_eq!(legacy2rc(-libc::ENXIO), libc::ENXIO);
        assert_eq!(describe(RC_ERROR), "Error");
        assert_eq!(
            describe(RC_SCHEMA_VALIDATION),
            "Update does not conform to the configured schema"
        );
    }
}
