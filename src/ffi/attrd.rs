//! The attribute manager's client API: `pcmk__attrd_api_*` of Pacemaker 3.0.0's
//! `lib/common/ipc_attrd.c` (internal API, declared in `crm/common/ipc_attrd_internal.h`, used
//! by `attrd_updater`, `crm_attribute` and the controller), and its reply structure.

use super::event_data::EventData;
use super::ipc_api::{connect_and_send, pcmk_ipc_api_t};
use super::{cptr, opt_str, List};
use crate::client::attrd::{options, Update, UpdateSettings};
use crate::client::ipc_api::AttrdReply;
use crate::client::rc;
use libc::{c_char, c_int, c_void};
use std::ffi::CString;
use std::mem::size_of;

/// `pcmk__attrd_query_pair_t` (internal in 3.0.0).
#[repr(C)]
pub struct AttrdQueryPair {
    node: *const c_char,
    name: *const c_char,
    value: *const c_char,
}

/// `pcmk__attrd_api_reply_t` (internal in 3.0.0).
#[repr(C)]
pub struct AttrdApiReply {
    reply_type: c_int,
    pairs: *mut glib_sys::GList,
}

// The layout of Pacemaker 3.0.0 on x86_64.
const _: () = assert!(size_of::<AttrdApiReply>() == 16 && size_of::<AttrdQueryPair>() == 24);

impl EventData for AttrdReply<'_> {
    fn with_c(&self, f: impl FnOnce(*mut c_void)) {
        with_reply(self, f);
    }
}

/// Call `f` with the C structure of a reply (`pcmk__attrd_api_reply_t`); it lives for the call.
fn with_reply(r: &AttrdReply<'_>, f: impl FnOnce(*mut c_void)) {
    let mut pairs: Vec<AttrdQueryPair> = match r {
        AttrdReply::Unknown => Vec::new(),
        AttrdReply::Query(ps) => ps
            .iter()
            .map(|p| AttrdQueryPair {
                node: cptr(p.node),
                name: cptr(p.name),
                value: cptr(p.value),
            })
            .collect(),
    };
    let list = List::of(&mut pairs);
    let reply_type = if matches!(r, AttrdReply::Query(_)) {
        1
    } else {
        0
    };
    let mut c = AttrdApiReply {
        reply_type,
        pairs: list.0,
    };
    f((&mut c as *mut AttrdApiReply).cast());
    drop(list);
}

/// `pcmk__node_attr_target` as 3.0.0 returns it: a pointer into the environment, or `name`
/// itself, for the local node's names; `None` for any other node.
///
/// # Safety
/// `name` is NULL or a C string.
unsafe fn node_attr_target_c(name: *const c_char) -> Option<*const c_char> {
    // SAFETY: NULL or a C string (# Safety).
    let given = unsafe { opt_str(name) };
    let local = given.as_deref().map_or(true, |n| {
        n.eq_ignore_ascii_case("auto") || n.eq_ignore_ascii_case("localhost")
    });
    if !local {
        return None;
    }
    // SAFETY: getenv with NUL-terminated names; the strings it returns live in the environment.
    let env = |var: &[u8]| unsafe { libc::getenv(var.as_ptr().cast()) }.cast_const();
    let target = env(b"OCF_RESKEY_CRM_meta_container_attribute_target\0");
    let physical = env(b"OCF_RESKEY_CRM_meta_physical_host\0");
    // SAFETY: a string of the environment.
    let to_host = !target.is_null()
        && unsafe { std::ffi::CStr::from_ptr(target) }
            .to_bytes()
            .eq_ignore_ascii_case(b"host");
    if !physical.is_null() && to_host {
        return Some(physical);
    }
    let on_node = env(b"OCF_RESKEY_CRM_meta_on_node\0");
    Some(if on_node.is_null() { name } else { on_node })
}

/// `pcmk__attrd_query_pair_t`'s strings, as `pcmk__attrd_api_update_list` reads them.
///
/// # Safety
/// `pair` points to a `pcmk__attrd_query_pair_t` whose strings are NULL or C strings.
unsafe fn read_pair(
    pair: *const AttrdQueryPair,
) -> (Option<String>, Option<String>, Option<String>) {
    // SAFETY: see above.
    unsafe {
        let p = &*pair;
        (opt_str(p.node), opt_str(p.name), opt_str(p.value))
    }
}

/// Ask the attribute manager to set (`value` NULL: delete) the node attribute `name` of `node`
/// (NULL, "auto", "localhost": the local node, or the node a resource agent runs for); the
/// other arguments as Pacemaker 3.0.0's `pcmk__attrd_api_update` (`options`: `enum
/// pcmk__node_attr_opts` bits). `api` NULL: a temporary connection.
///
/// # Returns
/// A standard code: 0; `EINVAL` without a name; the connect's or send's code.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; the strings are NULL or C strings.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // Pacemaker's signature
pub unsafe extern "C" fn pcmk__attrd_api_update(
    api: *mut pcmk_ipc_api_t,
    node: *const c_char,
    name: *const c_char,
    value: *const c_char,
    dampen: *const c_char,
    set: *const c_char,
    user_name: *const c_char,
    options: u32,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or C strings (# Safety).
        let [node, name, value, dampen, set, user] =
            [node, name, value, dampen, set, user_name].map(|p| unsafe { opt_str(p) });
        let Some(name) = name else {
            return libc::EINVAL;
        };
        let update = Update {
            node: node.as_deref(),
            name: &name,
            value: value.as_deref(),
        };
        let settings = UpdateSettings {
            dampen: dampen.as_deref(),
            set: set.as_deref(),
            user: user.as_deref(),
            options,
        };
        connect_and_send(api, |a| a.attrd_update(&update, &settings))
    })
}

/// Update every attribute of `attrs` (a GList of `pcmk__attrd_query_pair_t`): in a Pacemaker
/// daemon (`pcmk__is_daemon`) in one request, elsewhere one request each, as Pacemaker 3.0.0.
///
/// # Returns
/// A standard code: `EINVAL` for an empty list; otherwise the (last) request's.
///
/// # Safety
/// As `pcmk__attrd_api_update`; `attrs` is NULL or a GList of valid pairs.
#[no_mangle]
pub unsafe extern "C" fn pcmk__attrd_api_update_list(
    api: *mut pcmk_ipc_api_t,
    attrs: *mut glib_sys::GList,
    dampen: *const c_char,
    set: *const c_char,
    user_name: *const c_char,
    options: u32,
) -> c_int {
    boundary!(libc::EINVAL, {
        let mut pairs = Vec::new();
        let mut l = attrs;
        // SAFETY: a GList of pairs (# Safety).
        while let Some(item) = unsafe { l.as_ref() } {
            // SAFETY: as above.
            pairs.push(unsafe { read_pair(item.data.cast()) });
            l = item.next;
        }
        if pairs.is_empty() {
            return libc::EINVAL;
        }
        if !crate::crmcommon::is_daemon() {
            let mut code = rc::OK;
            for (node, name, value) in &pairs {
                let c = |s: &Option<String>| s.as_ref().and_then(|v| CString::new(v.as_str()).ok());
                let (node, name, value) = (c(node), c(name), c(value));
                let p = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
                // SAFETY: our own entry point, with C strings that live for the call.
                code = unsafe {
                    pcmk__attrd_api_update(
                        api,
                        p(&node),
                        p(&name),
                        p(&value),
                        dampen,
                        set,
                        user_name,
                        options,
                    )
                };
            }
            return code;
        }
        // In a daemon, 3.0.0 also writes each pair's resolved node back into the caller's list
        // (a string of the environment, or the node as given), and so does this.
        let mut l = attrs;
        // SAFETY: a GList of valid pairs (# Safety), which the caller lets us change.
        while let Some(item) = unsafe { l.as_ref() } {
            let pair = item.data.cast::<AttrdQueryPair>();
            // SAFETY: as above.
            unsafe {
                if let Some(target) = node_attr_target_c((*pair).node) {
                    (*pair).node = target;
                }
            }
            l = item.next;
        }
        // SAFETY: NULL or C strings (# Safety).
        let [dampen, set, user] = [dampen, set, user_name].map(|p| unsafe { opt_str(p) });
        let updates: Vec<Update<'_>> = pairs
            .iter()
            .map(|(node, name, value)| Update {
                node: node.as_deref(),
                name: name.as_deref().unwrap_or_default(),
                value: value.as_deref(),
            })
            .collect();
        let settings = UpdateSettings {
            dampen: dampen.as_deref(),
            set: set.as_deref(),
            user: user.as_deref(),
            options,
        };
        connect_and_send(api, |a| a.attrd_update_list(&updates, &settings))
    })
}

/// Ask the attribute manager to delete the attribute `name` of `node` (an update without a
/// value; `options` as for `pcmk__attrd_api_update`).
///
/// # Returns
/// As `pcmk__attrd_api_update`.
///
/// # Safety
/// As `pcmk__attrd_api_update`.
#[no_mangle]
pub unsafe extern "C" fn pcmk__attrd_api_delete(
    api: *mut pcmk_ipc_api_t,
    node: *const c_char,
    name: *const c_char,
    options: u32,
) -> c_int {
    boundary!(libc::EINVAL, {
        if name.is_null() {
            return libc::EINVAL;
        }
        let options = (options & !options::DELAY) | options::VALUE;
        let null = std::ptr::null();
        // SAFETY: our own entry point with the caller's strings (# Safety).
        unsafe { pcmk__attrd_api_update(api, node, name, null, null, null, null, options) }
    })
}

/// Ask the attribute manager for the values of `name` on `node` (NULL: the local node; every
/// node with `pcmk__node_attr_query_all` in `options`); the answer comes to the callback as a
/// `pcmk__attrd_api_reply_t` (sync mode: before this returns).
///
/// # Returns
/// As `pcmk__attrd_api_update`.
///
/// # Safety
/// As `pcmk__attrd_api_update`.
#[no_mangle]
pub unsafe extern "C" fn pcmk__attrd_api_query(
    api: *mut pcmk_ipc_api_t,
    node: *const c_char,
    name: *const c_char,
    options: u32,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or C strings (# Safety).
        let (node, name) = unsafe { (opt_str(node), opt_str(name)) };
        let Some(name) = name else {
            return libc::EINVAL;
        };
        connect_and_send(api, |a| a.attrd_query(node.as_deref(), &name, options))
    })
}

/// Ask the attribute manager to write the transient attributes of `node` (NULL: the local
/// node) to the CIB again.
///
/// # Returns
/// As `pcmk__attrd_api_update` (no `EINVAL` case).
///
/// # Safety
/// As `pcmk__attrd_api_update`.
#[no_mangle]
pub unsafe extern "C" fn pcmk__attrd_api_refresh(
    api: *mut pcmk_ipc_api_t,
    node: *const c_char,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or a C string (# Safety).
        let node = unsafe { opt_str(node) };
        connect_and_send(api, |a| a.attrd_refresh(node.as_deref()))
    })
}

/// Ask the attribute manager to drop the transient attributes of `node` (with `reap`, also
/// the node from its peer cache).
///
/// # Returns
/// As `pcmk__attrd_api_refresh`.
///
/// # Safety
/// As `pcmk__attrd_api_update`.
#[no_mangle]
pub unsafe extern "C" fn pcmk__attrd_api_purge(
    api: *mut pcmk_ipc_api_t,
    node: *const c_char,
    reap: bool,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or a C string (# Safety).
        let node = unsafe { opt_str(node) };
        connect_and_send(api, |a| a.attrd_purge(node.as_deref(), reap))
    })
}

/// Ask the attribute manager to clear the fail counts of `resource` (NULL: all) for
/// `operation` at `interval_spec` (NULL: all operations) on `node`.
///
/// # Returns
/// As `pcmk__attrd_api_refresh`.
///
/// # Safety
/// As `pcmk__attrd_api_update`.
#[no_mangle]
pub unsafe extern "C" fn pcmk__attrd_api_clear_failures(
    api: *mut pcmk_ipc_api_t,
    node: *const c_char,
    resource: *const c_char,
    operation: *const c_char,
    interval_spec: *const c_char,
    user_name: *const c_char,
    options: u32,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or C strings (# Safety).
        let [node, rsc, op, interval, user] =
            [node, resource, operation, interval_spec, user_name].map(|p| unsafe { opt_str(p) });
        connect_and_send(api, |a| {
            a.attrd_clear_failures(
                node.as_deref(),
                rsc.as_deref(),
                op.as_deref(),
                interval.as_deref(),
                user.as_deref(),
                options,
            )
        })
    })
}
