//! The C structure of an event's data (`event_data` of `pcmk_ipc_callback_t`). Each daemon's
//! module builds its own reply's structure ([`EventData`] for its reply type); the API
//! object's event delivery (`ipc_api`) asks for it through this trait and names no daemon.

use crate::client::ipc_api::Reply;
use libc::c_void;

/// A reply that C callers see as a structure of Pacemaker's layout.
pub(super) trait EventData {
    /// Call `f` with a pointer to the structure (`pcmk_*_api_reply_t`); it lives for the call.
    fn with_c(&self, f: impl FnOnce(*mut c_void));
}

impl EventData for Reply<'_> {
    fn with_c(&self, f: impl FnOnce(*mut c_void)) {
        match self {
            Reply::Pacemakerd(r) => r.with_c(f),
            Reply::Controld(r) => r.with_c(f),
            Reply::Schedulerd(r) => r.with_c(f),
            Reply::Attrd(r) => r.with_c(f),
        }
    }
}
