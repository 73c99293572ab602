//! The fault suite through the Rust API (`client::Client`): every misbehaviour of
//! tests-c/qb_hostile_server.c, each on a fresh server, with nothing set in the environment.
//! Each gives a documented error or the reply — at once when the frame cannot be the reply,
//! within the request's limit (to the millisecond, within 10 %) when nothing comes — and the
//! same handle answers the next request (or the connection is cleanly gone); nothing on stderr
//! (the library logs only where Pacemaker's settings say) and nothing left in /dev/shm.
//! tests-c/hostile-suite.sh runs the same cases through the C ABI, beside libcrmcommon 3.0.0.

mod common;

use common::*;
use pcmk_ipc_rs::client::{rc, Client};
use pcmk_ipc_rs::wire::Layout;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(2);

/// What one case gave.
struct Outcome {
    result: Result<String, i32>,
    took: Duration,
    connected: bool,
    /// An ordinary request afterwards, on the same handle (if still connected).
    next: Option<Result<String, i32>>,
}

/// A fresh hostile server reading and writing `layout`'s header: 2.1/3.0.0's under a name of
/// its own (the library writes to it what 3.0.0 writes), 3.0.1's under a daemon's name, alone in
/// a network namespace (the library learns the layout from its answer). Needs root for the
/// namespace.
fn server(layout: Layout) -> HostileServer {
    match layout {
        Layout::Compressed => HostileServer::start(None, "compressed", &[]),
        Layout::Multipart => HostileServer::start_daemon("cib_rw", "multipart")
            .expect("the 3.0.1 cases need root (a network namespace)"),
    }
}

/// Run `f` where `server`'s service is seen.
fn near<T: Send>(server: &HostileServer, layout: Layout, f: impl FnOnce() -> T + Send) -> T {
    match layout {
        Layout::Compressed => f(),
        Layout::Multipart => in_netns(server.pid, f),
    }
}

fn run(layout: Layout, kase: &str) -> Outcome {
    let server = server(layout);
    let (result, took, connected, next) = near(&server, layout, || {
        let mut c = Client::connect(&server.name).expect("connect");
        let t = Instant::now();
        let result = c
            .request(&format!(r#"<hostile case="{kase}"/>"#), Some(TIMEOUT))
            .map(|m| m.text)
            .map_err(|e| e.code());
        let took = t.elapsed();
        let connected = c.is_connected();
        let next = connected.then(|| {
            c.request("<ordinary/>", Some(TIMEOUT))
                .map(|m| m.text)
                .map_err(|e| e.code())
        });
        (result, took, connected, next)
    });
    // the server removes the connection's files once we are gone (unless it died of its own
    // faults: a server that truncated its files dies of them)
    let alive = || {
        std::fs::read_to_string(format!("/proc/{}/stat", server.pid)).is_ok_and(|st| {
            st.rsplit(')')
                .next()
                .is_some_and(|r| !r.trim_start().starts_with('Z'))
        })
    };
    assert!(
        eventually(|| shm_entries_of(server.pid).is_empty() || !alive()),
        "{kase}: left in /dev/shm"
    );
    drop(server);
    Outcome {
        result,
        took,
        connected,
        next,
    }
}

/// The request's own limit, within 10 %; the handle answers the next request (3.0.0 refuses
/// every send with EALREADY until a reply comes: docs/differences.md C17).
fn timed_out(o: &Outcome, kase: &str) {
    assert_eq!(o.result, Err(libc::ETIMEDOUT), "{kase}");
    assert!(
        o.took >= TIMEOUT && o.took <= TIMEOUT.mul_f64(1.1),
        "{kase}: {:?}",
        o.took
    );
    assert!(o.connected, "{kase}");
    assert_eq!(o.next, Some(Ok("<ok/>".to_string())), "{kase}");
}

/// A frame that cannot be the reply ends the call at once with `code`; the handle answers the
/// next request.
fn refused_at_once(o: &Outcome, kase: &str, code: i32) {
    assert_eq!(o.result, Err(code), "{kase}");
    // (the bomb takes its server about a second to make, 100 MiB through bzip2, more when other
    // tests share the CPU: for it, "at once" is before the limit)
    let at_once = if kase == "bomb" {
        TIMEOUT
    } else {
        Duration::from_millis(200)
    };
    assert!(o.took < at_once, "{kase}: {:?}", o.took);
    assert!(o.connected, "{kase}");
    assert_eq!(o.next, Some(Ok("<ok/>".to_string())), "{kase}");
}

#[test]
fn replies_that_cannot_be_read_end_the_call_at_once() {
    // too short for the header; a declared text longer than the frame, or than anyone sends
    // (3.0.0 reads past the frame: it takes whatever its buffer held there, or crashes)
    // a text without its NUL; noise after libqb's header (3.0.0 aborts or crashes on these)
    for kase in ["trunc", "size-frame", "size-max", "nonul", "garbage"] {
        refused_at_once(&run(Layout::Compressed, kase), kase, libc::EBADMSG);
    }
    // a split reply whose parts do not fit together (the second missing): at once, without
    // waiting for a part that will not come (after the 3.0.1 copy's grace, 0.2 s)
    let o = run(Layout::Multipart, "badparts");
    assert_eq!(o.result, Err(libc::EBADMSG));
    assert!(o.took < Duration::from_millis(400), "{:?}", o.took);
    assert_eq!(o.next, Some(Ok("<ok/>".to_string())));
}

#[test]
fn compressed_data_that_lies_is_refused_at_once_without_inflating_past_its_size() {
    for kase in ["size-4g", "bomb", "bzcorrupt"] {
        refused_at_once(&run(Layout::Compressed, kase), kase, rc::RC_BAD_INPUT);
    }
}

#[test]
fn no_reply_ends_the_call_at_its_limit_and_the_handle_goes_on() {
    // a reply to another request only (at once, or after the limit); nothing at all
    for kase in ["staleonly", "stalelate", "noreply"] {
        timed_out(&run(Layout::Compressed, kase), kase);
    }
}

#[test]
fn a_reply_of_another_protocol_version_is_read_as_pacemaker_3_0_0_reads_it() {
    let o = run(Layout::Compressed, "version");
    assert_eq!(o.result.as_deref(), Ok("<ok/>"));
    assert_eq!(o.next, Some(Ok("<ok/>".to_string())));
}

#[test]
fn text_that_is_not_xml_or_huge_or_deep_is_handed_over_as_text() {
    for layout in [Layout::Compressed, Layout::Multipart] {
        let o = run(layout, "notxml");
        assert_eq!(o.result.as_deref(), Ok("<ok <<"));
        let o = run(layout, "deep");
        let text = o.result.expect("deep");
        assert_eq!(text.len(), 7_000_000);
        assert!(text.starts_with("<a><a>") && text.ends_with("</a></a>"));
        let o = run(layout, "bigattr");
        let text = o.result.expect("bigattr");
        assert_eq!(text.len(), (100 << 20) + 9, "{layout:?}");
        assert_eq!(o.next, Some(Ok("<ok/>".to_string())), "{layout:?}");
    }
}

#[test]
fn a_stale_reply_before_the_right_one_is_skipped() {
    let o = run(Layout::Compressed, "stale");
    assert_eq!(o.result.as_deref(), Ok("<ok/>"));
    assert_eq!(o.next, Some(Ok("<ok/>".to_string())));
}

#[test]
fn a_flood_of_events_while_a_reply_is_awaited_loses_nothing() {
    for layout in [Layout::Compressed, Layout::Multipart] {
        let server = server(layout);
        near(&server, layout, || {
            let mut c = Client::connect(&server.name).unwrap();
            let reply = c
                .request(r#"<hostile case="flood"/>"#, Some(TIMEOUT))
                .expect("the reply comes through the flood");
            let sent: usize = reply
                .text
                .split('"')
                .nth(1)
                .and_then(|n| n.parse().ok())
                .expect("events=\"N\"");
            assert!(sent > 100, "{sent}");
            let mut seen = 0;
            while let Some(e) = c.wait_event(Some(Duration::from_secs(1))).unwrap() {
                seen += 1;
                assert_eq!(e.text, format!(r#"<event n="{seen}"/>"#));
            }
            assert_eq!(seen, sent, "{layout:?}");
        });
    }
}

#[test]
fn a_server_that_truncates_its_rings_or_drops_the_connection_is_a_clean_disconnect() {
    for (layout, kase) in [
        (Layout::Compressed, "truncring"),
        (Layout::Multipart, "truncring"),
        (Layout::Compressed, "close"),
        // the first part of a two-part reply, then the connection dropped
        (Layout::Multipart, "closemid"),
    ] {
        let o = run(layout, kase);
        assert_eq!(o.result, Err(libc::ENOTCONN), "{kase} {layout:?}");
        assert!(o.took < Duration::from_secs(1), "{kase}: {:?}", o.took);
        assert!(!o.connected, "{kase}");
    }
}
