//! The safe Rust API: connections to Pacemaker daemons, requests, replies and events.
//!
//! - [`Client`] (`simple`): XML requests and replies over one connection;
//! - [`IpcClient`] (`ipc`): the connection object with the semantics of `crm_ipc_t`;
//! - [`ipc_api`]: the daemon API object with the semantics of `pcmk_ipc_api_t`;
//! - one module per daemon, as Pacemaker has one `ipc_<daemon>.c` each: [`attrd`],
//!   [`controld`], [`pacemakerd`], [`schedulerd`] (requests, reply decoding, and a typed
//!   client: [`attrd::AttributeManager`], [`controld::Controller`],
//!   [`pacemakerd::Pacemakerd`], [`schedulerd::Scheduler`]);
//! - `message`: Pacemaker's message envelope, shared by the daemon modules.
//!
//! ```no_run
//! use pcmk_ipc_rs::client::controld::Controller;
//! use pcmk_ipc_rs::client::pacemakerd::{Pacemakerd, PacemakerdState};
//! use std::time::Duration;
//!
//! let t = Duration::from_secs(5);
//! let ping = Pacemakerd::connect()?.ping(t)?;
//! assert_eq!(ping.state, PacemakerdState::Running);
//! let mut crmd = Controller::connect()?;
//! println!("DC is {}", crmd.ping(None, t)?.fsa_state);
//! for node in crmd.list_nodes(t)? {
//!     println!("node {} ({}) is {}", node.name, node.id, node.state);
//! }
//! # Ok::<(), pcmk_ipc_rs::client::Error>(())
//! ```

#[cfg(feature = "tokio")]
pub mod asynchronous;
pub mod attrd;
mod auth;
mod buffer;
pub mod cib;
pub mod controld;
mod daemon_client;
mod daemons;
mod error;
mod ipc;
pub mod ipc_api;
pub mod layout;
pub(crate) mod log;
mod message;
pub mod pacemakerd;
mod poll;
mod protocol;
pub mod rc;
pub mod schedulerd;
mod simple;
mod text;

pub use auth::{check_peer, daemon_user, Authenticity};
pub use buffer::{default_buffer_size, ipc_buffer_size, DEFAULT_BUFFER_SIZE, MIN_BUFFER_SIZE};
pub use error::{Error, Malformed, Status};
pub use ipc::{probe_layout, IpcClient, Sent};
pub use message::FEATURE_SET;
pub use simple::{Client, Message};

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
