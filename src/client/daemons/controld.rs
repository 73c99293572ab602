//! The controller's protocol (`lib/common/ipc_controld.c`): its replies and their decoding, the
//! hello it wants first, and the count of replies it still owes.

use crate::client::message::{
    bytes, crm_xml_data, has_reference, system_name_or, Element, Envelope,
};
use crate::client::protocol::{server, DaemonProtocol, Request, CRM_EX_PROTOCOL};
use crate::client::text::{attr_int, attr_ll, is_true};
use crate::xml::Node;
use std::ffi::CStr;

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
/// Two optional names equal but for ASCII case.
pub(crate) fn eq_ignore_case(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

pub(crate) fn decode_reply(msg: Node<'_>) -> (i32, ControldReply<'_>) {
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

/// The hello the controller wants after connecting (`create_hello_message`).
fn hello(client_uuid: &str) -> Request {
    let client_name = system_name_or("client");
    let options = Element::new("options")
        .attr("major_version", Some("1"))
        .attr("minor_version", Some("0"))
        .attr("client_name", Some(&client_name))
        .attr("client_uuid", Some(client_uuid))
        .finish();
    let (e, reference) = Envelope {
        origin: "create_hello_message",
        server: server::CONTROLD,
        sender: &format!("{client_uuid}_{client_name}"),
        task: "hello",
        data: Some(&options),
        ..Envelope::default()
    }
    .request();
    Request {
        text: e.finish(),
        reference: Some(reference),
        reply_expected: false,
    }
}

/// The controller's state: the replies it still owes (`pcmk_controld_api_replies_expected`).
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) replies_expected: u32,
}

impl DaemonProtocol for State {
    type Reply<'a> = ControldReply<'a>;

    fn new() -> State {
        State {
            replies_expected: 0,
        }
    }

    fn post_connect(&mut self, client_uuid: &str) -> Option<Request> {
        Some(hello(client_uuid))
    }

    fn decode<'a>(&mut self, msg: Node<'a>) -> (Option<(i32, ControldReply<'a>)>, bool) {
        if msg.is("ack") {
            return (None, self.replies_expected > 0);
        }
        self.replies_expected = self.replies_expected.saturating_sub(1);
        (Some(decode_reply(msg)), false)
    }
}
