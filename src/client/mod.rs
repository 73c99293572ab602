//! The safe Rust API: connections to Pacemaker daemons, requests, replies and events.

mod api;
mod auth;
mod buffer;
pub mod daemon;
pub mod daemons;
mod ipc;
pub(crate) mod log;
pub mod rc;
mod text;

pub use api::{Client, Error, Message};
pub use auth::{check_peer, daemon_user, Authenticity};
pub use buffer::{default_buffer_size, ipc_buffer_size, DEFAULT_BUFFER_SIZE, MIN_BUFFER_SIZE};
pub use ipc::{IpcClient, Sent};

/// The libqb service names of Pacemaker's daemons: CIB manager (read-only, read-write, shared
/// memory), controller, executor, fencer, launcher, scheduler, attribute manager.
pub const DAEMON_SERVICES: [&str; 9] = [
    "cib_ro",
    "cib_rw",
    "cib_shm",
    "crmd",
    "lrmd",
    "stonith-ng",
    "pacemakerd",
    "pengine",
    "attrd",
];
