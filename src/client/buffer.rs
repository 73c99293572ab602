//! The IPC buffer size, as Pacemaker 3.0.0 chooses it (`PCMK_ipc_buffer`).

use std::sync::OnceLock;

/// The buffer size when nothing (valid) is configured: 128 KiB.
pub const DEFAULT_BUFFER_SIZE: u32 = 128 * 1024;
/// The smallest buffer size Pacemaker uses: the size of libqb's handshake response plus 8.
pub const MIN_BUFFER_SIZE: u32 = 12336;

/// The configured size, read once per process from `PCMK_ipc_buffer`, else `HA_ipc_buffer`.
fn configured() -> u32 {
    static SIZE: OnceLock<u32> = OnceLock::new();
    *SIZE.get_or_init(|| {
        let text =
            std::env::var_os("PCMK_ipc_buffer").or_else(|| std::env::var_os("HA_ipc_buffer"));
        match text {
            None => DEFAULT_BUFFER_SIZE,
            Some(t) => from_text(t.as_encoded_bytes()),
        }
    })
}

/// Pacemaker's reading of the variable: a base-10 integer as `strtoll` reads it (leading blanks,
/// a sign, digits; anything after the digits ignored). No digits, overflow of a `long long`, or
/// a value ≤ 0 give the default; small values are raised to the minimum; large ones capped.
pub(crate) fn from_text(text: &[u8]) -> u32 {
    match super::text::scan_ll(text) {
        // no digits, or ERANGE
        None | Some(Err(_)) => DEFAULT_BUFFER_SIZE,
        Some(Ok(v)) if v <= 0 => DEFAULT_BUFFER_SIZE,
        Some(Ok(v)) if v < MIN_BUFFER_SIZE as i64 => MIN_BUFFER_SIZE,
        Some(Ok(v)) => v.min(u32::MAX as i64) as u32,
    }
}

/// The buffer size for a connection that asks for `requested` bytes: the larger of the two
/// (Pacemaker's `pcmk__ipc_buffer_size`).
pub fn ipc_buffer_size(requested: u32) -> u32 {
    requested.max(configured())
}

/// Pacemaker's default IPC buffer size (`crm_ipc_default_buffer_size`).
pub fn default_buffer_size() -> u32 {
    configured()
}

#[cfg(test)]
mod tests {
    use super::from_text;

    #[test]
    fn reads_the_variable_as_pacemaker_3_0_0() {
        // the values measured against libcrmcommon 3.0.0 (shared/docs/pacemaker-ipc-client.md §3.6)
        for (text, size) in [
            ("", 131072),
            ("1000", 12336),
            ("12336", 12336),
            ("12337", 12337),
            ("200000", 200000),
            ("abc", 131072),
            ("-5", 131072),
            ("0", 131072),
            ("99999999999", 4294967295),
            ("256k", 12336),
            ("  300000", 300000),
            ("+300000x", 300000),
            ("99999999999999999999", 131072),
        ] {
            assert_eq!(from_text(text.as_bytes()), size, "PCMK_ipc_buffer={text:?}");
        }
    }
}
