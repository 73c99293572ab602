//! `ipc_controld.h`: the controller's requests and its reply structure (the exact layout of
//! Pacemaker 3.0.0's, checked at compile time here and against Pacemaker's own header by
//! `tests-c/abi_daemons.c`).

use super::event_data::EventData;
use super::ipc_api::{enter, pcmk_ipc_api_t, send_built};
use super::{cptr, nptr, opt_str, List};
use crate::client::ipc_api::{Api, ApiCell, ControldData, ControldReply, Request};
use crate::xml::xmlNode;
use libc::{c_char, c_int, c_uint, c_void};
use std::mem::{offset_of, size_of};

/// `pcmk_controld_api_node_t`.
#[repr(C)]
pub struct ControldApiNode {
    id: u32,
    uname: *const c_char,
    state: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct ControldNodeInfo {
    have_quorum: bool,
    is_remote: bool,
    id: c_int,
    uuid: *const c_char,
    uname: *const c_char,
    state: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct ControldResource {
    node_state: *mut xmlNode,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct ControldPing {
    sys_from: *const c_char,
    fsa_state: *const c_char,
    result: *const c_char,
}

/// `pcmk_controld_api_reply_t.data`.
#[repr(C)]
pub union ControldUnion {
    node_info: ControldNodeInfo,
    resource: ControldResource,
    ping: ControldPing,
    nodes: *mut glib_sys::GList,
}

/// `pcmk_controld_api_reply_t`.
#[repr(C)]
pub struct ControldApiReply {
    reply_type: c_int,
    feature_set: *const c_char,
    host_from: *const c_char,
    data: ControldUnion,
}

// The layout of Pacemaker 3.0.0 on x86_64 (shared/docs/pacemaker-ipc-client.md §1.5).
const _: () = {
    assert!(size_of::<ControldApiNode>() == 24 && offset_of!(ControldApiNode, uname) == 8);
    assert!(size_of::<ControldApiReply>() == 56 && offset_of!(ControldApiReply, data) == 24);
    assert!(offset_of!(ControldNodeInfo, is_remote) == 1 && offset_of!(ControldNodeInfo, id) == 4);
    assert!(offset_of!(ControldNodeInfo, uuid) == 8 && offset_of!(ControldNodeInfo, state) == 24);
};

impl EventData for ControldReply<'_> {
    fn with_c(&self, f: impl FnOnce(*mut c_void)) {
        with_reply(self, f);
    }
}

/// Call `f` with the C structure of a reply (`pcmk_controld_api_reply_t`); it lives for the call.
fn with_reply(r: &ControldReply<'_>, f: impl FnOnce(*mut c_void)) {
    let mut nodes: Vec<ControldApiNode> = Vec::new();
    let mut list = List(std::ptr::null_mut());
    // SAFETY: plain data; zero is valid for every field.
    let mut data: ControldUnion = unsafe { std::mem::zeroed() };
    let reply_type = match &r.data {
        ControldData::Unknown => 0,
        ControldData::Reprobe => 1,
        ControldData::Info {
            have_quorum,
            is_remote,
            id,
            uuid,
            uname,
            state,
        } => {
            data.node_info = ControldNodeInfo {
                have_quorum: *have_quorum,
                is_remote: *is_remote,
                id: *id,
                uuid: cptr(*uuid),
                uname: cptr(*uname),
                state: cptr(*state),
            };
            2
        }
        ControldData::Resource { node_state } => {
            data.resource = ControldResource {
                node_state: nptr(*node_state),
            };
            3
        }
        ControldData::Ping {
            sys_from,
            fsa_state,
            result,
        } => {
            data.ping = ControldPing {
                sys_from: cptr(*sys_from),
                fsa_state: cptr(*fsa_state),
                result: cptr(*result),
            };
            4
        }
        ControldData::Nodes(ns) => {
            nodes = ns
                .iter()
                .map(|n| ControldApiNode {
                    id: n.id,
                    uname: cptr(n.uname),
                    state: cptr(n.state),
                })
                .collect();
            list = List::of(&mut nodes);
            data.nodes = list.0;
            5
        }
    };
    let mut c = ControldApiReply {
        reply_type,
        feature_set: cptr(r.feature_set),
        host_from: cptr(r.host_from),
        data,
    };
    f((&mut c as *mut ControldApiReply).cast());
    drop(list);
    drop(nodes);
}

/// A controller request: counted as expecting a reply, then sent.
fn controller(api: *mut pcmk_ipc_api_t, build: impl FnOnce(&Api) -> Result<Request, i32>) -> c_int {
    send_built(api, |a| {
        let req = build(a)?;
        a.expect_reply();
        Ok(req)
    })
}

/// Ask the controller to reprobe `target_node` (via `router_node`, default: the target).
///
/// # Returns
/// 0, `EINVAL` for a NULL object or one of another daemon, another standard code from sending.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; the strings are NULL or strings.
#[no_mangle]
pub unsafe extern "C" fn pcmk_controld_api_reprobe(
    api: *mut pcmk_ipc_api_t,
    target_node: *const c_char,
    router_node: *const c_char,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or strings (# Safety).
        let (t, r) = unsafe { (opt_str(target_node), opt_str(router_node)) };
        controller(api, |a| a.controld_reprobe(t.as_deref(), r.as_deref()))
    })
}

/// Ask the controller for a node's information (`nodeid` 0: the local node).
///
/// # Returns
/// As `pcmk_controld_api_reprobe`.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_controld_api_node_info(
    api: *mut pcmk_ipc_api_t,
    nodeid: u32,
) -> c_int {
    boundary!(libc::EINVAL, {
        controller(api, |a| a.controld_node_info(nodeid))
    })
}

/// Ping the controller on `node_name` (NULL: the DC).
///
/// # Returns
/// As `pcmk_controld_api_reprobe`.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; `node_name` is NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn pcmk_controld_api_ping(
    api: *mut pcmk_ipc_api_t,
    node_name: *const c_char,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or a string (# Safety).
        let n = unsafe { opt_str(node_name) };
        controller(api, |a| a.controld_ping(n.as_deref()))
    })
}

/// Ask the controller for the cluster's nodes.
///
/// # Returns
/// As `pcmk_controld_api_reprobe`.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_controld_api_list_nodes(api: *mut pcmk_ipc_api_t) -> c_int {
    boundary!(libc::EINVAL, {
        controller(api, |a| a.controld_list_nodes())
    })
}

/// `pcmk_controld_api_fail` (`refresh` `None`) and `pcmk_controld_api_refresh`.
///
/// # Safety
/// Each pointer is NULL or a string.
unsafe fn resource_op(
    api: *mut pcmk_ipc_api_t,
    refresh: Option<bool>,
    strings: [*const c_char; 7],
) -> c_int {
    // SAFETY: see above.
    let s = strings.map(|p| unsafe { opt_str(p) });
    let [target, router, rsc_id, long_id, standard, provider, kind] =
        s.each_ref().map(|v| v.as_deref());
    controller(api, |a| {
        a.controld_resource_op(
            refresh, target, router, rsc_id, long_id, standard, provider, kind,
        )
    })
}

/// Ask the controller to fail a resource on a node.
///
/// # Returns
/// As `pcmk_controld_api_reprobe`.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; the strings are NULL or strings.
#[no_mangle]
pub unsafe extern "C" fn pcmk_controld_api_fail(
    api: *mut pcmk_ipc_api_t,
    target_node: *const c_char,
    router_node: *const c_char,
    rsc_id: *const c_char,
    rsc_long_id: *const c_char,
    standard: *const c_char,
    provider: *const c_char,
    type_: *const c_char,
) -> c_int {
    boundary!(libc::EINVAL, {
        let strings = [
            target_node,
            router_node,
            rsc_id,
            rsc_long_id,
            standard,
            provider,
            type_,
        ];
        // SAFETY: NULL or strings (# Safety).
        unsafe { resource_op(api, None, strings) }
    })
}

/// Ask the controller to refresh (clear the history of) a resource on a node; `cib_only`:
/// clean only the CIB.
///
/// # Returns
/// As `pcmk_controld_api_reprobe`.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; the strings are NULL or strings.
#[no_mangle]
pub unsafe extern "C" fn pcmk_controld_api_refresh(
    api: *mut pcmk_ipc_api_t,
    target_node: *const c_char,
    router_node: *const c_char,
    rsc_id: *const c_char,
    rsc_long_id: *const c_char,
    standard: *const c_char,
    provider: *const c_char,
    type_: *const c_char,
    cib_only: bool,
) -> c_int {
    boundary!(libc::EINVAL, {
        let strings = [
            target_node,
            router_node,
            rsc_id,
            rsc_long_id,
            standard,
            provider,
            type_,
        ];
        // SAFETY: NULL or strings (# Safety).
        unsafe { resource_op(api, Some(cib_only), strings) }
    })
}

/// How many controller replies are still expected (0 for a NULL object or another daemon).
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_controld_api_replies_expected(api: *const pcmk_ipc_api_t) -> c_uint {
    boundary!(0, {
        enter(api.cast_mut(), |h| h.with(|a| a.replies_expected()))
            .flatten()
            .unwrap_or(0)
    })
}
