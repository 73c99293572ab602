//! One connection to a Pacemaker daemon's IPC, with the semantics of Pacemaker 3.0.0's
//! `crm_ipc_t` (`lib/common/ipc_client.c`): the C functions `crm_ipc_*` are a thin skin over this.
//! Codes are Pacemaker's: "legacy" (0 or a negative errno, −201) where the C function returns
//! them, standard ones (positive errno, negative `pcmk_rc_*`) from [`IpcClient::connect`].

use super::auth::{daemon_ids, Authenticity};
use super::buffer::{default_buffer_size, ipc_buffer_size};
use super::layout::{self, Choice, Process};
use super::log::{log, Level};
use super::message::{reference_for, Element, Envelope};
use super::poll::{wait_input, wait_input_slice, Ready};
use super::protocol::server;
use super::rc;
use crate::qb::{ConnectOptions, Connection, Deadline};
use crate::wire::{
    self, DecompressError, FrameError, Header, Layout, Parts, Progress, HEADER_SIZE, IPC_VERSION,
    PART_BUFFER,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a read waits for the rest of a split message whose first part it has: a 3.0.1+
/// server retries a full ring for 25 ms, then every 1 to 1.5 s.
const PART_WAIT: Duration = Duration::from_secs(5);

/// Request ids: one counter for the whole process, as in Pacemaker (first request: 1).
static REQUEST_ID: AtomicU32 = AtomicU32::new(0);
/// Request ids of the library's own requests (the node's layout asked): a counter apart, so that
/// the ids of the caller's requests are those Pacemaker would give them.
static OWN_REQUEST_ID: AtomicU32 = AtomicU32::new(0);

/// What [`IpcClient::send`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// `crm_ipc_send`'s return value: bytes sent, or the size of the reply frame received, or a
    /// negative errno (0 when the connection was found closed before sending).
    pub rc: i32,
    /// Whether a reply frame was received: its text is then in [`IpcClient::buffer`].
    pub replied: bool,
    /// Whether that frame is the reply, whole and readable (not one that could not be
    /// decompressed, which 3.0.0 also counts as received).
    pub usable: bool,
}

/// A connection object (`crm_ipc_t`): created unconnected, connected and closed as often as
/// wanted, holding the last message received.
pub struct IpcClient {
    name: String,
    buf_size: u32,
    max_buf_size: u32,
    conn: Option<Connection>,
    /// The descriptor cached at connect time; -EINVAL once a check found the server gone.
    fd: i32,
    inbox: Inbox,
    /// Whether the library's own ids are used (see [`OWN_REQUEST_ID`]).
    own_ids: bool,
}

/// Which channel a frame came on (each puts its own split messages together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Event,
    /// A response, and the id of the reply awaited (others are not parts of it).
    Response(Option<i32>),
}

/// What taking a frame gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Took {
    /// A whole message (or a reply to another request), now in the buffer.
    Whole(Header),
    /// A part of a split message; more are to come.
    Part,
}

/// What a connection received, and what it knows of its server's layout.
#[derive(Debug, Default)]
struct Inbox {
    /// The last message received: header, then text and NUL (or a frame that failed to decode).
    buffer: Vec<u8>,
    scratch: Vec<u8>,
    /// The last whole message's header (a split message's: its first part's, as reassembled).
    header: Header,
    /// The layout chosen by the caller (`PCMK_IPC_RS_WIRE`, [`IpcClient::set_layout`]).
    fixed: Option<Layout>,
    /// The server's layout: seen in a message of its (`seen`), or assumed before any.
    layout: Option<Layout>,
    seen: bool,
    /// The server process (from the handshake's credentials).
    server: Option<Process>,
    events: Parts,
    replies: Parts,
    event_acc: Vec<u8>,
    reply_acc: Vec<u8>,
}

impl Inbox {
    fn new(choice: Choice, capacity: usize) -> Inbox {
        Inbox {
            buffer: Self::fresh_buffer(capacity),
            fixed: match choice {
                Choice::Auto => None,
                Choice::Fixed(l) => Some(l),
            },
            ..Inbox::default()
        }
    }

    /// An empty buffer (a header of zeros and a NUL) with room for `capacity` bytes: as
    /// libcrmcommon's `crm_ipc_t`, an object has a buffer of its requested size from the start,
    /// and one of the negotiated size once connected if that is larger, so that no message that
    /// fits makes it grow (its pages are only touched as messages fill them).
    fn fresh_buffer(capacity: usize) -> Vec<u8> {
        let mut b = Vec::with_capacity(capacity.max(HEADER_SIZE + 1));
        b.resize(HEADER_SIZE + 1, 0);
        b
    }

    /// A new connection: nothing known of its server yet but the caller's choice.
    fn reset(&mut self, server: Option<Process>) {
        self.layout = self.fixed;
        self.seen = false;
        self.server = server;
        self.events.reset();
        self.replies.reset();
    }

    /// The layout a frame must have: the caller's, or the one the server showed.
    fn expected(&self) -> Option<Layout> {
        self.fixed.or(if self.seen { self.layout } else { None })
    }

    /// The layout of a frame received, learned from the first one; `None` for a frame of no
    /// layout, or of another than the one seen before or chosen.
    fn frame_layout(&mut self, frame: &[u8]) -> Option<Layout> {
        match (Layout::of(frame), self.expected()) {
            (Some(l), Some(want)) if l != want => {
                log!(
                    Level::Error,
                    "pcmk-ipc-rs",
                    "Message in the {l:?} header layout where the {want:?} layout was {}",
                    if self.fixed.is_some() {
                        "chosen (PCMK_IPC_RS_WIRE)"
                    } else {
                        "seen before"
                    }
                );
                None
            }
            (Some(l), _) => {
                if !self.seen && self.fixed.is_none() {
                    if self.layout.is_some_and(|assumed| assumed != l) {
                        log!(
                            Level::Warning,
                            "pcmk-ipc-rs",
                            "The server writes the {l:?} header layout, not the {:?} one assumed",
                            self.layout.unwrap_or(l)
                        );
                    }
                    self.layout = Some(l);
                    self.seen = true;
                    layout::learned(self.server, l);
                }
                Some(l)
            }
            (None, _) => None,
        }
    }

    /// Take a received frame (still in the transport's memory) into the buffer: header, then
    /// the text and its NUL. A compressed frame is decompressed straight from the transport; a
    /// part of a split message is added to its channel's message, which becomes the buffer
    /// when whole; any other frame is copied once. On failure the raw frame is what the buffer
    /// holds.
    fn take(&mut self, frame: &[u8], channel: Channel) -> Result<Took, FrameError> {
        let Some(layout) = self.frame_layout(frame) else {
            return self.raw(frame, FrameError::Malformed);
        };
        let Inbox {
            buffer,
            scratch,
            header,
            events,
            replies,
            event_acc,
            reply_acc,
            ..
        } = self;
        // replies of another protocol version are read as 3.0.0 reads them (it does not look),
        // events are refused (as 3.0.0 refuses them)
        let decoded = if matches!(channel, Channel::Response(_)) {
            wire::decode_any_version(frame, layout, scratch)
        } else {
            wire::decode(frame, layout, scratch)
        };
        let result = match decoded {
            Ok(f) if f.header.size_compressed != 0 => {
                // scratch holds the header and the decompressed text
                let h = f.header;
                std::mem::swap(buffer, scratch);
                *header = h;
                return Ok(Took::Whole(h));
            }
            Ok(f) => {
                let h = f.header;
                let (parts, acc) = match channel {
                    Channel::Response(Some(want)) if h.id != want => {
                        // another request's reply (or a part of it): dropped by the caller
                        (None, None)
                    }
                    Channel::Response(_) => (Some(replies), Some(reply_acc)),
                    Channel::Event => (Some(events), Some(event_acc)),
                };
                match (parts, acc) {
                    (Some(parts), Some(acc)) => match parts.add(&f, frame, acc).inspect(|p| {
                        if *p != Progress::Whole {
                            log!(
                                Level::Debug,
                                "pcmk__ipc_msg_append",
                                "Part {} of message {} ({} bytes, flags {:#x}): {p:?}",
                                h.part_id,
                                h.id,
                                frame.len(),
                                h.flags
                            );
                        }
                    }) {
                        Ok(Progress::Whole) => Ok(h),
                        Ok(Progress::More) => return Ok(Took::Part),
                        Ok(Progress::Done(whole)) => {
                            std::mem::swap(buffer, acc);
                            *header = whole;
                            return Ok(Took::Whole(whole));
                        }
                        Err(e) => Err(e),
                    },
                    _ => Ok(h),
                }
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(h) => {
                Self::copy(buffer, frame);
                *header = h;
                Ok(Took::Whole(h))
            }
            Err(e) => self.raw(frame, e),
        }
    }

    /// Clear [`wire::ONE_LAYOUT_MARK`] from the last message's flags (a 2.1 or 3.0.0 daemon's
    /// reply to a request so marked may carry it: the caller sees what 3.0.0 would show).
    fn unmark(&mut self) {
        self.header.flags &= !wire::ONE_LAYOUT_MARK;
        if self.buffer.len() >= HEADER_SIZE {
            let f = u32::from_ne_bytes(self.buffer[32..36].try_into().expect("4 bytes"));
            self.buffer[32..36].copy_from_slice(&(f & !wire::ONE_LAYOUT_MARK).to_ne_bytes());
        }
    }

    /// As 3.0.0, the buffer then holds the raw frame; never shorter than a header, and always
    /// followed by a NUL, so that the text a C caller reads ends.
    fn copy(buffer: &mut Vec<u8>, frame: &[u8]) {
        buffer.clear();
        buffer.extend_from_slice(frame);
        if buffer.len() < HEADER_SIZE {
            buffer.resize(HEADER_SIZE, 0);
        }
        buffer.push(0);
    }

    fn raw(&mut self, frame: &[u8], e: FrameError) -> Result<Took, FrameError> {
        Self::copy(&mut self.buffer, frame);
        self.header = self
            .expected()
            .or(Layout::of(frame))
            .and_then(|l| Header::decode(frame, l))
            .unwrap_or_default();
        Err(e)
    }
}

/// `crm_ipc_send`'s limit: milliseconds (0: Pacemaker's default of 5 s; negative: no limit).
/// Unlike Pacemaker 3.0.0, which counts whole seconds of the wall clock from each step (a
/// 2,000 ms call could last 3 s), the limit holds for the whole call, to the millisecond.
fn limit_of(ms_timeout: i32) -> Option<Duration> {
    match ms_timeout {
        0 => Some(Duration::from_millis(5000)),
        ms if ms < 0 => None,
        ms => Some(Duration::from_millis(ms as u64)),
    }
}

/// The frames of one message (see [`wire::prepare`]).
type Frames<'a> = Vec<wire::OutFrame<'a>>;

/// Frame a request (`pcmk__ipc_prepare_iov`, [`wire::prepare`]), logging why not as 3.0.0
/// does. `Err` holds `crm_ipc_send`'s value.
fn frame_message<'a>(
    layout: Layout,
    header: Header,
    text: &'a [u8],
    limit: usize,
    store: &'a mut Vec<u8>,
) -> Result<Frames<'a>, i32> {
    wire::prepare(layout, header, text, limit, store).map_err(|e| {
        match e {
            wire::PrepareError::TooLargeToCompress => log!(
                Level::Error,
                "pcmk__ipc_prepare_iov",
                "Could not compress {}-byte message into less than IPC limit of {limit} bytes; set PCMK_ipc_buffer to higher value",
                text.len() + 1
            ),
            wire::PrepareError::TooManyParts => log!(
                Level::Error,
                "pcmk__ipc_prepare_iov",
                "Could not split {}-byte message into 65536 parts",
                text.len() + 1
            ),
        }
        -libc::EMSGSIZE
    })
}

/// A response frame received: its size on the wire, its libqb id (`None` when too short to
/// have one), and how taking it went.
type Received = (usize, Option<i32>, Result<Took, FrameError>);

/// How a request is written (see [`layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writing {
    /// In the layout the server is known, or chosen, to read.
    In(Layout),
    /// No one could tell: in Pacemaker 3.0.0's layout marked for its readers alone (what 3.0.0
    /// sends, but for an undefined flag bit), and, if no answer comes soon, also in 3.0.1's
    /// marked for its readers alone ([`wire::mark_for_one_layout`]). A daemon of either release
    /// acts on the copy in its layout and drops the other unread; its answer shows its layout.
    Either,
}

/// For a request sent in both layouts: whether an answer is awaited, and how long after the
/// send started the first copy waits for it alone.
#[derive(Debug, Clone, Copy)]
struct Copies {
    want_reply: bool,
    start: Instant,
    grace: Duration,
}

/// The second copy of a request written [`Writing::Either`], and when it goes.
struct Later<'a> {
    at: Instant,
    frames: Frames<'a>,
}

/// How long a request written [`Writing::Either`] waits for an answer to its first copy before
/// its second goes (a quarter of the time allowed, if that is less): 2.1 and 3.0.0 daemons
/// answer most requests well within it, and one that answers later only logs the second copy
/// as of an incompatible version.
const EITHER_GRACE: Duration = Duration::from_millis(200);

/// How long the node is asked at most for its layout (less when the caller allows less).
const PROBE_WAIT: Duration = Duration::from_secs(5);

/// C's `strerror`, as Pacemaker's messages print errno values.
fn strerror(errno: i32) -> String {
    rc::describe(errno)
}

fn frame_error_legacy(e: FrameError) -> i32 {
    match e {
        FrameError::Decompress(DecompressError::BadInput) => rc::rc2legacy(rc::RC_BAD_INPUT),
        FrameError::Decompress(DecompressError::TooBig) => -libc::EFBIG,
        FrameError::Version(_)
        | FrameError::Unterminated
        | FrameError::Malformed
        | FrameError::Sequence
        | FrameError::TooLarge => -libc::EBADMSG,
    }
}

impl std::fmt::Debug for IpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IpcClient({})", self.name)
    }
}

impl IpcClient {
    /// A new, unconnected object for the service `name` (e.g. `"cib_rw"`) with a buffer of at
    /// least `max_size` bytes (`crm_ipc_new`). The size is truncated to 32 bits as in C.
    pub fn new(name: &str, max_size: usize) -> IpcClient {
        let buf_size = ipc_buffer_size(max_size as u32);
        IpcClient {
            name: name.to_owned(),
            buf_size,
            max_buf_size: buf_size,
            conn: None,
            fd: -1,
            inbox: Inbox::new(layout::env_choice(), buf_size as usize),
            own_ids: false,
        }
    }

    /// Choose the header layout for this object's connections: `Some` to use one whatever the
    /// daemon sends (a message of the other layout is then refused), `None` to learn it from
    /// the daemon (the default, unless `PCMK_IPC_RS_WIRE` chooses). Takes effect at the next
    /// connect.
    pub fn set_layout(&mut self, layout: Option<Layout>) {
        self.inbox.fixed = layout;
    }

    /// The layout the server is known to write (seen in a message of its, or chosen).
    pub fn seen_layout(&self) -> Option<Layout> {
        self.inbox.expected()
    }

    /// Take request ids from the library's own counter (for its own requests).
    pub(crate) fn use_own_ids(&mut self) {
        self.own_ids = true;
    }

    /// The server process of the connection, if visible here.
    pub fn server(&self) -> Option<Process> {
        self.inbox.server
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Connect (`pcmk__connect_generic_ipc`): the libqb handshake, then the check that the
    /// server runs as root or as the cluster user or group. Returns a standard code: 0, the
    /// errno of the connect (`ECONNREFUSED` when nothing listens), `EINVAL` when there is no
    /// cluster user, [`rc::RC_IPC_UNAUTHORIZED`] for a server running as someone else.
    pub fn connect(&mut self) -> i32 {
        self.conn = None;
        log!(
            Level::Debug,
            "pcmk__connect_generic_ipc",
            "Connecting to {} IPC",
            self.name
        );
        let opts = ConnectOptions {
            max_msg_size: self.buf_size,
            ..ConnectOptions::default()
        };
        // The credential check runs before any file the server names is opened (3.0.0 checks
        // after libqb opened them; the result is the same).
        let ids = daemon_ids();
        // the server's credentials, and whether they passed
        let mut seen = None;
        let judged = Connection::connect_checked(&self.name, &opts, |cred| {
            let pass = match ids {
                Ok((uid, gid)) => {
                    matches!(
                        Authenticity::judge(cred, uid, gid),
                        Authenticity::Authentic(_)
                    )
                }
                // answered below, once connected, as 3.0.0 orders it
                Err(_) => true,
            };
            seen = Some((cred, pass));
            pass
        });
        let conn = match (judged, seen) {
            (Ok(c), _) => c,
            (Err(_), Some((c, false))) => {
                let (uid, gid) = ids.unwrap_or_default();
                log!(
                    Level::Info,
                    "pcmk__connect_generic_ipc",
                    "{} IPC provider authentication failed: process {} has uid {} (expected {uid}) and gid {} (expected {gid})",
                    self.name,
                    c.pid,
                    c.uid,
                    c.gid
                );
                return rc::RC_IPC_UNAUTHORIZED;
            }
            (Err(e), _) => {
                log!(
                    Level::Info,
                    "pcmk__connect_generic_ipc",
                    "Could not connect to {} IPC: {e}",
                    self.name
                );
                return e.errno();
            }
        };
        if let Err(errno) = ids {
            return errno;
        }
        self.fd = conn.poll_fd();
        let (cred, _) = seen.expect("the check saw the server's credentials");
        self.max_buf_size = conn.max_msg_size();
        if self.max_buf_size > self.buf_size {
            self.buf_size = self.max_buf_size;
            self.inbox.buffer = Inbox::fresh_buffer(self.buf_size as usize);
        }
        log!(
            Level::Debug,
            "pcmk__connect_generic_ipc",
            "Connected to {} IPC (server pid {}, {:?}, messages up to {} bytes)",
            self.name,
            cred.pid,
            conn.transport(),
            self.max_buf_size
        );
        self.inbox.reset(Process::of(cred.pid));
        self.conn = Some(conn);
        rc::OK
    }

    /// Close the connection (`crm_ipc_close`); the object stays usable.
    pub fn close(&mut self) {
        if self.conn.take().is_some() {
            log!(
                Level::Debug,
                "crm_ipc_close",
                "Disconnected from {} IPC",
                self.name
            );
        }
    }

    /// Whether connected (`crm_ipc_connected`). Finding the server gone makes the cached
    /// descriptor invalid, as in Pacemaker.
    pub fn connected(&mut self) -> bool {
        self.connected_by(Connection::is_connected)
    }

    /// As [`connected`](Self::connected), from what is known without a system call (inside a
    /// send, right after the full check; as libqb's own check).
    fn seems_connected(&mut self) -> bool {
        self.connected_by(Connection::seems_connected)
    }

    fn connected_by(&mut self, check: fn(&mut Connection) -> bool) -> bool {
        match &mut self.conn {
            None => false,
            Some(_) if self.fd < 0 => false,
            Some(c) => {
                if check(c) {
                    true
                } else {
                    self.fd = -libc::EINVAL;
                    false
                }
            }
        }
    }

    /// The descriptor to poll (`crm_ipc_get_fd`), `None` when not connected.
    pub fn fd(&self) -> Option<i32> {
        match self.conn {
            Some(_) if self.fd >= 0 => Some(self.fd),
            _ => None,
        }
    }

    /// Whether an event (or a hang-up) is waiting (`crm_ipc_ready`): > 0 yes, 0 no,
    /// `-ENOTCONN`, or a negative errno of `poll`.
    pub fn ready(&mut self) -> i32 {
        if !self.connected() {
            return -libc::ENOTCONN;
        }
        let mut p = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        if n < 0 {
            -std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO)
        } else {
            n
        }
    }

    /// Read one event without waiting (`crm_ipc_read`). Returns the text's length including
    /// its NUL, `-EAGAIN` when none is waiting (also while a split one is half received: its
    /// parts so far are kept), `-EBADMSG` for a frame of another version (or a malformed one, or
    /// a part out of place), −201 or `-EFBIG` when it cannot be decompressed, `-ENOMSG` for
    /// any other failure, a disconnect included.
    pub fn read(&mut self) -> i64 {
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return -(libc::ENOMSG as i64);
            };
            let inbox = &mut self.inbox;
            let got = conn.recv_event(Some(Duration::ZERO), |m| inbox.take(m, Channel::Event));
            return match got {
                // a part: the rest follows at once (the server sends the parts back to back, as
                // the ring has room): wait for it, within a bound, rather than return half a
                // message to a caller that was told one is there
                Ok(Ok(Took::Part)) => {
                    if self.wait_readable(PART_WAIT) {
                        continue;
                    }
                    log!(
                        Level::Debug,
                        "crm_ipc_read",
                        "The rest of a split message from {} IPC is late",
                        self.name
                    );
                    -(libc::EAGAIN as i64)
                }
                Ok(taken) => {
                    let header = match taken {
                        Ok(Took::Whole(h)) => h,
                        Ok(Took::Part) => unreachable!("handled above"),
                        Err(FrameError::Version(v)) => {
                            log!(Level::Error, "pcmk__valid_ipc_header", "Filtering incompatible v{v} IPC message (only versions <= {IPC_VERSION} supported)");
                            return -(libc::EBADMSG as i64);
                        }
                        Err(e) => {
                            log!(
                                Level::Error,
                                "crm_ipc_read",
                                "Could not use a message from {} IPC: {e:?}",
                                self.name
                            );
                            return frame_error_legacy(e) as i64;
                        }
                    };
                    let _ = self.connected();
                    header.text_size as i64
                }
                Err(e) if e.errno() == libc::EAGAIN => -(libc::EAGAIN as i64),
                Err(e) => {
                    if !self.connected() || e.errno() == libc::ENOTCONN {
                        log!(
                            Level::Error,
                            "crm_ipc_read",
                            "Connection to {} IPC failed",
                            self.name
                        );
                    }
                    -(libc::ENOMSG as i64)
                }
            };
        }
    }

    /// Wait until the descriptor is readable (or hung up), at most `wait`.
    fn wait_readable(&self, wait: Duration) -> bool {
        let Some(fd) = self.fd() else { return false };
        wait_input(fd, Deadline::after(Some(wait))).is_ok_and(|r| r != Ready::TimedOut)
    }

    /// The text of the last message received, with its NUL (`crm_ipc_buffer`).
    pub fn buffer(&self) -> &[u8] {
        &self.inbox.buffer[HEADER_SIZE..]
    }

    /// The text of the last message received up to its first NUL, as C reads it.
    pub fn text(&self) -> &[u8] {
        let b = self.buffer();
        // SAFETY: memchr reads within `b`.
        let p = unsafe { libc::memchr(b.as_ptr().cast(), 0, b.len()) };
        let end = if p.is_null() {
            b.len()
        } else {
            p as usize - b.as_ptr() as usize
        };
        &b[..end]
    }

    /// The text of the last message received, as the C string a C caller reads.
    pub fn text_cstr(&self) -> &std::ffi::CStr {
        // the buffer always ends with a NUL (see `take`)
        std::ffi::CStr::from_bytes_until_nul(self.buffer()).unwrap_or_default()
    }

    /// The header flags of the last message received (`crm_ipc_buffer_flags`; of a split
    /// message, its first part's, without the multipart bits).
    pub fn buffer_flags(&self) -> u32 {
        self.inbox.header.flags
    }

    /// Send a request and, if `flags` has `crm_ipc_client_response` (and not
    /// `crm_ipc_proxied`), wait for its reply (`crm_ipc_send`). `text` is the XML text (no NUL;
    /// `None` for a missing message). `ms_timeout` 0 means 5 s, negative no limit; the limit is
    /// kept to the millisecond, for the whole call.
    pub fn send(&mut self, text: Option<&[u8]>, flags: u32, ms_timeout: i32) -> Sent {
        self.send_within(text, flags, limit_of(ms_timeout))
    }

    /// As [`send`](Self::send), with the limit as a duration (`None`: as long as connected).
    ///
    /// Whatever came before, a request is sent: the reply to an earlier request that ended at
    /// its limit is recognised by its id when it comes, and dropped. While the reply is awaited,
    /// a frame on the response channel that cannot be the reply (too short for the header, its
    /// sizes inconsistent with the frame, no NUL where the text ends, parts that do not fit
    /// together) ends the call at once with `-EBADMSG`, unless its id says it answers an earlier
    /// request (then it is dropped, and the wait goes on). One that cannot be decompressed ends
    /// it too, as in 3.0.0: received (its size returned), not usable.
    pub fn send_within(
        &mut self,
        text: Option<&[u8]>,
        flags: u32,
        timeout: Option<Duration>,
    ) -> Sent {
        let none = |rc| Sent {
            rc,
            replied: false,
            usable: false,
        };
        if !self.connected() {
            log!(
                Level::Notice,
                "crm_ipc_send",
                "Can't send {} IPC requests: Connection closed",
                self.name
            );
            return none(-libc::ENOTCONN);
        }
        let start = Instant::now();
        let deadline = Deadline::at(timeout.map(|t| start + t));
        let id = self.next_id();
        let Some(text) = text else {
            return none(-libc::EINVAL);
        };
        let limit = if self.max_buf_size == 0 {
            default_buffer_size()
        } else {
            self.max_buf_size
        } as usize;
        let want_reply =
            flags & wire::flags::CLIENT_RESPONSE != 0 && flags & wire::flags::PROXIED == 0;
        // the node may be asked for a part of the time allowed, never all of it
        let ask_within = timeout.map_or(PROBE_WAIT, |t| PROBE_WAIT.min(t / 2));
        let writing = self.send_layout(flags, text.len(), limit, ask_within);
        let header = Header {
            id,
            version: IPC_VERSION,
            flags,
            ..Header::default()
        };
        let (mut compressed, mut unused) = (Vec::new(), Vec::new());
        let copies = Copies {
            want_reply,
            start,
            grace: timeout.map_or(EITHER_GRACE, |t| EITHER_GRACE.min(t / 4)),
        };
        let (frames, later) = match self.frames_for(
            writing,
            header,
            text,
            limit,
            copies,
            &mut compressed,
            &mut unused,
        ) {
            Ok(f) => f,
            Err(code) => return none(code),
        };
        self.log_sending(id, &frames, text.len());
        // a full ring (or the server's flow control) is retried until the deadline; without
        // one, while connected
        let sent = match self.push_frames(&frames, deadline) {
            Ok(n) => n,
            Err(code) => return none(code),
        };
        let result = if sent <= 0 || !want_reply {
            none(sent)
        } else {
            let (code, bytes, replied) = self.reply_to(id, deadline, later);
            Sent {
                rc: bytes,
                replied,
                usable: replied && code == rc::OK,
            }
        };
        self.after_send(id, writing, &result, timeout);
        result
    }

    /// What follows a send: a mark a reply echoed cleared, and 3.0.0's logs of a failure.
    fn after_send(&mut self, id: i32, writing: Writing, result: &Sent, timeout: Option<Duration>) {
        if matches!(writing, Writing::Either)
            && result.replied
            && self.inbox.expected() == Some(Layout::Compressed)
        {
            // a 2.1 or 3.0.0 daemon may have copied the request's mark into its reply
            self.inbox.unmark();
        }
        // after a reply, what is known suffices; after a failure, ask the kernel (as 3.0.0's
        // crm_ipc_connected, this also makes crm_ipc_get_fd answer -EINVAL for a dead server)
        let up = if result.replied {
            self.seems_connected()
        } else {
            self.connected()
        };
        self.log_outcome(id, result, up, timeout);
    }

    /// The next request id: the process's counter, as libcrmcommon's, or the node probe's own.
    fn next_id(&self) -> i32 {
        let counter = if self.own_ids {
            &OWN_REQUEST_ID
        } else {
            &REQUEST_ID
        };
        counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1) as i32
    }

    /// The frames of a request written as `writing` says, and for [`Writing::Either`] with an
    /// answer awaited, the copy that goes if none comes by then (`compressed` and `unused`
    /// hold what compression makes).
    #[allow(clippy::too_many_arguments)]
    fn frames_for<'a>(
        &self,
        writing: Writing,
        header: Header,
        text: &'a [u8],
        limit: usize,
        copies: Copies,
        compressed: &'a mut Vec<u8>,
        unused: &'a mut Vec<u8>,
    ) -> Result<(Frames<'a>, Option<Later<'a>>), i32> {
        let id = header.id;
        let layout = match writing {
            Writing::In(layout) => {
                return Ok((
                    frame_message(layout, header, text, limit, compressed)?,
                    None,
                ))
            }
            Writing::Either => Layout::Compressed,
        };
        // once for each layout, each copy marked so that only its layout's daemons read it:
        // whichever release the daemon is, it acts on exactly one copy
        let mut old = frame_message(layout, header, text, limit, compressed)?;
        let mut new = frame_message(Layout::Multipart, header, text, limit, unused)?;
        for (h, _, _) in old.iter_mut() {
            wire::mark_for_one_layout(h, Layout::Compressed);
        }
        for (h, _, _) in new.iter_mut() {
            wire::mark_for_one_layout(h, Layout::Multipart);
        }
        if copies.want_reply {
            log!(
                Level::Debug,
                "crm_ipc_send",
                "No one can tell which IPC header {} reads: request {id} goes in Pacemaker 3.0.0's, marked for it alone, and in 3.0.1's, marked for it alone, if no answer comes within {} ms",
                self.name,
                copies.grace.as_millis()
            );
            let later = Later {
                at: copies.start + copies.grace,
                frames: new,
            };
            return Ok((old, Some(later)));
        }
        // no answer is awaited, so none can tell which copy the daemon read: both go at once,
        // one after the other
        log!(
            Level::Debug,
            "crm_ipc_send",
            "No one can tell which IPC header {} reads: request {id} goes in Pacemaker 3.0.0's and in 3.0.1's, each marked for its own readers",
            self.name
        );
        old.extend(new);
        Ok((old, None))
    }

    fn log_sending(&self, id: i32, frames: &Frames<'_>, text_len: usize) {
        log!(
            Level::Debug,
            "crm_ipc_send",
            "Sending {} IPC request {id} ({} bytes, {} frame{}{})",
            self.name,
            frames
                .iter()
                .map(|(_, b, nul)| HEADER_SIZE + b.len() + usize::from(*nul))
                .sum::<usize>(),
            frames.len(),
            if frames.len() == 1 { "" } else { "s" },
            if wire::is_compressed(frames, text_len) {
                ", compressed"
            } else {
                ""
            }
        );
    }

    /// What 3.0.0 logs after a send that failed (or whose connection went).
    fn log_outcome(&self, id: i32, result: &Sent, up: bool, timeout: Option<Duration>) {
        if !up {
            log!(
                Level::Notice,
                "crm_ipc_send",
                "Couldn't send {} IPC request {id}: Connection closed | rc={}",
                self.name,
                result.rc
            );
        } else if result.rc == -libc::ETIMEDOUT {
            log!(
                Level::Warning,
                "crm_ipc_send",
                "{} IPC request {id} failed: {} after {}ms | rc={}",
                self.name,
                strerror(libc::ETIMEDOUT),
                timeout.map_or(0, |t| t.as_millis()),
                result.rc
            );
        } else if result.rc <= 0 {
            log!(
                Level::Warning,
                "crm_ipc_send",
                "{} IPC request {id} failed: {} | rc={}",
                self.name,
                if result.rc == 0 {
                    "No bytes sent".to_owned()
                } else {
                    strerror(-result.rc)
                },
                result.rc
            );
        }
    }

    /// How to write a request (see [`layout`]): in the known or chosen layout; for a request
    /// without flags that fits one buffer uncompressed, in the 3.0.0 header, which every release
    /// reads alike (nothing is assumed then); to a service no Pacemaker daemon serves, in
    /// Pacemaker 3.0.0's layout, as libcrmcommon 3.0.0 writes; to a daemon, in the layout the
    /// node says its daemons read (asked for at most `ask_within`), or, when no one can say, in
    /// both, each copy for one layout's readers only.
    fn send_layout(
        &mut self,
        flags: u32,
        len: usize,
        limit: usize,
        ask_within: Duration,
    ) -> Writing {
        if let Some(l) = self.inbox.expected().or(self.inbox.layout) {
            return Writing::In(l);
        }
        if flags == 0 && HEADER_SIZE + len + 1 < PART_BUFFER.min(limit) {
            return Writing::In(Layout::Compressed);
        }
        if !super::DAEMON_SERVICES.contains(&self.name.as_str()) {
            // not a service any Pacemaker daemon serves: a libqb server libcrmcommon 3.0.0
            // talks to is one that reads what 3.0.0 writes
            return Writing::In(Layout::Compressed);
        }
        let l = match layout::known(self.inbox.server) {
            Some(l) => l,
            None => match probe_layout(ask_within) {
                Ok(l) => l,
                Err(why) => {
                    log!(
                        Level::Debug,
                        "pcmk-ipc-rs",
                        "No node tells which IPC header {} reads (Pacemaker 3.0.0 or 3.0.1+): {why}",
                        self.name
                    );
                    return Writing::Either;
                }
            },
        };
        self.inbox.layout = Some(l);
        Writing::In(l)
    }

    /// Send the frames of one message (each its header, body, and a NUL if `true`), retrying a
    /// full ring or the server's flow control until `deadline` (`None`: as long as connected).
    /// The bytes sent, or `Err` with `crm_ipc_send`'s value when it must return at once (0 for
    /// a connection found closed, as Pacemaker's framing gives).
    fn push_frames(&mut self, frames: &Frames<'_>, deadline: Deadline) -> Result<i32, i32> {
        let mut total = 0i32;
        let mut first = true;
        for (header, body, nul) in frames {
            let parts: [&[u8]; 3] = [header, body, if *nul { b"\0" } else { b"" }];
            let n = loop {
                // right after the full check before, what is known suffices; a retry (full ring,
                // flow control) asks the kernel again, so that a dead server ends it
                let up = if first {
                    self.seems_connected()
                } else {
                    self.connected()
                };
                first = false;
                if !up {
                    return if deadline.is_limited() {
                        Err(0)
                    } else {
                        Ok(-libc::ENOTCONN)
                    };
                }
                match self.conn.as_mut().map(|c| c.send(&parts)) {
                    Some(Ok(n)) => break n as i32,
                    Some(Err(e)) if e.errno() == libc::EAGAIN && !deadline.passed() => {
                        // the server's flow control or a full ring: give it a moment
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Some(Err(e)) => break -e.errno(),
                    None => return Err(0),
                }
            };
            if n <= 0 {
                return Ok(n);
            }
            total = total.saturating_add(n);
        }
        Ok(total)
    }

    /// Receive one response frame (libqb's `qb_ipcc_recv`), taken as [`Inbox::take`] does,
    /// parts of the reply to `want` put together: its size on the wire, its id (libqb's, the
    /// same in every layout; `None` when the frame is too short to have one) and how taking it
    /// went, or the errno.
    fn receive_response(
        &mut self,
        wait: Option<Duration>,
        want: Option<i32>,
    ) -> Result<Received, i32> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(libc::ENOTCONN);
        };
        let inbox = &mut self.inbox;
        conn.recv_response(wait, |m| {
            let id = m
                .get(..4)
                .map(|b| i32::from_ne_bytes(b.try_into().expect("4 bytes")));
            (m.len(), id, inbox.take(m, Channel::Response(want)))
        })
        .map_err(|e| e.errno())
    }

    /// Take, and drop, whatever waits on the response channel (replies to requests that
    /// wanted none): each frame shows the server's layout, as any message of its does.
    /// Each whole message's text goes to `seen`.
    pub(crate) fn drain_responses(&mut self, mut seen: impl FnMut(&[u8])) {
        while let Ok(r) = self.receive_response(Some(Duration::ZERO), None) {
            if matches!(r.2, Ok(Took::Whole(_))) {
                seen(self.text());
            }
        }
    }

    /// A frame taken while waiting for the reply to `id` (`n` bytes, `frame_id` its libqb id):
    /// `Some` ends the wait with `reply_to`'s answer, `None` waits on (it was another's).
    fn judge_reply(
        &mut self,
        id: i32,
        n: usize,
        frame_id: Option<i32>,
        taken: Result<Took, FrameError>,
    ) -> Option<(i32, i32, bool)> {
        let mut bytes = n as i32;
        match taken {
            Err(FrameError::Decompress(e)) => {
                let code = match e {
                    DecompressError::BadInput => rc::RC_BAD_INPUT,
                    DecompressError::TooBig => libc::EFBIG,
                };
                log!(
                    Level::Error,
                    "crm_ipc_decompress",
                    "Decompression failed: {} | rc={code}",
                    rc::describe(code)
                );
                self.inbox.replies.reset();
                return Some((code, bytes, true));
            }
            Err(e) if frame_id.is_some_and(|f| f < id) => {
                // an earlier request's reply, broken as well: dropped
                log!(
                    Level::Error,
                    "internal_ipc_get_reply",
                    "Discarding unusable old reply {} from {} IPC: {e:?}",
                    frame_id.unwrap_or_default(),
                    self.name
                );
            }
            Err(e) => {
                // what comes on the response channel now is this request's answer:
                // it cannot be used, and nothing else will come
                log!(
                    Level::Error,
                    "internal_ipc_get_reply",
                    "Unusable reply from {} IPC to request {id} ({n} bytes): {e:?}",
                    self.name
                );
                self.inbox.replies.reset();
                return Some((libc::EBADMSG, -libc::EBADMSG, false));
            }
            Ok(Took::Whole(h)) if h.id == id => {
                if h.size as usize != n {
                    // put together from parts: the whole, with one header
                    bytes = h.size;
                }
                log!(
                    Level::Debug,
                    "internal_ipc_get_reply",
                    "Received {} IPC reply {id} ({bytes} bytes)",
                    self.name
                );
                return Some((rc::OK, bytes, true));
            }
            Ok(Took::Whole(h)) => {
                log!(
                    Level::Error,
                    "internal_ipc_get_reply",
                    "Discarding {} reply {} (need {id})",
                    if h.id < id { "old" } else { "newer" },
                    h.id
                );
            }
            Ok(Took::Part) => {} // (not taken here: the caller waits for the rest)
        }
        None
    }

    /// The copy of a request in the second layout, once it is due: sent when the daemon's
    /// layout shows it missed the first, or when the first had its time; dropped when the
    /// daemon's layout shows it has the first. `Some` holds a failed send's value.
    fn second_copy(
        &mut self,
        id: i32,
        later: &mut Option<Later<'_>>,
        deadline: Deadline,
    ) -> Option<i32> {
        let l = later.take()?;
        let send = match self.inbox.expected() {
            // a 2.1 or 3.0.0 daemon: it has the first copy
            Some(Layout::Compressed) => false,
            Some(Layout::Multipart) => true,
            None => Instant::now() >= l.at,
        };
        if !send && self.inbox.expected().is_none() {
            *later = Some(l);
        } else if send {
            log!(
                Level::Debug,
                "crm_ipc_send",
                "No answer yet from {} IPC: request {id} goes in Pacemaker 3.0.1's layout too",
                self.name
            );
            if let Ok(n) = self.push_frames(&l.frames, deadline) {
                if n <= 0 {
                    return Some(n);
                }
            }
        }
        None
    }

    /// Wait for the reply to request `id` (`internal_ipc_get_reply`) until `deadline` (`None`:
    /// as long as connected), its parts put together. Replies to earlier requests are dropped;
    /// a frame that cannot be a reply ends the wait (see [`send_within`](Self::send_within)).
    /// Returns (standard code, `crm_ipc_send`'s value: the size of the reply frame, or of the
    /// whole split reply with one header; whether a frame is in the buffer). `later`: the second
    /// copy of a request written [`Writing::Either`], sent when its time comes unless a message
    /// of the server showed the 3.0.0 layout first (at once when one showed 3.0.1's: such a
    /// daemon dropped the first copy).
    fn reply_to(
        &mut self,
        id: i32,
        deadline: Deadline,
        mut later: Option<Later<'_>>,
    ) -> (i32, i32, bool) {
        let mut bytes: i32;
        loop {
            let mut slice = deadline.slice(Duration::from_secs(1));
            if let Some(l) = &later {
                slice = slice.min(l.at.saturating_duration_since(Instant::now()));
            }
            match self.receive_response(Some(slice), Some(id)) {
                // a part of the reply: the rest is to come, within the deadline
                Ok((_, _, Ok(Took::Part))) => {
                    if deadline.passed() {
                        bytes = -libc::ETIMEDOUT;
                        break;
                    }
                    continue;
                }
                Ok((n, frame_id, taken)) => {
                    if let Some(done) = self.judge_reply(id, n, frame_id, taken) {
                        return done;
                    }
                    bytes = -libc::ETIMEDOUT;
                }
                Err(errno) => {
                    bytes = -errno;
                    if !self.connected() {
                        log!(
                            Level::Error,
                            "internal_ipc_get_reply",
                            "{} IPC provider disconnected while waiting for message {id}",
                            self.name
                        );
                        break;
                    }
                }
            }
            if let Some(n) = self.second_copy(id, &mut later, deadline) {
                bytes = n;
            }
            if deadline.passed() {
                break;
            }
        }
        // a reply half received is dropped with the wait
        self.inbox.replies.reset();
        let code = if bytes < 0 { -bytes } else { libc::ETIMEDOUT };
        (code, bytes, false)
    }
}

/// Ask the node which layout its daemons use: a flagless ping (read alike by every release) to
/// pacemakerd, or else to the controller after its hello; the event that answers shows it. An
/// answer another process of the node kept, for the same daemon process, is taken as it is.
/// Each daemon asked gets at most `wait` to answer.
pub fn probe_layout(wait: Duration) -> Result<Layout, String> {
    if let Some(layout) = layout::node_answer_kept() {
        return Ok(layout);
    }
    let mut why = Vec::new();
    for service in ["pacemakerd", "crmd"] {
        match probe_one(service, wait) {
            Ok((layout, server)) => {
                log!(
                    Level::Debug,
                    "pcmk-ipc-rs",
                    "{service} answers in the {layout:?} layout: the node's daemons read it"
                );
                if let Some(p) = server {
                    layout::node_answered(p, layout);
                }
                return Ok(layout);
            }
            Err(e) => why.push(format!("{service}: {e}")),
        }
    }
    Err(why.join("; "))
}

/// How long the probe waits for the ping's answer once a frame has shown the layout.
const PROBE_ANSWER_GRACE: Duration = Duration::from_millis(500);

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The node probe's requests to `service`: the controller's hello first, then a flagless
/// ping (read alike by every release) with the reference `ping_reference`, from `sender`.
fn probe_requests(service: &str, sender: &str, ping_reference: &str) -> Vec<Vec<u8>> {
    let pid = std::process::id();
    let mut requests = Vec::new();
    if service == "crmd" {
        let options = Element::new("options")
            .attr("major_version", Some("1"))
            .attr("minor_version", Some("0"))
            .attr("client_name", Some("pcmk-ipc-rs-probe"))
            .attr("client_uuid", Some(&pid.to_string()))
            .finish();
        let hello = Envelope {
            origin: "pcmk-ipc-rs",
            server: server::CONTROLD,
            sender,
            task: "hello",
            data: Some(&options),
            ..Envelope::default()
        }
        .request_with_reference(&reference_for("hello", sender, "probe"));
        requests.push(hello.finish());
    }
    let (server, sys_to) = if service == "crmd" {
        (server::CONTROLD, "crmd")
    } else {
        (server::PACEMAKERD, "pacemakerd")
    };
    let ping = Envelope {
        origin: "pcmk-ipc-rs",
        server,
        sender,
        sys_to: Some(sys_to),
        task: "ping",
        ..Envelope::default()
    }
    .request_with_reference(ping_reference);
    requests.push(ping.finish());
    requests
}

fn probe_one(service: &str, wait: Duration) -> Result<(Layout, Option<Process>), String> {
    let mut c = IpcClient::new(service, 0);
    // the probe itself sends only what every release reads alike, with ids of its own
    c.set_layout(None);
    c.use_own_ids();
    match c.connect() {
        0 => {}
        code => return Err(rc::describe(code)),
    }
    let sender = format!("{}_pcmk-ipc-rs-probe", std::process::id());
    let ping_reference = reference_for("ping", &sender, "probe");
    let requests = probe_requests(service, &sender, &ping_reference);
    for r in &requests {
        let sent = c.send(Some(r), 0, 5000);
        if sent.rc <= 0 {
            return Err(format!("send: {}", rc::describe(-sent.rc)));
        }
    }
    let mut deadline = Instant::now() + wait;
    // The first frame may show the layout before the ping's answer comes: pacemaker-remoted's
    // proxy acknowledges each request it relays to the cluster with an ack that announces the
    // answer (status 112, CRM_EX_INDETERMINATE). Then, and only then, the probe waits a little
    // for the answer, so that it does not hang up on a relay still on its way (the proxy logs
    // a warning for each answer it cannot hand over).
    let mut answered = false;
    let mut announced = false;
    let mut grace_set = false;
    loop {
        if let Some(l) = c.seen_layout() {
            if answered || !announced {
                return Ok((l, c.server()));
            }
            if !grace_set {
                // (when it passes, the deadline below returns the layout)
                deadline = deadline.min(Instant::now() + PROBE_ANSWER_GRACE);
                grace_set = true;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if let Some(l) = c.seen_layout() {
                return Ok((l, c.server()));
            }
            return Err("no answer".into());
        }
        let Some(fd) = c.fd() else {
            return Err("disconnected".into());
        };
        // a second at a time: a frame may show the layout before the answer comes
        let _ = wait_input_slice(fd, Deadline::at(Some(deadline)), Duration::from_secs(1));
        let mut seen = |text: &[u8]| {
            if contains(text, ping_reference.as_bytes()) {
                answered = true;
            } else if text.starts_with(b"<ack") && contains(text, b"status=\"112\"") {
                announced = true;
            } else {
                // anything else: no answer announced, the probe has what it came for
                answered = true;
            }
        };
        while c.ready() > 0 && c.read() > 0 {
            seen(c.text());
        }
        // a server that answers on the response channel (not pacemakerd's way, but any frame
        // of the daemon's shows its layout; remoted's ack comes there)
        c.drain_responses(&mut seen);
        if !c.connected() && c.seen_layout().is_none() {
            return Err("disconnected".into());
        }
    }
}
