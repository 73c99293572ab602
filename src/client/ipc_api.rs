//! The daemon API object, with the semantics of Pacemaker 3.0.0's `pcmk_ipc_api_t`
//! (`lib/common/ipc_client.c`): which daemons it serves, connecting and disconnecting, the
//! events it delivers, and the dispatch loops of the sync, poll and main-loop modes. It names no
//! daemon: what a daemon adds (its state, first request, replies) comes through the registry
//! (`client::daemons`, Pacemaker's `pcmk__ipc_methods_t`); the requests each daemon's API
//! builds are in that daemon's module (`attrd`, `controld`, `pacemakerd`, `schedulerd`), as in
//! Pacemaker's `ipc_<daemon>.c`.
//!
//! The object itself ([`Api`]) holds no callback. The loops take an [`ApiCell`]: something that
//! lends the `Api` for short moments and delivers events to the user while lending nothing, so
//! that a C callback may call back into the same object (even free it) without aliasing.

pub use super::daemons::attrd::AttrdReply;
pub use super::daemons::controld::{ControldData, ControldReply};
pub use super::daemons::pacemakerd::PacemakerdReply;
pub use super::daemons::schedulerd::SchedulerdReply;
pub(crate) use super::daemons::Daemon;
pub use super::daemons::Reply;
use super::ipc::IpcClient;
use super::message::{system_name_or, Element, Envelope};
use super::poll::wait_input_slice;
pub use super::protocol::{
    dispatch, ipc_name, log_name, server, EventKind, Request, CRM_EX_DISCONNECT,
};
use super::rc;
use crate::qb::Deadline;
use crate::wire::flags;
use crate::xml::{Document, Node};
use std::time::{Duration, Instant};

/// An event for the user's callback.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// What happened.
    pub kind: EventKind,
    /// A `crm_exit_t` (or, for one attribute-manager case, an errno, as 3.0.0 passes it).
    pub status: i32,
    /// Decoded reply data (`None` for a disconnect).
    pub data: Option<Reply<'a>>,
}

/// A daemon API object (`pcmk_ipc_api_t`).
#[derive(Debug)]
pub struct Api {
    pub(super) server: i32,
    pub(super) dispatch: i32,
    ipc_size_max: usize,
    ipc: Option<IpcClient>,
    /// Main-loop mode: the connection stays with its GLib source until that source is gone,
    /// but the API object no longer uses it.
    detached: bool,
    pub(super) daemon: Daemon,
    pub(super) client_uuid: String,
}

impl Api {
    /// `pcmk_new_ipc_api`: an unconnected object for one of the servers 3.0.0 serves this way
    /// (attribute manager, controller, pacemakerd, scheduler). Others: `EOPNOTSUPP`.
    pub fn new(server: i32) -> Result<Api, i32> {
        let (Some(name), Some(daemon)) = (ipc_name(server), Daemon::new(server)) else {
            return Err(libc::EOPNOTSUPP);
        };
        let size = daemon.buffer_size();
        Ok(Api {
            server,
            dispatch: dispatch::MAIN,
            ipc_size_max: size,
            ipc: Some(IpcClient::new(name, size)),
            detached: false,
            daemon,
            client_uuid: std::process::id().to_string(),
        })
    }

    /// The server (`enum pcmk_ipc_server`).
    pub fn server(&self) -> i32 {
        self.server
    }

    /// The dispatch type last asked for.
    pub fn dispatch_type(&self) -> i32 {
        self.dispatch
    }

    /// The connection, unless disconnected (or detached from its main-loop source).
    pub fn ipc(&mut self) -> Option<&mut IpcClient> {
        if self.detached {
            None
        } else {
            self.ipc.as_mut()
        }
    }

    /// The connection even while its main-loop source is going away (for that source only).
    pub fn source_ipc(&mut self) -> Option<&mut IpcClient> {
        self.ipc.as_mut()
    }

    /// Whether there is an object to disconnect (`api->ipc != NULL`).
    pub fn has_ipc(&self) -> bool {
        self.ipc.is_some() && !self.detached
    }

    /// `pcmk_ipc_is_connected`.
    pub fn is_connected(&mut self) -> bool {
        self.ipc().is_some_and(|c| c.connected())
    }

    /// `pcmk__connect_ipc`: connect, trying up to `attempts` times while the answer is
    /// `EAGAIN` or `EALREADY` (0.5 s, 1 s, ... apart), then the daemon's post-connect step (the
    /// controller's hello). 0 at once when already connected; `EINVAL` for fewer than one
    /// attempt. For main-loop mode, `attach` is called with the freshly connected client and
    /// returns a standard code (it registers the GLib source).
    pub fn connect(
        &mut self,
        dispatch_type: i32,
        attempts: i32,
        attach: &mut dyn FnMut(&mut IpcClient) -> i32,
    ) -> i32 {
        if attempts < 1 {
            return libc::EINVAL;
        }
        if self.ipc.is_none() || self.detached {
            self.ipc = Some(IpcClient::new(
                ipc_name(self.server).unwrap_or(""),
                self.ipc_size_max,
            ));
            self.detached = false;
        }
        let ipc = self.ipc.as_mut().expect("just made");
        if ipc.connected() {
            return rc::OK;
        }
        self.dispatch = dispatch_type;
        let mut code = rc::OK;
        for attempt in 1..=attempts {
            code = match dispatch_type {
                dispatch::MAIN => {
                    let mut c = ipc.connect();
                    if c == rc::OK {
                        c = attach(ipc);
                        if c != rc::OK {
                            ipc.close();
                        }
                    }
                    c
                }
                dispatch::SYNC | dispatch::POLL => {
                    let c = ipc.connect();
                    if c != rc::OK {
                        ipc.close();
                    }
                    c
                }
                _ => code,
            };
            if attempt == attempts || (code != libc::EAGAIN && code != libc::EALREADY) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500 * attempt as u64));
        }
        if code != rc::OK {
            return code;
        }
        // the daemon's first request (the controller's hello, which it never answers)
        let post = match self.daemon.post_connect(&self.client_uuid) {
            Some(first) => self.send_only(&first),
            None => rc::OK,
        };
        if post != rc::OK {
            if let Some(c) = self.ipc.as_mut() {
                c.close();
            }
        }
        post
    }

    /// Drop the connection (poll and sync modes, or when a main-loop source is gone) and do
    /// the daemon's post-disconnect work. Returns whether there was a connection object (then
    /// a disconnect event is due).
    pub fn disconnect(&mut self) -> bool {
        let had = self.ipc.take().is_some();
        self.detached = false;
        self.daemon.post_disconnect();
        had
    }

    /// Main-loop mode: stop using the connection; its source closes it when it goes.
    pub fn detach(&mut self) {
        self.detached = true;
    }

    pub(super) fn flags_for(&self, req: &Request) -> u32 {
        if self.dispatch == dispatch::SYNC && req.reply_expected {
            flags::CLIENT_RESPONSE
        } else {
            0
        }
    }

    /// Send without handling any reply (a request no one answers, like the controller hello).
    pub(super) fn send_only(&mut self, req: &Request) -> i32 {
        let flags = self.flags_for(req);
        let Some(ipc) = self.ipc() else {
            return libc::EINVAL;
        };
        match ipc.send(Some(&req.text), flags, 0).rc {
            n if n < 0 => rc::legacy2rc(n),
            0 => libc::ENODATA,
            _ => rc::OK,
        }
    }

    /// `pcmk_ipc_purge_node`'s request; `EINVAL` without a name or id, `EOPNOTSUPP` for the
    /// scheduler.
    pub fn purge_request(&self, node_name: Option<&str>, nodeid: u32) -> Result<Request, i32> {
        if node_name.is_none() && nodeid == 0 {
            return Err(libc::EINVAL);
        }
        match self.server {
            server::ATTRD => {
                let id = nodeid as i32;
                let e = Element::new("create_purge_node_request")
                    .attr("t", Some("attrd"))
                    .attr("src", crate::crmcommon::system_name().as_deref())
                    .attr("task", Some("peer-remove"))
                    .attr("reap", Some("true"))
                    .attr("attr_host", node_name)
                    .attr("attr_host_id", (id > 0).then(|| id.to_string()).as_deref());
                Ok(Request {
                    text: e.finish(),
                    reference: None,
                    reply_expected: false,
                })
            }
            server::CONTROLD | server::FENCED | server::PACEMAKERD => {
                let extra = [
                    ("id", (nodeid > 0).then(|| nodeid.to_string())),
                    ("uname", node_name.map(str::to_owned)),
                ];
                let (e, reference) = Envelope {
                    origin: "create_purge_node_request",
                    server: self.server,
                    sender: &system_name_or("client"),
                    sys_to: ipc_name(self.server),
                    task: "rm_node_cache",
                    extra: &extra,
                    ..Envelope::default()
                }
                .request();
                Ok(Request {
                    text: e.finish(),
                    reference: Some(reference),
                    reply_expected: self.server == server::CONTROLD,
                })
            }
            _ => Err(libc::EOPNOTSUPP),
        }
    }

    /// The daemon's dispatch of one reply: the event to deliver (if any) and whether more
    /// replies are expected.
    pub fn decode<'a>(&mut self, msg: Node<'a>) -> (Option<Event<'a>>, bool) {
        let (reply, more) = self.daemon.decode(msg);
        let event = reply.map(|(status, data)| Event {
            kind: EventKind::Reply,
            status,
            data: Some(data),
        });
        (event, more)
    }
}

/// Lends the [`Api`] for short moments, and delivers events while lending nothing.
pub trait ApiCell {
    /// Run `f` on the object; `None` once the object is gone (freed from a callback).
    fn with<R>(&self, f: impl FnOnce(&mut Api) -> R) -> Option<R>;
    /// Hand an event to the user.
    fn deliver(&self, event: &Event<'_>);
}

/// Parse the text in a connection's buffer.
fn buffer_document(ipc: &IpcClient) -> Option<Document> {
    Document::parse_received(ipc.text_cstr())
}

/// Decode one message and deliver its event; whether more replies are expected.
pub fn dispatch_document(cell: &impl ApiCell, doc: &Document) -> bool {
    let Some((event, more)) = cell.with(|api| api.decode(doc.root())) else {
        return false;
    };
    if let Some(e) = event {
        cell.deliver(&e);
    }
    more
}

/// How long a sync-mode request waits for the event that an ack announced (3.0.0 waits
/// forever, spinning the CPU).
const ANNOUNCED_REPLY_WAIT: Duration = Duration::from_secs(5);

/// `pcmk__send_ipc_request`: send, and in sync mode dispatch the reply (and the events it
/// announces) before returning. A standard code.
pub fn send_request(cell: &impl ApiCell, req: &Request) -> i32 {
    send_request_within(cell, req, None)
}

/// As [`send_request`], a sync-mode request waiting at most `limit` in all (`None`: Pacemaker's
/// 5 s for the reply, then as long again for the events it announces).
pub fn send_request_within(cell: &impl ApiCell, req: &Request, limit: Option<Duration>) -> i32 {
    let start = Instant::now();
    let sent = cell.with(|api| {
        let flags = api.flags_for(req);
        let ipc = api.ipc().ok_or(libc::EINVAL)?;
        let s = match limit {
            Some(t) => ipc.send_within(Some(&req.text), flags, Some(t)),
            None => ipc.send(Some(&req.text), flags, 0),
        };
        if s.rc < 0 {
            return Err(rc::legacy2rc(s.rc));
        }
        if s.rc == 0 {
            return Err(libc::ENODATA);
        }
        Ok(if s.replied {
            buffer_document(ipc)
        } else {
            None
        })
    });
    let doc = match sent {
        None => return libc::EINVAL,
        Some(Err(code)) => return code,
        Some(Ok(doc)) => doc,
    };
    let Some(doc) = doc else { return rc::OK };
    let mut more = dispatch_document(cell, &doc);
    drop(doc);
    let deadline = Deadline::at(Some(match limit {
        Some(t) => start + t,
        None => Instant::now() + ANNOUNCED_REPLY_WAIT,
    }));
    while more {
        let step = cell.with(|api| {
            let ipc = api.ipc().ok_or(-(libc::ENOMSG as i64))?;
            match ipc.read() {
                n if n > 0 => Ok(buffer_document(ipc)),
                n if n == -(libc::EAGAIN as i64) => {
                    // wait for the event instead of spinning
                    if let Some(fd) = ipc.fd() {
                        // (a failed poll shows again as a failed read)
                        let _ = wait_input_slice(fd, deadline, Duration::from_millis(100));
                    }
                    Err(n)
                }
                n => Err(n),
            }
        });
        match step {
            None => return rc::OK,
            Some(Ok(Some(doc))) => more = dispatch_document(cell, &doc),
            Some(Ok(None)) => {}
            Some(Err(n)) if n == -(libc::EAGAIN as i64) => {
                if deadline.passed() {
                    return libc::ETIMEDOUT;
                }
            }
            Some(Err(n)) if n == -(libc::ENOMSG as i64) || n == 0 => return rc::OK,
            Some(Err(n)) => return (-n) as i32,
        }
    }
    rc::OK
}

/// `pcmk_dispatch_ipc`: read and dispatch every message waiting.
pub fn dispatch_pending(cell: &impl ApiCell) {
    loop {
        let step = cell.with(|api| {
            let ipc = api.ipc()?;
            if ipc.ready() <= 0 {
                return None;
            }
            Some(if ipc.read() > 0 {
                buffer_document(ipc)
            } else {
                None
            })
        });
        match step.flatten() {
            None => return,
            Some(None) => {}
            Some(Some(doc)) => {
                dispatch_document(cell, &doc);
            }
        }
    }
}

/// What a main-loop source does after a dispatch (`dispatch_source`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStep {
    /// Stays.
    Keep,
    /// Goes: its connection closed (the service's name; 3.0.0's main loop logs it as an error).
    Closed(String),
    /// Goes: the descriptor hung up, or there is no connection any more.
    Gone,
}

/// Main-loop mode: read and dispatch up to `max` messages from the source's connection (even
/// one the API object was detached from meanwhile, as 3.0.0's source goes on reading). Returns
/// whether the source stays, and if not, why.
pub fn dispatch_source(
    cell: &impl ApiCell,
    readable: bool,
    hangup: bool,
    max: usize,
) -> SourceStep {
    if readable {
        for _ in 0..max {
            // 3.0.0 stops its batch at the first read that returns nothing
            let step = cell.with(|api| {
                let ipc = api.source_ipc()?;
                (ipc.read() > 0).then(|| buffer_document(ipc))
            });
            match step.flatten() {
                None => break,
                Some(Some(doc)) => {
                    dispatch_document(cell, &doc);
                }
                Some(None) => {} // did not parse: dropped
            }
        }
    }
    let state = cell
        .with(|api| {
            api.source_ipc()
                .map(|c| (c.connected(), c.name().to_owned()))
        })
        .flatten();
    match state {
        Some((false, name)) => SourceStep::Closed(name),
        Some((true, _)) if !hangup => SourceStep::Keep,
        _ => SourceStep::Gone,
    }
}

/// Disconnect (poll/sync, or a gone main-loop source) and deliver the disconnect event.
pub fn disconnect(cell: &impl ApiCell) {
    if cell.with(Api::disconnect) == Some(true) {
        cell.deliver(&Event {
            kind: EventKind::Disconnect,
            status: CRM_EX_DISCONNECT,
            data: None,
        });
    }
}
