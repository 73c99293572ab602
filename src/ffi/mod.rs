//! The C ABI: Pacemaker 3.0.0's `include/crm/common/ipc.h` (and its companions), as a thin skin
//! over [`crate::client`]. Every `extern "C"` function of the crate lives here and follows one
//! pattern: its body runs inside [`boundary!`], which stops a panic at the border and returns the
//! value Pacemaker would return for a failure; pointers are checked before use.
//!
//! `exports.map` beside this file lists every exported symbol (the ABI inventory).

/// Run an exported function's body; a panic inside it returns `$on_panic` instead of unwinding
/// into C, and its message goes to Pacemaker's log (see [`panic_quietly`]), never to the
/// terminal.
macro_rules! boundary {
    ($on_panic:expr, $body:block) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| {
            let _inside = $crate::ffi::Inside::enter();
            $body
        })) {
            Ok(value) => value,
            Err(_) => $on_panic,
        }
    }};
}

thread_local! {
    /// How many exported functions this thread is inside (callbacks may call back in).
    static INSIDE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Set while the hook writes a message (a panic there is not reported again).
    static IN_HOOK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the thread as running an exported function while it lives; the first one installs
/// [`panic_quietly`].
pub(crate) struct Inside(());

impl Inside {
    pub(crate) fn enter() -> Inside {
        static HOOK: std::sync::Once = std::sync::Once::new();
        // set_hook may not be called while this thread unwinds (a C callback's caller could be)
        if !std::thread::panicking() {
            HOOK.call_once(panic_quietly);
        }
        INSIDE.with(|n| n.set(n.get() + 1));
        Inside(())
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        INSIDE.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// Rust's default panic hook prints to stderr; a C caller of libcrmcommon never sees such
/// output. Panics inside an exported function are written to Pacemaker's log instead (where
/// `PCMK_logfile`/`PCMK_debug` send it); any other panic goes to the hook that was installed
/// before (a Rust program using the `client` API keeps its own behaviour).
fn panic_quietly() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if INSIDE.with(|n| n.get()) == 0 {
            return previous(info);
        }
        if IN_HOOK.with(|h| h.replace(true)) {
            return;
        }
        crate::client::log::log!(
            crate::client::log::Level::Error,
            "pcmk-ipc-rs",
            "internal error (please report): {info}"
        );
        IN_HOOK.with(|h| h.set(false));
    }));
}

/// A static NUL-terminated string as a C pointer (cbindgen 0.24 cannot parse `c"..."`).
macro_rules! cstr {
    ($s:literal) => {
        concat!($s, "\0").as_ptr().cast::<libc::c_char>()
    };
}

/// A C string for an optional borrowed value (NULL for `None`).
fn cptr(s: Option<&std::ffi::CStr>) -> *const libc::c_char {
    s.map_or(std::ptr::null(), std::ffi::CStr::as_ptr)
}

/// A C pointer for an optional node of a tree (NULL for `None`).
fn nptr(n: Option<crate::xml::Node<'_>>) -> *mut crate::xml::xmlNode {
    n.map_or(std::ptr::null_mut(), |n| n.as_ptr())
}

/// A C string argument as text (`None` for NULL).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn opt_str(p: *const libc::c_char) -> Option<String> {
    // SAFETY: see above.
    (!p.is_null()).then(|| {
        unsafe { std::ffi::CStr::from_ptr(p) }
            .to_string_lossy()
            .into_owned()
    })
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

/// GLib's callback for a watched descriptor (`GIOFunc`).
type WatchFn = unsafe extern "C" fn(
    *mut glib_sys::GIOChannel,
    glib_sys::GIOCondition,
    glib_sys::gpointer,
) -> glib_sys::gboolean;

extern "C" {
    fn g_io_add_watch_full(
        channel: *mut glib_sys::GIOChannel,
        priority: libc::c_int,
        condition: glib_sys::GIOCondition,
        func: Option<WatchFn>,
        user_data: glib_sys::gpointer,
        notify: glib_sys::GDestroyNotify,
    ) -> libc::c_uint;
}

/// Watch a connection's descriptor in GLib's default main context, as Pacemaker's main-loop
/// IPC does (readable, hung up, invalid or in error): `func` gets `data`, and `gone(data)` runs
/// when the source is removed. Returns the source id and its channel (held by the watch).
///
/// # Safety
/// `data` stays valid for `func` and `gone` until `gone` has run.
unsafe fn watch_fd(
    fd: libc::c_int,
    priority: libc::c_int,
    func: WatchFn,
    data: glib_sys::gpointer,
    gone: unsafe extern "C" fn(glib_sys::gpointer),
) -> (libc::c_uint, *mut glib_sys::GIOChannel) {
    // SAFETY: GLib calls on a new channel; the watch takes its own reference, ours is dropped.
    unsafe {
        let channel = glib_sys::g_io_channel_unix_new(fd);
        let id = g_io_add_watch_full(
            channel,
            priority,
            glib_sys::G_IO_IN | glib_sys::G_IO_HUP | glib_sys::G_IO_NVAL | glib_sys::G_IO_ERR,
            Some(func),
            data,
            Some(gone),
        );
        glib_sys::g_io_channel_unref(channel);
        (id, channel)
    }
}

mod attrd;
mod controld;
mod crm_ipc;
mod event_data;
mod ipc_api;
mod mainloop;
mod pacemakerd;
mod schedulerd;

#[cfg(test)]
mod tests {
    const NAME: &str = "ffi::tests::a_panic_inside_an_exported_function_is_caught_and_not_printed";

    #[test]
    fn a_panic_inside_an_exported_function_is_caught_and_not_printed() {
        if std::env::var_os("PCMKRS_PANIC_CHILD").is_some() {
            // the child: a body that panics, inside the boundary every exported function uses
            let v: i32 = boundary!(-7, {
                if std::hint::black_box(true) {
                    panic!("pcmkrs test panic");
                }
                0
            });
            println!("child: boundary returned {v}");
            return;
        }
        // run in a child process (the panic hook is process-wide), output not captured
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env("PCMKRS_PANIC_CHILD", "1")
            .env_remove("PCMK_logfile")
            .env_remove("PCMK_stderr")
            .env_remove("HA_logfile")
            .env_remove("HA_stderr")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed: {stdout}\n{stderr}");
        assert!(
            stdout.contains("child: boundary returned -7"),
            "the panic was not caught: {stdout}"
        );
        assert!(
            !stderr.contains("pcmkrs test panic") && !stdout.contains("pcmkrs test panic"),
            "the panic was printed: {stderr}"
        );
    }
}
