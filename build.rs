//! Link settings for the C library: a versioned SONAME.
//!
//! Which symbols the object exports is rustc's own list for a cdylib: the crate's
//! `#[no_mangle] extern "C"` functions, nothing of Rust's internals or of the bzip2 backend.
//! `src/ffi/exports.map` is the inventory that list must equal: `scripts/check-exports`, run by
//! scripts/test's abi step and tests-c/package-suite.sh, compares `nm -D` with it. It is not
//! given to the linker as a second version script: GNU ld (Debian 13's binutils, which rustc
//! before 1.90 uses) refuses to combine two anonymous version scripts, where lld merges them.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpcmk-ipc-rs.so.{major}");
    println!("cargo:rerun-if-changed=build.rs");
}
