//! The IPC part of Pacemaker 3.0.0's `crm/common/mainloop.h` (`lib/common/mainloop.c`):
//! `mainloop_add_ipc_client`, `mainloop_del_ipc_client`, `mainloop_get_ipc_client` and the
//! internal `pcmk__add_mainloop_ipc`, with which Pacemaker's libraries (libcib, libstonithd,
//! liblrmd) attach a `crm_ipc_t` to GLib's main loop.
//!
//! The source object has the layout of Pacemaker's `struct mainloop_io_s` (so that
//! libcrmcommon's `mainloop_del_fd`, which only reads `name` and `source`, also removes one of
//! ours), followed by a magic number of ours.

use super::crm_ipc::{
    crm_ipc_buffer, crm_ipc_close, crm_ipc_connected, crm_ipc_destroy, crm_ipc_name, crm_ipc_new,
    crm_ipc_read, crm_ipc_t, pcmk__connect_generic_ipc, pcmk__ipc_fd,
};
use crate::client::log::{log, Level};
use crate::client::rc;
use glib_sys::{gboolean, gpointer, GIOChannel, GIOCondition};
use libc::{c_char, c_int, c_uint, c_void, ssize_t};
use std::ffi::CStr;

/// `struct ipc_client_callbacks`: what to call with each message, and when the source goes.
#[repr(C)]
pub struct IpcClientCallbacks {
    dispatch: Option<unsafe extern "C" fn(*const c_char, ssize_t, gpointer) -> c_int>,
    destroy: Option<unsafe extern "C" fn(gpointer)>,
}

const SOURCE_MAGIC: u64 = 0x7063_6d6b_6d6c_6f31; // "pcmkmlo1"

/// `mainloop_io_t`: Pacemaker's `struct mainloop_io_s`, then our magic number.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct mainloop_io_s {
    name: *mut c_char,
    userdata: *mut c_void,
    fd: c_int,
    source: c_uint,
    ipc: *mut crm_ipc_t,
    channel: *mut GIOChannel,
    dispatch_fn_ipc: Option<unsafe extern "C" fn(*const c_char, ssize_t, gpointer) -> c_int>,
    dispatch_fn_io: Option<unsafe extern "C" fn(gpointer) -> c_int>,
    destroy_fn: Option<unsafe extern "C" fn(gpointer)>,
    magic: u64,
}

/// Pacemaker's name for the source object.
#[allow(non_camel_case_types)]
pub type mainloop_io_t = mainloop_io_s;

// Pacemaker 3.0.0's layout on x86_64 (the fields it reads sit where it expects them).
const _: () = {
    assert!(std::mem::offset_of!(mainloop_io_s, source) == 20);
    assert!(std::mem::offset_of!(mainloop_io_s, ipc) == 24);
    assert!(std::mem::offset_of!(mainloop_io_s, destroy_fn) == 56);
};

/// Our source object behind a pointer from C (`None` for NULL or anything else).
///
/// # Safety
/// `p` is NULL or points to at least a Pacemaker `mainloop_io_t` (ours carry the magic number
/// after it; only then is it read further).
unsafe fn ours<'a>(p: *mut mainloop_io_t) -> Option<&'a mut mainloop_io_s> {
    // SAFETY: see above.
    let s = unsafe { p.as_mut() }?;
    (s.magic == SOURCE_MAGIC).then_some(s)
}

/// GLib: the connection's descriptor is readable or hung up (`mainloop_gio_callback`): read and
/// dispatch up to 10 messages, and say whether the source stays.
unsafe extern "C" fn source_ready(
    _channel: *mut GIOChannel,
    condition: GIOCondition,
    data: gpointer,
) -> gboolean {
    boundary!(glib_sys::GFALSE, {
        let p = data.cast::<mainloop_io_t>();
        let mut keep = true;
        // The source's data is its live object until the destroy notification, which GLib
        // defers while this runs; its fields are read afresh around every callback, which may
        // change them.
        if condition & glib_sys::G_IO_IN != 0 {
            // SAFETY: see above.
            let ipc = unsafe { (*p).ipc };
            if !ipc.is_null() {
                for _ in 0..10 {
                    // SAFETY: the source's connection object (ours, from crm_ipc_new).
                    let n = unsafe { crm_ipc_read(ipc) };
                    if n <= 0 {
                        break;
                    }
                    // SAFETY: as above.
                    let (dispatch, userdata) = unsafe { ((*p).dispatch_fn_ipc, (*p).userdata) };
                    if let Some(f) = dispatch {
                        // SAFETY: the caller's callback with its data and the message, which
                        // stays valid until the next read on the object.
                        if unsafe { f(crm_ipc_buffer(ipc), n as ssize_t, userdata) } < 0 {
                            keep = false;
                            break;
                        }
                    }
                }
            } else {
                // SAFETY: as above.
                let (dispatch, userdata) = unsafe { ((*p).dispatch_fn_io, (*p).userdata) };
                // SAFETY: the caller's callback with its data.
                if dispatch.is_some_and(|f| unsafe { f(userdata) } < 0) {
                    keep = false;
                }
            }
        }
        // SAFETY: see above.
        let ipc = unsafe { (*p).ipc };
        // SAFETY: the source's connection object.
        if !ipc.is_null() && !unsafe { crm_ipc_connected(ipc) } {
            log!(
                Level::Error,
                "mainloop_gio_callback",
                "Connection to {} closed | client={p:p} condition={condition}",
                // SAFETY: the name is ours, a C string for the life of the source.
                unsafe { CStr::from_ptr((*p).name) }.to_string_lossy()
            );
            keep = false;
        } else if condition & (glib_sys::G_IO_HUP | glib_sys::G_IO_NVAL | glib_sys::G_IO_ERR) != 0 {
            keep = false;
        } else if condition & glib_sys::G_IO_IN == 0 {
            log!(
                Level::Error,
                "mainloop_gio_callback",
                "Strange condition: {condition}"
            );
        }
        if keep {
            glib_sys::GTRUE
        } else {
            glib_sys::GFALSE
        }
    })
}

/// GLib: the source is gone (`mainloop_gio_destroy`): close the connection, tell the caller,
/// free the connection object and the source object.
unsafe extern "C" fn source_gone(data: gpointer) {
    boundary!((), {
        let p = data.cast::<mainloop_io_t>();
        // SAFETY: the source's live object; this is its last use.
        unsafe {
            if !(*p).ipc.is_null() {
                crm_ipc_close((*p).ipc);
            }
            if let Some(destroy) = (*p).destroy_fn.take() {
                destroy((*p).userdata);
            }
            let ipc = std::mem::replace(&mut (*p).ipc, std::ptr::null_mut());
            if !ipc.is_null() {
                crm_ipc_destroy(ipc);
            }
            (*p).magic = 0;
            libc::free((*p).name.cast());
            libc::free(p.cast());
        }
    })
}

/// `mainloop_add_fd` for a connection: a watch on `fd` in GLib's default context.
///
/// # Safety
/// `name` is a C string.
unsafe fn add_source(
    name: *const c_char,
    priority: c_int,
    fd: c_int,
    userdata: *mut c_void,
) -> *mut mainloop_io_t {
    // SAFETY: plain allocations, owned by the source until its destroy notification.
    unsafe {
        let p = libc::calloc(1, std::mem::size_of::<mainloop_io_s>()).cast::<mainloop_io_s>();
        if p.is_null() {
            return p;
        }
        (*p).name = libc::strdup(name);
        (*p).userdata = userdata;
        (*p).fd = fd;
        (*p).magic = SOURCE_MAGIC;
        // the object is freed by the source's destroy notification, not before
        let (id, channel) = super::watch_fd(fd, priority, source_ready, p.cast(), source_gone);
        (*p).source = id;
        (*p).channel = channel;
        p
    }
}

/// Connect a connection object and attach it to GLib's default main context: `callbacks`'
/// `dispatch` gets each message the daemon sends (returning a negative value removes the
/// source), `destroy` is called when the source goes (after which the connection object and
/// the source are freed).
///
/// # Returns
/// 0 and the source in `*source`; `EINVAL` for a NULL object, callbacks or `source`; the
/// connect's standard code otherwise (the object then stays the caller's).
///
/// # Safety
/// `ipc` is NULL or an object from `crm_ipc_new`; `callbacks` is NULL or valid for reads;
/// `source` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn pcmk__add_mainloop_ipc(
    ipc: *mut crm_ipc_t,
    priority: c_int,
    userdata: *mut c_void,
    callbacks: *const IpcClientCallbacks,
    source: *mut *mut mainloop_io_t,
) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: NULL or valid for reads (# Safety).
        let Some(cb) = (unsafe { callbacks.as_ref() }) else {
            return libc::EINVAL;
        };
        if ipc.is_null() || source.is_null() {
            return libc::EINVAL;
        }
        // SAFETY: an object from crm_ipc_new (# Safety); the name lives with it.
        let name = unsafe { crm_ipc_name(ipc) };
        let name = if name.is_null() {
            cstr!("Pacemaker")
        } else {
            name
        };
        // SAFETY: as above.
        let code = unsafe { pcmk__connect_generic_ipc(ipc) };
        if code != rc::OK {
            log!(
                Level::Debug,
                "pcmk__add_mainloop_ipc",
                "Connection to {} failed: {}",
                // SAFETY: a C string.
                unsafe { CStr::from_ptr(name) }.to_string_lossy(),
                rc::describe(code)
            );
            return code;
        }
        let mut fd = -1;
        // SAFETY: as above.
        let code = unsafe { pcmk__ipc_fd(ipc, &mut fd) };
        if code != rc::OK {
            // SAFETY: as above.
            unsafe { crm_ipc_close(ipc) };
            return code;
        }
        // SAFETY: a C string.
        let s = unsafe { add_source(name, priority, fd, userdata) };
        if s.is_null() {
            // SAFETY: as above.
            unsafe { crm_ipc_close(ipc) };
            return libc::ENOMEM;
        }
        // SAFETY: the new source object; `source` is valid for a write (# Safety).
        unsafe {
            (*s).ipc = ipc;
            (*s).destroy_fn = cb.destroy;
            (*s).dispatch_fn_ipc = cb.dispatch;
            *source = s;
        }
        rc::OK
    })
}

/// Create a connection object for the IPC service `name`, connect it and attach it to GLib's
/// default main context (see `pcmk__add_mainloop_ipc`).
///
/// # Returns
/// The source; NULL with `errno` set (the connect's errno, or `ENOTCONN`) when it failed.
///
/// # Safety
/// `name` is NULL or a C string; `callbacks` is NULL or valid for reads.
#[no_mangle]
pub unsafe extern "C" fn mainloop_add_ipc_client(
    name: *const c_char,
    priority: c_int,
    max_size: usize,
    userdata: *mut c_void,
    callbacks: *const IpcClientCallbacks,
) -> *mut mainloop_io_t {
    boundary!(std::ptr::null_mut(), {
        // SAFETY: see # Safety.
        let ipc = unsafe { crm_ipc_new(name, max_size) };
        let mut source = std::ptr::null_mut();
        // SAFETY: see # Safety.
        let code =
            unsafe { pcmk__add_mainloop_ipc(ipc, priority, userdata, callbacks, &mut source) };
        if code == rc::OK {
            return source;
        }
        if crate::crmcommon::log_level() == Some(LOG_STDOUT) {
            // libcrmcommon's own words, when a program asked for messages on stdout
            eprint!(
                "Connection to {} failed: {}",
                // SAFETY: NULL or a C string (# Safety).
                unsafe { super::opt_str(name) }.unwrap_or_default(),
                rc::describe(code)
            );
        }
        // SAFETY: ours, not attached to anything.
        unsafe { crm_ipc_destroy(ipc) };
        // SAFETY: the calling thread's errno.
        unsafe { *libc::__errno_location() = if code > 0 { code } else { libc::ENOTCONN } };
        std::ptr::null_mut()
    })
}

/// libcrmcommon's `LOG_STDOUT` log level.
const LOG_STDOUT: u32 = 254;

/// Remove a source made by `mainloop_add_ipc_client` (its destroy callback runs, now or after
/// the current dispatch of that source) — or any other `mainloop_io_t`: Pacemaker's own code
/// also removes with this function sources that libcrmcommon's `mainloop_add_fd` made
/// (liblrmd's TLS connection to a remote node, `lrmd_tls_disconnect`); those are removed as
/// libcrmcommon's `mainloop_del_fd` removes them (its GLib source, whose destroy notification
/// is libcrmcommon's).
///
/// # Safety
/// `client` is NULL or a `mainloop_io_t` (one of ours, or one of libcrmcommon's).
#[no_mangle]
pub unsafe extern "C" fn mainloop_del_ipc_client(client: *mut mainloop_io_t) {
    boundary!((), {
        // SAFETY: see # Safety.
        if let Some(s) = unsafe { ours(client) } {
            // removed once: a second call before the deferred destroy notification is a no-op
            let id = std::mem::replace(&mut s.source, 0);
            if id != 0 {
                // SAFETY: the watch we registered; its destroy notification frees the object.
                unsafe { glib_sys::g_source_remove(id) };
            }
        // SAFETY: a libcrmcommon mainloop_io_t (# Safety): `source` sits where ours has it.
        } else if let Some(s) = unsafe { client.as_ref() } {
            if s.source != 0 {
                // SAFETY: its GLib source; the destroy notification (libcrmcommon's) frees it.
                unsafe { glib_sys::g_source_remove(s.source) };
            }
        }
    })
}

/// The connection object of a source (NULL for NULL).
///
/// # Safety
/// `client` is NULL or a source from `mainloop_add_ipc_client` or `pcmk__add_mainloop_ipc`.
#[no_mangle]
pub unsafe extern "C" fn mainloop_get_ipc_client(client: *mut mainloop_io_t) -> *mut crm_ipc_t {
    boundary!(std::ptr::null_mut(), {
        // SAFETY: see # Safety.
        // (a libcrmcommon source's field is at the same place: 3.0.0 returns it)
        unsafe { client.as_ref() }.map_or(std::ptr::null_mut(), |s| s.ipc)
    })
}
