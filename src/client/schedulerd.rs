//! The scheduler (`lib/common/ipc_schedulerd.c`): its request, its reply, and the typed Rust
//! client [`Scheduler`].

use super::daemon_client::{unexpected, DaemonClient};
use super::ipc_api::{parse_server, server, Api, Daemon, Event, Reply, Request, CRM_EX_PROTOCOL};
use super::message::{crm_xml_data, has_reference, is_response, new_request, system_name_or};
use super::simple::Error;
use super::text::owned;
use crate::xml::{self, Node};
use std::ffi::CStr;
use std::time::Duration;

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
pub(crate) fn decode(msg: Node<'_>) -> (i32, SchedulerdReply<'_>) {
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

impl Api {
    /// `pcmk_schedulerd_api_graph`: a transition graph for `cib` (its XML text).
    pub fn schedulerd_graph(&self, cib: Option<&[u8]>) -> Result<Request, i32> {
        if !matches!(self.daemon, Daemon::Schedulerd) {
            return Err(libc::EINVAL);
        }
        let (e, reference) = new_request(
            "do_schedulerd_api_call",
            server::SCHEDULERD,
            &format!("{}_{}", self.client_uuid, system_name_or("client")),
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
