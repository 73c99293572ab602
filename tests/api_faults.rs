//! The daemon API object (`pcmk_ipc_api_t`, through its C functions) when the controller fails
//! the step after the connect: a hand-made "crmd" whose request ring has libqb's flow control on
//! from the start, so that the controller's hello can never be sent (docs/differences.md A7).
//! Pacemaker 3.0.0 leaves its main-loop source on the closed descriptor and reports the
//! disconnect from a later loop iteration (a reconnect meanwhile reads freed memory); here the
//! disconnect callback runs inside `pcmk_connect_ipc`, and nothing of the connection is left on
//! the loop. (Against a real libqb server the same cannot be set up: its flow control reaches a
//! connection only once the client may already have sent.)

use std::ffi::c_void;
use std::io::{Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The C ABI, from the shared library cargo built beside this test (as a C program loads it).
struct Abi {
    new_api: unsafe extern "C" fn(*mut *mut c_void, i32) -> i32,
    register: unsafe extern "C" fn(
        *mut c_void,
        extern "C" fn(*mut c_void, i32, i32, *mut c_void, *mut c_void),
        *mut c_void,
    ),
    connect: unsafe extern "C" fn(*mut c_void, i32) -> i32,
    is_connected: unsafe extern "C" fn(*mut c_void) -> bool,
    free_api: unsafe extern "C" fn(*mut c_void),
}

#[allow(clippy::missing_transmute_annotations)] // the field types say what each pointer is
fn abi() -> Abi {
    let exe = std::env::current_exe().unwrap();
    let so = exe.parent().unwrap().join("libpcmk_ipc_rs.so");
    let path = std::ffi::CString::new(so.to_str().unwrap()).unwrap();
    // SAFETY: loading the library cargo built for this crate, and looking up functions whose
    // signatures are those of include/crm/common/ipc.h.
    unsafe {
        let h = libc::dlopen(path.as_ptr(), libc::RTLD_NOW);
        assert!(!h.is_null(), "dlopen {}", so.display());
        let f = |name: &str| {
            let n = std::ffi::CString::new(name).unwrap();
            let p = libc::dlsym(h, n.as_ptr());
            assert!(!p.is_null(), "{name}");
            p
        };
        Abi {
            new_api: std::mem::transmute(f("pcmk_new_ipc_api")),
            register: std::mem::transmute(f("pcmk_register_ipc_callback")),
            connect: std::mem::transmute(f("pcmk_connect_ipc")),
            is_connected: std::mem::transmute(f("pcmk_ipc_is_connected")),
            free_api: std::mem::transmute(f("pcmk_free_ipc_api")),
        }
    }
}

const CONTROLD: i32 = 3;
const DISPATCH_MAIN: i32 = 0;
const EVENT_DISCONNECT: i32 = 1;

static DISCONNECTS: AtomicU32 = AtomicU32::new(0);
static OTHER_EVENTS: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_event(_: *mut c_void, kind: i32, _: i32, _: *mut c_void, _: *mut c_void) {
    if kind == EVENT_DISCONNECT {
        DISCONNECTS.fetch_add(1, Ordering::SeqCst);
    } else {
        OTHER_EVENTS.fetch_add(1, Ordering::SeqCst);
    }
}

/// A libqb ring's two files, as a server makes them (word count, data path, reference count
/// 1), with `flow_control` in the header's user data (what libqb's server sets for its flow
/// control, read by the client before every send).
fn make_ring(dir: &str, base: &str, flow_control: u32) {
    let data = format!("{dir}/{base}-data");
    let mut header = vec![0u8; 8248];
    header[8..12].copy_from_slice(&(65536u32).to_ne_bytes());
    header[4108..4108 + data.len()].copy_from_slice(data.as_bytes());
    header[8204..8208].copy_from_slice(&1u32.to_ne_bytes());
    header[8240..8244].copy_from_slice(&flow_control.to_ne_bytes());
    std::fs::write(format!("{dir}/{base}-header"), &header).unwrap();
    std::fs::write(&data, vec![0u8; 65536 * 4]).unwrap();
}

#[test]
fn a_controller_hello_that_cannot_be_sent_ends_the_connect_with_its_disconnect() {
    let pid = std::process::id();
    let dir = format!("/dev/shm/qb-{pid}-{pid}-0-fakecrmd");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    for (ring, fc) in [("request", 1), ("response", 0), ("event", 0)] {
        make_ring(&dir, &format!("qb-{ring}-crmd"), fc);
    }
    // libqb's abstract name fills the 108-byte sun_path: the name, then NULs
    let mut name = b"crmd".to_vec();
    name.resize(107, 0);
    let listener = UnixListener::bind_addr(&SocketAddr::from_abstract_name(&name).unwrap())
        .expect("crmd is free in this network namespace");
    let server_dir = dir.clone();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = [0u8; 24];
        s.read_exact(&mut req).unwrap();
        let mut r = vec![0u8; 12328];
        r[0..4].copy_from_slice(&(-1i32).to_ne_bytes());
        r[8..12].copy_from_slice(&12328i32.to_ne_bytes());
        r[24..28].copy_from_slice(&1i32.to_ne_bytes()); // shared memory
        r[28..32].copy_from_slice(&131072u32.to_ne_bytes());
        for (i, ring) in ["request", "response", "event"].iter().enumerate() {
            let p = format!("{server_dir}/qb-{ring}-crmd");
            r[40 + i * 4096..40 + i * 4096 + p.len()].copy_from_slice(p.as_bytes());
        }
        s.write_all(&r).unwrap();
        // stay there, never reading: the client's hello waits on the flow control
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
    });

    let c = abi();
    let mut api = std::ptr::null_mut();
    // SAFETY: the C ABI as a C caller uses it.
    unsafe {
        assert_eq!((c.new_api)(&mut api, CONTROLD), 0);
        (c.register)(api, on_event, std::ptr::null_mut());
    }
    let t = Instant::now();
    // SAFETY: as above.
    let rc = unsafe { (c.connect)(api, DISPATCH_MAIN) };
    let took = t.elapsed();
    assert_eq!(rc, libc::EAGAIN, "the hello could not be sent");
    // crm_ipc_send's 5 s (whole seconds: at most 6), within 10 %
    assert!(took <= Duration::from_millis(6600), "{took:?}");
    assert_eq!(
        DISCONNECTS.load(Ordering::SeqCst),
        1,
        "the disconnect callback ran inside the connect"
    );
    // SAFETY: as above.
    assert!(!unsafe { (c.is_connected)(api) });
    // nothing of the connection is left on the main loop
    // SAFETY: GLib's default context, iterated without blocking.
    for _ in 0..20 {
        if unsafe { glib_sys::g_main_context_iteration(std::ptr::null_mut(), 0) } == 0 {
            break;
        }
    }
    assert_eq!(DISCONNECTS.load(Ordering::SeqCst), 1);
    assert_eq!(OTHER_EVENTS.load(Ordering::SeqCst), 0);
    // SAFETY: as above.
    unsafe { (c.free_api)(api) };
    // the server's end goes when the client's did
    server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
