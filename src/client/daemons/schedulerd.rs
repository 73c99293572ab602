//! The scheduler's protocol (`lib/common/ipc_schedulerd.c`): its reply and its decoding.

use crate::client::message::{crm_xml_data, has_reference, is_response};
use crate::client::protocol::{parse_server, server, DaemonProtocol, CRM_EX_PROTOCOL};
use crate::xml::Node;
use std::ffi::CStr;

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

pub(crate) fn decode_reply(msg: Node<'_>) -> (i32, SchedulerdReply<'_>) {
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

/// The scheduler keeps no state of its own.
#[derive(Debug)]
pub(crate) struct State;

impl DaemonProtocol for State {
    type Reply<'a> = SchedulerdReply<'a>;
    /// A transition graph can be large: 3.0.0 asks for 5 MiB.
    const BUFFER_SIZE: usize = 5 * 1024 * 1024;

    fn new() -> State {
        State
    }

    fn decode<'a>(&mut self, msg: Node<'a>) -> (Option<(i32, SchedulerdReply<'a>)>, bool) {
        if msg.is("ack") {
            return (None, false);
        }
        (Some(decode_reply(msg)), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    fn decoded(text: &str) -> (i32, bool) {
        let doc = Document::parse(text.as_bytes()).expect("well-formed");
        let (status, reply) = decode_reply(doc.root());
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
