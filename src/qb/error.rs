//! The transport's error type: an errno value and the step that produced it.

use std::fmt;

/// An error of the libqb transport.
///
/// It carries a positive `errno` value, as libqb's client functions return them (negated) and as
/// Pacemaker's return codes use them, plus a short description of the step that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    errno: i32,
    context: &'static str,
}

/// The transport's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with an errno value and the step that failed.
    pub const fn new(errno: i32, context: &'static str) -> Error {
        Error { errno, context }
    }

    /// The error of the last failed system call (`errno`).
    pub fn last_os(context: &'static str) -> Error {
        let errno = std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
        Error { errno, context }
    }

    /// The peer is gone (`ENOTCONN`).
    pub const fn not_connected(context: &'static str) -> Error {
        Error::new(libc::ENOTCONN, context)
    }

    /// The positive errno value (e.g. `libc::ENOTCONN`).
    pub const fn errno(&self) -> i32 {
        self.errno
    }

    /// The step that failed.
    pub const fn context(&self) -> &'static str {
        self.context
    }

    /// Whether this error means the connection can no longer be used.
    ///
    /// As in libqb (`qb_ipc_us_sock_error_is_disconnected`), every error is a disconnect except
    /// "try again" (`EAGAIN`), `ETIMEDOUT`, `EINTR`, `EMSGSIZE`, `ENOMSG` and `EINVAL`.
    pub fn is_disconnect(&self) -> bool {
        !matches!(
            self.errno,
            libc::EAGAIN
                | libc::ETIMEDOUT
                | libc::EINTR
                | libc::EMSGSIZE
                | libc::ENOMSG
                | libc::EINVAL
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = std::io::Error::from_raw_os_error(self.errno);
        write!(f, "{}: {}", self.context, text)
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::from_raw_os_error(e.errno)
    }
}
