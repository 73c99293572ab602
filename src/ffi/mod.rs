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
        let _inside = $crate::ffi::Inside::enter();
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(_) => $on_panic,
        }
    }};
}

thread_local! {
    /// How many exported functions this thread is inside (callbacks may call back in).
    static INSIDE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Marks the thread as running an exported function while it lives; the first one installs
/// [`panic_quietly`].
pub(crate) struct Inside(());

impl Inside {
    pub(crate) fn enter() -> Inside {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(panic_quietly);
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
        if INSIDE.with(|n| n.get()) > 0 {
            crate::client::log::log!(
                crate::client::log::Level::Error,
                "internal error (please report): {info}"
            );
        } else {
            previous(info);
        }
    }));
}

/// A static NUL-terminated string as a C pointer (cbindgen 0.24 cannot parse `c"..."`).
macro_rules! cstr {
    ($s:literal) => {
        concat!($s, "\0").as_ptr().cast::<libc::c_char>()
    };
}

mod api;
mod daemons;
mod ipc;
