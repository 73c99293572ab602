//! The transport against a live Pacemaker node: every daemon's service accepts our handshake,
//! and closing leaves nothing behind. These tests need a running node, so they are ignored by a
//! plain `cargo test`; scripts/test runs them inside `scripts/pcmk-node run 2.1|3.0`.

use pcmk_ipc_rs::client::{daemon_user, Authenticity, DAEMON_SERVICES};
use pcmk_ipc_rs::qb::{ConnectOptions, Connection, TransportKind};
use std::time::Duration;

/// The tests count this process's ring directories: one test at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

const SERVICES: [&str; 9] = DAEMON_SERVICES;

/// /dev/shm entries of this process's connections (`qb-<server pid>-<client pid>-<fd>-...`).
fn my_shm_entries() -> Vec<String> {
    let mine = std::process::id().to_string();
    std::fs::read_dir("/dev/shm")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("qb-") && n.split('-').nth(2) == Some(mine.as_str()))
        .collect()
}

#[test]
#[ignore = "needs a live Pacemaker node (scripts/pcmk-node run 2.1|3.0 -- ...)"]
fn every_daemon_accepts_the_handshake_and_the_close() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The other test may have closed its last connection a moment ago.
    let before = wait_for_daemons_cleanup();
    assert!(before.is_empty(), "left by an earlier test: {before:?}");
    let (uid, gid) = daemon_user().expect("the hacluster user exists");
    let version = std::env::var("PCMK_NODE_VERSION").unwrap_or_default();
    for service in SERVICES {
        let conn = Connection::connect(service, &ConnectOptions::default())
            .unwrap_or_else(|e| panic!("{version}: {service}: {e}"));
        assert_eq!(conn.transport(), TransportKind::SharedMemory, "{service}");
        assert_eq!(
            conn.max_msg_size(),
            131072,
            "{service}: Pacemaker enforces 128 KiB"
        );
        let cred = conn
            .server_credentials()
            .expect("credentials in the handshake");
        assert!(
            matches!(
                Authenticity::judge(cred, uid, gid),
                Authenticity::Authentic(_)
            ),
            "{service}: served by uid {} gid {}",
            cred.uid,
            cred.gid
        );
        let entries = my_shm_entries();
        assert_eq!(
            entries.len(),
            1,
            "{service}: one ring directory while connected: {entries:?}"
        );
        let dir = std::path::Path::new("/dev/shm").join(&entries[0]);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let want: Vec<String> = ["event", "request", "response"]
            .iter()
            .flat_map(|r| ["data", "header"].map(|k| format!("qb-{r}-{service}-{k}")))
            .collect();
        assert_eq!(files, want, "{service}");
        println!(
            "{version} {service}: pid {} uid {} gid {}",
            cred.pid, cred.uid, cred.gid
        );
        drop(conn);
        let left = wait_for_daemons_cleanup();
        assert!(
            left.is_empty(),
            "{service}: the daemon did not remove {left:?}"
        );
    }
}

/// The daemon removes a closed connection's ring directory on its own schedule: wait up to 10 s
/// for this process's entries to go, and return what is left.
fn wait_for_daemons_cleanup() -> Vec<String> {
    let mut left = my_shm_entries();
    for _ in 0..500 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        left = my_shm_entries();
    }
    left
}

#[test]
#[ignore = "needs a live Pacemaker node (scripts/pcmk-node run 2.1|3.0 -- ...)"]
fn a_large_proposal_is_granted_and_events_and_replies_stay_quiet() {
    // A daemon answers nothing unasked: no event, no reply. Both waits end in their timeout codes.
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for service in SERVICES {
        let opts = ConnectOptions {
            max_msg_size: 1 << 20,
            ..ConnectOptions::default()
        };
        let mut conn = Connection::connect(service, &opts).unwrap();
        assert_eq!(conn.max_msg_size(), 1 << 20, "{service}");
        assert_eq!(
            conn.recv_event(Some(Duration::from_millis(20)), |_| ())
                .unwrap_err()
                .errno(),
            libc::EAGAIN
        );
        assert_eq!(
            conn.recv_response(Some(Duration::ZERO), |_| ())
                .unwrap_err()
                .errno(),
            libc::ETIMEDOUT
        );
        assert!(conn.is_connected(), "{service}");
    }
}
