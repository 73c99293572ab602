//! The transport when a peer misbehaves: a server that never answers the handshake, and a
//! connection whose shared ring is scribbled on while in use. libqb's client hangs on the first
//! and reads out of bounds on the second (docs/differences.md T1, T4); here both are clear errors.

mod common;

use common::*;
use pcmk_ipc_rs::qb::{ConnectOptions, Connection};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::FileExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::time::{Duration, Instant};

#[test]
fn a_server_that_never_answers_the_handshake_times_out() {
    // listening, so the connect succeeds, but nobody ever accepts or answers
    let name = format!("pcmkrs-silent-{}", std::process::id());
    // libqb's abstract names fill the whole 108-byte sun_path: the name, then NULs
    let mut padded = name.clone().into_bytes();
    padded.resize(107, 0);
    let addr = SocketAddr::from_abstract_name(&padded).unwrap();
    let _listener = UnixListener::bind_addr(&addr).unwrap();
    let opts = ConnectOptions {
        timeout: Some(Duration::from_millis(300)),
        ..ConnectOptions::default()
    };
    let t = Instant::now();
    let e = Connection::connect(&name, &opts)
        .err()
        .expect("no connection");
    assert_eq!(e.errno(), libc::ETIMEDOUT, "{e}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

/// The response ring's two files of the server's only connection.
fn response_ring(server: &EchoServer) -> (std::fs::File, std::fs::File) {
    let dirs = server.shm_entries();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let base = format!("/dev/shm/{}/qb-response-{}", dirs[0], server.name);
    let open = |p: String| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    (open(format!("{base}-header")), open(format!("{base}-data")))
}

fn read_u32(f: &std::fs::File, off: u64) -> u32 {
    let mut b = [0u8; 4];
    f.read_exact_at(&mut b, off).unwrap();
    u32::from_ne_bytes(b)
}

#[test]
fn numbers_scribbled_into_the_shared_ring_are_refused_not_followed() {
    // libqb's ring header: write pointer at 0, read pointer at 4, word count at 8 (all in
    // 32-bit words); a chunk starts with its length word, then its magic word.
    for (what, offset_of) in [("chunk length", 0u64), ("read pointer", 1)] {
        let server = EchoServer::start("shm", 131072);
        let mut conn = Connection::connect(&server.name, &ConnectOptions::default()).unwrap();
        let (header, data) = response_ring(&server);
        let words = read_u32(&header, 8);
        let read_pt = read_u32(&header, 4);
        send_retrying(&mut conn, &[&request_header(1, 4), b"echo"]);
        // the reply is in the ring once the write pointer moves
        assert!(
            eventually(|| read_u32(&header, 0) != read_pt),
            "{what}: no reply written"
        );
        if offset_of == 0 {
            data.write_all_at(&0x7fff_fff0u32.to_ne_bytes(), read_pt as u64 * 4)
                .unwrap();
        } else {
            header.write_all_at(&(words + 12).to_ne_bytes(), 4).unwrap();
        }
        let e = conn
            .recv_response(Some(Duration::from_secs(2)), |m| m.len())
            .unwrap_err();
        assert_eq!(e.errno(), libc::EBADMSG, "{what}: {e}");
        // still refused on a second try (nothing was consumed), and closing is clean
        let e = conn
            .recv_response(Some(Duration::from_millis(100)), |m| m.len())
            .unwrap_err();
        assert_eq!(e.errno(), libc::EBADMSG, "{what}: {e}");
        drop(conn);
        assert!(
            eventually(|| server.shm_entries().is_empty()),
            "{what}: left in /dev/shm"
        );
    }
}
