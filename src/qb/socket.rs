//! libqb's socket transport, client side: a 24-byte shared control file (sent counters and the
//! flow-control flag) and two datagram sockets, one for requests and their responses, one for
//! events. One message is one datagram.

use super::error::{Error, Result};
use super::sys::{self, Deadline, SharedMap, UnixAddr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::sync::atomic::Ordering;

const CONTROL_SIZE: usize = 24;
const REQUEST_SENT: usize = 0;
const REQUEST_FLOW_CONTROL: usize = 4;
const RESPONSE_SENT: usize = 8;
const EVENT_SENT: usize = 16;
/// libqb's request header: a datagram shorter than this is not a message.
const MIN_MESSAGE: usize = 16;

/// Which receiving channel.
#[derive(Clone, Copy)]
pub enum Channel {
    /// Replies, on the request socket.
    Response,
    /// Events, on the event socket.
    Event,
}

/// The client's half of a socket-transport connection.
pub struct Sockets {
    control: SharedMap,
    control_path: PathBuf,
    request: OwnedFd,
    event: OwnedFd,
    buf: Vec<u8>,
}

fn datagram(bind_name: &str, peer_name: &str, max: u32) -> Result<OwnedFd> {
    let fd = sys::unix_socket(false)?;
    sys::bind(&fd, &UnixAddr::abstract_name(bind_name.as_bytes())?)?;
    sys::connect(&fd, &UnixAddr::abstract_name(peer_name.as_bytes())?)?;
    // as libqb: ask for the message size; the kernel may cap it
    sys::grow_buffers(&fd, max.min(i32::MAX as u32) as usize)?;
    Ok(fd)
}

impl Sockets {
    /// Attach to the server's control file and sockets named in the handshake.
    pub fn open(control_path: &str, base: &str, max: u32) -> Result<Sockets> {
        let control_path = PathBuf::from(control_path);
        if !control_path.is_absolute() {
            return Err(Error::new(
                libc::EINVAL,
                "control file path is not absolute",
            ));
        }
        sys::check_server_path(&control_path)?;
        let cfd = sys::open_rw(&control_path)?;
        if sys::file_size(&cfd)? < CONTROL_SIZE as u64 {
            return Err(Error::new(libc::EBADMSG, "control file size"));
        }
        let control = SharedMap::map(&cfd, CONTROL_SIZE)?;
        let request = datagram(&format!("{base}-response"), &format!("{base}-request"), max)?;
        let event = datagram(&format!("{base}-event"), &format!("{base}-event-tx"), max)?;
        Ok(Sockets {
            control,
            control_path,
            request,
            event,
            buf: Vec::new(),
        })
    }

    /// The flow-control flag the server sets (0 = go).
    pub fn flow_control(&self) -> i32 {
        self.control
            .word(REQUEST_FLOW_CONTROL)
            .load(Ordering::Acquire) as i32
    }

    /// Send one message as one datagram.
    pub fn send(&self, parts: &[&[u8]]) -> Result<usize> {
        let n = sys::send_parts(
            &self.request,
            parts,
            Deadline::after(Some(std::time::Duration::ZERO)),
        )?;
        self.control
            .word(REQUEST_SENT)
            .fetch_add(1, Ordering::AcqRel);
        Ok(n)
    }

    /// The descriptor that becomes readable when an event arrives.
    pub fn event_fd(&self) -> RawFd {
        self.event.as_raw_fd()
    }

    /// The descriptor of a channel.
    pub fn fd(&self, ch: Channel) -> RawFd {
        match ch {
            Channel::Response => self.request.as_raw_fd(),
            Channel::Event => self.event.as_raw_fd(),
        }
    }

    /// Read the datagram waiting on `ch` (the caller polled it) and hand it to `f`.
    /// `Ok(None)`: nothing was waiting after all.
    /// `f` is taken only when a datagram was there.
    pub fn read<R, F: FnOnce(&[u8]) -> R>(
        &mut self,
        ch: Channel,
        f: &mut Option<F>,
    ) -> Result<Option<R>> {
        let fd = self.fd(ch);
        // the datagram's real length, whatever our buffer is
        let len = match sys::recv(
            fd,
            &mut [],
            libc::MSG_PEEK | libc::MSG_TRUNC | libc::MSG_DONTWAIT,
        ) {
            Ok(n) => n,
            Err(e) if e.errno() == libc::EAGAIN => return Ok(None),
            Err(e) => return Err(e),
        };
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        let n = sys::recv(fd, &mut self.buf[..len], libc::MSG_DONTWAIT)?;
        let sent = match ch {
            Channel::Response => RESPONSE_SENT,
            Channel::Event => EVENT_SENT,
        };
        self.control.word(sent).fetch_sub(1, Ordering::AcqRel);
        if n < MIN_MESSAGE {
            return Err(Error::new(libc::EBADMSG, "datagram shorter than a header"));
        }
        let size = i32::from_ne_bytes(self.buf[8..12].try_into().expect("4 bytes"));
        if size < MIN_MESSAGE as i32 || size as usize > n {
            return Err(Error::new(libc::EBADMSG, "datagram size field"));
        }
        let f = f.take().expect("a receive calls its function once");
        Ok(Some(f(&self.buf[..size as usize])))
    }

    /// Wait until a message is on `ch` (then hand it to `f`), the server hangs up (`ENOTCONN`)
    /// or the deadline passes (`ETIMEDOUT` for replies, `EAGAIN` for events, as libqb).
    pub fn receive<R>(
        &mut self,
        ch: Channel,
        setup: RawFd,
        deadline: Deadline,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R> {
        let mut f = Some(f);
        loop {
            let (data, control) = sys::poll_two(self.fd(ch), setup, deadline)?;
            let readable = data & libc::POLLIN != 0;
            if readable {
                if let Some(r) = self.read(ch, &mut f)? {
                    return Ok(r);
                }
            }
            if sys::hung_up(data) || sys::hung_up(control) {
                return Err(Error::not_connected("server gone"));
            }
            if !readable && deadline.passed() {
                return Err(match ch {
                    Channel::Response => Error::new(libc::ETIMEDOUT, "waiting for a reply"),
                    Channel::Event => Error::new(libc::EAGAIN, "no event"),
                });
            }
        }
    }

    /// Remove the control file and the connection directory, as libqb's client does on close.
    pub fn remove_files(&self) {
        sys::unlink(&self.control_path);
        if let Some(dir) = self.control_path.parent() {
            sys::rmdir(dir);
        }
    }
}
