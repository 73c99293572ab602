//! The daemon companions of `ipc.h`: `ipc_pacemakerd.h`, `ipc_controld.h`, `ipc_schedulerd.h`
//! (and the attribute manager's reply, internal in 3.0.0). Their reply structures have the exact
//! layout of Pacemaker 3.0.0's (checked at compile time here, and against Pacemaker's own
//! headers by `tests-c/abi_daemons.c`).

use super::api::{enter, pcmk_ipc_api_t};
use crate::client::daemon::{
    self, Api, ApiCell, AttrdReply, ControldData, Event, PacemakerdReply, Reply, Request,
    SchedulerdReply,
};
use crate::xml::{self, xmlNode, Node};
use libc::{c_char, c_int, c_uint, c_void, time_t};
use std::ffi::CStr;
use std::mem::{offset_of, size_of};

/// `pcmk_pacemakerd_api_reply_t.data.ping`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PacemakerdPing {
    sys_from: *const c_char,
    state: c_int,
    last_good: time_t,
    status: c_int,
}

/// `pcmk_pacemakerd_api_reply_t.data.shutdown`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PacemakerdShutdown {
    status: c_int,
}

/// `pcmk_pacemakerd_api_reply_t.data`.
#[repr(C)]
pub union PacemakerdData {
    ping: PacemakerdPing,
    shutdown: PacemakerdShutdown,
}

/// `pcmk_pacemakerd_api_reply_t`.
#[repr(C)]
pub struct PacemakerdApiReply {
    reply_type: c_int,
    data: PacemakerdData,
}

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

#[repr(C)]
#[derive(Clone, Copy)]
struct SchedulerdGraph {
    tgraph: *mut xmlNode,
    reference: *const c_char,
    input: *const c_char,
}

/// `pcmk_schedulerd_api_reply_t`.
#[repr(C)]
pub struct SchedulerdApiReply {
    reply_type: c_int,
    graph: SchedulerdGraph,
}

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

// The layouts of Pacemaker 3.0.0 on x86_64 (shared/docs/pacemaker-ipc-client.md §1.5).
const _: () = {
    assert!(size_of::<PacemakerdApiReply>() == 40 && offset_of!(PacemakerdApiReply, data) == 8);
    assert!(offset_of!(PacemakerdPing, state) == 8 && offset_of!(PacemakerdPing, last_good) == 16);
    assert!(offset_of!(PacemakerdPing, status) == 24);
    assert!(size_of::<ControldApiNode>() == 24 && offset_of!(ControldApiNode, uname) == 8);
    assert!(size_of::<ControldApiReply>() == 56 && offset_of!(ControldApiReply, data) == 24);
    assert!(offset_of!(ControldNodeInfo, is_remote) == 1 && offset_of!(ControldNodeInfo, id) == 4);
    assert!(offset_of!(ControldNodeInfo, uuid) == 8 && offset_of!(ControldNodeInfo, state) == 24);
    assert!(size_of::<SchedulerdApiReply>() == 32 && offset_of!(SchedulerdApiReply, graph) == 8);
    assert!(size_of::<AttrdApiReply>() == 16);
};

fn cptr(s: Option<&CStr>) -> *const c_char {
    s.map_or(std::ptr::null(), CStr::as_ptr)
}

fn nptr(n: Option<Node<'_>>) -> *mut xmlNode {
    n.map_or(std::ptr::null_mut(), |n| n.as_ptr())
}

/// A GList of pointers to `items`, freed on drop (the items are not).
struct List(*mut glib_sys::GList);

impl List {
    fn of<T>(items: &mut [T]) -> List {
        let mut l = std::ptr::null_mut();
        for item in items.iter_mut().rev() {
            // SAFETY: prepending a pointer that outlives the list (the caller keeps `items`).
            l = unsafe { glib_sys::g_list_prepend(l, (item as *mut T).cast()) };
        }
        List(l)
    }
}

impl Drop for List {
    fn drop(&mut self) {
        // SAFETY: a list we built; its data is not ours to free.
        unsafe { glib_sys::g_list_free(self.0) };
    }
}

/// Call `f` with the C structure of an event's data (NULL for none); it lives for the call.
pub(super) fn with_event_data(event: &Event<'_>, f: impl FnOnce(*mut c_void)) {
    match &event.data {
        None => f(std::ptr::null_mut()),
        Some(Reply::Pacemakerd(r)) => {
            let mut c = match *r {
                PacemakerdReply::Unknown => PacemakerdApiReply {
                    reply_type: 0,
                    data: PacemakerdData {
                        shutdown: PacemakerdShutdown { status: 0 },
                    },
                },
                PacemakerdReply::Ping {
                    sys_from,
                    state,
                    last_good,
                    status,
                } => PacemakerdApiReply {
                    reply_type: 1,
                    data: PacemakerdData {
                        ping: PacemakerdPing {
                            sys_from: cptr(sys_from),
                            state,
                            last_good,
                            status,
                        },
                    },
                },
                PacemakerdReply::Shutdown { status } => PacemakerdApiReply {
                    reply_type: 2,
                    data: PacemakerdData {
                        shutdown: PacemakerdShutdown { status },
                    },
                },
            };
            if matches!(r, PacemakerdReply::Unknown) {
                // an unknown reply is all zeros, as 3.0.0's initialiser leaves it
                // SAFETY: plain data; zero is valid for every field.
                c.data = unsafe { std::mem::zeroed() };
            }
            f((&mut c as *mut PacemakerdApiReply).cast())
        }
        Some(Reply::Controld(r)) => {
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
        Some(Reply::Schedulerd(r)) => {
            let mut c = match *r {
                SchedulerdReply::Unknown => SchedulerdApiReply {
                    reply_type: 0,
                    graph: SchedulerdGraph {
                        tgraph: std::ptr::null_mut(),
                        reference: std::ptr::null(),
                        input: std::ptr::null(),
                    },
                },
                SchedulerdReply::Graph {
                    tgraph,
                    reference,
                    input,
                } => SchedulerdApiReply {
                    reply_type: 1,
                    graph: SchedulerdGraph {
                        tgraph: nptr(tgraph),
                        reference: cptr(reference),
                        input: cptr(input),
                    },
                },
            };
            f((&mut c as *mut SchedulerdApiReply).cast())
        }
        Some(Reply::Attrd(r)) => {
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
    }
}

/// A C string argument as text (`None` for NULL).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub(super) unsafe fn opt_str(p: *const c_char) -> Option<String> {
    // SAFETY: see above.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// Build a request on the object and send it (`pcmk__send_ipc_request`); `EINVAL` for a NULL
/// object.
fn request(
    api: *mut pcmk_ipc_api_t,
    build: impl FnOnce(&mut Api) -> Result<Request, i32>,
) -> c_int {
    enter(api, |h| match h.with(build) {
        Some(Ok(req)) => daemon::send_request(h, &req),
        Some(Err(code)) => code,
        None => libc::EINVAL,
    })
    .unwrap_or(libc::EINVAL)
}

/// Ask pacemakerd for its state; the reply comes to the callback as a
/// `pcmk_pacemakerd_api_reply_t` of type ping (in sync mode before this returns).
///
/// `ipc_name` names the caller in the request (NULL: "client").
///
/// # Returns
/// 0, `EINVAL` for a NULL object or one of another daemon, `ENOTCONN` when not connected,
/// another standard code from sending.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; `ipc_name` is NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn pcmk_pacemakerd_api_ping(
    api: *mut pcmk_ipc_api_t,
    ipc_name: *const c_char,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or a string (# Safety).
        let name = unsafe { opt_str(ipc_name) };
        request(api, |a| a.pacemakerd_request(name.as_deref(), "ping"))
    })
}

/// Ask pacemakerd to shut the cluster node down; the reply comes to the callback as a
/// `pcmk_pacemakerd_api_reply_t` of type shutdown.
///
/// # Returns
/// As `pcmk_pacemakerd_api_ping`.
///
/// # Safety
/// As `pcmk_pacemakerd_api_ping`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_pacemakerd_api_shutdown(
    api: *mut pcmk_ipc_api_t,
    ipc_name: *const c_char,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or a string (# Safety).
        let name = unsafe { opt_str(ipc_name) };
        request(api, |a| a.pacemakerd_request(name.as_deref(), "quit"))
    })
}

/// The `enum pcmk_pacemakerd_state` value of a state name ("init", "starting_daemons",
/// "wait_for_ping", "running", "shutting_down", "shutdown_complete", "remote"); -1 (invalid)
/// for anything else or NULL.
///
/// # Safety
/// `state` is NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn pcmk_pacemakerd_api_daemon_state_text2enum(state: *const c_char) -> c_int {
    boundary!(-1, {
        // SAFETY: NULL or a string (# Safety).
        let t = (!state.is_null()).then(|| unsafe { CStr::from_ptr(state) }.to_bytes());
        daemon::pacemakerd_state_from_text(t)
    })
}

/// The name of a pacemakerd state ("invalid" for a value out of range). A static string.
#[no_mangle]
pub extern "C" fn pcmk_pacemakerd_api_daemon_state_enum2text(state: c_int) -> *const c_char {
    boundary!(cstr!("invalid"), {
        match daemon::pacemakerd_state_text(state) {
            "init" => cstr!("init"),
            "starting_daemons" => cstr!("starting_daemons"),
            "wait_for_ping" => cstr!("wait_for_ping"),
            "running" => cstr!("running"),
            "shutting_down" => cstr!("shutting_down"),
            "shutdown_complete" => cstr!("shutdown_complete"),
            "remote" => cstr!("remote"),
            _ => cstr!("invalid"),
        }
    })
}

/// A controller request: counted as expecting a reply, then sent.
fn controller(api: *mut pcmk_ipc_api_t, build: impl FnOnce(&Api) -> Result<Request, i32>) -> c_int {
    request(api, |a| {
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

/// Ask the scheduler for a transition graph of `cib`; the graph comes to the callback as a
/// `pcmk_schedulerd_api_reply_t` (as an event: poll or main-loop mode).
///
/// # Returns
/// 0, `ENOTCONN` when not connected (also for a NULL object), `EINVAL` for an object of another
/// daemon, another standard code from sending. `*ref` (if `ref` is not NULL) gets a copy of the
/// request's reference, to free with `free()`.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; `cib` is NULL or a valid libxml2 node;
/// `ref_` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn pcmk_schedulerd_api_graph(
    api: *mut pcmk_ipc_api_t,
    cib: *mut xmlNode,
    ref_: *mut *mut c_char,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or a valid node (# Safety); only read during the call.
        let text = unsafe { Node::from_ptr(cib) }.map(xml::to_text);
        enter(api, |h| {
            let req = match h.with(|a| {
                if a.is_connected() {
                    a.schedulerd_graph(text.as_deref())
                } else {
                    Err(libc::ENOTCONN)
                }
            }) {
                Some(Ok(req)) => req,
                Some(Err(code)) => return code,
                None => return libc::ENOTCONN,
            };
            let code = daemon::send_request(h, &req);
            if !ref_.is_null() {
                let r =
                    std::ffi::CString::new(req.reference.unwrap_or_default()).unwrap_or_default();
                // SAFETY: valid for a write (# Safety); strdup's copy is the caller's to free.
                unsafe { *ref_ = libc::strdup(r.as_ptr()) };
            }
            code
        })
        .unwrap_or(libc::ENOTCONN)
    })
}
