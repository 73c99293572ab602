//! `crm_ipc_*` of `crm/common/ipc.h` (and `crm_ipc_connect` of `ipc_client_compat.h`).
//!
//! Where Pacemaker 3.0.0 aborts on a NULL object (`crm_ipc_ready`, `crm_ipc_read`,
//! `crm_ipc_buffer`, `crm_ipc_buffer_flags`, `crm_ipc_name`) or crashes (`crm_ipc_new(NULL, …)`),
//! these return the failure value the same function uses elsewhere (docs/differences.md).

use crate::client::log::{log, Level};
use crate::client::{self, rc, Authenticity, IpcClient};
use crate::xml::{self as libxml, xmlNode, Node};
use libc::{c_char, c_int, c_long, c_uint, gid_t, pid_t, uid_t};
use parking_lot::Mutex;
use std::ffi::{CStr, CString};

/// Flags of a message (`enum crm_ipc_flags`); values are bits of the message header.
#[repr(C)]
#[allow(non_camel_case_types, clippy::enum_variant_names, dead_code)]
pub enum crm_ipc_flags {
    /// No flags.
    crm_ipc_flags_none = 0x0000_0000,
    /// The message has been compressed.
    crm_ipc_compressed = 0x0000_0001,
    /// All replies to proxied connections are sent as events.
    crm_ipc_proxied = 0x0000_0100,
    /// A response is expected in reply.
    crm_ipc_client_response = 0x0000_0200,
    /// Server side: send an event instead of a response.
    crm_ipc_server_event = 0x0001_0000,
    /// Server side: free the message after sending.
    crm_ipc_server_free = 0x0002_0000,
    /// Server side: an event that is really a response to a proxied request.
    crm_ipc_proxied_relay_response = 0x0004_0000,
}

/// What C passes for an `enum crm_ipc_flags` argument: any combination of bits, so it is read
/// as an integer (a Rust enum may only hold its listed values). The header names the enum.
pub type CrmIpcFlagBits = c_uint;

const HANDLE_MAGIC: u64 = 0x7063_6d6b_6970_6331; // "pcmkipc1"

/// A connection object (opaque to C).
#[allow(non_camel_case_types)]
pub struct crm_ipc_s {
    magic: u64,
    name: CString,
    client: Mutex<IpcClient>,
}

/// `crm_ipc_t`, Pacemaker's name for the connection object.
#[allow(non_camel_case_types)]
pub type crm_ipc_t = crm_ipc_s;

/// The object behind a pointer from C, or `None` for NULL or something that is not one of ours
/// (a freed or foreign pointer whose memory no longer carries the magic number).
///
/// # Safety
/// `p` is NULL or a pointer returned by `crm_ipc_new` and not yet destroyed.
unsafe fn handle<'a>(p: *mut crm_ipc_t) -> Option<&'a crm_ipc_s> {
    // SAFETY: see above.
    let h = unsafe { p.as_ref() }?;
    (h.magic == HANDLE_MAGIC).then_some(h)
}

fn set_errno(v: c_int) {
    // SAFETY: the calling thread's errno.
    unsafe { *libc::__errno_location() = v };
}

/// Create a connection object for the IPC service `name` with a buffer of at least `max_size`
/// bytes (or the default, `PCMK_ipc_buffer` or 128 KiB, if larger). Does not connect.
///
/// # Returns
/// The new object, to be freed with `crm_ipc_destroy`; NULL if `name` is NULL.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_new(name: *const c_char, max_size: usize) -> *mut crm_ipc_t {
    boundary!(std::ptr::null_mut(), {
        if name.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: a NUL-terminated string (see # Safety).
        let name = unsafe { CStr::from_ptr(name) };
        let client = IpcClient::new(&name.to_string_lossy(), max_size);
        Box::into_raw(Box::new(crm_ipc_s {
            magic: HANDLE_MAGIC,
            name: name.to_owned(),
            client: Mutex::new(client),
        }))
    })
}

/// Connect the object to its service, checking that the server runs as root or as the cluster
/// user or group.
///
/// # Returns
/// true on success; false with `errno` set otherwise (the connect's errno, e.g.
/// `ECONNREFUSED`; `ENOTCONN` for a server running as someone else or a NULL object).
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_connect(client: *mut crm_ipc_t) -> bool {
    boundary!(false, {
        // SAFETY: see # Safety.
        let Some(h) = (unsafe { handle(client) }) else {
            set_errno(libc::ENOTCONN);
            return false;
        };
        let rc = h.client.lock().connect();
        if rc == rc::OK {
            return true;
        }
        set_errno(if rc > 0 { rc } else { libc::ENOTCONN });
        false
    })
}

/// Connect the object to its service, checking that the server runs as root or as the cluster
/// user or group; Pacemaker's internal form of `crm_ipc_connect`, which its libraries call.
///
/// # Returns
/// A standard code: 0; `EINVAL` for a NULL object; the connect's errno (e.g. `ECONNREFUSED`);
/// `pcmk_rc_ipc_unauthorized` (-1018) for a server running as someone else.
///
/// # Safety
/// `ipc` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn pcmk__connect_generic_ipc(ipc: *mut crm_ipc_t) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: see # Safety.
        match unsafe { handle(ipc) } {
            Some(h) => h.client.lock().connect(),
            None => libc::EINVAL,
        }
    })
}

/// The descriptor of a connected object, in `*fd`.
///
/// # Returns
/// 0; `EINVAL` for a NULL object or `fd`; `ENOTCONN` when not connected.
///
/// # Safety
/// `ipc` is NULL or an object from `crm_ipc_new`; `fd` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn pcmk__ipc_fd(ipc: *mut crm_ipc_t, fd: *mut c_int) -> c_int {
    boundary!(libc::EINVAL, {
        // SAFETY: see # Safety.
        let Some(h) = (unsafe { handle(ipc) }) else {
            return libc::EINVAL;
        };
        if fd.is_null() {
            return libc::EINVAL;
        }
        match h.client.lock().fd() {
            // SAFETY: valid for a write (# Safety).
            Some(d) => unsafe {
                *fd = d;
                rc::OK
            },
            None => libc::ENOTCONN,
        }
    })
}

/// Close the connection; the object stays usable (connect it again, or destroy it).
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_close(client: *mut crm_ipc_t) {
    boundary!((), {
        // SAFETY: see # Safety.
        if let Some(h) = unsafe { handle(client) } {
            h.client.lock().close();
        }
    })
}

/// Free the object (and close its connection if still open).
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_destroy(client: *mut crm_ipc_t) {
    boundary!((), {
        // SAFETY: see # Safety.
        if unsafe { handle(client) }.is_some() {
            // SAFETY: ours (magic checked), from Box::into_raw; the caller gives it up.
            let mut b = unsafe { Box::from_raw(client) };
            b.magic = 0;
            drop(b);
        }
    })
}

/// Free an event as Pacemaker's server code builds them: a 2-element iovec whose two buffers
/// and the array itself were allocated with malloc.
///
/// # Safety
/// `event` is NULL or such an iovec.
#[no_mangle]
pub unsafe extern "C" fn pcmk_free_ipc_event(event: *mut libc::iovec) {
    boundary!((), {
        if event.is_null() {
            return;
        }
        // SAFETY: a malloc'ed 2-element iovec with malloc'ed (or NULL) buffers (# Safety).
        unsafe {
            libc::free((*event).iov_base);
            libc::free((*event.add(1)).iov_base);
            libc::free(event.cast());
        }
    })
}

/// Send an XML message; with `crm_ipc_client_response` in `flags`, wait for its reply.
///
/// `ms_timeout` 0 means 5 seconds, negative means no limit; the limit holds for the whole call,
/// to the millisecond (3.0.0 counts whole seconds of the wall clock from each step).
///
/// # Returns
/// When a reply was waited for: the size of the reply frame received (header included), or a
/// negative errno (`-ETIMEDOUT`, `-ENOTCONN`, ...); otherwise the bytes sent or a negative errno.
/// `-ENOTCONN` when not connected, `-EINVAL` for a NULL message, `-EMSGSIZE` when the message
/// cannot be compressed into the buffer, `-EBADMSG` at once for an answer that cannot be a
/// reply (too short for the header, sizes that do not add up, no NUL, parts that do not fit
/// together). A reply that cannot be decompressed is received (its size returned, `*reply`
/// NULL), as in 3.0.0. After a call that ended at its limit the object sends the next request at
/// once (3.0.0 refuses it with `-EALREADY` until the late reply comes), and drops that late
/// reply by its id.
/// `*reply` (if `reply` is not NULL) is set only when a reply frame was received: a new libxml2
/// tree (free it with `xmlFreeDoc(r->doc)`), or NULL if the reply did not parse.
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`; `message` is NULL or a valid libxml2 node;
/// `reply` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_send(
    client: *mut crm_ipc_t,
    message: *const xmlNode,
    flags: CrmIpcFlagBits,
    ms_timeout: i32,
    reply: *mut *mut xmlNode,
) -> c_int {
    boundary!(-libc::EIO, {
        // SAFETY: see # Safety.
        let Some(h) = (unsafe { handle(client) }) else {
            return -libc::ENOTCONN;
        };
        // SAFETY: a valid node or NULL (# Safety); the tree is only read during this call.
        let text = unsafe { Node::from_ptr(message) }.map(libxml::to_text);
        let mut c = h.client.lock();
        let sent = c.send(text.as_deref(), flags, ms_timeout);
        if sent.rc > 0 && sent.replied && !reply.is_null() {
            // SAFETY: reply is valid for a write (# Safety).
            unsafe { *reply = libxml::parse_received(c.text_cstr()) };
        }
        sent.rc
    })
}

/// The descriptor to poll for incoming events.
///
/// # Returns
/// The descriptor, or `-EINVAL` (and `errno` `EINVAL`) if the object is NULL or not connected.
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_get_fd(client: *mut crm_ipc_t) -> c_int {
    boundary!(-libc::EINVAL, {
        // SAFETY: see # Safety.
        let h = unsafe { handle(client) };
        match h.and_then(|h| h.client.lock().fd()) {
            Some(fd) => fd,
            None => {
                log!(
                    Level::Error,
                    "crm_ipc_get_fd",
                    "Could not obtain file descriptor for {} IPC",
                    h.map_or(std::borrow::Cow::Borrowed("unspecified"), |h| h
                        .name
                        .to_string_lossy())
                );
                set_errno(libc::EINVAL);
                -libc::EINVAL
            }
        }
    })
}

/// Whether the object is connected to a live server.
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_connected(client: *mut crm_ipc_t) -> bool {
    boundary!(false, {
        // SAFETY: see # Safety.
        unsafe { handle(client) }.is_some_and(|h| h.client.lock().connected())
    })
}

/// Whether an event is waiting to be read.
///
/// # Returns
/// A positive value if one is (or the server hung up), 0 if not, `-ENOTCONN` if not connected
/// (also for a NULL object), another negative errno if polling failed.
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_ready(client: *mut crm_ipc_t) -> c_int {
    boundary!(-libc::ENOTCONN, {
        // SAFETY: see # Safety.
        unsafe { handle(client) }.map_or(-libc::ENOTCONN, |h| h.client.lock().ready())
    })
}

/// Read one waiting event into the object's buffer, without waiting.
///
/// # Returns
/// The length of its text including the terminating NUL; `-EAGAIN` if none is waiting;
/// `-EBADMSG` for a message of an unknown protocol version; −201 if it cannot be decompressed;
/// `-ENOMSG` on any other failure (disconnect, NULL or closed object).
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_read(client: *mut crm_ipc_t) -> c_long {
    boundary!(-(libc::ENOMSG as c_long), {
        // SAFETY: see # Safety.
        unsafe { handle(client) }.map_or(-(libc::ENOMSG as c_long), |h| {
            h.client.lock().read() as c_long
        })
    })
}

/// The text of the last message read or received (NUL-terminated), valid until the next
/// read or send on this object; NULL for a NULL object.
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_buffer(client: *mut crm_ipc_t) -> *const c_char {
    boundary!(std::ptr::null(), {
        // SAFETY: see # Safety.
        unsafe { handle(client) }.map_or(std::ptr::null(), |h| {
            h.client.lock().buffer().as_ptr().cast()
        })
    })
}

/// The header flags (`enum crm_ipc_flags` bits) of the last message read or received; 0 if
/// none was, or for a NULL object.
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_buffer_flags(client: *mut crm_ipc_t) -> u32 {
    boundary!(0, {
        // SAFETY: see # Safety.
        unsafe { handle(client) }.map_or(0, |h| h.client.lock().buffer_flags())
    })
}

/// The service name the object was created for; NULL for a NULL object.
///
/// # Safety
/// `client` is NULL or an object from `crm_ipc_new`.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_name(client: *mut crm_ipc_t) -> *const c_char {
    boundary!(std::ptr::null(), {
        // SAFETY: see # Safety.
        unsafe { handle(client) }.map_or(std::ptr::null(), |h| h.name.as_ptr())
    })
}

/// Pacemaker's default IPC buffer size in bytes: `PCMK_ipc_buffer` (else `HA_ipc_buffer`) when
/// set to a valid value (at least 12336, at most `UINT_MAX`), otherwise 131072. Read once per
/// process.
#[no_mangle]
pub extern "C" fn crm_ipc_default_buffer_size() -> c_uint {
    boundary!(client::DEFAULT_BUFFER_SIZE, {
        client::default_buffer_size()
    })
}

/// Check the credentials of the process at the other end of a unix socket.
///
/// The peer is authentic if it runs as root, or as `refuid`, or with group `refgid`.
///
/// # Returns
/// 1 if authentic, 0 if not, a negative errno if the credentials could not be obtained
/// (`-EBADF` for a bad descriptor, `-ENOTSOCK` for a descriptor that is not a socket,
/// `-EOPNOTSUPP` for an unexpected answer of the kernel).
///
/// # Safety
/// Each of `gotpid`, `gotuid` and `gotgid` is either NULL or valid for a write of its type; they
/// are written whenever credentials were obtained, also when the answer is 0.
#[no_mangle]
pub unsafe extern "C" fn crm_ipc_is_authentic_process(
    sock: c_int,
    refuid: uid_t,
    refgid: gid_t,
    gotpid: *mut pid_t,
    gotuid: *mut uid_t,
    gotgid: *mut gid_t,
) -> c_int {
    boundary!(-libc::EIO, {
        let (answer, cred) = match client::check_peer(sock, refuid, refgid) {
            Ok(Authenticity::Authentic(c)) => (1, c),
            Ok(Authenticity::Unauthorized(c)) => (0, c),
            Err(e) => return -e.errno(),
        };
        // SAFETY: the caller passes NULL or pointers valid for writes (see # Safety).
        unsafe {
            if let Some(p) = gotpid.as_mut() {
                *p = cred.pid;
            }
            if let Some(p) = gotuid.as_mut() {
                *p = cred.uid;
            }
            if let Some(p) = gotgid.as_mut() {
                *p = cred.gid;
            }
        }
        answer
    })
}
