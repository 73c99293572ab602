//! The attribute manager (`lib/common/ipc_attrd.c`): its requests (internal API in Pacemaker
//! 3.0.0, used by `attrd_updater`, `crm_attribute` and the controller), its reply, and the typed
//! Rust client [`AttributeManager`].

use super::daemon_client::{unexpected, DaemonClient};
use super::daemons::attrd::AttrdReply;
use super::error::{Error, Status};
use super::ipc_api::{server, Api, Daemon, Event, Reply, Request};
use super::message::Element;
use super::text::owned;
use std::time::Duration;

/// Options of attribute requests (`enum pcmk__node_attr_opts`, Pacemaker 3.0.0 values).
pub mod options {
    /// The node is a Pacemaker Remote node.
    pub const REMOTE: u32 = 1 << 0;
    /// The attribute is private (not written to the CIB).
    pub const PRIVATE: u32 = 1 << 1;
    /// The name is a regular expression.
    pub const PATTERN: u32 = 1 << 2;
    /// Update the value.
    pub const VALUE: u32 = 1 << 3;
    /// Update the dampening delay.
    pub const DELAY: u32 = 1 << 4;
    /// A permanent attribute (not transient).
    pub const PERM: u32 = 1 << 5;
    /// Return once the local attribute manager has it.
    pub const SYNC_LOCAL: u32 = 1 << 6;
    /// Return once every node's attribute manager has it.
    pub const SYNC_CLUSTER: u32 = 1 << 7;
    /// A utilization attribute.
    pub const UTILIZATION: u32 = 1 << 8;
    /// Query the attribute on every node.
    pub const QUERY_ALL: u32 = 1 << 9;
}

/// The tasks the attribute manager answers (`reply_expected` of `ipc_attrd.c`).
fn answered(task: &str) -> bool {
    matches!(
        task,
        "clear-failure" | "query" | "refresh" | "update" | "update-both" | "update-delay"
    )
}

/// `pcmk__node_attr_target`: for no node, "auto" or "localhost", the node a resource agent
/// runs for (from the executor's environment), `None` otherwise or when there is none.
pub fn node_attr_target(name: Option<&str>) -> Option<String> {
    let local = name.map_or(true, |n| {
        n.eq_ignore_ascii_case("auto") || n.eq_ignore_ascii_case("localhost")
    });
    if !local {
        return None;
    }
    let env = |v: &str| std::env::var_os(v).map(|s| s.to_string_lossy().into_owned());
    let target = env("OCF_RESKEY_CRM_meta_container_attribute_target");
    let physical = env("OCF_RESKEY_CRM_meta_physical_host");
    match physical {
        Some(p) if target.is_some_and(|t| t.eq_ignore_ascii_case("host")) => Some(p),
        _ => env("OCF_RESKEY_CRM_meta_on_node").or_else(|| name.map(str::to_owned)),
    }
}

/// The node a request is for: `pcmk__node_attr_target`'s answer, else the node given.
fn target(node: Option<&str>) -> Option<String> {
    node_attr_target(node).or_else(|| node.map(str::to_owned))
}

/// `create_attrd_op`: the request element with its type, source and user.
fn attrd_op(name: &'static str, user: Option<&str>) -> Element {
    let src = super::message::system_name_or("unknown");
    Element::new(name)
        .attr("t", Some("attrd"))
        .attr("src", Some(&src))
        .attr("attr_user", user)
}

/// `add_op_attr`: the update task the options ask for.
fn update_task(options: u32) -> Option<&'static str> {
    let both = options::VALUE | options::DELAY;
    if options & both == both {
        Some("update-both")
    } else if options & options::VALUE != 0 {
        Some("update")
    } else if options & options::DELAY != 0 {
        Some("update-delay")
    } else {
        None
    }
}

fn flag(options: u32, bit: u32) -> Option<&'static str> {
    Some(if options & bit != 0 { "1" } else { "0" })
}

/// One attribute of an update.
#[derive(Debug, Clone, Copy, Default)]
pub struct Update<'a> {
    /// The node (`None`: the local node, as the attribute manager sees it).
    pub node: Option<&'a str>,
    /// The attribute's name (a regular expression with [`options::PATTERN`]).
    pub name: &'a str,
    /// Its new value (`None`: delete it).
    pub value: Option<&'a str>,
}

/// What an update says besides the attribute (the same for every attribute of a list).
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateSettings<'a> {
    /// Dampening delay.
    pub dampen: Option<&'a str>,
    /// The attribute set's id.
    pub set: Option<&'a str>,
    /// The user whose rights apply.
    pub user: Option<&'a str>,
    /// [`options`] bits.
    pub options: u32,
}

/// `populate_update_op`: an update's attributes on `e`.
fn populate_update(mut e: Element, update: &Update<'_>, settings: &UpdateSettings<'_>) -> Element {
    let o = settings.options;
    let name_attr = if o & options::PATTERN != 0 {
        "attr_regex"
    } else {
        "attr_name"
    };
    let set_type = if o & options::UTILIZATION != 0 {
        "utilization"
    } else {
        "instance_attributes"
    };
    e = e
        .attr(name_attr, Some(update.name))
        .attr("attr_set_type", Some(set_type))
        .attr("task", update_task(o))
        .attr("attr_value", update.value)
        .attr("attr_dampening", settings.dampen)
        .attr("attr_host", update.node)
        .attr("attr_set", settings.set)
        .attr("attr_is_remote", flag(o, options::REMOTE))
        .attr("attr_is_private", flag(o, options::PRIVATE));
    let sync = if o & options::SYNC_LOCAL != 0 {
        Some("local")
    } else if o & options::SYNC_CLUSTER != 0 {
        Some("cluster")
    } else {
        None
    };
    e.attr("attr_sync_point", sync)
}

fn request(e: Element, task: Option<&str>, daemon: &Daemon) -> Request {
    // the object's daemon decides whether a sync-mode send waits (only attrd answers these)
    let reply_expected = matches!(daemon, Daemon::Attrd(_)) && task.is_some_and(answered);
    Request {
        text: e.finish(),
        reference: None,
        reply_expected,
    }
}

impl Api {
    /// `pcmk__attrd_api_update`: set (or with no value, delete) one attribute. `EINVAL`
    /// without a name.
    pub fn attrd_update(
        &self,
        update: &Update<'_>,
        settings: &UpdateSettings<'_>,
    ) -> Result<Request, i32> {
        let node = target(update.node);
        let update = Update {
            node: node.as_deref(),
            ..*update
        };
        let e = populate_update(
            attrd_op("create_attrd_op", settings.user),
            &update,
            settings,
        );
        Ok(request(e, update_task(settings.options), &self.daemon))
    }

    /// The one request of `pcmk__attrd_api_update_list` in a daemon (`pcmk__is_daemon`): an
    /// `op` child per attribute. Outside daemons, 3.0.0 sends one update per attribute
    /// ([`Api::attrd_update`]).
    pub fn attrd_update_list(
        &self,
        updates: &[Update<'_>],
        settings: &UpdateSettings<'_>,
    ) -> Result<Request, i32> {
        if updates.is_empty() {
            return Err(libc::EINVAL);
        }
        let task = update_task(settings.options);
        let mut e = attrd_op("create_attrd_op", settings.user).attr("task", task);
        for u in updates {
            let node = node_attr_target(u.node).or_else(|| u.node.map(str::to_owned));
            let one = Update {
                node: node.as_deref(),
                ..*u
            };
            e = e.child(&populate_update(Element::new("op"), &one, settings).finish());
        }
        Ok(request(e, task, &self.daemon))
    }

    /// `pcmk__attrd_api_query`: the values of `name` on `node` (`None`: the local node), or
    /// on every node with [`options::QUERY_ALL`].
    pub fn attrd_query(
        &self,
        node: Option<&str>,
        name: &str,
        options: u32,
    ) -> Result<Request, i32> {
        let node = if options & options::QUERY_ALL != 0 {
            None
        } else {
            Some(target(node).unwrap_or_else(|| "localhost".to_owned()))
        };
        let e = attrd_op("create_attrd_op", None)
            .attr("attr_name", Some(name))
            .attr("task", Some("query"))
            .attr("attr_host", node.as_deref());
        Ok(request(e, Some("query"), &self.daemon))
    }

    /// `pcmk__attrd_api_refresh`: write all transient attributes of `node` (`None`: the local
    /// node) to the CIB again.
    pub fn attrd_refresh(&self, node: Option<&str>) -> Result<Request, i32> {
        let node = target(node);
        let e = attrd_op("create_attrd_op", None)
            .attr("task", Some("refresh"))
            .attr("attr_host", node.as_deref());
        Ok(request(e, Some("refresh"), &self.daemon))
    }

    /// `pcmk__attrd_api_purge`: drop the transient attributes of `node` (and with `reap`, the
    /// node from the attribute manager's peer cache).
    pub fn attrd_purge(&self, node: Option<&str>, reap: bool) -> Result<Request, i32> {
        let node = target(node);
        let e = attrd_op("create_attrd_op", None)
            .attr("task", Some("peer-remove"))
            .attr("reap", Some(if reap { "true" } else { "false" }))
            .attr("attr_host", node.as_deref());
        Ok(request(e, Some("peer-remove"), &self.daemon))
    }

    /// `pcmk__attrd_api_clear_failures`: clear the fail counts of `resource` (`None`: all) for
    /// `operation` at `interval` (`None`: all operations) on `node`.
    pub fn attrd_clear_failures(
        &self,
        node: Option<&str>,
        resource: Option<&str>,
        operation: Option<&str>,
        interval: Option<&str>,
        user: Option<&str>,
        options: u32,
    ) -> Result<Request, i32> {
        let node = target(node);
        let e = attrd_op("create_attrd_op", user)
            .attr("task", Some("clear-failure"))
            .attr("attr_host", node.as_deref())
            .attr("attr_resource", resource)
            .attr("attr_clear_operation", operation)
            .attr("attr_clear_interval", interval)
            .attr("attr_is_remote", flag(options, options::REMOTE));
        Ok(request(e, Some("clear-failure"), &self.daemon))
    }
}

/// One value of a node attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue {
    /// The node.
    pub node: String,
    /// The attribute's name.
    pub name: String,
    /// Its value (`None` when unset).
    pub value: Option<String>,
}

fn own(event: &Event<'_>) -> Option<Vec<AttributeValue>> {
    match &event.data {
        Some(Reply::Attrd(AttrdReply::Query(pairs))) => Some(
            pairs
                .iter()
                .map(|p| AttributeValue {
                    node: owned(p.node),
                    name: owned(p.name),
                    value: p.value.map(|v| v.to_string_lossy().into_owned()),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The attribute manager (its requests are internal API in Pacemaker 3.0.0; these are the
/// same requests, answered the same way).
pub struct AttributeManager(DaemonClient<Vec<AttributeValue>>);

impl AttributeManager {
    /// Connect (the daemon's credentials are checked).
    pub fn connect() -> Result<AttributeManager, Error> {
        DaemonClient::connect(server::ATTRD, own).map(AttributeManager)
    }

    /// The values of the node attribute `name` on `node` (`None`: the local node).
    /// `ENXIO` when the attribute does not exist.
    pub fn query(
        &mut self,
        name: &str,
        node: Option<&str>,
        timeout: Duration,
    ) -> Result<Vec<AttributeValue>, Error> {
        self.query_with(name, node, 0, timeout)
    }

    /// The values of `name` on every node.
    pub fn query_all(
        &mut self,
        name: &str,
        timeout: Duration,
    ) -> Result<Vec<AttributeValue>, Error> {
        self.query_with(name, None, options::QUERY_ALL, timeout)
    }

    fn query_with(
        &mut self,
        name: &str,
        node: Option<&str>,
        opts: u32,
        timeout: Duration,
    ) -> Result<Vec<AttributeValue>, Error> {
        match self.0.call(timeout, |a| a.attrd_query(node, name, opts))? {
            (0, Some(v)) => Ok(v),
            (libc::ENXIO, _) => Err(Error::Daemon(Status::new(libc::ENXIO))),
            (status, _) => unexpected(status),
        }
    }

    /// Set the node attribute `name` to `value` (`None`: delete it) on `node` (`None`: the
    /// local node). Returns once the attribute manager has acknowledged the request.
    pub fn update(
        &mut self,
        name: &str,
        value: Option<&str>,
        node: Option<&str>,
    ) -> Result<(), Error> {
        let update = Update { node, name, value };
        let settings = UpdateSettings {
            options: options::VALUE,
            ..UpdateSettings::default()
        };
        self.0.send(None, |a| a.attrd_update(&update, &settings))
    }

    /// Delete the node attribute `name` on `node` (`None`: the local node).
    pub fn delete(&mut self, name: &str, node: Option<&str>) -> Result<(), Error> {
        self.update(name, None, node)
    }

    /// Write the transient attributes of `node` (`None`: the local node) to the CIB again.
    pub fn refresh(&mut self, node: Option<&str>) -> Result<(), Error> {
        self.0.send(None, |a| a.attrd_refresh(node))
    }

    /// Drop every transient attribute of `node`; with `reap`, also forget the node.
    pub fn purge(&mut self, node: &str, reap: bool) -> Result<(), Error> {
        self.0.send(None, |a| a.attrd_purge(Some(node), reap))
    }

    /// Clear the fail counts of `resource` (`None`: every resource) on `node`.
    pub fn clear_failures(&mut self, node: &str, resource: Option<&str>) -> Result<(), Error> {
        self.0.send(None, |a| {
            a.attrd_clear_failures(Some(node), resource, None, None, None, 0)
        })
    }
}
