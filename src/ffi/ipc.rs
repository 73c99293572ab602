//! `crm_ipc_*` of `crm/common/ipc.h`.

use crate::client::{self, Authenticity};
use libc::{c_int, c_uint, gid_t, pid_t, uid_t};

/// Pacemaker's default IPC buffer size in bytes: `PCMK_ipc_buffer` (else `HA_ipc_buffer`) when
/// set to a valid value (at least 12336, at most `UINT_MAX`), otherwise 131072. Read once per
/// process.
#[no_mangle]
pub extern "C" fn crm_ipc_default_buffer_size() -> c_uint {
    boundary!(client::DEFAULT_BUFFER_SIZE, {
        client::default_buffer_size()
    })
}

/// Check the credentials of the process at the other end of a unix socket.
///
/// The peer is authentic if it runs as root, or as `refuid`, or with group `refgid`.
///
/// # Returns
/// 1 if authentic, 0 if not, a negative errno if the credentials could not be obtained
/// (`-EBADF` for a bad descriptor, `-ENOTSOCK` for a descriptor that is not a socket,
/// `-EOPNOTSUPP` for an unexpected answer of the kernel).
///
/// # Safety
/// Each of `gotpid`, `gotuid` and `gotgid` is either NULL or valid for a write of its type; they
/// are written whenever credentials were obtained, also when the answer is 0.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_is_authentic_process(
    sock: c_int,
    refuid: uid_t,
    refgid: gid_t,
    gotpid: *mut pid_t,
    gotuid: *mut uid_t,
    gotgid: *mut gid_t,
) -> c_int {
    boundary!(-libc::EIO, {
        let (answer, cred) = match client::check_peer(sock, refuid, refgid) {
            Ok(Authenticity::Authentic(c)) => (1, c),
            Ok(Authenticity::Unauthorized(c)) => (0, c),
            Err(e) => return -e.errno(),
        };
        // SAFETY: the caller passes NULL or pointers valid for writes (see # Safety).
        unsafe {
            if let Some(p) = gotpid.as_mut() {
                *p = cred.pid;
            }
            if let Some(p) = gotuid.as_mut() {
                *p = cred.uid;
            }
            if let Some(p) = gotgid.as_mut() {
                *p = cred.gid;
            }
        }
        answer
    })
}
