//! Daemons with no node around them (no pacemakerd, no controller: Pacemaker's own regression
//! suites, daemons started by hand): nothing but the daemon itself can tell which header it
//! reads. Stood in for by the echo server of tests-c/ serving a daemon's name (`cib_rw`) in a
//! network namespace of its own, reading requests as a 2.1/3.0.0 daemon or as a 3.0.1+ one
//! (it drops, unanswered, what that release's `pcmk__valid_ipc_header` drops) and logging what
//! it acts on. Nothing is set in the environment. See docs/wire-layouts.md.

mod common;

use common::{in_netns, EchoServer};
use pcmk_ipc_rs::client::IpcClient;
use pcmk_ipc_rs::wire::flags::CLIENT_RESPONSE;
use pcmk_ipc_rs::wire::Layout;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn text(c: &IpcClient) -> String {
    String::from_utf8_lossy(c.text()).into_owned()
}

/// A daemon stand-in and the file where it logs each request it acts on or drops.
fn daemon(layout: &str) -> Option<(EchoServer, PathBuf, PathBuf)> {
    let dir = common::fresh_dir("stand-alone");
    let log = dir.join("requests");
    let server = EchoServer::start_daemon("cib_rw", "shm", layout, Some(&log))?;
    Some((server, log, dir))
}

/// Run `f` with a connection to a fresh daemon stand-in of `layout` (in its namespace) and its
/// log; skipped (false) when not root.
fn on_daemon(layout: &str, f: impl FnOnce(&mut IpcClient, &PathBuf) + Send) -> bool {
    let Some((server, log, dir)) = daemon(layout) else {
        eprintln!("not root: no network namespace; skipped");
        return false;
    };
    in_netns(server.pid, || {
        let mut c = IpcClient::new("cib_rw", 0);
        assert_eq!(c.connect(), 0);
        f(&mut c, &log)
    });
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
    true
}

/// The lines the server logged for request `id`: "acted" (taken, flags as it read them) or
/// "dropped".
fn fate(log: &PathBuf, id: i32) -> Vec<String> {
    let all = std::fs::read_to_string(log).unwrap_or_default();
    all.lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(&format!("id={id}")))
        .map(|l| {
            if l.contains("dropped") {
                "dropped".to_owned()
            } else {
                let flags = l.split_whitespace().nth(2).unwrap_or("").to_owned();
                format!("acted {flags}")
            }
        })
        .collect()
}

/// The newest request id in the server's log (ids are the test process's, shared by the tests
/// that run at the same time, so only their order is known).
fn last_id(log: &PathBuf) -> i32 {
    let all = std::fs::read_to_string(log).unwrap();
    all.lines()
        .map(|l| l.split_whitespace().nth(1).unwrap()[3..].parse().unwrap())
        .max()
        .unwrap()
}

#[test]
fn a_stand_alone_3_0_0_daemon_gets_each_request_once_and_the_caller_sees_3_0_0s_reply() {
    on_daemon("compressed", |c, log| {
        let t = Instant::now();
        let sent = c.send(Some(b"<first/>"), CLIENT_RESPONSE, 5000);
        assert!(sent.replied && text(c) == "<first/>", "{sent:?}");
        assert!(
            t.elapsed() < Duration::from_millis(150),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(c.seen_layout(), Some(Layout::Compressed));
        // the daemon copied the request's flags into its answer: the caller sees 3.0.0's
        assert_eq!(c.buffer_flags(), CLIENT_RESPONSE);
        // acted on once, in the old layout, marked for it alone (an undefined flag bit); the
        // other copy never went (the answer came first)
        let id = last_id(log);
        assert_eq!(fate(log, id), ["acted flags=0x202"]);
        // the layout is known: the next request is exactly what 3.0.0 sends
        let sent = c.send(Some(b"<second/>"), CLIENT_RESPONSE, 5000);
        assert!(sent.replied && text(c) == "<second/>");
        assert_eq!(fate(log, last_id(log)), ["acted flags=0x200"]);
        // and a new connection to the same daemon process knows it too
        let mut d = IpcClient::new("cib_rw", 0);
        assert_eq!(d.connect(), 0);
        assert!(d.send(Some(b"<third/>"), CLIENT_RESPONSE, 5000).replied);
        assert_eq!(fate(log, last_id(log)), ["acted flags=0x200"]);
    });
}

#[test]
fn a_slow_3_0_0_daemon_still_acts_once_on_a_request_sent_in_both_layouts() {
    // the answer comes after the grace: the 3.0.1 copy goes too, and the daemon drops it
    on_daemon("compressed", |c, log| {
        let sent = c.send(Some(br#"<delay ms="600"/>"#), CLIENT_RESPONSE, 5000);
        assert!(
            sent.replied && text(c) == r#"<delay ms="600"/>"#,
            "{sent:?}"
        );
        assert_eq!(c.seen_layout(), Some(Layout::Compressed));
        // the dropped copy is logged once the daemon is done with the first
        let id = last_id(log);
        assert!(
            common::eventually(|| fate(log, id) == ["acted flags=0x202", "dropped"]),
            "{:?}",
            fate(log, id)
        );
        // the connection goes on in the old layout
        let sent = c.send(Some(b"<next/>"), CLIENT_RESPONSE, 5000);
        assert!(sent.replied && text(c) == "<next/>", "{}", text(c));
        assert_eq!(fate(log, last_id(log)), ["acted flags=0x200"]);
    });
}

#[test]
fn a_stand_alone_3_0_1_daemon_is_learned_from_its_answer_and_acts_once() {
    on_daemon("multipart", |c, log| {
        let t = Instant::now();
        let sent = c.send(Some(b"<first/>"), CLIENT_RESPONSE, 5000);
        let took = t.elapsed();
        assert!(sent.replied && text(c) == "<first/>", "{sent:?}");
        assert_eq!(c.seen_layout(), Some(Layout::Multipart));
        assert_eq!(c.buffer_flags(), CLIENT_RESPONSE);
        // the old copy was dropped unread, the new one acted on: once
        let id = last_id(log);
        assert_eq!(fate(log, id).len(), 2, "{:?}", fate(log, id));
        assert_eq!(fate(log, id)[0], "dropped");
        assert!(fate(log, id)[1].starts_with("acted"));
        // the new copy waited for the grace (200 ms), no longer
        assert!(took >= Duration::from_millis(190), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
        // known now: the next request goes at once, in the new layout alone
        let t = Instant::now();
        let sent = c.send(Some(b"<second/>"), CLIENT_RESPONSE, 5000);
        assert!(sent.replied && text(c) == "<second/>");
        assert!(
            t.elapsed() < Duration::from_millis(150),
            "{:?}",
            t.elapsed()
        );
        let next = last_id(log);
        assert!(next > id);
        assert_eq!(fate(log, next).len(), 1);
        assert!(fate(log, next)[0].starts_with("acted"));
    });
}

#[test]
fn a_request_to_a_stand_alone_daemon_that_never_answers_ends_at_its_limit() {
    // a daemon that answers later than the caller's limit: the call ends at the limit, the
    // daemon still gets the copy it reads, once
    on_daemon("multipart", |c, log| {
        let t = Instant::now();
        let sent = c.send_within(
            Some(br#"<delay ms="3000"/>"#),
            CLIENT_RESPONSE,
            Some(Duration::from_millis(800)),
        );
        assert_eq!(sent.rc, -libc::ETIMEDOUT);
        assert!(
            t.elapsed() < Duration::from_millis(1300),
            "{:?}",
            t.elapsed()
        );
        // the 3.0.1 daemon had the new copy (sent after the grace) and acts on it once
        let id = last_id(log);
        assert_eq!(fate(log, id)[0], "dropped");
        assert!(common::eventually(|| fate(log, id).len() == 2));
    });
}

#[test]
fn a_large_request_that_wants_no_answer_reaches_a_daemon_of_either_release_once() {
    // no answer can tell which copy was read: both go at once, each read by its release alone
    for (layout, acted, dropped) in [("compressed", 1, 3), ("multipart", 3, 1)] {
        on_daemon(layout, |c, log| {
            let big = format!("<big v=\"{}\"/>", "x".repeat(300_000));
            let sent = c.send(Some(big.as_bytes()), 0, 5000);
            assert!(sent.rc > 0, "{sent:?}");
            // each frame the daemon took is logged (and echoed), each it dropped too
            assert!(
                common::eventually(|| {
                    let f = fate(log, last_id(log));
                    f.iter().filter(|l| l.starts_with("acted")).count() == acted
                        && f.iter().filter(|l| *l == "dropped").count() == dropped
                }),
                "{layout}: {:?}",
                fate(log, last_id(log))
            );
        });
    }
}
