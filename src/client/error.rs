//! Why a call of the Rust API failed: one error type, by cause.
//!
//! Each cause keeps the Pacemaker standard return code it came from ([`Error::code`]), which is
//! what the C layer hands back; Rust callers match on the variants instead.

use super::rc;
use std::fmt;
use std::io;

/// A failure of a call to a Pacemaker daemon.
///
/// ```no_run
/// use pcmk_ipc_rs::client::{Client, Error};
///
/// match Client::connect("cib_rw") {
///     Ok(_) => println!("connected"),
///     Err(Error::NotRunning(_)) => println!("the CIB manager is not running"),
///     Err(Error::NotAuthentic) => println!("the server is not run by the cluster user"),
///     Err(e) => println!("failed: {e}"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No daemon serves that name (`ECONNREFUSED`, or `ENOENT` for a filesystem socket).
    NotRunning(io::Error),
    /// The system or the daemon refused this client (`EACCES`, `EPERM`).
    Refused(io::Error),
    /// The server is not run by root or the cluster user (`pcmk_rc_ipc_unauthorized`).
    NotAuthentic,
    /// No answer within the limit (`ETIMEDOUT`).
    TimedOut,
    /// The connection is gone (`ENOTCONN`, `EPIPE`, `ECONNRESET`, `ESHUTDOWN`).
    Disconnected(io::Error),
    /// A message that cannot be used.
    Malformed(Malformed),
    /// A request too large for the connection's buffer, even compressed (`EMSGSIZE`).
    TooLarge,
    /// The daemon answered, with a failure: its code.
    Daemon(Status),
    /// Any other failure of the system.
    Io(io::Error),
    /// Any other Pacemaker failure (`pcmk_rc_error`, …).
    Pacemaker(Status),
    /// What the caller gave cannot be sent (XML that does not parse, a name with a NUL): what
    /// is wrong with it (`EINVAL`; nothing was sent).
    InvalidInput(String),
}

/// What was wrong with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// A frame that cannot be a message: too short for the header, sizes that do not add up,
    /// no NUL, parts that do not fit together (`EBADMSG`).
    Frame,
    /// Compressed text that does not decompress (`pcmk_rc_bad_input`).
    Compression,
    /// A message that would be larger than allowed (`EFBIG`).
    Oversized,
    /// A well-formed answer of a kind the request does not expect (`EPROTO`).
    Unexpected,
}

/// A Pacemaker standard return code, as a daemon or the library gave it: 0, a positive errno,
/// or a negative `pcmk_rc_*` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(i32);

impl Status {
    /// The code.
    pub fn new(code: i32) -> Status {
        Status(code)
    }

    /// The code.
    pub fn code(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&rc::describe(self.0))
    }
}

impl Malformed {
    fn code(self) -> i32 {
        match self {
            Malformed::Frame => libc::EBADMSG,
            Malformed::Compression => rc::RC_BAD_INPUT,
            Malformed::Oversized => libc::EFBIG,
            Malformed::Unexpected => libc::EPROTO,
        }
    }
}

impl Error {
    /// The error for a Pacemaker standard return code (not 0). The inverse of [`Error::code`]
    /// for every code but a daemon's own answer ([`Error::Daemon`]) and a caller's invalid
    /// input ([`Error::InvalidInput`]).
    pub fn from_code(code: i32) -> Error {
        let os = || io::Error::from_raw_os_error(code);
        match code {
            libc::ECONNREFUSED | libc::ENOENT => Error::NotRunning(os()),
            libc::EACCES | libc::EPERM => Error::Refused(os()),
            rc::RC_IPC_UNAUTHORIZED => Error::NotAuthentic,
            libc::ETIMEDOUT => Error::TimedOut,
            libc::ENOTCONN | libc::EPIPE | libc::ECONNRESET | libc::ESHUTDOWN => {
                Error::Disconnected(os())
            }
            libc::EBADMSG => Error::Malformed(Malformed::Frame),
            rc::RC_BAD_INPUT => Error::Malformed(Malformed::Compression),
            libc::EFBIG => Error::Malformed(Malformed::Oversized),
            libc::EPROTO => Error::Malformed(Malformed::Unexpected),
            libc::EMSGSIZE => Error::TooLarge,
            c if c > 0 => Error::Io(os()),
            c => Error::Pacemaker(Status(c)),
        }
    }

    /// The error for a legacy return code (a negative errno, or −201).
    pub(crate) fn from_legacy(legacy: i32) -> Error {
        Error::from_code(rc::legacy2rc(legacy))
    }

    /// Whether the connection is gone with this error (the daemon is not there, went away,
    /// or its socket failed): nothing more will come on it. A malformed message, a timeout or
    /// a daemon's refusal leave the connection usable.
    pub fn ends_connection(&self) -> bool {
        matches!(
            self,
            Error::NotRunning(_) | Error::Refused(_) | Error::Disconnected(_) | Error::Io(_)
        )
    }

    pub(crate) fn disconnected() -> Error {
        Error::from_code(libc::ENOTCONN)
    }

    /// The Pacemaker standard return code of this failure (a positive errno or a negative
    /// `pcmk_rc_*`), as the C API returns it.
    pub fn code(&self) -> i32 {
        match self {
            Error::NotRunning(e) | Error::Refused(e) | Error::Disconnected(e) | Error::Io(e) => {
                e.raw_os_error().unwrap_or(rc::RC_ERROR)
            }
            Error::NotAuthentic => rc::RC_IPC_UNAUTHORIZED,
            Error::TimedOut => libc::ETIMEDOUT,
            Error::Malformed(m) => m.code(),
            Error::TooLarge => libc::EMSGSIZE,
            Error::Daemon(s) | Error::Pacemaker(s) => s.0,
            Error::InvalidInput(_) => libc::EINVAL,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotRunning(e) => write!(f, "daemon not running: {e}"),
            Error::Refused(e) => write!(f, "connection refused: {e}"),
            Error::NotAuthentic => f.write_str("IPC server is not run by root or the cluster user"),
            Error::TimedOut => f.write_str("no answer within the limit"),
            Error::Disconnected(e) => write!(f, "disconnected: {e}"),
            Error::Malformed(Malformed::Frame) => f.write_str("malformed message"),
            Error::Malformed(Malformed::Compression) => {
                f.write_str("a message that cannot be decompressed")
            }
            Error::Malformed(Malformed::Oversized) => f.write_str("message too large"),
            Error::Malformed(Malformed::Unexpected) => f.write_str("unexpected answer"),
            Error::TooLarge => f.write_str("request too large for the IPC buffer"),
            Error::Daemon(s) => write!(f, "the daemon answered: {s}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::Pacemaker(s) => write!(f, "{s}"),
            Error::InvalidInput(what) => write!(f, "invalid input: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::NotRunning(e) | Error::Refused(e) | Error::Disconnected(e) | Error::Io(e) => {
                Some(e)
            }
            _ => None,
        }
    }
}

/// Two errors are equal when they are of the same cause with the same code.
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other) && self.code() == other.code()
    }
}

impl Eq for Error {}

/// An `io::Error` again: the same errno, or the same kind and text when it has none.
fn clone_io(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(errno) => io::Error::from_raw_os_error(errno),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

impl Clone for Error {
    fn clone(&self) -> Error {
        match self {
            Error::NotRunning(e) => Error::NotRunning(clone_io(e)),
            Error::Refused(e) => Error::Refused(clone_io(e)),
            Error::Disconnected(e) => Error::Disconnected(clone_io(e)),
            Error::Io(e) => Error::Io(clone_io(e)),
            Error::NotAuthentic => Error::NotAuthentic,
            Error::TimedOut => Error::TimedOut,
            Error::Malformed(m) => Error::Malformed(*m),
            Error::TooLarge => Error::TooLarge,
            Error::Daemon(s) => Error::Daemon(*s),
            Error::Pacemaker(s) => Error::Pacemaker(*s),
            Error::InvalidInput(w) => Error::InvalidInput(w.clone()),
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e {
            Error::NotRunning(e) | Error::Refused(e) | Error::Disconnected(e) | Error::Io(e) => e,
            Error::TimedOut => io::Error::from(io::ErrorKind::TimedOut),
            other => io::Error::other(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_comes_back() {
        for code in [
            libc::ECONNREFUSED,
            libc::ENOENT,
            libc::EACCES,
            libc::EPERM,
            libc::ETIMEDOUT,
            libc::ENOTCONN,
            libc::EPIPE,
            libc::ECONNRESET,
            libc::ESHUTDOWN,
            libc::EBADMSG,
            libc::EFBIG,
            libc::EPROTO,
            libc::EMSGSIZE,
            libc::ENOMEM,
            libc::EINVAL,
            libc::ENXIO,
            rc::RC_IPC_UNAUTHORIZED,
            rc::RC_BAD_INPUT,
            rc::RC_ERROR,
        ] {
            let e = Error::from_code(code);
            assert_eq!(e.code(), code, "{e:?}");
            assert_eq!(e.clone(), e);
            assert!(!e.to_string().is_empty());
        }
        assert!(matches!(
            Error::from_code(libc::ECONNREFUSED),
            Error::NotRunning(_)
        ));
        assert!(matches!(
            Error::from_legacy(-libc::ETIMEDOUT),
            Error::TimedOut
        ));
        assert!(matches!(
            Error::from_legacy(-201),
            Error::Pacemaker(s) if s.code() == rc::RC_ERROR
        ));
        let d = Error::Daemon(Status::new(libc::ENXIO));
        assert_eq!(d.code(), libc::ENXIO);
        assert_ne!(d, Error::from_code(libc::ENXIO));
        assert_eq!(d.clone(), d);
        let io: io::Error = Error::TimedOut.into();
        assert_eq!(io.kind(), io::ErrorKind::TimedOut);
        // an io::Error without an errno keeps its cause, kind and text when cloned
        let odd = Error::Disconnected(io::Error::new(io::ErrorKind::UnexpectedEof, "gone"));
        let copy = odd.clone();
        assert!(
            matches!(&copy, Error::Disconnected(e) if e.kind() == io::ErrorKind::UnexpectedEof)
        );
        assert_eq!(copy.to_string(), odd.to_string());
        assert!(odd.ends_connection() && !Error::TimedOut.ends_connection());
        assert!(!Error::Malformed(Malformed::Frame).ends_connection());
        let io: io::Error = Error::from_code(libc::ECONNREFUSED).into();
        assert_eq!(io.raw_os_error(), Some(libc::ECONNREFUSED));
    }
}
