//! The scheduler (`lib/common/ipc_schedulerd.c`): its request, its reply, and the typed Rust
//! client [`Scheduler`].

use super::daemon_client::{unexpected, DaemonClient};
use super::error::Error;
use super::ipc_api::{parse_server, server, Api, Daemon, Event, Reply, Request, CRM_EX_PROTOCOL};
use super::message::{crm_xml_data, has_reference, is_response, system_name_or, Envelope};
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
/// Whether a message comes from the scheduler: its type says so (3.0), or, as a 2.1 scheduler
/// writes its replies (`create_reply_adv`, which types every reply as the controller's), it
/// says it is from the scheduler's subsystem. Pacemaker 3.0.0 refuses the latter
/// (`CRM_EX_PROTOCOL`); this library reads the graph (docs/differences.md A11).
fn from_scheduler(msg: Node<'_>) -> bool {
    parse_server(msg.attr_str("t")) == server::SCHEDULERD
        || (msg.attr_str("t") == Some("crmd") && msg.attr_str("crm_sys_from") == Some("pengine"))
}

pub(crate) fn decode(msg: Node<'_>) -> (i32, SchedulerdReply<'_>) {
    if !from_scheduler(msg) || !is_response(msg) || !has_reference(msg) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    fn decoded(text: &str) -> (i32, bool) {
        let doc = Document::parse(text.as_bytes()).expect("well-formed");
        let (status, reply) = decode(doc.root());
        (
            status,
            matches!(
                reply,
                SchedulerdReply::Graph {
                    tgraph: Some(_),
                    ..
                }
            ),
        )
    }

    #[test]
    fn the_graph_of_a_3_0_and_of_a_2_1_scheduler_is_read() {
        // 3.0: typed as the scheduler's
        let v3 = r#"<message t="pengine" subt="response" reference="pe_calc-1" crm_task="pe_calc" crm_sys_from="pengine"><crm_xml><transition_graph/></crm_xml></message>"#;
        assert_eq!(decoded(v3), (0, true));
        // 2.1.5 (create_reply_adv): typed as the controller's, from the scheduler's subsystem
        let v2 = r#"<create_reply_adv origin="handle_pecalc_request" t="crmd" version="3.16.1" subt="response" reference="pe_calc-1" crm_task="pe_calc" crm_sys_to="1_client" crm_sys_from="pengine" crm-tgraph-in="/var/lib/pacemaker/pengine/pe-input-1.bz2"><crm_xml><transition_graph/></crm_xml></create_reply_adv>"#;
        assert_eq!(decoded(v2), (0, true));
        // a controller's message is not the scheduler's
        let ctl = r#"<message t="crmd" subt="response" reference="pe_calc-1" crm_task="pe_calc" crm_sys_from="crmd"><crm_xml><transition_graph/></crm_xml></message>"#;
        assert_eq!(decoded(ctl), (CRM_EX_PROTOCOL, false));
    }
}
