//! The transport against a real libqb server (tests-c/qb_echo_server.c, linked against the
//! system's libqb), in both transports.

mod common;

use common::*;
use pcmk_ipc_rs::qb::{ConnectOptions, Connection, TransportKind};
use std::time::{Duration, Instant};

const MODES: [(&str, TransportKind); 2] = [
    ("shm", TransportKind::SharedMemory),
    ("socket", TransportKind::Socket),
];
const SEC: Option<Duration> = Some(Duration::from_secs(5));

fn connect(server: &EchoServer) -> Connection {
    Connection::connect(&server.name, &ConnectOptions::default()).expect("connect")
}

fn echo(conn: &mut Connection, id: i32, payload: &[u8]) -> Vec<u8> {
    let hdr = request_header(id, payload.len());
    assert_eq!(send_retrying(conn, &[&hdr, payload]), 16 + payload.len());
    let (rid, size, body) = conn.recv_response(SEC, parse_response).unwrap();
    assert_eq!(rid, id, "reply id");
    assert_eq!(size as usize, 24 + payload.len(), "reply size field");
    body
}

#[test]
fn handshake_negotiates_the_servers_size_and_reports_its_credentials() {
    for (mode, kind) in MODES {
        let server = EchoServer::start(mode, 131072);
        let small = ConnectOptions {
            max_msg_size: 5000,
            ..ConnectOptions::default()
        };
        let conn = Connection::connect(&server.name, &small).unwrap();
        assert_eq!(conn.transport(), kind);
        assert_eq!(
            conn.max_msg_size(),
            131072,
            "the server's enforced size wins"
        );
        let cred = conn.server_credentials().expect("SCM_CREDENTIALS");
        assert_eq!(cred.pid, server.pid);
        assert_eq!(cred.uid, unsafe { libc::getuid() });
        drop(conn);
        let big = ConnectOptions {
            max_msg_size: 300_000,
            ..ConnectOptions::default()
        };
        let conn = Connection::connect(&server.name, &big).unwrap();
        assert_eq!(conn.max_msg_size(), 300_000, "a larger proposal wins");
    }
}

#[test]
fn every_size_from_one_byte_to_the_maximum_round_trips() {
    for (mode, _) in MODES {
        let server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        let max = conn.max_msg_size() as usize;
        let mut sizes: Vec<usize> = (1..=64).collect();
        sizes.extend([
            100,
            1000,
            4095,
            4096,
            4097,
            65536,
            100_000,
            max - 17,
            max - 16,
        ]);
        for (i, &n) in sizes.iter().enumerate() {
            let payload: Vec<u8> = (0..n).map(|j| (j * 7 + n) as u8).collect();
            let body = echo(&mut conn, i as i32 + 1, &payload);
            assert!(
                body == payload,
                "{mode}: payload of {n} bytes came back different"
            );
        }
        // one byte over the negotiated maximum is refused before anything is sent
        let payload = vec![b'x'; max - 15];
        let hdr = request_header(999, payload.len());
        let e = conn.send(&[&hdr, &payload]).unwrap_err();
        assert_eq!(e.errno(), libc::EMSGSIZE, "{mode}");
        assert!(conn.is_connected());
        assert_eq!(echo(&mut conn, 1000, b"still fine"), b"still fine");
    }
}

#[test]
fn events_interleave_with_replies() {
    for (mode, _) in MODES {
        let server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        // no event yet: an immediate receive says "try again", as libqb's qb_ipcc_event_recv
        let e = conn.recv_event(Some(Duration::ZERO), |_| ()).unwrap_err();
        assert_eq!(e.errno(), libc::EAGAIN);
        assert!(
            !readable(conn.poll_fd(), 0),
            "{mode}: poll fd readable without an event"
        );
        let body = echo(&mut conn, 1, b"events 3");
        assert_eq!(body, b"events 3");
        assert!(
            readable(conn.poll_fd(), 1000),
            "{mode}: poll fd not readable with events waiting"
        );
        for i in 1..=3 {
            let (_, _, text) = conn.recv_event(SEC, parse_response).unwrap();
            assert_eq!(text, format!("event {i}").as_bytes(), "{mode}");
        }
        // replies and events each keep their order, whichever is read first
        let hdr = request_header(2, 8);
        send_retrying(&mut conn, &[&hdr, b"events 2"]);
        let (_, _, first) = conn.recv_event(SEC, parse_response).unwrap();
        assert_eq!(first, b"event 1");
        let (id, _, _) = conn.recv_response(SEC, parse_response).unwrap();
        assert_eq!(id, 2);
        assert_eq!(echo(&mut conn, 3, b"plain"), b"plain");
        let (_, _, second) = conn.recv_event(SEC, parse_response).unwrap();
        assert_eq!(second, b"event 2");
        let e = conn
            .recv_event(Some(Duration::from_millis(50)), |_| ())
            .unwrap_err();
        assert_eq!(
            e.errno(),
            libc::EAGAIN,
            "{mode}: every notification consumed"
        );
    }
}

fn readable(fd: i32, ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    unsafe { libc::poll(&mut p, 1, ms) == 1 }
}

#[test]
fn an_event_as_large_as_the_maximum_arrives_whole() {
    for (mode, _) in MODES {
        let server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        let max = conn.max_msg_size() as usize;
        let cmd = format!("bigevent {max}");
        echo(&mut conn, 1, cmd.as_bytes());
        let (_, size, body) = conn.recv_event(SEC, parse_response).unwrap();
        assert_eq!(size as usize, max);
        assert_eq!(body.len(), max - 24);
        assert!(body.starts_with(b"bigevent") && body[8..].iter().all(|&b| b == b'e'));
    }
}

#[test]
fn ten_thousand_round_trips() {
    for (mode, _) in MODES {
        let server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        for i in 0..10_000i32 {
            let payload = i.to_string();
            let hdr = request_header(i, payload.len());
            send_retrying(&mut conn, &[&hdr, payload.as_bytes()]);
            let ok = conn
                .recv_response(SEC, |m| {
                    let (id, _, body) = parse_response(m);
                    id == i && body == payload.as_bytes()
                })
                .unwrap();
            assert!(ok, "{mode}: round trip {i}");
        }
    }
}

#[test]
fn timeouts_are_etimedout_for_replies_and_eagain_for_events() {
    for (mode, _) in MODES {
        let server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        let hdr = request_header(1, 7);
        send_retrying(&mut conn, &[&hdr, b"noreply"]);
        let t = Instant::now();
        let e = conn
            .recv_response(Some(Duration::from_millis(300)), |_| ())
            .unwrap_err();
        assert_eq!(e.errno(), libc::ETIMEDOUT);
        assert!(t.elapsed() >= Duration::from_millis(300));
        let e = conn
            .recv_response(Some(Duration::ZERO), |_| ())
            .unwrap_err();
        assert_eq!(e.errno(), libc::ETIMEDOUT);
        let e = conn
            .recv_event(Some(Duration::from_millis(100)), |_| ())
            .unwrap_err();
        assert_eq!(e.errno(), libc::EAGAIN);
        assert!(conn.is_connected(), "{mode}: a timeout is not a disconnect");
        // a late reply is still delivered (libqb does not match replies to requests)
        let hdr = request_header(2, 9);
        send_retrying(&mut conn, &[&hdr, b"delay 300"]);
        let e = conn
            .recv_response(Some(Duration::from_millis(50)), |_| ())
            .unwrap_err();
        assert_eq!(e.errno(), libc::ETIMEDOUT);
        let (id, _, _) = conn.recv_response(SEC, parse_response).unwrap();
        assert_eq!(id, 2);
    }
}

#[test]
fn a_server_killed_mid_exchange_is_a_clear_disconnect_and_leaves_nothing_behind() {
    for (mode, _) in MODES {
        let mut server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        assert_eq!(echo(&mut conn, 1, b"hello"), b"hello");
        let hdr = request_header(2, 10);
        send_retrying(&mut conn, &[&hdr, b"delay 5000"]);
        let pid = server.pid;
        std::thread::sleep(Duration::from_millis(200));
        server.kill();
        let t = Instant::now();
        let e = conn.recv_response(None, |_| ()).unwrap_err();
        assert_eq!(e.errno(), libc::ENOTCONN, "{mode}: {e}");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{mode}: noticed after {:?}",
            t.elapsed()
        );
        assert!(!conn.is_connected());
        let e = conn.send(&[&hdr, b"delay 5000"]).unwrap_err();
        assert_eq!(e.errno(), libc::ENOTCONN);
        let e = conn.recv_event(None, |_| ()).unwrap_err();
        assert_eq!(e.errno(), libc::ENOTCONN);
        drop(conn);
        assert_eq!(
            shm_entries_of(pid),
            Vec::<String>::new(),
            "{mode}: left in /dev/shm"
        );
    }
}

#[test]
fn a_server_that_drops_the_connection_is_noticed() {
    for (mode, _) in MODES {
        let server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        let hdr = request_header(1, 5);
        send_retrying(&mut conn, &[&hdr, b"close"]);
        let e = conn
            .recv_response(Some(Duration::from_secs(5)), |_| ())
            .unwrap_err();
        assert_eq!(e.errno(), libc::ENOTCONN, "{mode}");
        assert!(!conn.is_connected());
        drop(conn);
        assert!(
            eventually(|| server.shm_entries().is_empty()),
            "{mode}: {:?}",
            server.shm_entries()
        );
    }
}

#[test]
fn refusal_and_absence_give_the_servers_and_the_kernels_errno() {
    for (mode, _) in MODES {
        let server = EchoServer::start_with_env(mode, 131072, &[("ECHO_REFUSE", "1")]);
        let e = Connection::connect(&server.name, &ConnectOptions::default())
            .err()
            .unwrap();
        assert_eq!(e.errno(), libc::EACCES);
        assert!(eventually(|| server.shm_entries().is_empty()));
    }
    let e = Connection::connect("pcmkrs-nobody-listens-here", &ConnectOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.errno(), libc::ECONNREFUSED);
}

#[test]
fn two_threads_each_with_a_connection() {
    let server = EchoServer::start("shm", 131072);
    let name = server.name.clone();
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let name = name.clone();
            std::thread::spawn(move || {
                let mut conn = Connection::connect(&name, &ConnectOptions::default()).unwrap();
                for i in 0..500 {
                    let p = format!("t{t} m{i}");
                    assert_eq!(echo(&mut conn, i, p.as_bytes()), p.as_bytes());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn the_servers_flow_control_holds_requests_back_until_it_is_lifted() {
    for (mode, _) in MODES {
        let server = EchoServer::start(mode, 131072);
        let mut conn = connect(&server);
        // level 1 for 3 s: a send says "try again" (as libqb's qb_ipcc_send) until lifted
        assert_eq!(echo(&mut conn, 1, b"flowcontrol 3000"), b"flowcontrol 3000");
        let e = conn.send(&[&request_header(2, 1), b"x"]).unwrap_err();
        assert_eq!(e.errno(), libc::EAGAIN, "{mode}: {e}");
        assert!(conn.is_connected(), "{mode}");
        // retried, it goes out once the server lifts it
        assert_eq!(echo(&mut conn, 3, b"after"), b"after");
        // level 2 does not stop a client that, as libqb's by default, only heeds level 1
        assert_eq!(echo(&mut conn, 4, b"flowcontrol -400"), b"flowcontrol -400");
        let sent = conn.send(&[&request_header(5, 1), b"y"]);
        assert_eq!(sent.ok(), Some(17), "{mode}: level 2 held the request back");
        let (id, _, body) = conn.recv_response(SEC, parse_response).unwrap();
        assert_eq!((id, body.as_slice()), (5, &b"y"[..]));
    }
}
