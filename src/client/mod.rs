//! The safe Rust API: connections to Pacemaker daemons, requests, replies and events.
//!
//! - [`Client`] (`simple`): XML requests and replies over one connection;
//! - [`cib::Cib`]: the CIB manager (queries, changes, notifications), and with the `tokio`
//!   feature `asynchronous` for async code;
//! - a typed client per daemon, as Pacemaker has one `ipc_<daemon>.c` each:
//!   [`attrd::AttributeManager`], [`controld::Controller`], [`pacemakerd::Pacemakerd`],
//!   [`schedulerd::Scheduler`];
//! - [`Error`]: every failure by its cause, [`Error::code`] giving Pacemaker's return code.
//!
//! Under the C ABI, and not part of this API, are the crate's emulations of `crm_ipc_t`
//! (`ipc`) and `pcmk_ipc_api_t` (`ipc_api`), with C's return codes; each daemon's protocol is
//! in `daemons`, reached through one registry.
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
pub(crate) mod daemons;
mod error;
mod ipc;
pub(crate) mod ipc_api;
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
pub use ipc::probe_layout;
#[cfg(not(feature = "internals"))]
pub(crate) use ipc::IpcClient;
/// The `crm_ipc_t` emulation under the C ABI (its semantics: C return codes), public only with
/// the `internals` feature, for the tests that hold it to libcrmcommon's; not part of the API.
#[cfg(feature = "internals")]
pub use ipc::{IpcClient, Sent};
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
