//! `ipc_pacemakerd.h`: pacemakerd's requests and its reply structure (the exact layout of
//! Pacemaker 3.0.0's, checked at compile time here and against Pacemaker's own header by
//! `tests-c/abi_daemons.c`).

use super::event_data::EventData;
use super::ipc_api::{pcmk_ipc_api_t, send_built};
use super::{cptr, opt_str};
use crate::client::ipc_api::PacemakerdReply;
use crate::client::pacemakerd;
use libc::{c_char, c_int, c_void, time_t};
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

// The layout of Pacemaker 3.0.0 on x86_64 (shared/docs/pacemaker-ipc-client.md §1.5).
const _: () = {
    assert!(size_of::<PacemakerdApiReply>() == 40 && offset_of!(PacemakerdApiReply, data) == 8);
    assert!(offset_of!(PacemakerdPing, state) == 8 && offset_of!(PacemakerdPing, last_good) == 16);
    assert!(offset_of!(PacemakerdPing, status) == 24);
};

impl EventData for PacemakerdReply<'_> {
    fn with_c(&self, f: impl FnOnce(*mut c_void)) {
        with_reply(self, f);
    }
}

/// Call `f` with the C structure of a reply (`pcmk_pacemakerd_api_reply_t`); it lives for the call.
fn with_reply(r: &PacemakerdReply<'_>, f: impl FnOnce(*mut c_void)) {
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

/// Ask pacemakerd for its state; the reply comes to the callback as a
/// `pcmk_pacemakerd_api_reply_t` of type ping (in sync mode before this returns).
///
/// `ipc_name` names the caller in the request (NULL: libcrmcommon's `crm_system_name` if the process
/// has one, else "client").
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
        send_built(api, |a| a.pacemakerd_request(name.as_deref(), "ping"))
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
        send_built(api, |a| a.pacemakerd_request(name.as_deref(), "quit"))
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
        pacemakerd::state_from_text(t)
    })
}

/// The name of a pacemakerd state ("invalid" for a value out of range). A static string.
#[no_mangle]
pub extern "C" fn pcmk_pacemakerd_api_daemon_state_enum2text(state: c_int) -> *const c_char {
    boundary!(cstr!("invalid"), {
        match pacemakerd::state_text(state) {
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
