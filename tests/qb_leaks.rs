//! Nothing left behind: after connections are closed (normally, after the server dropped them,
//! and after the server died) the process has the same descriptors and /dev/shm holds nothing of
//! theirs. One test in its own binary, so that no other test opens descriptors meanwhile.

mod common;

use common::*;
use pcmk_ipc_rs::qb::{ConnectOptions, Connection};
use std::time::Duration;

#[test]
fn closing_leaves_no_descriptor_and_no_shared_memory() {
    let sec = Some(Duration::from_secs(5));
    for mode in ["shm", "socket"] {
        let mut server = EchoServer::start(mode, 131072);
        let fds = open_fds();
        // normal close, many times
        for i in 0..50 {
            let mut conn = Connection::connect(&server.name, &ConnectOptions::default()).unwrap();
            let hdr = request_header(i, 8);
            send_retrying(&mut conn, &[&hdr, b"events 1"]);
            conn.recv_response(sec, |_| ()).unwrap();
            conn.recv_event(sec, |_| ()).unwrap();
        }
        assert_eq!(open_fds(), fds, "{mode}: descriptors after normal closes");
        assert!(
            eventually(|| server.shm_entries().is_empty()),
            "{mode}: {:?}",
            server.shm_entries()
        );
        // the server drops the connection
        let mut conn = Connection::connect(&server.name, &ConnectOptions::default()).unwrap();
        let hdr = request_header(1, 5);
        send_retrying(&mut conn, &[&hdr, b"close"]);
        assert!(conn.recv_response(sec, |_| ()).is_err());
        drop(conn);
        assert_eq!(
            open_fds(),
            fds,
            "{mode}: descriptors after the server dropped us"
        );
        assert!(
            eventually(|| server.shm_entries().is_empty()),
            "{mode}: {:?}",
            server.shm_entries()
        );
        // the server dies with connections open
        let conns: Vec<Connection> = (0..3)
            .map(|_| Connection::connect(&server.name, &ConnectOptions::default()).unwrap())
            .collect();
        assert_eq!(server.shm_entries().len(), 3);
        let pid = server.pid;
        server.kill();
        drop(conns);
        assert_eq!(open_fds(), fds, "{mode}: descriptors after the server died");
        assert_eq!(
            shm_entries_of(pid),
            Vec::<String>::new(),
            "{mode}: left in /dev/shm after the server died"
        );
    }
}
