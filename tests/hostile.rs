//! The fault suite through the Rust API (`client::Client`): every misbehaviour of
//! tests-c/qb_hostile_server.c, each on a fresh server. Each gives a documented error or the
//! reply, within the request's timeout (exact here, where `crm_ipc_send` counts whole seconds as
//! Pacemaker does; tests-c/hostile-suite.sh runs the same cases through the C ABI against
//! libcrmcommon 3.0.0), with the connection still usable or cleanly disconnected, nothing on
//! stderr (the library logs only where Pacemaker's settings say) and nothing left in /dev/shm.

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
    /// An ordinary request afterwards (if still connected).
    next: Option<Result<String, i32>>,
}

/// A fresh hostile server writing `layout`'s header.
fn server(layout: Layout) -> HostileServer {
    let name = match layout {
        Layout::Multipart => "multipart",
        Layout::Compressed => "compressed",
    };
    HostileServer::start(None, name, &[])
}

fn run(layout: Layout, kase: &str) -> Outcome {
    let server = server(layout);
    let mut c = Client::connect_with_layout(&server.name, 0, Some(layout)).expect("connect");
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
    drop(c);
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

/// The request's own timeout, within 10 %.
fn timed_out(o: &Outcome, kase: &str) {
    assert_eq!(o.result, Err(libc::ETIMEDOUT), "{kase}");
    assert!(
        o.took >= TIMEOUT && o.took <= TIMEOUT.mul_f64(1.1),
        "{kase}: {:?}",
        o.took
    );
    assert!(o.connected, "{kase}");
    // the next request first waits for the reply it missed, as 3.0.0's crm_ipc_send: any frame
    // that comes (the late stale reply) lets it go; none, and it is EALREADY
    let next = if kase == "stalelate" {
        Ok("<ok/>".to_string())
    } else {
        Err(libc::EALREADY)
    };
    assert_eq!(o.next, Some(next), "{kase}");
}

#[test]
fn replies_pacemaker_cannot_read_are_dropped_and_the_timeout_is_honoured() {
    // too short for the header; a declared text longer than the frame, or than anyone sends;
    // a reply to another request only; nothing at all
    for kase in [
        "trunc",
        "size-frame",
        "size-max",
        "staleonly",
        "stalelate",
        "noreply",
    ] {
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
fn compressed_data_that_lies_is_refused_without_inflating_past_its_size() {
    for kase in ["size-4g", "bomb", "bzcorrupt"] {
        let o = run(Layout::Compressed, kase);
        assert_eq!(o.result, Err(rc::RC_BAD_INPUT), "{kase}");
        assert!(o.took < TIMEOUT, "{kase}: {:?}", o.took);
        assert!(o.connected, "{kase}");
        // as after a timeout (3.0.0's rule): the reply is taken as pending
        assert_eq!(o.next, Some(Err(libc::EALREADY)), "{kase}");
    }
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
        let mut c = Client::connect_with_layout(&server.name, 0, Some(layout)).unwrap();
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
