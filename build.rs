//! Link settings for the C library: a versioned SONAME, and a version script that exports the
//! Pacemaker API and nothing else (no Rust internals, no symbols of the bzip2 backend).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpcmk-ipc-rs.so.{major}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={dir}/src/ffi/exports.map");
    println!("cargo:rerun-if-changed=src/ffi/exports.map");
    println!("cargo:rerun-if-changed=build.rs");
}
