//! The controller (`lib/common/ipc_controld.c`): its requests, its replies, and the typed Rust
//! client [`Controller`].

use super::daemon_client::{unexpected, DaemonClient};
use super::error::Error;
use super::ipc_api::{server, Api, Daemon, Event, Reply, Request, CRM_EX_PROTOCOL};
use super::message::{
    bytes, crm_xml_data, has_reference, system_name_or, Element, Envelope, FEATURE_SET,
};
use super::text::{attr_int, attr_ll, is_true, owned};
use crate::xml::Node;
use std::ffi::CStr;
use std::time::Duration;

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
fn eq_ignore_case(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

pub(crate) fn decode(msg: Node<'_>) -> (i32, ControldReply<'_>) {
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

impl Api {
    /// The sender of the controller's requests: the object's id and the program's name.
    fn controld_sender(&self) -> String {
        format!("{}_{}", self.client_uuid, system_name_or("client"))
    }

    /// The hello the controller wants after connecting (`create_hello_message`).
    pub(super) fn controld_hello(&self) -> Request {
        let client_name = system_name_or("client");
        let options = Element::new("options")
            .attr("major_version", Some("1"))
            .attr("minor_version", Some("0"))
            .attr("client_name", Some(&client_name))
            .attr("client_uuid", Some(&self.client_uuid))
            .finish();
        let (e, reference) = Envelope {
            origin: "create_hello_message",
            server: server::CONTROLD,
            sender: &format!("{}_{client_name}", self.client_uuid),
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

    /// The controller's count of replies still expected (`pcmk_controld_api_replies_expected`).
    pub fn replies_expected(&self) -> u32 {
        match self.daemon {
            Daemon::Controld { replies_expected } => replies_expected,
            _ => 0,
        }
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
        let (e, reference) = Envelope {
            origin: "create_controller_request",
            server: server::CONTROLD,
            sender: &self.controld_sender(),
            host_to: node,
            sys_to: Some(sys_to),
            task,
            extra,
            data,
        }
        .request();
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

enum Answer {
    Ping(ControllerPing),
    Nodes(Vec<ClusterNode>),
    Info(NodeInfo),
}

fn own(event: &Event<'_>) -> Option<Answer> {
    let Some(Reply::Controld(r)) = &event.data else {
        return None;
    };
    match &r.data {
        ControldData::Ping {
            sys_from,
            fsa_state,
            result,
        } => Some(Answer::Ping(ControllerPing {
            sys_from: owned(*sys_from),
            fsa_state: owned(*fsa_state),
            result: owned(*result),
        })),
        ControldData::Nodes(ns) => Some(Answer::Nodes(
            ns.iter()
                .map(|n| ClusterNode {
                    id: n.id,
                    name: owned(n.uname),
                    state: owned(n.state),
                })
                .collect(),
        )),
        ControldData::Info {
            have_quorum,
            is_remote,
            id,
            uuid,
            uname,
            state,
        } => Some(Answer::Info(NodeInfo {
            have_quorum: *have_quorum,
            is_remote: *is_remote,
            id: *id,
            uuid: owned(*uuid),
            name: owned(*uname),
            state: owned(*state),
        })),
        _ => None,
    }
}

/// The controller.
pub struct Controller(DaemonClient<Answer>);

impl Controller {
    /// Connect (the daemon's credentials are checked; the controller's hello is sent).
    pub fn connect() -> Result<Controller, Error> {
        DaemonClient::connect(server::CONTROLD, own).map(Controller)
    }

    fn call(
        &mut self,
        timeout: Duration,
        build: impl FnOnce(&Api) -> Result<Request, i32>,
    ) -> Result<(i32, Option<Answer>), Error> {
        self.0.call(timeout, |a| {
            let req = build(a)?;
            a.expect_reply();
            Ok(req)
        })
    }

    /// Ping the controller of `node` (`None`: the DC).
    pub fn ping(&mut self, node: Option<&str>, timeout: Duration) -> Result<ControllerPing, Error> {
        match self.call(timeout, |a| a.controld_ping(node))? {
            (0, Some(Answer::Ping(p))) => Ok(p),
            (status, _) => unexpected(status),
        }
    }

    /// The cluster's nodes (in the order Pacemaker 3.0.0 gives them).
    pub fn list_nodes(&mut self, timeout: Duration) -> Result<Vec<ClusterNode>, Error> {
        match self.call(timeout, |a| a.controld_list_nodes())? {
            (0, Some(Answer::Nodes(n))) => Ok(n),
            (status, _) => unexpected(status),
        }
    }

    /// A node's information (`id` 0: the local node).
    pub fn node_info(&mut self, id: u32, timeout: Duration) -> Result<NodeInfo, Error> {
        match self.call(timeout, |a| a.controld_node_info(id))? {
            (0, Some(Answer::Info(i))) => Ok(i),
            (status, _) => unexpected(status),
        }
    }
}
