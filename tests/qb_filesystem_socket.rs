//! libqb's filesystem-socket variant: with /etc/libqb/force-filesystem-sockets present, servers
//! and clients use `/tmp/<name>` instead of the abstract name. scripts/test runs this in a
//! private mount namespace where that file exists; elsewhere the test checks the explicit
//! `socket_dir` option against an abstract-name server (which must fail) and skips nothing else.

mod common;

use common::*;
use pcmk_ipc_rs::qb::{ConnectOptions, Connection, FORCE_FILESYSTEM_SOCKETS};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[test]
fn filesystem_sockets_follow_libqbs_switch() {
    let forced = Path::new(FORCE_FILESYSTEM_SOCKETS).exists();
    for mode in ["shm", "socket"] {
        let server = EchoServer::start(mode, 131072);
        let path = PathBuf::from("/tmp").join(&server.name);
        assert_eq!(path.exists(), forced, "the server follows the same switch");
        if forced {
            let mut conn = Connection::connect(&server.name, &ConnectOptions::default()).unwrap();
            let hdr = request_header(7, 2);
            send_retrying(&mut conn, &[&hdr, b"fs"]);
            let (id, _, body) = conn
                .recv_response(Some(Duration::from_secs(5)), parse_response)
                .unwrap();
            assert_eq!((id, body.as_slice()), (7, &b"fs"[..]));
            // and the explicit directory option reaches the same socket
            let opts = ConnectOptions {
                socket_dir: Some("/tmp".into()),
                ..ConnectOptions::default()
            };
            assert!(Connection::connect(&server.name, &opts).is_ok());
        } else {
            // an abstract-name server is not reachable through a path
            let opts = ConnectOptions {
                socket_dir: Some("/tmp".into()),
                ..ConnectOptions::default()
            };
            let e = Connection::connect(&server.name, &opts).err().unwrap();
            assert_eq!(e.errno(), libc::ENOENT);
            assert!(Connection::connect(&server.name, &ConnectOptions::default()).is_ok());
        }
    }
}
