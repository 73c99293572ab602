//! The CIB manager (`pacemaker-based`) in Rust: what libcib's native client does, typed.
//!
//! [`Cib`] signs on to one of the CIB manager's three services, sends synchronous requests
//! (queries of the whole CIB, a section or an XPath; create, modify, replace and delete with
//! Pacemaker's call options) and receives the CIB's change notifications (diffs; a replace
//! comes as a diff of operation `cib_replace`).
//!
//! ```no_run
//! use pcmk_ipc_rs::client::cib::{Cib, CibService, CallOptions};
//! use std::time::Duration;
//!
//! let mut cib = Cib::connect(CibService::ReadWrite, "my-tool")?;
//! let whole = cib.query()?;
//! let nodes = cib.query_section("nodes")?;
//! let props = cib.query_xpath("//cluster_property_set", CallOptions::NONE)?;
//! cib.subscribe()?;
//! cib.modify(
//!     Some("crm_config"),
//!     r#"<cluster_property_set id="mine"><nvpair id="mine-a" name="a" value="1"/></cluster_property_set>"#,
//!     CallOptions::CAN_CREATE,
//! )?;
//! if let Some(change) = cib.wait_notification(Some(Duration::from_secs(5)))? {
//!     println!("{} by {:?}: {}", change.operation, change.client_name, change.diff);
//! }
//! # Ok::<(), pcmk_ipc_rs::client::Error>(())
//! ```

use super::error::{Error, Malformed, Status};
use super::message::Element;
use super::rc;
use super::simple::Client;
use crate::xml::{to_text, Document, Node};
use std::ops::BitOr;
use std::time::{Duration, Instant};

/// The CIB manager's services (`enum cib_conn_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CibService {
    /// `cib_ro`: queries only (`cib_query`).
    ReadOnly,
    /// `cib_rw`: every request (`cib_command`).
    ReadWrite,
    /// `cib_shm`: every request (`cib_command_nonblocking`).
    SharedMemory,
}

impl CibService {
    /// The libqb service name.
    pub fn name(self) -> &'static str {
        match self {
            CibService::ReadOnly => "cib_ro",
            CibService::ReadWrite => "cib_rw",
            CibService::SharedMemory => "cib_shm",
        }
    }
}

/// Call options of a request (`enum cib_call_options`; the same values from 2.1 to 3.0).
/// Every request of [`Cib`] is synchronous: `cib_sync_call` is always added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallOptions(u32);

impl CallOptions {
    /// No option.
    pub const NONE: CallOptions = CallOptions(0);
    /// The section is an XPath expression (`cib_xpath`).
    pub const XPATH: CallOptions = CallOptions(1 << 1);
    /// Act on every element the XPath matches (`cib_multiple`).
    pub const MULTIPLE: CallOptions = CallOptions(1 << 2);
    /// Create what a modify does not find (`cib_can_create`).
    pub const CAN_CREATE: CallOptions = CallOptions(1 << 3);
    /// A query without the matches' children (`cib_no_children`).
    pub const NO_CHILDREN: CallOptions = CallOptions(1 << 5);
    /// A query answering the matches' XPaths (`cib_xpath_address`).
    pub const XPATH_ADDRESS: CallOptions = CallOptions(1 << 6);
    /// Check the change, apply nothing (`cib_dryrun`).
    pub const DRY_RUN: CallOptions = CallOptions(1 << 9);
    /// `name++` and `name+=X` values are score arithmetic (`cib_score_update`, 3.0 and
    /// later; 2.1 daemons know no such bit and expand such values whatever the options).
    pub const SCORE_UPDATE: CallOptions = CallOptions(1 << 11);
    /// Leave `cib-last-written` as it is (`cib_no_mtime`).
    pub const NO_MTIME: CallOptions = CallOptions(1 << 13);
    /// No notification for this change (`cib_inhibit_notify`).
    pub const INHIBIT_NOTIFY: CallOptions = CallOptions(1 << 16);
    const SYNC_CALL: u32 = 1 << 12;

    /// The bits, as `cib_callopt` carries them.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether every option of `other` is set.
    pub fn contains(self, other: CallOptions) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for CallOptions {
    type Output = CallOptions;
    fn bitor(self, other: CallOptions) -> CallOptions {
        CallOptions(self.0 | other.0)
    }
}

/// A change of the CIB, as the CIB manager notifies it (`cib_diff_notify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The request that made it (`cib_modify`, `cib_create`, `cib_replace`, `cib_delete`, …).
    pub operation: String,
    /// The result of that request.
    pub status: Status,
    /// The name the requesting client signed on with (3.0 and later; 2.1 does not say).
    pub client_name: Option<String>,
    /// The requesting client's id, to compare with [`Cib::client_id`] for one's own changes
    /// (3.0 and later; 2.1 does not say).
    pub client_id: Option<String>,
    /// The node the request came from, when given.
    pub origin: Option<String>,
    /// The patch (`<diff …>`), as XML text.
    pub diff: String,
}

/// A signed-on connection to the CIB manager.
pub struct Cib {
    client: Client,
    token: String,
    name: String,
    call_id: i32,
    timeout: Duration,
}

/// `CRM_EX_INVALID_PARAM`: the CIB manager's ack to a notification switch it cannot read.
const CRM_EX_INVALID_PARAM: i32 = 2;
/// `CRM_EX_PROTOCOL`: its nack to a message it does not know.
const CRM_EX_PROTOCOL: i32 = 76;

/// The IPC buffer libcib's native client asks for (`cib_native_signon`).
const CIB_BUFFER: usize = 512 * 1024;

/// libcib's limit for a request (`PCMK__IPC_TIMEOUT`, 120 s).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

impl Cib {
    /// Connect to `service` and sign on as `name` (what the CIB manager logs and puts in
    /// notifications).
    pub fn connect(service: CibService, name: &str) -> Result<Cib, Error> {
        // the buffer libcib asks for (512 KiB; the daemon's may be larger)
        let client = Client::connect_with_buffer(service.name(), CIB_BUFFER)?;
        let mut cib = Cib {
            client,
            token: String::new(),
            name: name.to_owned(),
            call_id: 0,
            timeout: DEFAULT_TIMEOUT,
        };
        let reply = cib.exchange(
            Element::new("cib_command")
                .attr("t", Some("cib"))
                .attr("cib_op", Some("register"))
                .attr("cib_clientname", Some(name)),
            0,
            None,
        )?;
        let doc = parse(&reply)?;
        let root = doc.root();
        if root.attr_str("cib_op") != Some("register") {
            return Err(Error::Malformed(Malformed::Unexpected));
        }
        cib.token = root
            .attr_str("cib_clientid")
            .ok_or(Error::Malformed(Malformed::Unexpected))?
            .to_owned();
        Ok(cib)
    }

    /// The id the CIB manager gave this client.
    pub fn client_id(&self) -> &str {
        &self.token
    }

    /// The name this client signed on with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How long a request may wait for its answer (default 120 s, as libcib).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Whether the CIB manager is still there.
    pub fn is_connected(&mut self) -> bool {
        self.client.is_connected()
    }

    /// The descriptor to poll for notifications.
    pub fn poll_fd(&self) -> Option<std::os::fd::RawFd> {
        self.client.poll_fd()
    }

    /// The whole CIB, as XML text.
    pub fn query(&mut self) -> Result<String, Error> {
        self.request("cib_query", None, None, CallOptions::NONE)
            .and_then(answer)
    }

    /// One section (`"configuration"`, `"nodes"`, `"resources"`, `"constraints"`,
    /// `"crm_config"`, `"rsc_defaults"`, `"op_defaults"`, `"status"`, …).
    pub fn query_section(&mut self, section: &str) -> Result<String, Error> {
        self.request("cib_query", Some(section), None, CallOptions::NONE)
            .and_then(answer)
    }

    /// What an XPath expression matches (several matches come inside `<xpath-query>`).
    /// A match of nothing is [`Error::Daemon`] with `ENXIO`.
    pub fn query_xpath(&mut self, xpath: &str, options: CallOptions) -> Result<String, Error> {
        self.request("cib_query", Some(xpath), None, options | CallOptions::XPATH)
            .and_then(answer)
    }

    /// Add `xml` under `section` (`None`: where its element belongs, as `cibadmin --create`).
    pub fn create(
        &mut self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_create", section, Some(xml), options)
            .map(drop)
    }

    /// Merge `xml` into the element of the same name and id in `section`.
    pub fn modify(
        &mut self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_modify", section, Some(xml), options)
            .map(drop)
    }

    /// Replace `section` (`None`: the whole CIB) with `xml`.
    pub fn replace(
        &mut self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_replace", section, Some(xml), options)
            .map(drop)
    }

    /// Delete the element matching `xml` (its name and id) from `section`.
    pub fn delete(
        &mut self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_delete", section, Some(xml), options)
            .map(drop)
    }

    /// Delete what an XPath expression matches.
    pub fn delete_xpath(&mut self, xpath: &str, options: CallOptions) -> Result<(), Error> {
        self.request(
            "cib_delete",
            Some(xpath),
            None,
            options | CallOptions::XPATH,
        )
        .map(drop)
    }

    /// Any request (`op` as Pacemaker names it, e.g. `"cib_bump"`, `"cib_upgrade"`): the
    /// answer's data, if it has any.
    pub fn request(
        &mut self,
        op: &str,
        section: Option<&str>,
        data: Option<&str>,
        options: CallOptions,
    ) -> Result<Option<String>, Error> {
        let data = match data {
            Some(text) => {
                let doc = Document::parse(text.as_bytes()).ok_or_else(|| {
                    Error::InvalidInput(format!("{op}: the data is not well-formed XML"))
                })?;
                Some(to_text(doc.root()))
            }
            None => None,
        };
        let msg = Element::new("cib_command")
            .attr("t", Some("cib"))
            .attr("cib_op", Some(op))
            .attr("cib_section", section);
        let reply = self.exchange(msg, options.0, data.as_deref())?;
        let doc = parse(&reply)?;
        let root = doc.root();
        if root.attr_str("cib_callid") != Some(&self.call_id.to_string()) {
            return Err(Error::Malformed(Malformed::Unexpected));
        }
        let code = root
            .attr_str("cib_rc")
            .and_then(|v| v.parse::<i32>().ok())
            .ok_or(Error::Malformed(Malformed::Unexpected))?;
        // libcib hides this internal code from its callers
        let code = if code == -207 { 0 } else { rc::legacy2rc(code) };
        if code != 0 {
            return Err(Error::Daemon(Status::new(code)));
        }
        Ok(root
            .first_element(Some("cib_calldata"))
            .and_then(|w| w.first_element(None))
            .map(text_of))
    }

    /// Ask for the CIB's change notifications (`cib_diff_notify`); they come from
    /// [`Cib::wait_notification`] and [`Cib::notifications`].
    pub fn subscribe(&mut self) -> Result<(), Error> {
        self.notify_switch(true)
    }

    /// Stop the change notifications.
    pub fn unsubscribe(&mut self) -> Result<(), Error> {
        self.notify_switch(false)
    }

    fn notify_switch(&mut self, on: bool) -> Result<(), Error> {
        let msg = Element::new("cib-callback")
            .attr("cib_op", Some("cib_notify"))
            .attr("cib_notify_type", Some("cib_diff_notify"))
            .attr("cib_notify_activate", Some(if on { "1" } else { "0" }))
            .finish();
        let reply = self.send_text(&msg)?;
        let doc = parse(&reply)?;
        // the ack's status is an exit code (crm_exit_t), not a return code
        match doc.root().attr_str("status").map(str::parse::<i32>) {
            None | Some(Ok(0)) => Ok(()),
            Some(Ok(CRM_EX_INVALID_PARAM)) => Err(Error::Daemon(Status::new(libc::EINVAL))),
            Some(Ok(CRM_EX_PROTOCOL)) => Err(Error::Daemon(Status::new(libc::EPROTO))),
            Some(Ok(_)) => Err(Error::Daemon(Status::new(rc::RC_ERROR))),
            Some(Err(_)) => Err(Error::Malformed(Malformed::Unexpected)),
        }
    }

    /// The next change notification, waiting up to `timeout` (`None`: until one comes or the
    /// CIB manager goes away); `Ok(None)` when none came in time. Other messages are skipped.
    pub fn wait_notification(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<Notification>, Error> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let Some(msg) = self.client.wait_event(left)? else {
                return Ok(None);
            };
            if let Some(n) = notification(&msg.text) {
                return Ok(Some(n));
            }
            // another message: go on, also past the deadline while more are queued (a limit
            // of zero reads everything already there)
        }
    }

    /// The change notifications as they come, without limit. A message that cannot be read
    /// is an error item and the iterator goes on; it ends after the error that ends the
    /// connection ([`Error::ends_connection`]: the CIB manager gone).
    pub fn notifications(&mut self) -> Notifications<'_> {
        Notifications {
            cib: self,
            done: false,
        }
    }

    /// Send a command with the next call id and these options (and `cib_sync_call`), and wait
    /// for its reply.
    fn exchange(
        &mut self,
        msg: Element,
        options: u32,
        data: Option<&[u8]>,
    ) -> Result<String, Error> {
        self.call_id = self
            .call_id
            .checked_add(1)
            .filter(|id| *id > 0)
            .unwrap_or(1);
        let mut msg = msg
            .attr("cib_callid", Some(&self.call_id.to_string()))
            .attr(
                "cib_callopt",
                Some(&(options | CallOptions::SYNC_CALL).to_string()),
            );
        if let Some(d) = data {
            let wrapper = Element::new("cib_calldata").child(d).finish();
            msg = msg.child(&wrapper);
        }
        self.send_text(&msg.finish())
    }

    fn send_text(&mut self, msg: &[u8]) -> Result<String, Error> {
        let text = std::str::from_utf8(msg)
            .map_err(|_| Error::InvalidInput("a request that is not UTF-8".into()))?;
        Ok(self.client.request(text, Some(self.timeout))?.text)
    }
}

/// See [`Cib::notifications`].
pub struct Notifications<'a> {
    cib: &'a mut Cib,
    done: bool,
}

impl Iterator for Notifications<'_> {
    type Item = Result<Notification, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.cib.wait_notification(None) {
            Ok(Some(n)) => Some(Ok(n)),
            Ok(None) => None,
            Err(e) => {
                self.done = e.ends_connection();
                Some(Err(e))
            }
        }
    }
}

fn parse(text: &str) -> Result<Document, Error> {
    Document::parse(text.as_bytes()).ok_or(Error::Malformed(Malformed::Frame))
}

fn text_of(node: Node<'_>) -> String {
    String::from_utf8_lossy(&to_text(node)).into_owned()
}

/// A query's answer must have data.
fn answer(data: Option<String>) -> Result<String, Error> {
    data.ok_or(Error::Malformed(Malformed::Unexpected))
}

/// A change notification from an event's text, if it is one.
fn notification(text: &str) -> Option<Notification> {
    let doc = Document::parse(text.as_bytes())?;
    let root = doc.root();
    if root.attr_str("t") != Some("cib_notify") || root.attr_str("subt") != Some("cib_diff_notify")
    {
        return None;
    }
    let owned = |name: &str| root.attr_str(name).unwrap_or("").to_owned();
    let given = |name: &str| root.attr_str(name).map(str::to_owned);
    let code = root
        .attr_str("cib_rc")
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0);
    Some(Notification {
        operation: owned("cib_op"),
        status: Status::new(rc::legacy2rc(code)),
        client_name: given("cib_clientname"),
        client_id: given("cib_clientid"),
        origin: root.attr_str("src").map(str::to_owned),
        diff: root
            .first_element(Some("cib_update_result"))
            .and_then(|w| w.first_element(None))
            .map(text_of)
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_services() {
        let o = CallOptions::XPATH | CallOptions::MULTIPLE;
        assert_eq!(o.bits(), 6);
        assert!(o.contains(CallOptions::XPATH));
        assert!(!o.contains(CallOptions::CAN_CREATE));
        assert_eq!(CibService::ReadOnly.name(), "cib_ro");
        assert_eq!(CibService::SharedMemory.name(), "cib_shm");
    }

    #[test]
    fn notifications_are_read() {
        let text = r#"<notify t="cib_notify" subt="cib_diff_notify" cib_op="cib_modify" cib_clientid="abc" cib_clientname="me" cib_callid="3" src="node1" cib_rc="-203"><cib_update_result><diff format="2"><version/></diff></cib_update_result></notify>"#;
        let n = notification(text).unwrap();
        assert_eq!(n.operation, "cib_modify");
        assert_eq!(n.client_name.as_deref(), Some("me"));
        assert_eq!(n.client_id.as_deref(), Some("abc"));
        assert_eq!(n.origin.as_deref(), Some("node1"));
        assert_eq!(n.status.code(), rc::RC_SCHEMA_VALIDATION);
        assert!(n.diff.starts_with("<diff format=\"2\">"), "{}", n.diff);
        assert!(notification(r#"<notify t="cib_notify" subt="cib_pre_notify"/>"#).is_none());
        assert!(notification("<ack/>").is_none());
    }
}
