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
