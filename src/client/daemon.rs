//! The daemon API object, with the semantics of Pacemaker 3.0.0's `pcmk_ipc_api_t`
//! (`lib/common/ipc_client.c`, `ipc_{pacemakerd,controld,schedulerd,attrd}.c`): which daemons
//! it serves, how requests to them are built, how their replies are decoded into events, and the
//! dispatch loops of the sync and poll modes.
//!
//! The object itself ([`Api`]) holds no callback. The loops take an [`ApiCell`]: something that
//! lends the `Api` for short moments and delivers events to the user while lending nothing, so
//! that a C callback may call back into the same object (even free it) without aliasing.

use super::ipc::IpcClient;
use super::rc;
use super::text::{attr_int, attr_ll, is_true, scan_ll};
use crate::wire::{escape_attr, flags};
use crate::xml::{Document, Node};
use std::ffi::CStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

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

/// `enum pcmk_ipc_event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
/// `CRM_FEATURE_SET` of Pacemaker 3.0.0, sent in every request.
pub const FEATURE_SET: &str = "3.20.0";

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

fn message_type(server: i32) -> &'static str {
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
fn parse_server(text: Option<&str>) -> i32 {
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

/// Builds `<name attr="value" ...>children</name>` text with Pacemaker's escaping.
pub(crate) struct Element {
    text: Vec<u8>,
    name: &'static str,
    children: Vec<u8>,
}

impl Element {
    pub(crate) fn new(name: &'static str) -> Element {
        let mut text = Vec::with_capacity(256);
        text.push(b'<');
        text.extend_from_slice(name.as_bytes());
        Element {
            text,
            name,
            children: Vec::new(),
        }
    }

    /// Add an attribute; `None` adds nothing (as `crm_xml_add` with a NULL value).
    pub(crate) fn attr(mut self, name: &str, value: Option<&str>) -> Element {
        if let Some(v) = value {
            self.text.push(b' ');
            self.text.extend_from_slice(name.as_bytes());
            self.text.extend_from_slice(b"=\"");
            escape_attr(v.as_bytes(), &mut self.text);
            self.text.push(b'"');
        }
        self
    }

    pub(crate) fn child(mut self, text: &[u8]) -> Element {
        self.children.extend_from_slice(text);
        self
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.children.is_empty() {
            self.text.extend_from_slice(b"/>");
        } else {
            self.text.push(b'>');
            self.text.extend_from_slice(&self.children);
            self.text.extend_from_slice(b"</");
            self.text.extend_from_slice(self.name.as_bytes());
            self.text.push(b'>');
        }
        self.text
    }
}

/// A Pacemaker request message (`pcmk__new_request`): the `message` element and, if `data` is
/// given, a `crm_xml` wrapper around it. `extra` attributes follow the standard ones.
#[allow(clippy::too_many_arguments)] // the fields of Pacemaker's message envelope
fn new_request(
    origin: &str,
    server: i32,
    sender: &str,
    host_to: Option<&str>,
    sys_to: Option<&str>,
    task: &str,
    extra: &[(&str, Option<String>)],
    data: Option<&[u8]>,
) -> (Element, String) {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let reference = format!(
        "{task}-{sender}-{now}-{}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut e = Element::new("message")
        .attr("origin", Some(origin))
        .attr("t", Some(message_type(server)))
        .attr("subt", Some("request"))
        .attr("version", Some(FEATURE_SET))
        .attr("reference", Some(&reference))
        .attr("crm_sys_from", Some(sender))
        .attr("crm_host_to", host_to)
        .attr("crm_sys_to", sys_to)
        .attr("crm_task", Some(task));
    for (k, v) in extra {
        e = e.attr(k, v.as_deref());
    }
    if let Some(d) = data {
        e = e.child(&Element::new("crm_xml").child(d).finish());
    }
    (e, reference)
}

/// State a daemon's API keeps.
#[derive(Debug)]
enum Daemon {
    Attrd,
    Controld { replies_expected: u32 },
    Pacemakerd { state: i32 },
    Schedulerd,
}

/// The decoded data of a reply event (strings and nodes borrow from the reply document).
#[derive(Debug, Clone)]
pub enum Reply<'a> {
    /// pacemakerd.
    Pacemakerd(PacemakerdReply<'a>),
    /// The controller.
    Controld(ControldReply<'a>),
    /// The scheduler.
    Schedulerd(SchedulerdReply<'a>),
    /// The attribute manager.
    Attrd(AttrdReply<'a>),
}

/// `pcmk_pacemakerd_api_reply_t`.
#[derive(Debug, Clone)]
pub enum PacemakerdReply<'a> {
    /// Not understood.
    Unknown,
    /// Answer to a ping.
    Ping {
        /// `crm_subsystem`.
        sys_from: Option<&'a CStr>,
        /// `enum pcmk_pacemakerd_state`.
        state: i32,
        /// When pacemakerd last reported a good state.
        last_good: i64,
        /// 0 if the ping's result was "ok", `pcmk_rc_error` otherwise.
        status: i32,
    },
    /// Answer to a shutdown request (`op-status`).
    Shutdown {
        /// The result of the request.
        status: i32,
    },
}

/// One node of a controller node list.
#[derive(Debug, Clone)]
pub struct ControldNode<'a> {
    /// Cluster node id (0 if unknown).
    pub id: u32,
    /// Node name.
    pub uname: Option<&'a CStr>,
    /// Membership state (`in_ccm`).
    pub state: Option<&'a CStr>,
}

/// The data of a controller reply, by type.
#[derive(Debug, Clone)]
pub enum ControldData<'a> {
    /// Not understood.
    Unknown,
    /// Answer to a reprobe.
    Reprobe,
    /// Node information.
    Info {
        /// Whether the cluster has quorum.
        have_quorum: bool,
        /// Whether the node is a Pacemaker Remote node.
        is_remote: bool,
        /// Cluster node id.
        id: i32,
        /// Node UUID.
        uuid: Option<&'a CStr>,
        /// Node name.
        uname: Option<&'a CStr>,
        /// Controller state of the node.
        state: Option<&'a CStr>,
    },
    /// Answer to a resource operation.
    Resource {
        /// The node's resource history.
        node_state: Option<Node<'a>>,
    },
    /// Answer to a ping.
    Ping {
        /// Subsystem that answered.
        sys_from: Option<&'a CStr>,
        /// The controller's state machine state.
        fsa_state: Option<&'a CStr>,
        /// "ok" normally.
        result: Option<&'a CStr>,
    },
    /// The cluster's nodes, in the order 3.0.0 gives them (reverse document order).
    Nodes(Vec<ControldNode<'a>>),
}

/// `pcmk_controld_api_reply_t`.
#[derive(Debug, Clone)]
pub struct ControldReply<'a> {
    /// The controller's feature set.
    pub feature_set: Option<&'a CStr>,
    /// The node that answered.
    pub host_from: Option<&'a CStr>,
    /// What the answer says.
    pub data: ControldData<'a>,
}

/// `pcmk_schedulerd_api_reply_t`.
#[derive(Debug, Clone)]
pub enum SchedulerdReply<'a> {
    /// Not understood.
    Unknown,
    /// A transition graph.
    Graph {
        /// The graph.
        tgraph: Option<Node<'a>>,
        /// The request's reference.
        reference: Option<&'a CStr>,
        /// Where the scheduler saved its input.
        input: Option<&'a CStr>,
    },
}

/// One attribute value of an attribute-manager query.
#[derive(Debug, Clone)]
pub struct AttrPair<'a> {
    /// Node the value is for.
    pub node: Option<&'a CStr>,
    /// Attribute name.
    pub name: Option<&'a CStr>,
    /// The value.
    pub value: Option<&'a CStr>,
}

/// The attribute manager's reply (internal in 3.0.0).
#[derive(Debug, Clone)]
pub enum AttrdReply<'a> {
    /// Not understood, or nothing found.
    Unknown,
    /// Query results, in the order 3.0.0 gives them (reverse document order).
    Query(Vec<AttrPair<'a>>),
}

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
    server: i32,
    dispatch: i32,
    ipc_size_max: usize,
    ipc: Option<IpcClient>,
    /// Main-loop mode: the connection stays with its GLib source until that source is gone,
    /// but the API object no longer uses it.
    detached: bool,
    daemon: Daemon,
    client_uuid: String,
}

impl Api {
    /// `pcmk_new_ipc_api`: an unconnected object for one of the servers 3.0.0 serves this way
    /// (attribute manager, controller, pacemakerd, scheduler). Others: `EOPNOTSUPP`.
    pub fn new(server: i32) -> Result<Api, i32> {
        let Some(name) = ipc_name(server) else {
            return Err(libc::EOPNOTSUPP);
        };
        let (daemon, size) = match server {
            server::ATTRD => (Daemon::Attrd, 0),
            server::CONTROLD => (
                Daemon::Controld {
                    replies_expected: 0,
                },
                0,
            ),
            server::PACEMAKERD => (Daemon::Pacemakerd { state: -1 }, 0),
            _ => (Daemon::Schedulerd, 5 * 1024 * 1024),
        };
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

    /// The controller's count of replies still expected (`pcmk_controld_api_replies_expected`).
    pub fn replies_expected(&self) -> u32 {
        match self.daemon {
            Daemon::Controld { replies_expected } => replies_expected,
            _ => 0,
        }
    }

    /// `pcmk__connect_ipc` with 2 attempts. For main-loop mode, `attach` is called with the
    /// freshly connected client and returns a standard code (it registers the GLib source).
    pub fn connect(
        &mut self,
        dispatch_type: i32,
        attach: &mut dyn FnMut(&mut IpcClient) -> i32,
    ) -> i32 {
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
        for attempt in 1..=2 {
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
            if attempt == 2 || (code != libc::EAGAIN && code != libc::EALREADY) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500 * attempt));
        }
        if code != rc::OK {
            return code;
        }
        if let Daemon::Pacemakerd { state } = &mut self.daemon {
            *state = -1;
        }
        let post = if matches!(self.daemon, Daemon::Controld { .. }) {
            // the controller wants a hello first (and never answers it)
            let hello = self.hello();
            self.send_only(&hello)
        } else {
            rc::OK
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
        if let Daemon::Pacemakerd { state } = &mut self.daemon {
            *state = -1;
        }
        had
    }

    /// Main-loop mode: stop using the connection; its source closes it when it goes.
    pub fn detach(&mut self) {
        self.detached = true;
    }

    fn flags_for(&self, req: &Request) -> u32 {
        if self.dispatch == dispatch::SYNC && req.reply_expected {
            flags::CLIENT_RESPONSE
        } else {
            0
        }
    }

    /// Send without handling any reply (a request no one answers, like the controller hello).
    fn send_only(&mut self, req: &Request) -> i32 {
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

    fn sender(&self) -> String {
        format!("{}_client", self.client_uuid)
    }

    fn hello(&self) -> Request {
        let options = Element::new("options")
            .attr("major_version", Some("1"))
            .attr("minor_version", Some("0"))
            .attr("client_name", Some("client"))
            .attr("client_uuid", Some(&self.client_uuid))
            .finish();
        let (e, reference) = new_request(
            "create_hello_message",
            server::CONTROLD,
            &self.sender(),
            None,
            None,
            "hello",
            &[],
            Some(&options),
        );
        Request {
            text: e.finish(),
            reference: Some(reference),
            reply_expected: false,
        }
    }

    /// `pcmk_pacemakerd_api_ping` / `_shutdown` (`task` "ping" or "quit").
    pub fn pacemakerd_request(&self, ipc_name: Option<&str>, task: &str) -> Result<Request, i32> {
        if !matches!(self.daemon, Daemon::Pacemakerd { .. }) {
            return Err(libc::EINVAL);
        }
        let sender = format!("{}_{}", self.client_uuid, ipc_name.unwrap_or("client"));
        let (e, reference) = new_request(
            "do_pacemakerd_api_call",
            server::PACEMAKERD,
            &sender,
            None,
            Some("pacemakerd"),
            task,
            &[],
            None,
        );
        Ok(Request {
            text: e.finish(),
            reference: Some(reference),
            reply_expected: true,
        })
    }

    /// A controller request (`create_controller_request`); `extra` are root attributes.
    fn controller_request(
        &self,
        task: &str,
        node: Option<&str>,
        extra: &[(&str, Option<String>)],
        data: Option<&[u8]>,
    ) -> Result<Request, i32> {
        if !matches!(self.daemon, Daemon::Controld { .. }) {
            return Err(libc::EINVAL);
        }
        let sys_to = if node.is_none() && task == "ping" {
            "dc"
        } else {
            "crmd"
        };
        let (e, reference) = new_request(
            "create_controller_request",
            server::CONTROLD,
            &self.sender(),
            node,
            Some(sys_to),
            task,
            extra,
            data,
        );
        Ok(Request {
            text: e.finish(),
            reference: Some(reference),
            reply_expected: true,
        })
    }

    /// The controller counts a reply as expected before sending (as 3.0.0, even if the send
    /// then fails).
    pub fn expect_reply(&mut self) {
        if let Daemon::Controld { replies_expected } = &mut self.daemon {
            *replies_expected += 1;
        }
    }

    /// `pcmk_controld_api_reprobe`.
    pub fn controld_reprobe(
        &self,
        target: Option<&str>,
        router: Option<&str>,
    ) -> Result<Request, i32> {
        let router = router.or(target);
        let mut data = Element::new("data_for_probe_again").attr("on_node", target);
        if router.is_some() && !eq_ignore_case(router, target) {
            data = data.attr("router_node", router);
        }
        self.controller_request("probe_again", router, &[], Some(&data.finish()))
    }

    /// `pcmk_controld_api_node_info`.
    pub fn controld_node_info(&self, nodeid: u32) -> Result<Request, i32> {
        let id = (nodeid > 0).then(|| nodeid.to_string());
        self.controller_request("node-info", None, &[("id", id)], None)
    }

    /// `pcmk_controld_api_ping`.
    pub fn controld_ping(&self, node: Option<&str>) -> Result<Request, i32> {
        self.controller_request("ping", node, &[], None)
    }

    /// `pcmk_controld_api_list_nodes`.
    pub fn controld_list_nodes(&self) -> Result<Request, i32> {
        self.controller_request("list-nodes", None, &[], None)
    }

    /// `pcmk_controld_api_fail` (`cib_only` `None`) and `pcmk_controld_api_refresh`.
    #[allow(clippy::too_many_arguments)]
    pub fn controld_resource_op(
        &self,
        refresh: Option<bool>,
        target: Option<&str>,
        router: Option<&str>,
        rsc_id: Option<&str>,
        rsc_long_id: Option<&str>,
        standard: Option<&str>,
        provider: Option<&str>,
        kind: Option<&str>,
    ) -> Result<Request, i32> {
        let router = router.or(target);
        let key = format!(
            "{}:0:0:{:<36}",
            std::process::id(),
            "xxxxxxxx-xrsc-opxx-xcrm-resourcexxxx"
        );
        let mut op = Element::new("rsc_op")
            .attr("transition-key", Some(&key))
            .attr("on_node", target);
        if !eq_ignore_case(router, target) {
            op = op.attr("router_node", router);
        }
        if refresh == Some(true) {
            op = op.attr("mode", Some("cib"));
        }
        let primitive = Element::new("primitive")
            .attr("id", rsc_id)
            .attr("long-id", rsc_long_id)
            .attr("class", standard)
            .attr("provider", provider)
            .attr("type", kind)
            .finish();
        let attributes = Element::new("attributes")
            .attr("crm_feature_set", Some(FEATURE_SET))
            .attr("CRM_meta_timeout", Some("60000"))
            .finish();
        let data = op.child(&primitive).child(&attributes).finish();
        let task = if refresh.is_some() {
            "lrm_delete"
        } else {
            "lrm_fail"
        };
        self.controller_request(task, router, &[], Some(&data))
    }

    /// `pcmk_schedulerd_api_graph`: a transition graph for `cib` (its XML text).
    pub fn schedulerd_graph(&self, cib: Option<&[u8]>) -> Result<Request, i32> {
        if !matches!(self.daemon, Daemon::Schedulerd) {
            return Err(libc::EINVAL);
        }
        let (e, reference) = new_request(
            "do_schedulerd_api_call",
            server::SCHEDULERD,
            &self.sender(),
            None,
            Some("pengine"),
            "pe_calc",
            &[],
            cib,
        );
        Ok(Request {
            text: e.finish(),
            reference: Some(reference),
            reply_expected: true,
        })
    }

    /// An attribute-manager request (`create_attrd_op` plus the operation's attributes).
    pub fn attrd_request(
        &self,
        task: &str,
        attrs: &[(&str, Option<String>)],
    ) -> Result<Request, i32> {
        if !matches!(self.daemon, Daemon::Attrd) {
            return Err(libc::EINVAL);
        }
        let mut e = Element::new("create_attrd_op")
            .attr("t", Some("attrd"))
            .attr("src", Some("unknown"))
            .attr("task", Some(task));
        for (k, v) in attrs {
            e = e.attr(k, v.as_deref());
        }
        let expected = matches!(
            task,
            "clear-failure" | "query" | "refresh" | "update" | "update-both" | "update-delay"
        );
        Ok(Request {
            text: e.finish(),
            reference: None,
            reply_expected: expected,
        })
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
                let (e, reference) = new_request(
                    "create_purge_node_request",
                    self.server,
                    "client",
                    None,
                    ipc_name(self.server),
                    "rm_node_cache",
                    &extra,
                    None,
                );
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
        let reply = |status, data| {
            Some(Event {
                kind: EventKind::Reply,
                status,
                data: Some(data),
            })
        };
        match &mut self.daemon {
            Daemon::Pacemakerd { .. } => {
                if msg.is("ack") {
                    let status = msg
                        .attr("status")
                        .and_then(|s| scan_ll(s.to_bytes()))
                        .map_or(0, |r| r.unwrap_or_else(|c| c));
                    return (None, status == CRM_EX_INDETERMINATE as i64);
                }
                let (status, data) = decode_pacemakerd(msg);
                (reply(status, Reply::Pacemakerd(data)), false)
            }
            Daemon::Controld { replies_expected } => {
                if msg.is("ack") {
                    return (None, *replies_expected > 0);
                }
                *replies_expected = replies_expected.saturating_sub(1);
                let (status, data) = decode_controld(msg);
                (reply(status, Reply::Controld(data)), false)
            }
            Daemon::Schedulerd => {
                if msg.is("ack") {
                    return (None, false);
                }
                let (status, data) = decode_schedulerd(msg);
                (reply(status, Reply::Schedulerd(data)), false)
            }
            Daemon::Attrd => {
                if msg.is("ack") {
                    return (None, false);
                }
                let (status, data) = decode_attrd(msg);
                (reply(status, Reply::Attrd(data)), false)
            }
        }
    }
}

fn eq_ignore_case(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

fn crm_xml_data(msg: Node<'_>) -> Option<Node<'_>> {
    msg.first_element(Some("crm_xml"))
        .and_then(|w| w.first_element(None))
}

fn is_response(msg: Node<'_>) -> bool {
    msg.attr_str("subt") == Some("response")
}

fn has_reference(msg: Node<'_>) -> bool {
    msg.attr("reference").is_some_and(|r| !r.is_empty())
}

fn bytes(v: Option<&CStr>) -> Option<&[u8]> {
    v.map(CStr::to_bytes)
}

const PACEMAKERD_STATES: [&str; 7] = [
    "init",
    "starting_daemons",
    "wait_for_ping",
    "running",
    "shutting_down",
    "shutdown_complete",
    "remote",
];

/// `pcmk_pacemakerd_api_daemon_state_text2enum`.
pub fn pacemakerd_state_from_text(text: Option<&[u8]>) -> i32 {
    text.and_then(|t| PACEMAKERD_STATES.iter().position(|s| s.as_bytes() == t))
        .map_or(-1, |i| i as i32)
}

/// `pcmk_pacemakerd_api_daemon_state_enum2text`.
pub fn pacemakerd_state_text(state: i32) -> &'static str {
    usize::try_from(state)
        .ok()
        .and_then(|i| PACEMAKERD_STATES.get(i))
        .copied()
        .unwrap_or("invalid")
}

fn decode_pacemakerd(msg: Node<'_>) -> (i32, PacemakerdReply<'_>) {
    if !is_response(msg) || !has_reference(msg) {
        return (CRM_EX_PROTOCOL, PacemakerdReply::Unknown);
    }
    let data = crm_xml_data(msg);
    let get = |n: &str| data.and_then(|d| d.attr(n));
    match msg.attr_str("crm_task") {
        Some("ping") => {
            let last_good = attr_ll(bytes(get("crm-timestamp"))).unwrap_or(0).max(0);
            let ok = get("result").is_some_and(|r| r.to_bytes().eq_ignore_ascii_case(b"ok"));
            (
                0,
                PacemakerdReply::Ping {
                    sys_from: get("crm_subsystem"),
                    state: pacemakerd_state_from_text(bytes(get("pacemakerd_state"))),
                    last_good,
                    status: if ok { rc::OK } else { rc::RC_ERROR },
                },
            )
        }
        Some("quit") => {
            // 3.0.0 crashes on a missing op-status (atoi(NULL)); here it reads as 0
            let status = get("op-status").map_or(0, |s| atoi(s.to_bytes()));
            (0, PacemakerdReply::Shutdown { status })
        }
        _ => (CRM_EX_PROTOCOL, PacemakerdReply::Unknown),
    }
}

/// C's `atoi`: `strtol` truncated to `int`, 0 without digits.
fn atoi(t: &[u8]) -> i32 {
    match scan_ll(t) {
        Some(Ok(v)) | Some(Err(v)) => v as i32,
        None => 0,
    }
}

fn decode_controld(msg: Node<'_>) -> (i32, ControldReply<'_>) {
    let mut reply = ControldReply {
        feature_set: None,
        host_from: None,
        data: ControldData::Unknown,
    };
    let subt = msg.attr_str("subt");
    if subt != Some("request") && subt != Some("response") {
        return (CRM_EX_PROTOCOL, reply);
    }
    if !has_reference(msg) {
        return (CRM_EX_PROTOCOL, reply);
    }
    let task = match msg.attr_str("crm_task") {
        Some(t) if !t.is_empty() => t,
        _ => return (CRM_EX_PROTOCOL, reply),
    };
    reply.feature_set = msg.attr("version");
    reply.host_from = msg.attr("src");
    let data = crm_xml_data(msg);
    let get = |n: &str| data.and_then(|d| d.attr(n));
    reply.data = match task {
        "probe_again" => ControldData::Reprobe,
        "node-info" => match data {
            None => ControldData::Info {
                have_quorum: false,
                is_remote: false,
                id: 0,
                uuid: None,
                uname: None,
                state: None,
            },
            Some(d) => ControldData::Info {
                have_quorum: is_true(d.attr_str("have-quorum")),
                is_remote: is_true(d.attr_str("remote_node")),
                id: attr_int(bytes(d.attr("id"))).unwrap_or(0),
                uuid: d.attr("id"),
                uname: d.attr("uname"),
                state: d.attr("crmd"),
            },
        },
        "lrm_invoke" => ControldData::Resource { node_state: data },
        "ping" => ControldData::Ping {
            sys_from: get("crm_subsystem"),
            fsa_state: get("crmd_state"),
            result: get("result"),
        },
        "list-nodes" => {
            let mut nodes = Vec::new();
            let mut n = data.and_then(|d| d.first_element(Some("node")));
            while let Some(node) = n {
                let id = attr_ll(bytes(node.attr("id"))).unwrap_or(0);
                nodes.push(ControldNode {
                    id: if id > 0 { id as u32 } else { 0 },
                    uname: node.attr("uname"),
                    state: node.attr("in_ccm"),
                });
                n = node.next_element(Some("node"));
            }
            nodes.reverse();
            ControldData::Nodes(nodes)
        }
        _ => return (CRM_EX_PROTOCOL, reply),
    };
    (0, reply)
}

fn decode_schedulerd(msg: Node<'_>) -> (i32, SchedulerdReply<'_>) {
    if parse_server(msg.attr_str("t")) != server::SCHEDULERD
        || !is_response(msg)
        || !has_reference(msg)
    {
        return (CRM_EX_PROTOCOL, SchedulerdReply::Unknown);
    }
    if msg.attr_str("crm_task") != Some("pe_calc") {
        return (CRM_EX_PROTOCOL, SchedulerdReply::Unknown);
    }
    (
        0,
        SchedulerdReply::Graph {
            tgraph: crm_xml_data(msg),
            reference: msg.attr("reference"),
            input: msg.attr("crm-tgraph-in"),
        },
    )
}

fn decode_attrd(msg: Node<'_>) -> (i32, AttrdReply<'_>) {
    if msg.attr_str("t") != Some("attrd") {
        return (CRM_EX_PROTOCOL, AttrdReply::Unknown);
    }
    match msg.attr("subt") {
        None => {}
        Some(s) if s.to_bytes() == b"query" => {}
        Some(_) => return (CRM_EX_PROTOCOL, AttrdReply::Unknown),
    }
    if !msg.has_attr("attr_name") {
        // 3.0.0 passes the errno ENXIO as the status: most likely no such attribute
        return (libc::ENXIO, AttrdReply::Unknown);
    }
    let name = msg.attr("attr_name");
    let mut pairs = Vec::new();
    let mut n = msg.first_element(Some("node"));
    while let Some(node) = n {
        pairs.push(AttrPair {
            node: node.attr("attr_host"),
            name,
            value: node.attr("attr_value"),
        });
        n = node.next_element(Some("node"));
    }
    pairs.reverse();
    (0, AttrdReply::Query(pairs))
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
    Document::parse(ipc.text())
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
    let sent = cell.with(|api| {
        let flags = api.flags_for(req);
        let ipc = api.ipc().ok_or(libc::EINVAL)?;
        let s = ipc.send(Some(&req.text), flags, 0);
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
    let deadline = Instant::now() + ANNOUNCED_REPLY_WAIT;
    while more {
        let step = cell.with(|api| {
            let ipc = api.ipc().ok_or(-(libc::ENOMSG as i64))?;
            match ipc.read() {
                n if n > 0 => Ok(buffer_document(ipc)),
                n if n == -(libc::EAGAIN as i64) => {
                    // wait for the event instead of spinning
                    if let Some(fd) = ipc.fd() {
                        let mut p = libc::pollfd {
                            fd,
                            events: libc::POLLIN,
                            revents: 0,
                        };
                        // SAFETY: one valid pollfd.
                        unsafe { libc::poll(&mut p, 1, 100) };
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
                if Instant::now() >= deadline {
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

/// Main-loop mode: read and dispatch up to `max` messages from the source's connection (even
/// one the API object was detached from meanwhile, as 3.0.0's source goes on reading). Returns
/// whether the source should stay.
pub fn dispatch_source(cell: &impl ApiCell, readable: bool, hangup: bool, max: usize) -> bool {
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
    let connected = cell
        .with(|api| api.source_ipc().map(|c| c.connected()))
        .flatten();
    connected == Some(true) && !hangup
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    fn pacemakerd(text: &str) -> (i32, String) {
        let doc = Document::parse(text.as_bytes()).expect("well-formed");
        let (status, reply) = decode_pacemakerd(doc.root());
        let shown = match reply {
            PacemakerdReply::Unknown => "unknown".to_owned(),
            PacemakerdReply::Ping {
                state,
                last_good,
                status,
                ..
            } => format!("ping state {state} last_good {last_good} status {status}"),
            PacemakerdReply::Shutdown { status } => format!("shutdown status {status}"),
        };
        (status, shown)
    }

    #[test]
    fn pacemakerd_replies_decode_as_3_0_0_reads_them() {
        let ping = r#"<pacemakerd subt="response" reference="r1" crm_task="ping"><crm_xml><ping crm_subsystem="pacemakerd" pacemakerd_state="running" crm-timestamp="1700000000" result="ok"/></crm_xml></pacemakerd>"#;
        assert_eq!(
            pacemakerd(ping),
            (0, "ping state 3 last_good 1700000000 status 0".into())
        );
        let quit = r#"<pacemakerd subt="response" reference="r2" crm_task="quit"><crm_xml><shutdown op-status="7"/></crm_xml></pacemakerd>"#;
        assert_eq!(pacemakerd(quit), (0, "shutdown status 7".into()));
        // not a response, or no reference: not understood (CRM_EX_PROTOCOL)
        let request = r#"<pacemakerd subt="request" reference="r3" crm_task="ping"/>"#;
        assert_eq!(pacemakerd(request), (CRM_EX_PROTOCOL, "unknown".into()));
        let unreferenced = r#"<pacemakerd subt="response" crm_task="ping"/>"#;
        assert_eq!(
            pacemakerd(unreferenced),
            (CRM_EX_PROTOCOL, "unknown".into())
        );
    }

    #[test]
    fn a_shutdown_reply_without_op_status_is_status_0_not_a_crash() {
        // 3.0.0 calls atoi(NULL) here (docs/differences.md A6)
        let quit = r#"<pacemakerd subt="response" reference="r4" crm_task="quit"><crm_xml><shutdown/></crm_xml></pacemakerd>"#;
        assert_eq!(pacemakerd(quit), (0, "shutdown status 0".into()));
        let bare = r#"<pacemakerd subt="response" reference="r5" crm_task="quit"/>"#;
        assert_eq!(pacemakerd(bare), (0, "shutdown status 0".into()));
    }
}
