//! `IpcClient` (the `crm_ipc_t` semantics) against a real libqb server that sends each
//! Pacemaker frame back as its own reply: reply matching by id, stale replies, the pending-reply
//! lock, timeouts, compression in both directions, and a server that answers with a newer id.

mod common;

use common::EchoServer;
use pcmk_ipc_rs::client::IpcClient;
use pcmk_ipc_rs::wire::flags::{CLIENT_RESPONSE, COMPRESSED, MULTIPART, PROXIED};
use pcmk_ipc_rs::wire::Layout;
use std::time::Instant;

fn text(c: &IpcClient) -> String {
    let b = c.buffer();
    String::from_utf8_lossy(&b[..b.iter().position(|&x| x == 0).unwrap()]).into_owned()
}

/// A connection to the echo server, with nothing chosen: it serves no Pacemaker daemon's name,
/// so the client writes what libcrmcommon 3.0.0 writes, and the server sends it back.
fn connected(server: &EchoServer) -> IpcClient {
    let mut c = IpcClient::new(&server.name, 0);
    assert_eq!(c.connect(), 0);
    c
}

#[test]
fn replies_match_requests_and_stale_ones_are_dropped() {
    for mode in ["shm", "socket"] {
        let server = EchoServer::start_raw(mode, 131072);
        let mut c = connected(&server);
        let sent = c.send(Some(b"<hello/>"), CLIENT_RESPONSE, 5000);
        assert_eq!((sent.rc, sent.replied), (40 + 9, true), "{mode}");
        assert_eq!(text(&c), "<hello/>");
        // proxied: sent without waiting; its echo stays in the response channel ...
        let sent = c.send(Some(b"<proxied/>"), CLIENT_RESPONSE | PROXIED, 5000);
        assert_eq!((sent.rc, sent.replied), (40 + 11, false));
        // ... and the next request skips it as a stale reply
        let sent = c.send(Some(b"<after/>"), CLIENT_RESPONSE, 5000);
        assert!(
            sent.replied && text(&c) == "<after/>",
            "{mode}: {}",
            text(&c)
        );
    }
}

#[test]
fn a_timed_out_request_leaves_the_handle_working_and_its_late_reply_is_dropped() {
    // 3.0.0 refuses every send (EALREADY) until the late reply comes (docs/differences.md C17)
    let server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    let t = Instant::now();
    let sent = c.send(Some(br#"<delay ms="3000"/>"#), CLIENT_RESPONSE, 1000);
    assert_eq!(sent.rc, -libc::ETIMEDOUT);
    // the limit, to the millisecond (3.0.0: a whole second more, counted on the wall clock)
    let took = t.elapsed();
    assert!(
        took.as_millis() >= 1000 && took.as_millis() < 1100,
        "{took:?}"
    );
    // the next request goes at once; the server, busy until the late reply, then answers it:
    // the late reply is recognised by its id and dropped, the right one returned
    let sent = c.send(Some(b"<next/>"), CLIENT_RESPONSE, 10_000);
    assert!(sent.replied && text(&c) == "<next/>", "{}", text(&c));
    assert!(t.elapsed().as_millis() >= 3000, "{:?}", t.elapsed());
    // and so on
    let sent = c.send(Some(b"<after/>"), CLIENT_RESPONSE, 1000);
    assert!(sent.replied && text(&c) == "<after/>", "{}", text(&c));
}

#[test]
fn a_limit_in_milliseconds_is_kept_to_the_millisecond() {
    // crm_ipc_send's limit, below a second and between seconds: never the next whole second
    let server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    for ms in [150u64, 400, 1300] {
        let t = Instant::now();
        let sent = c.send(Some(br#"<delay ms="2500"/>"#), CLIENT_RESPONSE, ms as i32);
        let took = t.elapsed().as_millis() as u64;
        assert_eq!(sent.rc, -libc::ETIMEDOUT, "{ms}");
        assert!(
            took >= ms && took <= ms + (ms / 10).max(50),
            "{ms} ms: {took} ms"
        );
    }
}

#[test]
fn a_reply_with_a_newer_id_is_dropped_not_fatal() {
    // Pacemaker 3.0.0 aborts the process here (docs/differences.md C4)
    let server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    let sent = c.send(Some(b"<newer/>"), CLIENT_RESPONSE, 5000);
    assert!(sent.replied && text(&c) == "<newer/>");
}

#[test]
fn large_messages_are_compressed_both_ways() {
    let server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    let big: String = format!("<big v=\"{}\"/>", "0123456789abcdef".repeat(40_000)); // 640 KB
    let sent = c.send(Some(big.as_bytes()), CLIENT_RESPONSE, 5000);
    assert!(
        sent.replied && sent.rc > 40 && sent.rc < 131072,
        "rc {}",
        sent.rc
    );
    assert!(c.buffer_flags() & COMPRESSED != 0);
    assert_eq!(text(&c), big);
    // what cannot be compressed into the buffer is refused before sending
    let mut x: u32 = 7;
    let noise: String = (0..400_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (b'a' + (x % 26) as u8) as char
        })
        .collect();
    assert_eq!(
        c.send(
            Some(format!("<n v=\"{noise}\"/>").as_bytes()),
            CLIENT_RESPONSE,
            5000
        )
        .rc,
        -libc::EMSGSIZE
    );
    // the connection is still fine
    assert!(c.send(Some(b"<ok/>"), CLIENT_RESPONSE, 5000).replied);
}

#[test]
fn a_server_that_dies_while_a_reply_is_awaited() {
    let mut server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    std::thread::spawn({
        let pid = server.pid;
        move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let t = Instant::now();
    let sent = c.send(Some(br#"<delay ms="5000"/>"#), CLIENT_RESPONSE, 10_000);
    assert_eq!(sent.rc, -libc::ENOTCONN);
    assert!(t.elapsed().as_secs() < 3, "{:?}", t.elapsed());
    assert!(!c.connected());
    server.kill();
}

#[test]
fn a_reply_too_short_for_the_header_is_an_error_and_the_buffer_stays_readable() {
    // A peer's frame shorter than Pacemaker's 40-byte header cannot be the reply: the call ends
    // at once with EBADMSG (3.0.0 reads the missing part from whatever its buffer held); the
    // buffer a C caller reads afterwards (which holds that frame) is still a terminated text
    // (reading it once was a panic), and the handle goes on.
    let server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    let t = Instant::now();
    let sent = c.send(Some(b"<short/>"), CLIENT_RESPONSE, 1000);
    assert!(!sent.replied, "a short frame taken as the reply");
    assert_eq!(sent.rc, -libc::EBADMSG);
    assert!(t.elapsed().as_millis() < 200, "{:?}", t.elapsed());
    assert_eq!(c.buffer().last(), Some(&0), "the buffer's text ends");
    assert!(c.connected());
    let sent = c.send(Some(b"<then/>"), CLIENT_RESPONSE, 1000);
    assert!(sent.replied && text(&c) == "<then/>", "{}", text(&c));
}

#[test]
fn a_server_running_as_someone_else_is_refused_at_connect() {
    // The daemon credential check: a libqb server that runs neither as root nor as hacluster /
    // haclient is not Pacemaker's. crm_ipc_connect then fails (3.0.0: pcmk_rc_ipc_unauthorized,
    // errno ENOTCONN; the C side is compared with 3.0.0 in tests-c/test_crm_ipc_live.c).
    if pcmk_ipc_rs::client::daemon_user().is_err() {
        panic!("the hacluster user must exist (scripts/deps installs Pacemaker)");
    }
    for mode in ["shm", "socket"] {
        let Some(server) = EchoServer::start_raw_as_nobody(mode) else {
            eprintln!("not root: cannot run a server as nobody; skipped");
            return;
        };
        let mut c = IpcClient::new(&server.name, 0);
        assert_eq!(
            c.connect(),
            pcmk_ipc_rs::client::rc::RC_IPC_UNAUTHORIZED,
            "{mode}"
        );
        assert!(!c.connected(), "{mode}");
        assert_eq!(
            pcmk_ipc_rs::client::Client::connect(&server.name).err(),
            Some(pcmk_ipc_rs::client::Error::NotAuthentic),
            "{mode}"
        );
    }
}

#[test]
fn without_a_time_limit_a_compressed_reply_is_still_decompressed_and_matched() {
    // 3.0.0 hands such a send to qb_ipcc_sendv_recv: the first frame back is the answer, as
    // received (still compressed, whatever its id); docs/differences.md C6
    let server = EchoServer::start_raw("socket", 131072);
    let mut c = connected(&server);
    let big: String = format!("<big v=\"{}\"/>", "fedcba9876543210".repeat(20_000));
    let sent = c.send(Some(big.as_bytes()), CLIENT_RESPONSE, -1);
    assert!(sent.replied && sent.rc > 40, "rc {}", sent.rc);
    assert!(c.buffer_flags() & COMPRESSED != 0);
    assert_eq!(text(&c), big);
}

#[test]
fn connecting_a_connected_object_replaces_its_connection() {
    // 3.0.0 opens a second connection and leaks the first (docs/differences.md C11)
    let server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    assert_eq!(server.shm_entries().len(), 1);
    assert_eq!(c.connect(), 0);
    assert!(c.connected());
    assert!(
        common::eventually(|| server.shm_entries().len() == 1),
        "{:?}",
        server.shm_entries()
    );
    let sent = c.send(Some(b"<again/>"), CLIENT_RESPONSE, 5000);
    assert!(sent.replied && text(&c) == "<again/>");
}

/// CPU time this thread has used.
fn thread_cpu() -> std::time::Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) }, 0);
    let tv = |t: libc::timeval| {
        std::time::Duration::from_secs(t.tv_sec as u64)
            + std::time::Duration::from_micros(t.tv_usec as u64)
    };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

#[test]
fn a_send_held_back_by_flow_control_waits_without_spinning() {
    // 3.0.0 retries qb_ipcc_sendv in a busy loop until the deadline (docs/differences.md C8):
    // about a full core for as long as the server holds requests back
    let server = EchoServer::start_raw("shm", 131072);
    let mut c = connected(&server);
    let sent = c.send(Some(br#"<flowcontrol ms="3000"/>"#), CLIENT_RESPONSE, 5000);
    assert!(sent.replied);
    let (t, cpu) = (Instant::now(), thread_cpu());
    let sent = c.send(Some(b"<held/>"), CLIENT_RESPONSE, 10_000);
    let (elapsed, used) = (t.elapsed(), thread_cpu() - cpu);
    assert!(sent.replied && text(&c) == "<held/>", "rc {}", sent.rc);
    assert!(elapsed.as_millis() > 1000, "not held back: {elapsed:?}");
    // a busy loop would use about `elapsed` of CPU; the 1 ms retries use a few per cent
    assert!(used * 4 < elapsed, "{used:?} of CPU in {elapsed:?}");
}

#[test]
fn in_the_multipart_layout_large_messages_go_and_come_back_in_parts() {
    // the 3.0.1+ layout: a request larger than Pacemaker's 128 KiB buffer goes in parts, which
    // the server sends back one by one as responses; they are put together as the reply. The
    // server reads as a 3.0.1+ daemon and serves a daemon's name, alone in its network
    // namespace: the client learns its layout from it (see the stand-alone tests below)
    for mode in ["shm", "socket"] {
        // rings large enough for every part at once: the echo server answers each part as it
        // comes (a Pacemaker server answers once it has them all)
        let Some(server) =
            EchoServer::start_daemon_sized("cib_rw", mode, "multipart", 8 << 20, None)
        else {
            eprintln!("not root: no network namespace for a daemon's name; skipped");
            return;
        };
        common::in_netns(server.pid, || {
            let mut c = connected(&server);
            for len in [100usize, 131_030, 131_031, 400_000, 3 << 20] {
                let body: String = (0..len - 11)
                    .map(|i| (b'a' + (i % 26) as u8) as char)
                    .collect();
                let msg = format!("<big>{body}</big>");
                assert_eq!(msg.len(), len);
                let sent = c.send(Some(msg.as_bytes()), CLIENT_RESPONSE, 10_000);
                assert!(sent.replied, "{mode} {len}: {sent:?}");
                assert_eq!(c.seen_layout(), Some(Layout::Multipart));
                // the whole reply, with one header
                assert_eq!(sent.rc as usize, 40 + len + 1, "{mode} {len}");
                assert_eq!(text(&c).len(), len, "{mode} {len}");
                assert!(text(&c) == msg, "{mode} {len}");
                // the first part's flags, without the multipart bits
                assert_eq!(c.buffer_flags() & MULTIPART, 0, "{mode} {len}");
                assert_eq!(c.buffer_flags() & CLIENT_RESPONSE, CLIENT_RESPONSE);
            }
            // a large request without a reply wanted: every part sent, their bytes counted
            let msg = "x".repeat(300_000);
            let sent = c.send(Some(msg.as_bytes()), 0, 5000);
            assert_eq!(sent.rc as usize, 300_000 + 3 * 41, "{mode}");
        });
    }
}

#[test]
fn a_flagless_request_needs_no_layout_and_the_reply_shows_it() {
    // nothing chosen and no node to ask: a flagless request is written as every release reads
    // it, and the echo of it (a 3.0.0 header) shows the layout
    let server = EchoServer::start_raw("shm", 0);
    let mut c = IpcClient::new(&server.name, 0);
    c.set_layout(None);
    assert_eq!(c.connect(), 0);
    assert_eq!(c.seen_layout(), None);
    let sent = c.send(Some(b"<flagless/>"), 0, 5000);
    assert_eq!(sent.rc, 40 + 12);
    let sent = c.send(Some(b"<then/>"), 0, 5000);
    assert_eq!(sent.rc, 40 + 8);
    // a request that wants a reply to a server that is no Pacemaker daemon: what 3.0.0 sends
    let sent = c.send(Some(b"<needs-reply/>"), CLIENT_RESPONSE, 2000);
    assert!(sent.replied && text(&c) == "<needs-reply/>", "{sent:?}");
    assert_eq!(c.seen_layout(), Some(Layout::Compressed));
}
