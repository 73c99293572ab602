//! What every daemon's protocol shares: Pacemaker's server enumeration and names, the
//! dispatch modes, the event kinds and exit codes of the daemon API, a request ready to send,
//! and the trait a daemon implements to be served by the API object ([`DaemonProtocol`],
//! Pacemaker's `pcmk__ipc_methods_t`). It names no daemon module: they build on it.

use crate::xml::Node;

/// `enum pcmk_ipc_server` (3.0.0 values).
pub mod server {
    /// Unknown or invalid.
    pub const UNKNOWN: i32 = 0;
    /// Attribute manager.
    pub const ATTRD: i32 = 1;
    /// CIB manager.
    pub const BASED: i32 = 2;
    /// Controller.
    pub const CONTROLD: i32 = 3;
    /// Executor.
    pub const EXECD: i32 = 4;
    /// Fencer.
    pub const FENCED: i32 = 5;
    /// Launcher.
    pub const PACEMAKERD: i32 = 6;
    /// Scheduler.
    pub const SCHEDULERD: i32 = 7;
}

/// `enum pcmk_ipc_dispatch`.
pub mod dispatch {
    /// Attached to GLib's main loop.
    pub const MAIN: i32 = 0;
    /// The caller polls and dispatches.
    pub const POLL: i32 = 1;
    /// Requests wait for their reply.
    pub const SYNC: i32 = 2;
}

/// `enum pcmk_ipc_event` (all its values, though 3.0.0 emits two of them never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum EventKind {
    /// Result of an asynchronous connect (never emitted, as in 3.0.0).
    Connect = 0,
    /// The connection ended.
    Disconnect = 1,
    /// A daemon's reply.
    Reply = 2,
    /// A notification (never emitted, as in 3.0.0).
    Notify = 3,
}

/// `CRM_EX_PROTOCOL`: a reply that cannot be understood.
pub const CRM_EX_PROTOCOL: i32 = 76;
/// `CRM_EX_DISCONNECT`: the status of a disconnect event.
pub const CRM_EX_DISCONNECT: i32 = 102;
/// `CRM_EX_INDETERMINATE`: an ack that announces the real reply.
pub const CRM_EX_INDETERMINATE: i32 = 112;

/// The libqb name of a server's IPC, where `pcmk_ipc_name(api, false)` gives one (not for the
/// CIB manager, executor and fencer, which this API does not serve in 3.0.0).
pub fn ipc_name(server: i32) -> Option<&'static str> {
    match server {
        server::ATTRD => Some("attrd"),
        server::CONTROLD => Some("crmd"),
        server::PACEMAKERD => Some("pacemakerd"),
        server::SCHEDULERD => Some("pengine"),
        _ => None,
    }
}

/// A server's name for humans (`pcmk_ipc_name(api, true)`).
pub fn log_name(server: i32) -> &'static str {
    match server {
        server::ATTRD => "attribute manager",
        server::BASED => "CIB manager",
        server::CONTROLD => "controller",
        server::EXECD => "executor",
        server::FENCED => "fencer",
        server::PACEMAKERD => "launcher",
        server::SCHEDULERD => "scheduler",
        _ => "Pacemaker",
    }
}

pub(crate) fn message_type(server: i32) -> &'static str {
    match server {
        server::ATTRD => "attrd",
        server::BASED => "cib",
        server::CONTROLD => "crmd",
        server::EXECD => "lrmd",
        server::FENCED => "stonith-ng",
        server::PACEMAKERD => "pacemakerd",
        server::SCHEDULERD => "pengine",
        _ => "",
    }
}

/// Which server a name designates (`pcmk__parse_server`): process, IPC or message-type names.
pub(crate) fn parse_server(text: Option<&str>) -> i32 {
    let Some(t) = text else {
        return server::UNKNOWN;
    };
    let names: [(i32, &[&str]); 7] = [
        (server::ATTRD, &["pacemaker-attrd", "attrd"]),
        (
            server::BASED,
            &["pacemaker-based", "cib_rw", "cib_ro", "cib_shm", "cib"],
        ),
        (
            server::CONTROLD,
            &["pacemaker-controld", "crmd", "dc", "tengine"],
        ),
        (
            server::EXECD,
            &["pacemaker-execd", "pacemaker-remoted", "lrmd"],
        ),
        (server::FENCED, &["pacemaker-fenced", "stonith-ng"]),
        (server::PACEMAKERD, &["pacemakerd"]),
        (server::SCHEDULERD, &["pacemaker-schedulerd", "pengine"]),
    ];
    names
        .iter()
        .find(|(_, n)| n.contains(&t))
        .map_or(server::UNKNOWN, |(s, _)| *s)
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its XML text.
    pub text: Vec<u8>,
    /// Its `reference` attribute, if it has one.
    pub reference: Option<String>,
    /// Whether the daemon answers it (a sync-mode send then waits for the answer).
    pub reply_expected: bool,
}

/// What a daemon adds to the API object, as Pacemaker's `pcmk__ipc_methods_t` (`post_connect`,
/// `dispatch`, `post_disconnect`): the state it keeps, the request it wants first, how its
/// replies read. Implemented by each daemon's module; the registry (`client::daemons`) is the
/// one place that lists them.
pub(crate) trait DaemonProtocol: std::fmt::Debug {
    /// The decoded data of its reply (strings and nodes borrow from the reply document).
    type Reply<'a>;
    /// The IPC buffer it asks for (0: the default).
    const BUFFER_SIZE: usize = 0;

    /// Fresh state, as `new_data` makes it.
    fn new() -> Self;

    /// `post_connect`: a request to send once connected, answered by no one (none by default).
    fn post_connect(&mut self, _client_uuid: &str) -> Option<Request> {
        None
    }

    /// `dispatch`: one message. `Some((status, data))` is a reply event to deliver (`status` a
    /// `crm_exit_t`), `None` an ack that delivers nothing; the flag says whether more replies
    /// are expected.
    fn decode<'a>(&mut self, msg: Node<'a>) -> (Option<(i32, Self::Reply<'a>)>, bool);

    /// `post_disconnect`: what a disconnect resets (nothing by default).
    fn post_disconnect(&mut self) {}
}
