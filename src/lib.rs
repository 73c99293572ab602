//! pcmk-ipc-rs: Pacemaker's client IPC library (`include/crm/common/ipc.h` of Pacemaker 3.0.0)
//! as a C-ABI drop-in, and a safe Rust API to the same daemons.
//!
//! Layers, bottom-up, each usable alone:
//! - [`qb`]: libqb's IPC client protocol, natively (handshake, shared-memory rings, sockets);
//! - [`wire`]: Pacemaker's message framing (header, bzip2, XML text);
//! - [`xml`]: libxml2 trees (the ABI's `xmlNode`), read and parsed;
//! - [`client`]: connections, requests, events, daemon APIs (safe Rust);
//! - `ffi`: the C ABI, a thin skin over the layers below;
//! - [`crmcommon`]: Pacemaker's own libcrmcommon, when the process has it (trees and names
//!   handed to its code are its own).
//!
//! From Rust, blocking: the CIB, and any daemon's failure by cause.
//!
//! ```no_run
//! use pcmk_ipc_rs::client::cib::{CallOptions, Cib, CibService};
//! use pcmk_ipc_rs::client::Error;
//! use std::time::Duration;
//!
//! let mut cib = match Cib::connect(CibService::ReadWrite, "my-tool") {
//!     Err(Error::NotRunning(_)) => return Ok(()), // no CIB manager on this host
//!     other => other?,
//! };
//! let nodes = cib.query_section("nodes")?;
//! cib.subscribe()?;
//! for change in cib.notifications().take(1) {
//!     println!("{}: {}", change?.operation, nodes.len());
//! }
//! # let _ = CallOptions::NONE; let _ = Duration::ZERO;
//! # Ok::<(), Error>(())
//! ```
//!
//! Async, with the feature `tokio` (`client::asynchronous`):
//!
//! ```ignore
//! use pcmk_ipc_rs::client::asynchronous::{AsyncCib, CibNotifications};
//! let cib = AsyncCib::connect(CibService::ReadWrite, "my-agent").await?;
//! let whole = cib.query().await?;
//! let mut changes = CibNotifications::connect(CibService::ReadOnly, "my-agent").await?;
//! while let Some(change) = changes.next().await { /* futures::StreamExt */ }
//! ```
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod qb;

pub mod client;
pub mod crmcommon;
pub mod wire;
pub mod xml;

mod ffi;

#[cfg(test)]
mod test_rng;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
