//! The scheduler (`lib/common/ipc_schedulerd.c`): its request, its reply, and the typed Rust
//! client [`Scheduler`].

use super::daemon_client::{unexpected, DaemonClient};
use super::daemons::schedulerd::SchedulerdReply;
use super::error::Error;
use super::ipc_api::{server, Api, Daemon, Event, Reply, Request};
use super::message::{system_name_or, Envelope};
use super::text::owned;
use crate::xml;
use std::time::Duration;

impl Api {
    /// `pcmk_schedulerd_api_graph`: a transition graph for `cib` (its XML text).
    pub fn schedulerd_graph(&self, cib: Option<&[u8]>) -> Result<Request, i32> {
        if !matches!(self.daemon, Daemon::Schedulerd(_)) {
            return Err(libc::EINVAL);
        }
        let (e, reference) = Envelope {
            origin: "do_schedulerd_api_call",
            server: server::SCHEDULERD,
            sender: &format!("{}_{}", self.client_uuid, system_name_or("client")),
            sys_to: Some("pengine"),
            task: "pe_calc",
            data: cib,
            ..Envelope::default()
        }
        .request();
        Ok(Request {
            text: e.finish(),
            reference: Some(reference),
            reply_expected: true,
        })
    }
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

fn own(event: &Event<'_>) -> Option<Graph> {
    match &event.data {
        Some(Reply::Schedulerd(SchedulerdReply::Graph {
            tgraph,
            reference,
            input,
        })) => Some(Graph {
            xml: tgraph
                .map(|n| String::from_utf8_lossy(&xml::to_text(n)).into_owned())
                .unwrap_or_default(),
            reference: owned(*reference),
            input: owned(*input),
        }),
        _ => None,
    }
}

/// The scheduler.
pub struct Scheduler(DaemonClient<Graph>);

impl Scheduler {
    /// Connect (the daemon's credentials are checked).
    pub fn connect() -> Result<Scheduler, Error> {
        DaemonClient::connect(server::SCHEDULERD, own).map(Scheduler)
    }

    /// The transition graph the scheduler computes for a CIB (its XML text, e.g. from a CIB
    /// query).
    pub fn graph(&mut self, cib: &str, timeout: Duration) -> Result<Graph, Error> {
        match self
            .0
            .call(timeout, |a| a.schedulerd_graph(Some(cib.as_bytes())))?
        {
            (0, Some(g)) => Ok(g),
            (status, _) => unexpected(status),
        }
    }
}
