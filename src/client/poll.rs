//! The one way the client waits for a descriptor: `poll` for input until a deadline (the
//! transport's [`Deadline`], the one deadline type from the transport up), `EINTR` retried
//! and a wait never ended early (the transport's own `poll_fd`), with the answer said as what
//! it means here. Two polls stay as libcrmcommon makes them, since their callers see
//! `poll`'s own answer: `crm_ipc_ready` (`IpcClient::ready`, one `poll` without waiting) and
//! `pcmk_poll_ipc` (the C ABI, one `poll` with the caller's limit, `EINTR` returned).

use crate::qb::sys::{hung_up, poll_fd};
use crate::qb::Deadline;
use std::os::fd::RawFd;
use std::time::Duration;

/// What a wait for input found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ready {
    /// Something to read (perhaps with a hang-up behind it).
    Input,
    /// Hung up or failed, nothing left to read.
    Gone,
    /// The deadline passed first.
    TimedOut,
}

/// Wait until `fd` has input or hangs up, or `deadline` passes. A `poll` that fails (other
/// than `EINTR`) is an I/O error.
pub(crate) fn wait_input(fd: RawFd, deadline: Deadline) -> std::io::Result<Ready> {
    let revents = poll_fd(fd, libc::POLLIN, deadline)
        .map_err(|e| std::io::Error::from_raw_os_error(e.errno()))?;
    Ok(if revents & libc::POLLIN != 0 {
        Ready::Input
    } else if hung_up(revents) {
        Ready::Gone
    } else {
        Ready::TimedOut
    })
}

/// As [`wait_input`], waiting at most `slice` however far the deadline is.
pub(crate) fn wait_input_slice(
    fd: RawFd,
    deadline: Deadline,
    slice: Duration,
) -> std::io::Result<Ready> {
    wait_input(fd, Deadline::after(Some(deadline.slice(slice))))
}
