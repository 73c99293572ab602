//! pacemakerd's protocol (`lib/common/ipc_pacemakerd.c`): its replies and their decoding.

use crate::client::message::{bytes, crm_xml_data, has_reference, is_response};
use crate::client::protocol::{DaemonProtocol, CRM_EX_INDETERMINATE, CRM_EX_PROTOCOL};
use crate::client::rc;
use crate::client::text::{attr_ll, scan_ll};
use crate::xml::Node;
use std::ffi::CStr;

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
pub fn state_from_text(text: Option<&[u8]>) -> i32 {
    text.and_then(|t| PACEMAKERD_STATES.iter().position(|s| s.as_bytes() == t))
        .map_or(-1, |i| i as i32)
}

/// `pcmk_pacemakerd_api_daemon_state_enum2text`.
pub fn state_text(state: i32) -> &'static str {
    usize::try_from(state)
        .ok()
        .and_then(|i| PACEMAKERD_STATES.get(i))
        .copied()
        .unwrap_or("invalid")
}

pub(crate) fn decode_reply(msg: Node<'_>) -> (i32, PacemakerdReply<'_>) {
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
                    state: state_from_text(bytes(get("pacemakerd_state"))),
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

/// Whether pacemakerd's ack announces the real reply as an event (status
/// `CRM_EX_INDETERMINATE`).
fn ack_announces_reply(ack: Node<'_>) -> bool {
    let status = ack
        .attr("status")
        .and_then(|s| scan_ll(s.to_bytes()))
        .map_or(0, |r| r.unwrap_or_else(|c| c));
    status == CRM_EX_INDETERMINATE as i64
}

/// pacemakerd keeps no state of its own.
#[derive(Debug)]
pub(crate) struct State;

impl DaemonProtocol for State {
    type Reply<'a> = PacemakerdReply<'a>;

    fn new() -> State {
        State
    }

    fn decode<'a>(&mut self, msg: Node<'a>) -> (Option<(i32, PacemakerdReply<'a>)>, bool) {
        if msg.is("ack") {
            return (None, ack_announces_reply(msg));
        }
        (Some(decode_reply(msg)), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    fn pacemakerd(text: &str) -> (i32, String) {
        let doc = Document::parse(text.as_bytes()).expect("well-formed");
        let (status, reply) = decode_reply(doc.root());
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
