//! The controller (`lib/common/ipc_controld.c`): its requests, its replies, and the typed Rust
//! client [`Controller`].

use super::daemon_client::{unexpected, DaemonClient};
use super::daemons::controld::eq_ignore_case;
use super::daemons::controld::ControldData;
use super::error::Error;
use super::ipc_api::{server, Api, Daemon, Event, Reply, Request};
use super::message::{system_name_or, Element, Envelope, FEATURE_SET};
use super::text::owned;
use std::time::Duration;

impl Api {
    /// The sender of the controller's requests: the object's id and the program's name.
    fn controld_sender(&self) -> String {
        format!("{}_{}", self.client_uuid, system_name_or("client"))
    }

    /// The controller's count of replies still expected (`pcmk_controld_api_replies_expected`).
    pub fn replies_expected(&self) -> u32 {
        match &self.daemon {
            Daemon::Controld(c) => c.replies_expected,
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
        if !matches!(self.daemon, Daemon::Controld(_)) {
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
        if let Daemon::Controld(c) = &mut self.daemon {
            c.replies_expected += 1;
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
