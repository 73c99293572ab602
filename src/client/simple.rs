//! The safe Rust face of the connection API: [`Client`] sends XML requests to a Pacemaker
//! daemon and receives its replies and events, with `Result`s instead of C return codes.
//!
//! ```no_run
//! use pcmk_ipc_rs::client::Client;
//! use std::time::Duration;
//!
//! // sign on to the CIB manager and ask for the whole CIB
//! let mut cib = Client::connect("cib_rw")?;
//! let hello = r#"<cib_command t="cib" cib_op="register" cib_callid="1" cib_callopt="4096" cib_clientname="me"/>"#;
//! let reply = cib.request(hello, Some(Duration::from_secs(5)))?;
//! assert!(reply.text.contains(r#"cib_op="register""#));
//! let query = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="2" cib_callopt="4096"/>"#;
//! let cib_xml = cib.request(query, Some(Duration::from_secs(5)))?.text;
//! # Ok::<(), pcmk_ipc_rs::client::Error>(())
//! ```

use super::error::{Error, Malformed};
use super::ipc::IpcClient;
use super::poll::{wait_input, Ready};
use super::rc;
use crate::qb::Deadline;
use crate::wire::flags;
use std::os::fd::RawFd;
use std::time::Duration;

/// A message received from a daemon: a reply or an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its header flags (`crm_ipc_*` bits, see [`crate::wire::flags`]).
    pub flags: u32,
    /// Its XML text.
    pub text: String,
}

/// A connection to one Pacemaker daemon's IPC service (`"cib_rw"`, `"stonith-ng"`, `"lrmd"`,
/// `"crmd"`, `"pacemakerd"`, `"pengine"`, `"attrd"`, ...).
///
/// The server's credentials are checked on connect (root, or the cluster user or group). Large
/// messages are compressed and decompressed as Pacemaker does. `Client` is `Send`; share it
/// between threads behind a `Mutex`.
pub struct Client {
    ipc: IpcClient,
}

impl Client {
    /// Connect with the default buffer size (`PCMK_ipc_buffer`, else 128 KiB).
    pub fn connect(service: &str) -> Result<Client, Error> {
        Self::connect_with_buffer(service, 0)
    }

    /// Connect with a buffer of at least `size` bytes.
    pub fn connect_with_buffer(service: &str, size: usize) -> Result<Client, Error> {
        Self::connect_with_layout(service, size, None)
    }

    /// Connect with a buffer of at least `size` bytes, reading and writing the header `layout`
    /// whatever the daemon (`None`: learn it from the daemon, or `PCMK_IPC_RS_WIRE`; see
    /// docs/wire-layouts.md).
    pub fn connect_with_layout(
        service: &str,
        size: usize,
        layout: Option<crate::wire::Layout>,
    ) -> Result<Client, Error> {
        let mut ipc = IpcClient::new(service, size);
        if layout.is_some() {
            ipc.set_layout(layout);
        }
        match ipc.connect() {
            rc::OK => Ok(Client { ipc }),
            code => Err(Error::from_code(code)),
        }
    }

    /// The service name.
    pub fn service(&self) -> &str {
        self.ipc.name()
    }

    /// The header layout the daemon's messages showed (Pacemaker 2.1 to 3.0.0: compressed;
    /// 3.0.1 and later: multipart), once one came.
    pub fn layout(&self) -> Option<crate::wire::Layout> {
        self.ipc.seen_layout()
    }

    /// Whether the daemon is still there.
    pub fn is_connected(&mut self) -> bool {
        self.ipc.connected()
    }

    /// The descriptor to poll for events (readable also when the daemon goes away).
    pub fn poll_fd(&self) -> Option<RawFd> {
        self.ipc.fd()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(self.ipc.text()).into_owned()
    }

    /// Send `xml` and wait for the daemon's reply on the response channel (`timeout` `None`:
    /// as long as the daemon is there; the limit is kept to the millisecond). Replies to
    /// earlier requests that timed out are skipped when they come; the client goes on after any
    /// error but `ENOTCONN`.
    ///
    /// Errors: `ETIMEDOUT`; `EBADMSG` at once for an answer that cannot be a reply (too short
    /// for Pacemaker's header, sizes that do not add up, no NUL, parts that do not fit
    /// together); `pcmk_rc_bad_input` (−2024, [`rc::RC_BAD_INPUT`]) or `EFBIG` for one that
    /// cannot be decompressed; `ENOTCONN`; `EMSGSIZE` when the request cannot be compressed into
    /// the buffer.
    pub fn request(&mut self, xml: &str, timeout: Option<Duration>) -> Result<Message, Error> {
        let sent = self
            .ipc
            .send_within(Some(xml.as_bytes()), flags::CLIENT_RESPONSE, timeout);
        if sent.rc > 0 && sent.replied && !sent.usable {
            // a reply that could not be decompressed
            Err(Error::Malformed(Malformed::Compression))
        } else if sent.rc > 0 && sent.replied {
            Ok(Message {
                flags: self.ipc.buffer_flags(),
                text: self.text(),
            })
        } else if sent.rc > 0 {
            Err(Error::Malformed(Malformed::Compression))
        } else if sent.rc == 0 {
            Err(Error::disconnected())
        } else {
            Err(Error::from_legacy(sent.rc))
        }
    }

    /// Send `xml` without waiting for a reply (daemons that answer do so with an event).
    /// Returns the bytes handed to the transport.
    pub fn send(&mut self, xml: &str) -> Result<usize, Error> {
        match self.ipc.send(Some(xml.as_bytes()), 0, 5000).rc {
            n if n > 0 => Ok(n as usize),
            0 => Err(Error::disconnected()),
            legacy => Err(Error::from_legacy(legacy)),
        }
    }

    /// The next event, if one is waiting (does not wait).
    pub fn read_event(&mut self) -> Result<Option<Message>, Error> {
        match self.ipc.read() {
            n if n > 0 => Ok(Some(Message {
                flags: self.ipc.buffer_flags(),
                text: self.text(),
            })),
            n if n == -(libc::EAGAIN as i64) => Ok(None),
            n if n == -(libc::ENOMSG as i64) && !self.ipc.connected() => Err(Error::disconnected()),
            n => Err(Error::from_legacy(n as i32)),
        }
    }

    /// Wait up to `timeout` (`None`: without limit) for the next event.
    pub fn wait_event(&mut self, timeout: Option<Duration>) -> Result<Option<Message>, Error> {
        let deadline = Deadline::after(timeout);
        loop {
            if let Some(m) = self.read_event()? {
                return Ok(Some(m));
            }
            if deadline.passed() {
                return Ok(None);
            }
            let fd = self.ipc.fd().ok_or_else(Error::disconnected)?;
            match wait_input(fd, deadline).map_err(Error::Io)? {
                Ready::Input => {}
                Ready::Gone => return Err(Error::disconnected()),
                Ready::TimedOut => return Ok(None),
            }
        }
    }
}
