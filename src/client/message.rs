//! Pacemaker's message envelope (`lib/common/messages.c`): the XML text of requests as
//! Pacemaker 3.0.0 builds it (attribute order and escaping included), and the checks every
//! daemon's reply decoder shares.

use crate::wire::escape_attr;
use crate::xml::Node;
use std::ffi::CStr;
use std::sync::atomic::{AtomicU32, Ordering};

/// `CRM_FEATURE_SET` of Pacemaker 3.0.0, sent in every request.
pub const FEATURE_SET: &str = "3.20.0";
/// Builds `<name attr="value" ...>children</name>` text with Pacemaker's escaping.
pub(crate) struct Element {
    text: Vec<u8>,
    name: &'static str,
    children: Vec<u8>,
}

impl Element {
    pub(crate) fn new(name: &'static str) -> Element {
        let mut text = Vec::with_capacity(256);
        text.push(b'<');
        text.extend_from_slice(name.as_bytes());
        Element {
            text,
            name,
            children: Vec::new(),
        }
    }

    /// Add an attribute; `None` adds nothing (as `crm_xml_add` with a NULL value).
    pub(crate) fn attr(mut self, name: &str, value: Option<&str>) -> Element {
        if let Some(v) = value {
            self.text.push(b' ');
            self.text.extend_from_slice(name.as_bytes());
            self.text.extend_from_slice(b"=\"");
            escape_attr(v.as_bytes(), &mut self.text);
            self.text.push(b'"');
        }
        self
    }

    pub(crate) fn child(mut self, text: &[u8]) -> Element {
        self.children.extend_from_slice(text);
        self
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.children.is_empty() {
            self.text.extend_from_slice(b"/>");
        } else {
            self.text.push(b'>');
            self.text.extend_from_slice(&self.children);
            self.text.extend_from_slice(b"</");
            self.text.extend_from_slice(self.name.as_bytes());
            self.text.push(b'>');
        }
        self.text
    }
}

/// The fields of a Pacemaker request message (`pcmk__new_request`): the `message` element and,
/// if `data` is given, a `crm_xml` wrapper around it; `extra` attributes follow the standard
/// ones.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Envelope<'a> {
    /// The function Pacemaker names as the origin.
    pub origin: &'a str,
    /// The daemon (`server::*`): its message type.
    pub server: i32,
    pub sender: &'a str,
    pub host_to: Option<&'a str>,
    pub sys_to: Option<&'a str>,
    pub task: &'a str,
    pub extra: &'a [(&'a str, Option<String>)],
    pub data: Option<&'a [u8]>,
}

impl Envelope<'_> {
    /// The request, with a reference made as Pacemaker makes it (its counter), and that
    /// reference.
    pub(crate) fn request(&self) -> (Element, String) {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let reference = reference_for(
            self.task,
            self.sender,
            &COUNTER.fetch_add(1, Ordering::Relaxed).to_string(),
        );
        (self.request_with_reference(&reference), reference)
    }

    /// The request with a reference of the caller's (the library's own requests leave the
    /// counter of the caller's references alone).
    pub(crate) fn request_with_reference(&self, reference: &str) -> Element {
        let Envelope {
            origin,
            server,
            sender,
            host_to,
            sys_to,
            task,
            extra,
            data,
        } = *self;
        let mut e = Element::new("message")
            .attr("origin", Some(origin))
            .attr("t", Some(super::protocol::message_type(server)))
            .attr("subt", Some("request"))
            .attr("version", Some(FEATURE_SET))
            .attr("reference", Some(reference))
            .attr("crm_sys_from", Some(sender))
            .attr("crm_host_to", host_to)
            .attr("crm_sys_to", sys_to)
            .attr("crm_task", Some(task));
        for (k, v) in extra {
            e = e.attr(k, v.as_deref());
        }
        if let Some(d) = data {
            e = e.child(&Element::new("crm_xml").child(d).finish());
        }
        e
    }
}

/// A request's reference as Pacemaker makes it: task, sender, the time in seconds, and `tail`
/// (Pacemaker's counter).
pub(crate) fn reference_for(task: &str, sender: &str, tail: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{task}-{sender}-{now}-{tail}")
}

/// The sender name Pacemaker 3.0.0 puts in requests: libcrmcommon's `crm_system_name` when the
/// process has one, `fallback` otherwise.
pub(crate) fn system_name_or(fallback: &str) -> String {
    crate::crmcommon::system_name().unwrap_or_else(|| fallback.to_owned())
}

/// The data of a message: the first element inside its `crm_xml` wrapper.
pub(crate) fn crm_xml_data(msg: Node<'_>) -> Option<Node<'_>> {
    msg.first_element(Some("crm_xml"))
        .and_then(|w| w.first_element(None))
}

/// Whether a message is a response (`subt="response"`).
pub(crate) fn is_response(msg: Node<'_>) -> bool {
    msg.attr_str("subt") == Some("response")
}

/// Whether a message has a non-empty `reference`.
pub(crate) fn has_reference(msg: Node<'_>) -> bool {
    msg.attr("reference").is_some_and(|r| !r.is_empty())
}

/// An attribute's bytes.
pub(crate) fn bytes(v: Option<&CStr>) -> Option<&[u8]> {
    v.map(CStr::to_bytes)
}
