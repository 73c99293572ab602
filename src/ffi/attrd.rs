//! The attribute manager's client API: `pcmk__attrd_api_*` of Pacemaker 3.0.0's
//! `lib/common/ipc_attrd.c` (internal API, declared in `crm/common/ipc_attrd_internal.h`, used
//! by `attrd_updater`, `crm_attribute` and the controller), and its reply structure.

use super::{cptr, List};
use crate::client::ipc_api::AttrdReply;
use libc::{c_char, c_int, c_void};
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

/// Call `f` with the C structure of a reply (`pcmk__attrd_api_reply_t`); it lives for the call.
pub(super) fn with_reply(r: &AttrdReply<'_>, f: impl FnOnce(*mut c_void)) {
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
