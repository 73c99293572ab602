//! `pcmk_*` of `crm/common/ipc.h`: the daemon API object, its callbacks and dispatch modes.
//!
//! The object (`pcmk_ipc_api_t`) is a box holding [`client::ipc_api::Api`] behind a reentrant
//! mutex (calls from other threads wait; the callback's own thread may call back in) and a
//! `RefCell` that is only borrowed between callbacks. Every entry point runs inside [`enter`],
//! which counts nested calls: an object freed from inside its own callback is released when the
//! outermost call returns, never while something still uses it. In main-loop mode the object
//! is released by its GLib source's destroy notification, as in Pacemaker 3.0.0.

use super::event_data::EventData;
use super::{opt_str, watch_fd};
use crate::client::ipc_api::{self, dispatch, Api, ApiCell, Event, Request, SourceStep};
use crate::client::log::{log, Level};
use crate::client::rc;
use glib_sys::{gboolean, gpointer, GIOChannel, GIOCondition};
use libc::{c_char, c_int, c_uint, c_void};
use parking_lot::ReentrantMutex;
use std::cell::{Cell, RefCell};

/// Servers (`enum pcmk_ipc_server`, Pacemaker 3.0.0 values).
#[repr(C)]
#[allow(non_camel_case_types, dead_code)]
pub enum pcmk_ipc_server {
    /// Unknown or invalid.
    pcmk_ipc_unknown = 0,
    /// Attribute manager.
    pcmk_ipc_attrd = 1,
    /// CIB manager.
    pcmk_ipc_based = 2,
    /// Controller.
    pcmk_ipc_controld = 3,
    /// Executor.
    pcmk_ipc_execd = 4,
    /// Fencer.
    pcmk_ipc_fenced = 5,
    /// Launcher.
    pcmk_ipc_pacemakerd = 6,
    /// Scheduler.
    pcmk_ipc_schedulerd = 7,
}

/// Event types an IPC event callback is called for (`enum pcmk_ipc_event`).
#[repr(C)]
#[allow(non_camel_case_types, dead_code, clippy::enum_variant_names)]
pub enum pcmk_ipc_event {
    /// Result of asynchronous connection attempt.
    pcmk_ipc_event_connect = 0,
    /// Termination of IPC connection.
    pcmk_ipc_event_disconnect = 1,
    /// Daemon's reply to client IPC request.
    pcmk_ipc_event_reply = 2,
    /// Notification from daemon.
    pcmk_ipc_event_notify = 3,
}

/// How IPC replies are dispatched (`enum pcmk_ipc_dispatch`).
#[repr(C)]
#[allow(non_camel_case_types, dead_code, clippy::enum_variant_names)]
pub enum pcmk_ipc_dispatch {
    /// Attach IPC to GLib's main loop.
    pcmk_ipc_dispatch_main = 0,
    /// Caller will poll and dispatch IPC.
    pcmk_ipc_dispatch_poll = 1,
    /// Sending a command will wait for any reply.
    pcmk_ipc_dispatch_sync = 2,
}

/// C enum arguments are read as integers (C may pass any value); the header names the enums.
pub type PcmkIpcServerArg = c_int;
/// See [`PcmkIpcServerArg`].
pub type PcmkIpcDispatchArg = c_int;
/// See [`PcmkIpcServerArg`].
pub type PcmkIpcEventArg = c_int;
/// `crm_exit_t` (`enum crm_exit_e`, declared in `crm/common/results.h`).
pub type CrmExitArg = c_int;

/// The callback type: called with the object, the event type, a `crm_exit_t` status, event
/// data (a daemon-specific reply structure for replies, NULL for a disconnect), and the
/// caller's data.
#[allow(non_camel_case_types)]
pub type pcmk_ipc_callback_t = Option<
    unsafe extern "C" fn(
        api: *mut pcmk_ipc_api_t,
        event_type: PcmkIpcEventArg,
        status: CrmExitArg,
        event_data: *mut c_void,
        user_data: *mut c_void,
    ),
>;

const API_MAGIC: u64 = 0x7063_6d6b_6170_6931; // "pcmkapi1"

struct State {
    api: Api,
    cb: pcmk_ipc_callback_t,
    user_data: *mut c_void,
}

/// The daemon API object (opaque to C).
#[allow(non_camel_case_types)]
pub struct pcmk_ipc_api_s {
    magic: Cell<u64>,
    lock: ReentrantMutex<()>,
    state: RefCell<State>,
    depth: Cell<u32>,
    /// Release the object when the outermost call returns.
    free_pending: Cell<bool>,
    /// Release the object when its main-loop source goes.
    free_on_disconnect: Cell<bool>,
    /// The GLib source id in main-loop mode (0: none).
    source: Cell<c_uint>,
}

/// `pcmk_ipc_api_t`, Pacemaker's name for the object.
#[allow(non_camel_case_types)]
pub type pcmk_ipc_api_t = pcmk_ipc_api_s;

/// The object as the dispatch loops see it.
pub(super) struct Handle<'a> {
    obj: &'a pcmk_ipc_api_s,
    ptr: *mut pcmk_ipc_api_t,
}

impl ApiCell for Handle<'_> {
    fn with<R>(&self, f: impl FnOnce(&mut Api) -> R) -> Option<R> {
        if self.obj.free_pending.get() {
            return None;
        }
        let mut s = self.obj.state.try_borrow_mut().ok()?;
        Some(f(&mut s.api))
    }

    fn deliver(&self, event: &Event<'_>) {
        let (cb, user_data) = {
            let s = self.obj.state.borrow();
            (s.cb, s.user_data)
        };
        let Some(cb) = cb else { return };
        let kind = event.kind as c_int;
        with_event_data(event, |data| {
            // SAFETY: the caller registered this callback for this object; no borrow of the
            // object is held, so the callback may call any function on it.
            unsafe { cb(self.ptr, kind, event.status, data, user_data) }
        });
    }
}

/// Run an entry point's body on the object behind `p` (`None` for NULL or a pointer that is not
/// a live object), holding the object's lock; release the object afterwards if it was freed
/// meanwhile and this is the outermost call.
pub(super) fn enter<R>(p: *mut pcmk_ipc_api_t, f: impl FnOnce(&Handle<'_>) -> R) -> Option<R> {
    // SAFETY: the caller passes NULL or an object from pcmk_new_ipc_api (see each function's
    // # Safety); the magic number tells a live object apart.
    let obj = unsafe { p.as_ref() }?;
    if obj.magic.get() != API_MAGIC {
        return None;
    }
    /// The call's hold on the object: on the way out (also when `f` panics and the boundary
    /// catches it) the call is counted out, the lock let go, and the object released if it was
    /// freed meanwhile and this is the outermost call.
    struct Entered<'a> {
        p: *mut pcmk_ipc_api_t,
        lock: Option<parking_lot::ReentrantMutexGuard<'a, ()>>,
    }
    impl Drop for Entered<'_> {
        fn drop(&mut self) {
            // SAFETY: the object is live until released below.
            let obj = unsafe { &*self.p };
            obj.depth.set(obj.depth.get() - 1);
            let release = obj.depth.get() == 0 && obj.free_pending.get();
            drop(self.lock.take());
            if release {
                obj.magic.set(0);
                // SAFETY: ours, from Box::into_raw; freed exactly once (magic cleared first), no
                // reference to it used after this.
                drop(unsafe { Box::from_raw(self.p) });
            }
        }
    }
    let lock = obj.lock.lock();
    obj.depth.set(obj.depth.get() + 1);
    let entered = Entered {
        p,
        lock: Some(lock),
    };
    let out = f(&Handle { obj, ptr: p });
    drop(entered);
    Some(out)
}

/// Create an IPC API object for a server.
///
/// # Returns
/// 0 and the object in `*api` (to free with `pcmk_free_ipc_api`); `EINVAL` if `api` is NULL;
/// `EOPNOTSUPP` for a server this API does not serve (the CIB manager, executor, fencer,
/// unknown values), with `*api` set to NULL.
///
/// # Safety
/// `api` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn pcmk_new_ipc_api(
    api: *mut *mut pcmk_ipc_api_t,
    server: PcmkIpcServerArg,
) -> c_int {
    boundary!(libc::ENOMEM, {
        if api.is_null() {
            return libc::EINVAL;
        }
        let (code, obj) = match Api::new(server) {
            Ok(a) => {
                let obj = Box::new(pcmk_ipc_api_s {
                    magic: Cell::new(API_MAGIC),
                    lock: ReentrantMutex::new(()),
                    state: RefCell::new(State {
                        api: a,
                        cb: None,
                        user_data: std::ptr::null_mut(),
                    }),
                    depth: Cell::new(0),
                    free_pending: Cell::new(false),
                    free_on_disconnect: Cell::new(false),
                    source: Cell::new(0),
                });
                (rc::OK, Box::into_raw(obj))
            }
            Err(code) => (code, std::ptr::null_mut()),
        };
        // SAFETY: valid for a write (# Safety).
        unsafe { *api = obj };
        code
    })
}

/// Free an IPC API object, disconnecting it first (which calls the callback with a disconnect
/// event). In main-loop mode the object goes with its GLib source: at once, or, from inside
/// its own callback, when that dispatch returns.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pcmk_free_ipc_api(api: *mut pcmk_ipc_api_t) {
    boundary!((), {
        enter(api, |h| {
            let has_ipc = h.with(|a| a.has_ipc()).unwrap_or(false);
            if has_ipc && h.obj.source.get() != 0 {
                h.obj.free_on_disconnect.set(true);
            }
            if has_ipc {
                disconnect_handle(h);
            }
            if !h.obj.free_on_disconnect.get() {
                h.obj.free_pending.set(true);
            }
        });
    })
}

fn disconnect_handle(h: &Handle<'_>) {
    let Some((has_ipc, kind)) = h.with(|a| (a.has_ipc(), a.dispatch_type())) else {
        return;
    };
    if !has_ipc {
        return;
    }
    match kind {
        dispatch::MAIN => {
            let source = h.obj.source.replace(0);
            if source == 0 {
                // never attached: there is no source to report the end
                h.with(|a| a.disconnect());
            } else {
                h.with(Api::detach);
                // SAFETY: a source id we registered and have not removed; its destroy notify
                // runs now, or after the current dispatch of that source
                unsafe { glib_sys::g_source_remove(source) };
            }
        }
        dispatch::POLL | dispatch::SYNC => {
            h.obj.free_on_disconnect.set(false);
            ipc_api::disconnect(h);
        }
        _ => {}
    }
}

/// Connect an IPC API object to its daemon.
///
/// # Returns
/// 0 (also when already connected, keeping the dispatch type); `EINVAL` for a NULL object;
/// the connect's errno (e.g. `ECONNREFUSED` when the daemon is not running);
/// `pcmk_rc_ipc_unauthorized` (-1018) for a daemon running as someone else.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_connect_ipc(
    api: *mut pcmk_ipc_api_t,
    dispatch_type: PcmkIpcDispatchArg,
) -> c_int {
    boundary!(libc::EINVAL, {
        let code = connect_with(api, dispatch_type, 2);
        if code != rc::OK {
            let name = enter(api, |h| h.with(|a| a.server())).flatten();
            log!(
                Level::Error,
                "pcmk_connect_ipc",
                "Connection to {} failed: {}",
                name.map_or("Pacemaker", ipc_api::log_name),
                rc::describe(code)
            );
        }
        code
    })
}

/// Connect an IPC API object to its daemon, trying up to `attempts` times after soft errors
/// (`EAGAIN`, `EALREADY`); Pacemaker's internal form of `pcmk_connect_ipc`, which its tools
/// and daemons call.
///
/// # Returns
/// As `pcmk_connect_ipc`; `EINVAL` also for fewer than one attempt.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk__connect_ipc(
    api: *mut pcmk_ipc_api_t,
    dispatch_type: PcmkIpcDispatchArg,
    attempts: c_int,
) -> c_int {
    boundary!(libc::EINVAL, { connect_with(api, dispatch_type, attempts) })
}

/// `pcmk__connect_ipc`, for the exported functions: in main-loop mode the connection is
/// attached to GLib's default context here.
pub(super) fn connect_with(
    api: *mut pcmk_ipc_api_t,
    dispatch_type: c_int,
    attempts: c_int,
) -> c_int {
    enter(api, |h| {
        let ptr = h.ptr;
        let source = &h.obj.source;
        let mut attach = |ipc: &mut crate::client::IpcClient| -> i32 {
            let Some(fd) = ipc.fd() else {
                return libc::ENOTCONN;
            };
            // SAFETY: the object lives until its source's destroy notification (see
            // `source_destroyed`), at default priority as in 3.0.0.
            let (id, _) = unsafe {
                watch_fd(
                    fd,
                    glib_sys::G_PRIORITY_DEFAULT,
                    source_dispatch,
                    ptr.cast(),
                    source_destroyed,
                )
            };
            source.set(id);
            rc::OK
        };
        let code = h
            .with(|a| a.connect(dispatch_type, attempts, &mut attach))
            .unwrap_or(libc::EINVAL);
        if code != rc::OK && h.obj.source.get() != 0 {
            // do not leave a source on a closed connection (3.0.0 reports it later)
            let source = h.obj.source.replace(0);
            h.with(Api::detach);
            // SAFETY: a source id we registered.
            unsafe { glib_sys::g_source_remove(source) };
        }
        code
    })
    .unwrap_or(libc::EINVAL)
}

/// GLib: the connection's fd is readable (or hung up).
unsafe extern "C" fn source_dispatch(
    _channel: *mut GIOChannel,
    condition: GIOCondition,
    data: gpointer,
) -> gboolean {
    boundary!(glib_sys::GFALSE, {
        let readable = condition & glib_sys::G_IO_IN != 0;
        let hangup =
            condition & (glib_sys::G_IO_HUP | glib_sys::G_IO_NVAL | glib_sys::G_IO_ERR) != 0;
        match enter(data.cast(), |h| {
            ipc_api::dispatch_source(h, readable, hangup, 10)
        }) {
            Some(SourceStep::Keep) => glib_sys::GTRUE,
            Some(SourceStep::Closed(name)) => {
                // as 3.0.0's main loop says it of the connection under its API object
                log!(
                    Level::Error,
                    "mainloop_gio_callback",
                    "Connection to {name} closed | client={data:p} condition={condition}"
                );
                glib_sys::GFALSE
            }
            _ => glib_sys::GFALSE,
        }
    })
}

/// GLib: the source is gone: close, report the disconnect, free the object if asked to.
unsafe extern "C" fn source_destroyed(data: gpointer) {
    boundary!((), {
        enter(data.cast(), |h| {
            h.obj.source.set(0);
            ipc_api::disconnect(h);
            if h.obj.free_on_disconnect.get() {
                h.obj.free_pending.set(true);
            }
        });
    })
}

/// Disconnect an IPC API object (its callback gets a disconnect event). The object stays
/// usable: `pcmk_connect_ipc` connects it again.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_disconnect_ipc(api: *mut pcmk_ipc_api_t) {
    boundary!((), {
        enter(api, disconnect_handle);
    })
}

/// Wait up to `timeout_ms` (negative: no limit) for something to read, in poll mode.
///
/// # Returns
/// 0 when there is something, `EAGAIN` when not, `EINVAL` for a NULL object or one not in poll
/// mode, `ENOTCONN` when not connected, an errno of `poll` otherwise.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_poll_ipc(api: *const pcmk_ipc_api_t, timeout_ms: c_int) -> c_int {
    boundary!(libc::EINVAL, {
        enter(api.cast_mut(), |h| {
            let fd = h.with(|a| {
                if a.dispatch_type() != dispatch::POLL {
                    return Err(libc::EINVAL);
                }
                let ipc = a.ipc().ok_or(libc::EINVAL)?;
                ipc.fd().ok_or(libc::ENOTCONN)
            });
            let fd = match fd {
                Some(Ok(fd)) => fd,
                Some(Err(code)) => return code,
                None => return libc::EINVAL,
            };
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            match unsafe { libc::poll(&mut p, 1, timeout_ms) } {
                n if n < 0 => match std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::EIO)
                {
                    libc::EAGAIN => libc::ENOMEM,
                    e => e,
                },
                0 => libc::EAGAIN,
                _ => rc::OK,
            }
        })
        .unwrap_or(libc::EINVAL)
    })
}

/// Read and dispatch every message waiting (poll mode, or events in sync mode); the callback
/// runs for each reply.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_dispatch_ipc(api: *mut pcmk_ipc_api_t) {
    boundary!((), {
        enter(api, |h| ipc_api::dispatch_pending(h));
    })
}

/// Register (or replace, or with NULL remove) the callback for IPC API events.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; `cb` is NULL or a function of the
/// callback type; `user_data` is passed back as given and never freed.
#[no_mangle]
pub unsafe extern "C" fn pcmk_register_ipc_callback(
    api: *mut pcmk_ipc_api_t,
    cb: pcmk_ipc_callback_t,
    user_data: *mut c_void,
) {
    boundary!((), {
        enter(api, |h| {
            if let Ok(mut s) = h.obj.state.try_borrow_mut() {
                s.cb = cb;
                s.user_data = user_data;
            }
        });
    })
}

fn static_c(s: &'static str) -> *const c_char {
    // the names are static and each is stored with a NUL below
    match s {
        "attrd" => cstr!("attrd"),
        "crmd" => cstr!("crmd"),
        "pacemakerd" => cstr!("pacemakerd"),
        "pengine" => cstr!("pengine"),
        "attribute manager" => cstr!("attribute manager"),
        "CIB manager" => cstr!("CIB manager"),
        "controller" => cstr!("controller"),
        "executor" => cstr!("executor"),
        "fencer" => cstr!("fencer"),
        "launcher" => cstr!("launcher"),
        "scheduler" => cstr!("scheduler"),
        _ => cstr!("Pacemaker"),
    }
}

/// The IPC name of an object's daemon (`for_log` false: "attrd", "crmd", "pacemakerd",
/// "pengine"), or its name for humans (`for_log` true: "controller", ...).
///
/// # Returns
/// A static string; for a NULL object "Pacemaker" (`for_log`) or NULL.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_ipc_name(api: *const pcmk_ipc_api_t, for_log: bool) -> *const c_char {
    boundary!(std::ptr::null(), {
        let server = enter(api.cast_mut(), |h| h.with(|a| a.server())).flatten();
        match (server, for_log) {
            (None, true) => cstr!("Pacemaker"),
            (None, false) => std::ptr::null(),
            (Some(s), true) => static_c(ipc_api::log_name(s)),
            (Some(s), false) => ipc_api::ipc_name(s).map_or(std::ptr::null(), static_c),
        }
    })
}

/// Whether an IPC API object is connected.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`.
#[no_mangle]
pub unsafe extern "C" fn pcmk_ipc_is_connected(api: *mut pcmk_ipc_api_t) -> bool {
    boundary!(false, {
        enter(api, |h| h.with(Api::is_connected).unwrap_or(false)).unwrap_or(false)
    })
}

/// Ask a daemon (attribute manager, controller, pacemakerd) to purge a node from its peer
/// cache.
///
/// # Returns
/// 0; `EINVAL` for a NULL object or neither name nor id; `EOPNOTSUPP` for the scheduler;
/// `ENOTCONN` when not connected; another standard code from sending.
///
/// # Safety
/// `api` is NULL or an object from `pcmk_new_ipc_api`; `node_name` is NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn pcmk_ipc_purge_node(
    api: *mut pcmk_ipc_api_t,
    node_name: *const c_char,
    nodeid: u32,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or a string (# Safety).
        let name = unsafe { opt_str(node_name) };
        enter(api, |h| {
            match h.with(|a| a.purge_request(name.as_deref(), nodeid)) {
                Some(Ok(req)) => ipc_api::send_request(h, &req),
                Some(Err(code)) => code,
                None => libc::EINVAL,
            }
        })
        .unwrap_or(libc::EINVAL)
    })
}

/// Call `f` with the C structure of an event's data (NULL for none); it lives for the call.
fn with_event_data(event: &Event<'_>, f: impl FnOnce(*mut c_void)) {
    match &event.data {
        None => f(std::ptr::null_mut()),
        Some(r) => r.with_c(f),
    }
}

/// Build a request on the object and send it (`pcmk__send_ipc_request`); `EINVAL` for a NULL
/// object.
pub(super) fn send_built(
    api: *mut pcmk_ipc_api_t,
    build: impl FnOnce(&mut Api) -> Result<Request, i32>,
) -> c_int {
    enter(api, |h| match h.with(build) {
        Some(Ok(req)) => ipc_api::send_request(h, &req),
        Some(Err(code)) => code,
        None => libc::EINVAL,
    })
    .unwrap_or(libc::EINVAL)
}

/// `connect_and_send_attrd_request` of Pacemaker 3.0.0: connect the object (with its own
/// dispatch type, 5 attempts; a temporary sync-mode object of the attribute manager for NULL)
/// and send the request built on it.
pub(super) fn connect_and_send(
    api: *mut pcmk_ipc_api_t,
    build: impl FnOnce(&mut Api) -> Result<Request, i32>,
) -> c_int {
    let mut temporary: *mut pcmk_ipc_api_t = std::ptr::null_mut();
    let (target, dispatch) = if api.is_null() {
        // SAFETY: a valid place for the new object.
        let code = unsafe { pcmk_new_ipc_api(&mut temporary, ipc_api::server::ATTRD) };
        if code != rc::OK {
            return code;
        }
        (temporary, dispatch::SYNC)
    } else {
        match enter(api, |h| h.with(|a| a.dispatch_type())).flatten() {
            Some(d) => (api, d),
            None => return libc::EINVAL,
        }
    };
    let mut code = connect_with(target, dispatch, 5);
    if code == rc::OK {
        code = send_built(target, build);
    }
    if !temporary.is_null() {
        // SAFETY: the object made above, used no more.
        unsafe { pcmk_free_ipc_api(temporary) };
    }
    code
}
