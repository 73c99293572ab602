//! The C ABI: Pacemaker 3.0.0's `include/crm/common/ipc.h` (and its companions), as a thin skin
//! over [`crate::client`]. Every `extern "C"` function of the crate lives here and follows one
//! pattern: its body runs inside [`boundary!`], which stops a panic at the border and returns the
//! value Pacemaker would return for a failure; pointers are checked before use.
//!
//! `exports.map` beside this file lists every exported symbol (the ABI inventory).

/// Run an exported function's body; a panic inside it returns `$on_panic` instead of unwinding
/// into C.
macro_rules! boundary {
    ($on_panic:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(_) => $on_panic,
        }
    };
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
