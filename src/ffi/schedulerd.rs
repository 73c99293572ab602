//! `ipc_schedulerd.h`: the scheduler's request and its reply structure (the exact layout of
//! Pacemaker 3.0.0's, checked at compile time here and against Pacemaker's own header by
//! `tests-c/abi_daemons.c`).

use super::event_data::EventData;
use super::ipc_api::{enter, pcmk_ipc_api_t};
use super::{cptr, nptr};
use crate::client::ipc_api::{self, ApiCell, SchedulerdReply};
use crate::xml::{self, xmlNode, Node};
use libc::{c_char, c_int, c_void};
use std::mem::{offset_of, size_of};

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

// The layout of Pacemaker 3.0.0 on x86_64 (shared/docs/pacemaker-ipc-client.md §1.5).
const _: () =
    assert!(size_of::<SchedulerdApiReply>() == 32 && offset_of!(SchedulerdApiReply, graph) == 8);

impl EventData for SchedulerdReply<'_> {
    fn with_c(&self, f: impl FnOnce(*mut c_void)) {
        with_reply(self, f);
    }
}

/// Call `f` with the C structure of a reply (`pcmk_schedulerd_api_reply_t`); it lives for the call.
fn with_reply(r: &SchedulerdReply<'_>, f: impl FnOnce(*mut c_void)) {
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
            let code = ipc_api::send_request(h, &req);
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
