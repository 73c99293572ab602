//! Who may serve Pacemaker IPC: root, or the cluster daemon user or group. Pacemaker's client
//! library refuses any other server (`is_ipc_provider_expected` in 3.0.0).

use super::error::Error;
use crate::qb::{self, Ucred};
use std::os::fd::RawFd;
use std::sync::OnceLock;

/// The user Pacemaker's daemons run as (`CRM_DAEMON_USER`).
pub const DAEMON_USER: &str = "hacluster";

/// The outcome of a credential check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authenticity {
    /// The peer runs as root, or with the expected uid or gid.
    Authentic(Ucred),
    /// The peer runs as someone else.
    Unauthorized(Ucred),
}

impl Authenticity {
    /// Judge credentials against the expected ids: root always passes, otherwise either id.
    pub fn judge(cred: Ucred, uid: libc::uid_t, gid: libc::gid_t) -> Authenticity {
        if cred.uid == 0 || cred.uid == uid || cred.gid == gid {
            Authenticity::Authentic(cred)
        } else {
            Authenticity::Unauthorized(cred)
        }
    }

    /// The credentials found.
    pub fn credentials(&self) -> Ucred {
        match *self {
            Authenticity::Authentic(c) | Authenticity::Unauthorized(c) => c,
        }
    }
}

/// Check the process at the other end of the unix socket `sock` (its `SO_PEERCRED`).
///
/// Errors: the errno of `getsockopt` (`EBADF` for a bad descriptor, `ENOTSOCK` for one that is not
/// a socket), `EOPNOTSUPP` when the kernel's answer has an unexpected size.
pub fn check_peer(sock: RawFd, uid: libc::uid_t, gid: libc::gid_t) -> qb::Result<Authenticity> {
    Ok(Authenticity::judge(qb::sys::peer_cred(sock)?, uid, gid))
}

/// The uid and primary gid of the cluster daemon user (`hacluster`), looked up once per
/// process (as Pacemaker caches a successful lookup). Errors: [`Error::InvalidInput`] when
/// there is no such user, the lookup's own error otherwise.
pub fn daemon_user() -> Result<(libc::uid_t, libc::gid_t), Error> {
    daemon_ids().map_err(|code| match code {
        libc::EINVAL => Error::InvalidInput(format!("no user {DAEMON_USER}")),
        errno => Error::Io(std::io::Error::from_raw_os_error(errno)),
    })
}

/// [`daemon_user`] with the errno libcrmcommon gives (`EINVAL` when there is no such user).
pub(crate) fn daemon_ids() -> Result<(libc::uid_t, libc::gid_t), i32> {
    static IDS: OnceLock<(libc::uid_t, libc::gid_t)> = OnceLock::new();
    if let Some(ids) = IDS.get() {
        return Ok(*ids);
    }
    let ids = lookup_user(DAEMON_USER)?;
    Ok(*IDS.get_or_init(|| ids))
}

fn lookup_user(name: &str) -> Result<(libc::uid_t, libc::gid_t), i32> {
    let cname = std::ffi::CString::new(name).map_err(|_| libc::EINVAL)?;
    let mut buf = vec![0 as libc::c_char; 4096];
    loop {
        // SAFETY: all-zero passwd is a valid out-buffer; buf is valid for its length.
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: all pointers are valid for the call; results are copied before buf is reused.
        let rc = unsafe {
            libc::getpwnam_r(
                cname.as_ptr(),
                &mut pw,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 {
            return Err(rc);
        }
        if found.is_null() {
            return Err(libc::EINVAL);
        }
        return Ok((pw.pw_uid, pw.pw_gid));
    }
}
