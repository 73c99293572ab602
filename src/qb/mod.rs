//! The libqb IPC client protocol, natively: find a service's socket, do the handshake with
//! credentials and size negotiation, then exchange messages over the transport the server picks
//! (shared-memory rings, or datagram sockets).
//!
//! ```no_run
//! use pcmk_ipc_rs::qb::{Connection, ConnectOptions};
//! use std::time::Duration;
//!
//! let mut conn = Connection::connect("cib_ro", &ConnectOptions::default())?;
//! println!("{:?} transport, {} bytes at most", conn.transport(), conn.max_msg_size());
//! conn.send(&[b"...a request with its libqb header..."])?;
//! let len = conn.recv_response(Some(Duration::from_secs(5)), |reply| reply.len())?;
//! # Ok::<(), pcmk_ipc_rs::qb::Error>(())
//! ```

mod error;
pub(crate) mod shm;
mod sigbus;
mod socket;
pub(crate) mod sys;

pub use error::{Error, Result};
pub(crate) use sys::Deadline;
pub use sys::Ucred;

use shm::Ring;
use socket::{Channel, Sockets};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;
use sys::UnixAddr;

/// Size of libqb's handshake request (`struct qb_ipc_connection_request`).
const CONNECTION_REQUEST_SIZE: usize = 24;
/// Size of libqb's handshake response (`struct qb_ipc_connection_response`).
pub const CONNECTION_RESPONSE_SIZE: usize = 12328;
/// Message id of the handshake.
const MSG_AUTHENTICATE: i32 = -1;
/// Size of libqb's request header (`id`, `size`, each in an 8-byte slot).
pub const REQUEST_HEADER_SIZE: usize = 16;
/// Size of libqb's response header (`id`, `size`, `error`, each in an 8-byte slot).
pub const RESPONSE_HEADER_SIZE: usize = 24;
/// The file whose presence makes libqb use filesystem sockets instead of abstract names.
pub const FORCE_FILESYSTEM_SOCKETS: &str = "/etc/libqb/force-filesystem-sockets";
/// Where Debian's libqb puts filesystem sockets (its `SOCKETDIR`).
pub const DEFAULT_SOCKET_DIR: &str = "/tmp";

/// How often a wait for a reply checks that the server is still there.
const LIVENESS_SLICE: Duration = Duration::from_millis(200);

/// Which transport the server chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Three shared-memory rings under /dev/shm (`QB_IPC_SHM`, what Pacemaker daemons use).
    SharedMemory,
    /// Datagram sockets and a control file (`QB_IPC_SOCKET`, `PCMK_ipc_type=socket`).
    Socket,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The largest message size to propose. The server answers with the size both sides use,
    /// which may be larger (Pacemaker daemons enforce their own buffer size). As libqb's client,
    /// at least 12328 is proposed.
    pub max_msg_size: u32,
    /// How long the handshake may take (`None`: forever, as libqb's own client waits).
    pub timeout: Option<Duration>,
    /// Connect to `<dir>/<service>` instead of the abstract name. `None` follows libqb's switch:
    /// the path socket under [`DEFAULT_SOCKET_DIR`] when [`FORCE_FILESYSTEM_SOCKETS`] exists.
    pub socket_dir: Option<PathBuf>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            max_msg_size: 131072,
            timeout: Some(Duration::from_secs(30)),
            socket_dir: None,
        }
    }
}

#[allow(clippy::large_enum_variant)] // one per connection; boxing would add an indirection per message
enum Transport {
    Shm {
        request: Ring,
        response: Ring,
        event: Ring,
    },
    Socket(Sockets),
}

/// One client connection to a libqb IPC service.
///
/// Messages are whole libqb messages: a request starts with libqb's 16-byte request header
/// (`id`, `size`), replies and events with the 24-byte response header; `size` is the total
/// length. Dropping the connection closes it and leaves nothing behind in /dev/shm.
pub struct Connection {
    service: String,
    transport: Transport,
    setup: OwnedFd,
    max_msg_size: u32,
    server: Option<Ucred>,
    connected: bool,
}

fn force_filesystem_sockets() -> bool {
    static FORCED: OnceLock<bool> = OnceLock::new();
    *FORCED.get_or_init(|| Path::new(FORCE_FILESYSTEM_SOCKETS).exists())
}

/// What the server said in the handshake.
struct Accepted {
    kind: i32,
    max_msg_size: u32,
    request: String,
    response: String,
    event: String,
    server: Option<Ucred>,
}

fn c_field(buf: &[u8], off: usize) -> String {
    let field = &buf[off..off + 4096];
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn handshake(setup: &OwnedFd, proposal: u32, deadline: Deadline) -> Result<Accepted> {
    sys::pass_credentials(setup, true)?;
    let mut req = [0u8; CONNECTION_REQUEST_SIZE];
    req[0..4].copy_from_slice(&MSG_AUTHENTICATE.to_ne_bytes());
    req[8..12].copy_from_slice(&(CONNECTION_REQUEST_SIZE as i32).to_ne_bytes());
    req[16..20].copy_from_slice(&proposal.to_ne_bytes());
    sys::send_parts(setup, &[&req], deadline)?;

    // exactly the response: event notification bytes may follow it at once
    let mut buf = vec![0u8; CONNECTION_RESPONSE_SIZE];
    let mut got = 0;
    let mut server = None;
    while got < buf.len() {
        let rev = sys::poll_fd(setup.as_raw_fd(), libc::POLLIN, deadline)?;
        if rev == 0 {
            return Err(Error::new(
                libc::ETIMEDOUT,
                "waiting for the handshake response",
            ));
        }
        match sys::recv_with_creds(setup, &mut buf[got..], &mut server) {
            Ok(0) => return Err(Error::not_connected("server closed during the handshake")),
            Ok(n) => got += n,
            Err(e) if e.errno() == libc::EAGAIN || e.errno() == libc::EINTR => {}
            Err(e) => return Err(e),
        }
    }
    sys::pass_credentials(setup, false)?;

    let int = |off: usize| i32::from_ne_bytes(buf[off..off + 4].try_into().expect("4 bytes"));
    let error = int(16);
    if error != 0 {
        // the server refused: its connection_accept's negative errno
        let errno = error
            .checked_neg()
            .filter(|e| *e > 0)
            .unwrap_or(libc::EPROTO);
        return Err(Error::new(errno, "refused by the server"));
    }
    Ok(Accepted {
        kind: int(24),
        max_msg_size: int(28) as u32,
        request: c_field(&buf, 40),
        response: c_field(&buf, 4136),
        event: c_field(&buf, 8232),
        server,
    })
}

/// Who the server is: the credentials its kernel attached to the handshake response, or, where
/// none came, the socket's `SO_PEERCRED` (libqb's client takes a missing one for root's).
fn server_credentials(attached: Option<Ucred>, setup: &OwnedFd) -> Result<Ucred> {
    match attached {
        Some(c) => Ok(c),
        None => sys::peer_cred(setup.as_raw_fd()),
    }
}

impl Connection {
    /// Connect to a service by its libqb name (e.g. `"cib_rw"`), as libqb's `qb_ipcc_connect`.
    ///
    /// Errors: `ECONNREFUSED` (abstract name) or `ENOENT` (filesystem socket) when nothing
    /// listens, the server's refusal (e.g. `EACCES`), `ENOTCONN` when it closes without an
    /// answer, `ETIMEDOUT` when it does not answer within `opts.timeout`.
    pub fn connect(service: &str, opts: &ConnectOptions) -> Result<Connection> {
        Self::connect_checked(service, opts, |_| true)
    }

    /// As [`connect`](Self::connect), but `accept` judges the server's credentials (those its
    /// kernel attached to the handshake response, else the socket's `SO_PEERCRED`) before any
    /// file the server named is opened: `false` ends the connect with `EACCES`, having touched
    /// nothing of the server's. (libqb's client opens the server's files first; the credential
    /// check of Pacemaker's clients comes after.)
    pub fn connect_checked(
        service: &str,
        opts: &ConnectOptions,
        accept: impl FnOnce(Ucred) -> bool,
    ) -> Result<Connection> {
        let deadline = Deadline::after(opts.timeout);
        let addr = match (&opts.socket_dir, force_filesystem_sockets()) {
            (Some(dir), _) => UnixAddr::path(&dir.join(service))?,
            (None, true) => UnixAddr::path(&Path::new(DEFAULT_SOCKET_DIR).join(service))?,
            (None, false) => UnixAddr::abstract_name(service.as_bytes())?,
        };
        let setup = sys::unix_socket(true)?;
        sys::connect(&setup, &addr)?;
        let proposal = opts.max_msg_size.max(CONNECTION_RESPONSE_SIZE as u32);
        let acc = handshake(&setup, proposal, deadline)?;
        let cred = server_credentials(acc.server, &setup)?;
        if !accept(cred) {
            return Err(Error::new(libc::EACCES, "server's credentials refused"));
        }
        let max = acc.max_msg_size;
        if (max as usize) < RESPONSE_HEADER_SIZE || max > 1 << 30 {
            return Err(Error::new(libc::EPROTO, "negotiated message size"));
        }
        let transport = match acc.kind {
            1 => {
                // libqb's client refuses names it could not form ring names from
                if service.len() > 255 - 20 {
                    return Err(Error::new(libc::EINVAL, "service name too long"));
                }
                let request = Ring::open(&acc.request)?;
                let response = Ring::open(&acc.response)?;
                let event = Ring::open(&acc.event)?;
                if request.dir() != response.dir() || request.dir() != event.dir() {
                    return Err(Error::new(libc::EBADMSG, "rings in different directories"));
                }
                if request.capacity() < max as usize {
                    return Err(Error::new(
                        libc::EBADMSG,
                        "request ring smaller than the message size",
                    ));
                }
                Transport::Shm {
                    request,
                    response,
                    event,
                }
            }
            0 => Transport::Socket(Sockets::open(&acc.request, &acc.response, max)?),
            2 | 3 => return Err(Error::new(libc::ENOTSUP, "unsupported transport")),
            _ => return Err(Error::new(libc::EINVAL, "unknown transport")),
        };
        Ok(Connection {
            service: service.to_owned(),
            transport,
            setup,
            max_msg_size: max,
            server: acc.server,
            connected: true,
        })
    }

    /// The service name this connection was made to.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The transport the server chose.
    pub fn transport(&self) -> TransportKind {
        match self.transport {
            Transport::Shm { .. } => TransportKind::SharedMemory,
            Transport::Socket(_) => TransportKind::Socket,
        }
    }

    /// The negotiated largest message size (libqb's `qb_ipcc_get_buffer_size`).
    pub fn max_msg_size(&self) -> u32 {
        self.max_msg_size
    }

    /// The largest reply or event this connection can receive. Servers do not check the size of
    /// what they send on the response channel against the negotiated size; the rings bound it.
    pub fn max_receive_size(&self) -> usize {
        match &self.transport {
            Transport::Shm {
                response, event, ..
            } => response.capacity().max(event.capacity()),
            Transport::Socket(_) => self.max_msg_size as usize + 4096,
        }
    }

    /// The server's pid, uid and gid, as its kernel attached them to the handshake response.
    pub fn server_credentials(&self) -> Option<Ucred> {
        self.server
    }

    /// The server's credentials: those its kernel attached to the handshake response, or else
    /// the setup socket's `SO_PEERCRED`.
    pub fn peer_credentials(&self) -> Result<Ucred> {
        match self.server {
            Some(c) => Ok(c),
            None => sys::peer_cred(self.setup.as_raw_fd()),
        }
    }

    /// The descriptor to poll for `POLLIN`: readable when an event is waiting or the server has
    /// gone (libqb's `qb_ipcc_fd_get`).
    pub fn poll_fd(&self) -> RawFd {
        match &self.transport {
            Transport::Shm { .. } => self.setup.as_raw_fd(),
            Transport::Socket(s) => s.event_fd(),
        }
    }

    /// Whether the server is still there (libqb's `qb_ipcc_is_connected`). Once false, it stays
    /// false.
    pub fn is_connected(&mut self) -> bool {
        if self.connected && (!self.server_alive() || self.rings_broken()) {
            self.connected = false;
        }
        self.connected
    }

    /// Whether the connection is still taken as up, from what is known without a system call
    /// (an error seen earlier, or the server's release of the shared rings).
    /// [`is_connected`](Self::is_connected) also asks the kernel whether the server hung up.
    pub fn seems_connected(&mut self) -> bool {
        if self.connected {
            if let Transport::Shm { request, .. } = &self.transport {
                if request.ref_count() != 2 || self.rings_broken() {
                    self.connected = false;
                }
            }
        }
        self.connected
    }

    fn server_alive(&self) -> bool {
        match sys::poll_fd(
            self.setup.as_raw_fd(),
            libc::POLLIN,
            Deadline::after(Some(Duration::ZERO)),
        ) {
            Ok(rev) if sys::hung_up(rev) => false,
            Ok(_) => match &self.transport {
                Transport::Shm { request, .. } => request.ref_count() == 2,
                Transport::Socket(_) => true,
            },
            Err(_) => false,
        }
    }

    /// Mark the connection dead when `e` means the peer is gone, or when a ring was broken
    /// under us (whatever the operation read is then zeros: it is dropped).
    fn check<T>(&mut self, r: Result<T>) -> Result<T> {
        if self.rings_broken() {
            self.connected = false;
            return Err(Error::not_connected(
                "the server truncated a shared-memory ring",
            ));
        }
        if let Err(e) = &r {
            if e.is_disconnect() {
                self.connected = false;
            }
        }
        r
    }

    /// Whether a ring file was truncated under the mapping (see `sigbus`).
    fn rings_broken(&self) -> bool {
        match &self.transport {
            Transport::Shm {
                request,
                response,
                event,
            } => request.broken() || response.broken() || event.broken(),
            Transport::Socket(_) => false,
        }
    }

    /// Send one message made of `parts` (their concatenation starts with libqb's request
    /// header). Returns the bytes sent.
    ///
    /// Errors: `EMSGSIZE` when longer than [`max_msg_size`](Self::max_msg_size), `EAGAIN` when
    /// the server's flow control is on or the request ring is full (try again later),
    /// `ENOTCONN` when the server is gone.
    pub fn send(&mut self, parts: &[&[u8]]) -> Result<usize> {
        if !self.connected {
            return Err(Error::not_connected("send"));
        }
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total > self.max_msg_size as usize {
            return Err(Error::new(
                libc::EMSGSIZE,
                "message larger than the negotiated size",
            ));
        }
        let r = match &self.transport {
            Transport::Shm { request, .. } => {
                if request.ref_count() != 2 {
                    Err(Error::not_connected("request ring released by the server"))
                } else if request.flow_control() == 1 {
                    Err(Error::new(libc::EAGAIN, "server flow control"))
                } else {
                    request
                        .write(parts)
                        .and_then(|()| self.notify(total as u8))
                        .map(|()| total)
                }
            }
            Transport::Socket(s) => {
                if s.flow_control() == 1 {
                    Err(Error::new(libc::EAGAIN, "server flow control"))
                } else {
                    s.send(parts)
                }
            }
        };
        self.check(r)
    }

    /// The one byte on the setup socket that tells the server a request chunk is waiting. The
    /// chunk is already in the ring, so the byte must go: while the socket is full (a busy or
    /// flow-controlled server reads it later), wait for room, as libqb's client does, but asleep
    /// in `poll` rather than retrying on the CPU; stop only if the server hangs up.
    fn notify(&self, byte: u8) -> Result<()> {
        loop {
            match sys::send_parts(&self.setup, &[&[byte]], Deadline::after(None)) {
                Ok(_) => return Ok(()),
                Err(e) if e.errno() == libc::EAGAIN => {
                    let rev =
                        sys::poll_fd(self.setup.as_raw_fd(), libc::POLLOUT, Deadline::after(None))?;
                    if sys::hung_up(rev) {
                        return Err(Error::not_connected("server gone"));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Wait for the next reply on the response channel and hand it to `f` (in place: for shared
    /// memory, `f` sees the ring's bytes). `timeout` `None` waits as long as the server is there;
    /// zero does not wait.
    ///
    /// Errors: `ETIMEDOUT` when nothing came in time, `ENOTCONN` when the server is gone,
    /// `EBADMSG` when the server wrote something that is not a message.
    pub fn recv_response<R>(
        &mut self,
        timeout: Option<Duration>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R> {
        let deadline = Deadline::after(timeout);
        let r = self.recv_response_inner(deadline, f);
        self.check(r)
    }

    fn recv_response_inner<R>(
        &mut self,
        deadline: Deadline,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R> {
        match &mut self.transport {
            Transport::Shm { response, .. } => {
                loop {
                    let slice = Deadline::after(Some(deadline.slice(LIVENESS_SLICE)));
                    if response.take_token(slice)? {
                        break;
                    }
                    if response.broken() {
                        return Err(Error::not_connected(
                            "the server truncated a shared-memory ring",
                        ));
                    }
                    // shared memory gives no hang-up signal: look at the setup socket between slices
                    let now = Deadline::after(Some(Duration::ZERO));
                    let rev = sys::poll_fd(self.setup.as_raw_fd(), libc::POLLIN, now)?;
                    if sys::hung_up(rev) || !self.connected {
                        // a reply may have landed just before the server went
                        if response.take_token(now)? {
                            break;
                        }
                        return Err(Error::not_connected(
                            "server gone while waiting for a reply",
                        ));
                    }
                    if deadline.passed() {
                        return Err(Error::new(libc::ETIMEDOUT, "waiting for a reply"));
                    }
                }
                response.read_chunk(f)
            }
            Transport::Socket(s) => {
                s.receive(Channel::Response, self.setup.as_raw_fd(), deadline, f)
            }
        }
    }

    /// Wait for the next event and hand it to `f`. `timeout` `None` waits as long as the server
    /// is there; zero does not wait.
    ///
    /// Errors: `EAGAIN` when no event came in time (as libqb's `qb_ipcc_event_recv`), `ENOTCONN`
    /// when the server is gone, `EBADMSG` for something that is not a message.
    pub fn recv_event<R>(
        &mut self,
        timeout: Option<Duration>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R> {
        let deadline = Deadline::after(timeout);
        let r = self.recv_event_inner(deadline, f);
        self.check(r)
    }

    fn recv_event_inner<R>(&mut self, deadline: Deadline, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        let setup = self.setup.as_raw_fd();
        match &mut self.transport {
            Transport::Shm { event, .. } => {
                let zero = || Deadline::after(Some(Duration::ZERO));
                loop {
                    if event.take_token(zero())? {
                        break;
                    }
                    let rev = sys::poll_fd(setup, libc::POLLIN, deadline)?;
                    if rev == 0 {
                        return Err(Error::new(libc::EAGAIN, "no event"));
                    }
                    // the server commits an event before it sends its byte
                    if event.take_token(zero())? {
                        break;
                    }
                    if sys::hung_up(rev) {
                        return Err(Error::not_connected("server gone"));
                    }
                    // a byte without an event: drop it
                    let mut b = [0u8; 1];
                    if sys::recv(setup, &mut b, libc::MSG_DONTWAIT)? == 0 {
                        return Err(Error::not_connected("server gone"));
                    }
                }
                let out = event.read_chunk(f)?;
                consume_notification(setup)?;
                Ok(out)
            }
            Transport::Socket(s) => s.receive(Channel::Event, setup, deadline, f),
        }
    }

    fn close(&mut self) {
        let connected = self.is_connected();
        sys::shutdown(&self.setup);
        match &self.transport {
            Transport::Shm {
                request,
                response,
                event,
            } => {
                for ring in [request, response, event] {
                    ring.release();
                }
                // a live server removes the files when it sees the hang-up; after a dead one,
                // libqb's client removes them (and we also remove the directory it forgets)
                if !connected {
                    let pid = self.server.map_or(0, |c| c.pid);
                    let mut gone = false;
                    for _ in 0..4 {
                        if pid > 0 && !sys::process_exists(pid) {
                            gone = true;
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    if gone {
                        for ring in [request, response, event] {
                            ring.remove_files();
                        }
                        sys::rmdir(request.dir());
                    }
                }
            }
            Transport::Socket(s) => s.remove_files(),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

/// Read the one byte the server sends per event, waiting for it if it is not there yet (it
/// follows the event) unless the server has gone.
fn consume_notification(setup: RawFd) -> Result<()> {
    let mut b = [0u8; 1];
    loop {
        match sys::recv(setup, &mut b, libc::MSG_DONTWAIT) {
            Ok(_) => return Ok(()),
            Err(e) if e.errno() == libc::EAGAIN => {
                let rev = sys::poll_fd(
                    setup,
                    libc::POLLIN,
                    Deadline::after(Some(Duration::from_secs(5))),
                )?;
                if rev == 0 || (sys::hung_up(rev) && rev & libc::POLLIN == 0) {
                    return Ok(());
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The fuzz target's handshake (see `crate::fuzzing::handshake`): a fake server on a
/// filesystem socket of this process's own answers with the input, and a set of valid rings
/// waits under /dev/shm where the seeds point (`/dev/shm/qb-fuzz-<pid>-hs/qb-{request,response,
/// event}-svc`: the seeds are written for pid 0 and the harness puts its own pid in).
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_handshake(data: &[u8]) -> bool {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixListener;
    use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
    type Answer = (Vec<u8>, Vec<u8>);
    type Server = (SyncSender<Answer>, Receiver<()>, PathBuf, String);
    // one server thread for the whole run, fed one answer per input (a thread per input makes
    // glibc register thread-local destructors anew each time, which LeakSanitizer reports)
    static SERVER: std::sync::Mutex<Option<Server>> = std::sync::Mutex::new(None);
    let mut guard = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        let pid = std::process::id();
        let dir = PathBuf::from(format!("/tmp/pcmkrs-fuzz-hs-{pid}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let listener = UnixListener::bind(dir.join("svc")).unwrap();
        let rings = format!("/dev/shm/qb-fuzz-{pid}-hs");
        let _ = std::fs::create_dir(&rings);
        for r in ["request", "response", "event"] {
            let data = format!("{rings}/qb-{r}-svc-data");
            let mut header = vec![0u8; 8248];
            header[8..12].copy_from_slice(&1024u32.to_ne_bytes());
            header[4108..4108 + data.len()].copy_from_slice(data.as_bytes());
            header[8204..8208].copy_from_slice(&1u32.to_ne_bytes());
            std::fs::write(format!("{rings}/qb-{r}-svc-header"), &header).unwrap();
            std::fs::write(&data, vec![0u8; 4096]).unwrap();
        }
        let (tx, rx) = sync_channel::<Answer>(0);
        let (done_tx, done_rx) = sync_channel::<()>(1);
        std::thread::spawn(move || {
            for (response, extra) in rx {
                if let Ok((mut sock, _)) = listener.accept() {
                    let mut req = [0u8; CONNECTION_REQUEST_SIZE];
                    let _ = sock.read_exact(&mut req);
                    let _ = sock.write_all(&response);
                    let _ = sock.write_all(&extra);
                }
                let _ = done_tx.send(());
            }
        });
        *guard = Some((tx, done_rx, dir, format!("{pid}")));
    }
    let (tx, done, dir, pid) = guard.as_ref().unwrap();
    // the seeds name pid 0: put ours in, so that they reach the rings made above
    let mut response = vec![0u8; CONNECTION_RESPONSE_SIZE];
    let n = data.len().min(CONNECTION_RESPONSE_SIZE);
    response[..n].copy_from_slice(&data[..n]);
    // in each path field (NUL-padded, so the longer name still fits)
    let (from, to) = (b"qb-fuzz-0-hs".as_slice(), format!("qb-fuzz-{pid}-hs"));
    for field in [40, 4136, 8232] {
        let f = &mut response[field..field + 4096];
        if let Some(at) = f.windows(from.len()).position(|w| w == from) {
            let tail = f[at + from.len()..].to_vec();
            let grown = [to.as_bytes(), &tail].concat();
            f[at..].copy_from_slice(&grown[..4096 - at]);
        }
    }
    let extra = data
        .get(CONNECTION_RESPONSE_SIZE..)
        .unwrap_or_default()
        .to_vec();
    tx.send((response, extra)).unwrap();
    let opts = ConnectOptions {
        max_msg_size: 4096,
        timeout: Some(Duration::from_millis(500)),
        socket_dir: Some(dir.clone()),
    };
    let connected = match Connection::connect("svc", &opts) {
        Ok(mut c) => {
            let _ = c.send(&[&[0u8; 16]]);
            let _ = c.recv_event(Some(Duration::ZERO), |m| m.len());
            true
        }
        Err(_) => false,
    };
    // the server is done with this input before the next one comes
    let _ = done.recv();
    connected
}

/// Remove what the fuzz harnesses of this process made (rings, sockets).
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_cleanup() {
    let pid = std::process::id();
    let _ = std::fs::remove_dir_all(format!("/dev/shm/qb-fuzz-{pid}-hs"));
    let _ = std::fs::remove_dir_all(format!("/dev/shm/qb-fuzz-{pid}-ring"));
    let _ = std::fs::remove_dir_all(format!("/tmp/pcmkrs-fuzz-hs-{pid}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handshake that brought no credentials (Linux attaches them to every message once the
    /// receiver asked, so a server cannot leave them out: the case is made here by hand) is not
    /// taken for root's: the socket says who connected, here a process running as nobody
    /// (differences C12).
    #[test]
    fn without_attached_credentials_the_socket_says_who_the_peer_is() {
        if unsafe { libc::geteuid() } != 0 {
            return; // needs to become nobody
        }
        use std::os::linux::net::SocketAddrExt;
        let name = format!("pcmkrs-c12-{}", std::process::id());
        // libqb's abstract names fill the 108-byte sun_path: the name, then NULs
        let mut padded = name.clone().into_bytes();
        padded.resize(107, 0);
        let listener = std::os::unix::net::UnixListener::bind_addr(
            &std::os::unix::net::SocketAddr::from_abstract_name(&padded).unwrap(),
        )
        .unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = UnixAddr::abstract_name(name.as_bytes()).unwrap();
        // SAFETY: the child only makes system calls (async-signal-safe) and leaves with _exit.
        let child = unsafe { libc::fork() };
        if child == 0 {
            unsafe {
                if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                    libc::_exit(2);
                }
            }
            let Ok(s) = sys::unix_socket(true) else {
                unsafe { libc::_exit(3) }
            };
            let code = if sys::connect(&s, &addr).is_ok() {
                0
            } else {
                4
            };
            unsafe {
                // stay connected until the parent has looked
                let mut b = [0u8; 1];
                libc::read(s.as_raw_fd(), b.as_mut_ptr().cast(), 1);
                libc::_exit(code);
            }
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let accepted = loop {
            match listener.accept() {
                Ok((a, _)) => break a,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Err(e) => panic!("the child did not connect: {e}"),
            }
        };
        let fd = OwnedFd::from(accepted);
        let cred = server_credentials(None, &fd).unwrap();
        assert_eq!((cred.uid, cred.gid, cred.pid), (65534, 65534, child));
        drop(fd);
        let mut status = 0;
        unsafe { libc::waitpid(child, &mut status, 0) };
        assert_eq!(libc::WEXITSTATUS(status), 0);
    }
}
