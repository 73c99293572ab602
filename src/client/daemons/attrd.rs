//! The attribute manager's protocol (`lib/common/ipc_attrd.c`): its reply and its decoding.

use crate::client::protocol::{DaemonProtocol, CRM_EX_PROTOCOL};
use crate::xml::Node;
use std::ffi::CStr;

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
pub(crate) fn decode_reply(msg: Node<'_>) -> (i32, AttrdReply<'_>) {
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

/// The attribute manager keeps no state of its own.
#[derive(Debug)]
pub(crate) struct State;

impl DaemonProtocol for State {
    type Reply<'a> = AttrdReply<'a>;

    fn new() -> State {
        State
    }

    fn decode<'a>(&mut self, msg: Node<'a>) -> (Option<(i32, AttrdReply<'a>)>, bool) {
        if msg.is("ack") {
            return (None, false);
        }
        (Some(decode_reply(msg)), false)
    }
}
