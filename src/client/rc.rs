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

/// `pcmk_rc2legacy`: a standard code as a legacy one.
pub fn rc2legacy(rc: i32) -> i32 {
    if rc >= 0 {
        -rc
    } else {
        LEGACY_GENERIC
    }
}

/// `pcmk_legacy2rc`: a legacy code as a standard one (for the codes IPC deals in).
pub fn legacy2rc(legacy: i32) -> i32 {
    match legacy.unsigned_abs() as i32 {
        201 => RC_ERROR,
        other => other,
    }
}

/// `pcmk_rc_str`: the text of a standard code (for an errno, C's `strerror`).
pub fn describe(rc: i32) -> String {
    match rc {
        OK => "OK".to_owned(),
        RC_ERROR => "Error".to_owned(),
        RC_IPC_UNAUTHORIZED => "IPC server is blocked by unauthorized process".to_owned(),
        RC_BAD_INPUT => "Bad input value provided".to_owned(),
        e if e > 0 => {
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
        e => format!("Unknown error {e}"),
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
    }
}
