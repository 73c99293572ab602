//! Typed clients of the Pacemaker daemons, in safe Rust: pacemakerd, the controller, the
//! scheduler and the attribute manager. Each call sends one request and waits for its answer;
//! the answers are owned Rust values.
//!
//! ```no_run
//! use pcmk_ipc_rs::client::daemons::{Controller, Pacemakerd, PacemakerdState};
//! use std::time::Duration;
//!
//! let t = Duration::from_secs(5);
//! let ping = Pacemakerd::connect()?.ping(t)?;
//! assert_eq!(ping.state, PacemakerdState::Running);
//! let mut crmd = Controller::connect()?;
//! println!("DC is {}", crmd.ping(None, t)?.fsa_state);
//! for node in crmd.list_nodes(t)? {
//!     println!("node {} ({}) is {}", node.name, node.id, node.state);
//! }
//! # Ok::<(), pcmk_ipc_rs::client::Error>(())
//! ```

use super::api::Error;
use super::daemon::{
    self, dispatch, server, Api, ApiCell, AttrdReply, ControldData, Event, EventKind,
    PacemakerdReply, Reply, Request, SchedulerdReply,
};
use super::rc;
use crate::xml;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::CStr;
use std::time::{Duration, Instant};

/// pacemakerd's state (`enum pcmk_pacemakerd_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacemakerdState {
    /// Not a known state.
    Invalid,
    /// Initializing.
    Init,
    /// Starting the daemons.
    StartingDaemons,
    /// Waiting for sbd's startup ping.
    WaitForPing,
    /// Running.
    Running,
    /// Stopping the daemons.
    ShuttingDown,
    /// The daemons are stopped (reporting to sbd).
    ShutdownComplete,
    /// Pacemaker Remote is running (a remote node).
    Remote,
}

impl PacemakerdState {
    fn from_raw(v: i32) -> PacemakerdState {
        use PacemakerdState::*;
        [
            Init,
            StartingDaemons,
            WaitForPing,
            Running,
            ShuttingDown,
            ShutdownComplete,
            Remote,
        ]
        .get(usize::try_from(v).unwrap_or(usize::MAX))
        .copied()
        .unwrap_or(Invalid)
    }

    /// The state's name as Pacemaker writes it ("running", ...).
    pub fn name(&self) -> &'static str {
        daemon::pacemakerd_state_text(*self as i32 - 1)
    }
}

/// pacemakerd's answer to a ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacemakerdPing {
    /// Its state.
    pub state: PacemakerdState,
    /// Whether it reported its result as "ok".
    pub ok: bool,
    /// When it last was in a good state (seconds since the epoch; 0 if never).
    pub last_good: i64,
    /// The subsystem that answered ("pacemakerd").
    pub sys_from: String,
}

/// The controller's answer to a ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerPing {
    /// The subsystem that answered ("dc" or "crmd").
    pub sys_from: String,
    /// The controller's state machine state (e.g. "S_IDLE").
    pub fsa_state: String,
    /// "ok" normally.
    pub result: String,
}

/// A cluster node as the controller lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNode {
    /// Cluster node id (0 if unknown).
    pub id: u32,
    /// Node name.
    pub name: String,
    /// Membership state ("member", "lost").
    pub state: String,
}

/// A node's information from the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// Whether the cluster has quorum.
    pub have_quorum: bool,
    /// Whether this is a Pacemaker Remote node.
    pub is_remote: bool,
    /// Cluster node id.
    pub id: i32,
    /// Node UUID.
    pub uuid: String,
    /// Node name.
    pub name: String,
    /// The node's controller state ("member").
    pub state: String,
}

/// A transition graph from the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// The `<transition_graph>` XML.
    pub xml: String,
    /// The request's reference.
    pub reference: String,
    /// Where the scheduler saved its input (a `pe-input-N.bz2` file).
    pub input: String,
}

/// One value of a node attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue {
    /// The node.
    pub node: String,
    /// The attribute's name.
    pub name: String,
    /// Its value (`None` when unset).
    pub value: Option<String>,
}

/// An answer, owned.
#[derive(Debug)]
enum Answer {
    Ping(PacemakerdPing),
    Shutdown(i32),
    ControllerPing(ControllerPing),
    Nodes(Vec<ClusterNode>),
    Info(NodeInfo),
    Graph(Graph),
    Attributes(Vec<AttributeValue>),
    Other,
    Disconnected,
}

fn s(v: Option<&CStr>) -> String {
    v.map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn own(event: &Event<'_>) -> Answer {
    if event.kind == EventKind::Disconnect {
        return Answer::Disconnected;
    }
    match &event.data {
        Some(Reply::Pacemakerd(PacemakerdReply::Ping {
            sys_from,
            state,
            last_good,
            status,
        })) => Answer::Ping(PacemakerdPing {
            state: PacemakerdState::from_raw(*state),
            ok: *status == rc::OK,
            last_good: *last_good,
            sys_from: s(*sys_from),
        }),
        Some(Reply::Pacemakerd(PacemakerdReply::Shutdown { status })) => Answer::Shutdown(*status),
        Some(Reply::Controld(r)) => match &r.data {
            ControldData::Ping {
                sys_from,
                fsa_state,
                result,
            } => Answer::ControllerPing(ControllerPing {
                sys_from: s(*sys_from),
                fsa_state: s(*fsa_state),
                result: s(*result),
            }),
            ControldData::Nodes(ns) => Answer::Nodes(
                ns.iter()
                    .map(|n| ClusterNode {
                        id: n.id,
                        name: s(n.uname),
                        state: s(n.state),
                    })
                    .collect(),
            ),
            ControldData::Info {
                have_quorum,
                is_remote,
                id,
                uuid,
                uname,
                state,
            } => Answer::Info(NodeInfo {
                have_quorum: *have_quorum,
                is_remote: *is_remote,
                id: *id,
                uuid: s(*uuid),
                name: s(*uname),
                state: s(*state),
            }),
            _ => Answer::Other,
        },
        Some(Reply::Schedulerd(SchedulerdReply::Graph {
            tgraph,
            reference,
            input,
        })) => Answer::Graph(Graph {
            xml: tgraph
                .map(|n| String::from_utf8_lossy(&xml::to_text(n)).into_owned())
                .unwrap_or_default(),
            reference: s(*reference),
            input: s(*input),
        }),
        Some(Reply::Attrd(AttrdReply::Query(pairs))) => Answer::Attributes(
            pairs
                .iter()
                .map(|p| AttributeValue {
                    node: s(p.node),
                    name: s(p.name),
                    value: p.value.map(|v| v.to_string_lossy().into_owned()),
                })
                .collect(),
        ),
        _ => Answer::Other,
    }
}

struct Inner {
    api: RefCell<Api>,
    answers: RefCell<VecDeque<(i32, Answer)>>,
}

impl ApiCell for Inner {
    fn with<R>(&self, f: impl FnOnce(&mut Api) -> R) -> Option<R> {
        Some(f(&mut self.api.borrow_mut()))
    }

    fn deliver(&self, event: &Event<'_>) {
        self.answers
            .borrow_mut()
            .push_back((event.status, own(event)));
    }
}

/// A connection to one daemon through its API object (poll mode, or sync for the attribute
/// manager, which answers on the response channel).
struct DaemonClient {
    inner: Inner,
}

impl DaemonClient {
    fn connect(which: i32) -> Result<DaemonClient, Error> {
        let mut api = Api::new(which).map_err(Error)?;
        let mode = if which == server::ATTRD {
            dispatch::SYNC
        } else {
            dispatch::POLL
        };
        match api.connect(mode, &mut |_| libc::EINVAL) {
            rc::OK => Ok(DaemonClient {
                inner: Inner {
                    api: RefCell::new(api),
                    answers: RefCell::new(VecDeque::new()),
                },
            }),
            code => Err(Error(code)),
        }
    }

    /// Send a request built on the object and wait for the next answer.
    fn call(
        &mut self,
        timeout: Duration,
        build: impl FnOnce(&mut Api) -> Result<Request, i32>,
    ) -> Result<(i32, Answer), Error> {
        self.inner.answers.borrow_mut().clear();
        let req = build(&mut self.inner.api.borrow_mut()).map_err(Error)?;
        match daemon::send_request(&self.inner, &req) {
            rc::OK => {}
            code => return Err(Error(code)),
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(a) = self.inner.answers.borrow_mut().pop_front() {
                return Ok(a);
            }
            let fd = self
                .inner
                .api
                .borrow_mut()
                .ipc()
                .and_then(|c| c.fd())
                .ok_or(Error(libc::ENOTCONN))?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error(libc::ETIMEDOUT));
            }
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            unsafe {
                libc::poll(
                    &mut p,
                    1,
                    left.as_millis().clamp(1, i32::MAX as u128) as i32,
                )
            };
            if p.revents & (libc::POLLHUP | libc::POLLERR) != 0 && p.revents & libc::POLLIN == 0 {
                return Err(Error(libc::ENOTCONN));
            }
            daemon::dispatch_pending(&self.inner);
            if !self.inner.api.borrow_mut().is_connected() && self.inner.answers.borrow().is_empty()
            {
                return Err(Error(libc::ENOTCONN));
            }
        }
    }
}

fn unexpected<T>(status: i32) -> Result<T, Error> {
    // an answer of another kind, or one the daemon marked as not understood
    Err(Error(if status > 0 {
        libc::EPROTO
    } else {
        rc::RC_ERROR
    }))
}

/// pacemakerd, the launcher.
pub struct Pacemakerd(DaemonClient);

impl Pacemakerd {
    /// Connect (the daemon's credentials are checked).
    pub fn connect() -> Result<Pacemakerd, Error> {
        DaemonClient::connect(server::PACEMAKERD).map(Pacemakerd)
    }

    /// Ask for its state.
    pub fn ping(&mut self, timeout: Duration) -> Result<PacemakerdPing, Error> {
        match self
            .0
            .call(timeout, |a| a.pacemakerd_request(None, "ping"))?
        {
            (0, Answer::Ping(p)) => Ok(p),
            (status, _) => unexpected(status),
        }
    }

    /// Ask it to shut the node's cluster services down; returns its `op-status` (0: accepted).
    pub fn shutdown(&mut self, timeout: Duration) -> Result<i32, Error> {
        match self
            .0
            .call(timeout, |a| a.pacemakerd_request(None, "quit"))?
        {
            (0, Answer::Shutdown(status)) => Ok(status),
            (status, _) => unexpected(status),
        }
    }
}

/// The controller.
pub struct Controller(DaemonClient);

impl Controller {
    /// Connect (the daemon's credentials are checked; the controller's hello is sent).
    pub fn connect() -> Result<Controller, Error> {
        DaemonClient::connect(server::CONTROLD).map(Controller)
    }

    fn call(
        &mut self,
        timeout: Duration,
        build: impl FnOnce(&Api) -> Result<Request, i32>,
    ) -> Result<(i32, Answer), Error> {
        self.0.call(timeout, |a| {
            let req = build(a)?;
            a.expect_reply();
            Ok(req)
        })
    }

    /// Ping the controller of `node` (`None`: the DC).
    pub fn ping(&mut self, node: Option<&str>, timeout: Duration) -> Result<ControllerPing, Error> {
        match self.call(timeout, |a| a.controld_ping(node))? {
            (0, Answer::ControllerPing(p)) => Ok(p),
            (status, _) => unexpected(status),
        }
    }

    /// The cluster's nodes (in the order Pacemaker 3.0.0 gives them).
    pub fn list_nodes(&mut self, timeout: Duration) -> Result<Vec<ClusterNode>, Error> {
        match self.call(timeout, |a| a.controld_list_nodes())? {
            (0, Answer::Nodes(n)) => Ok(n),
            (status, _) => unexpected(status),
        }
    }

    /// A node's information (`id` 0: the local node).
    pub fn node_info(&mut self, id: u32, timeout: Duration) -> Result<NodeInfo, Error> {
        match self.call(timeout, |a| a.controld_node_info(id))? {
            (0, Answer::Info(i)) => Ok(i),
            (status, _) => unexpected(status),
        }
    }
}

/// The scheduler.
pub struct Scheduler(DaemonClient);

impl Scheduler {
    /// Connect (the daemon's credentials are checked).
    pub fn connect() -> Result<Scheduler, Error> {
        DaemonClient::connect(server::SCHEDULERD).map(Scheduler)
    }

    /// The transition graph the scheduler computes for a CIB (its XML text, e.g. from a CIB
    /// query).
    pub fn graph(&mut self, cib: &str, timeout: Duration) -> Result<Graph, Error> {
        match self
            .0
            .call(timeout, |a| a.schedulerd_graph(Some(cib.as_bytes())))?
        {
            (0, Answer::Graph(g)) => Ok(g),
            (status, _) => unexpected(status),
        }
    }
}

/// The attribute manager (its query and update requests are internal API in Pacemaker 3.0.0).
pub struct AttributeManager(DaemonClient);

impl AttributeManager {
    /// Connect (the daemon's credentials are checked).
    pub fn connect() -> Result<AttributeManager, Error> {
        DaemonClient::connect(server::ATTRD).map(AttributeManager)
    }

    /// The values of the node attribute `name` on `node` (`None`: the local node).
    /// `ENXIO` when the attribute does not exist.
    pub fn query(
        &mut self,
        name: &str,
        node: Option<&str>,
        timeout: Duration,
    ) -> Result<Vec<AttributeValue>, Error> {
        let attrs = [
            ("attr_name", Some(name.to_owned())),
            ("attr_host", Some(node.unwrap_or("localhost").to_owned())),
        ];
        match self.0.call(timeout, |a| a.attrd_request("query", &attrs))? {
            (0, Answer::Attributes(v)) => Ok(v),
            (libc::ENXIO, _) => Err(Error(libc::ENXIO)),
            (status, _) => unexpected(status),
        }
    }

    /// Set the node attribute `name` to `value` (`None`: delete it) on `node` (`None`: the
    /// local node). The attribute manager does not answer updates: this returns once it has
    /// the request.
    pub fn update(
        &mut self,
        name: &str,
        value: Option<&str>,
        node: Option<&str>,
    ) -> Result<(), Error> {
        let attrs = [
            ("attr_name", Some(name.to_owned())),
            ("attr_set_type", Some("instance_attributes".to_owned())),
            ("attr_value", value.map(str::to_owned)),
            ("attr_host", node.map(str::to_owned)),
            ("attr_is_remote", Some("0".to_owned())),
            ("attr_is_private", Some("0".to_owned())),
        ];
        let req = self
            .0
            .inner
            .api
            .borrow_mut()
            .attrd_request("update", &attrs)
            .map_err(Error)?;
        // sent without waiting: attrd answers updates on the response channel only when asked
        let req = Request {
            reply_expected: false,
            ..req
        };
        match daemon::send_request(&self.0.inner, &req) {
            rc::OK => Ok(()),
            code => Err(Error(code)),
        }
    }
}
