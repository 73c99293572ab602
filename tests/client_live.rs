//! The safe connection API against a live node (ignored by a plain `cargo test`; scripts/test
//! runs it inside `scripts/pcmk-node run 2.1|3.0`).

use pcmk_ipc_rs::client::{Client, Error};
use pcmk_ipc_rs::wire::flags;
use std::time::Duration;

const T: Option<Duration> = Some(Duration::from_secs(5));

#[test]
#[ignore = "needs a live Pacemaker node"]
fn cib_register_query_and_an_event() {
    let mut cib = Client::connect("cib_rw").unwrap();
    let hello = r#"<cib_command t="cib" cib_op="register" cib_callid="1" cib_callopt="4096" cib_clientname="rust"/>"#;
    let reply = cib.request(hello, T).unwrap();
    assert!(
        reply.text.contains(r#"cib_op="register""#),
        "{}",
        reply.text
    );
    let query = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="2" cib_callopt="4096"/>"#;
    let reply = cib.request(query, T).unwrap();
    assert!(
        reply.text.starts_with("<cib-reply ") && reply.text.contains("<cib "),
        "{}",
        reply.text
    );
    // asynchronous: the result is an event
    let async_query = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="3" cib_callopt="0"/>"#;
    assert!(cib.send(async_query).unwrap() > 40);
    let ev = cib.wait_event(T).unwrap().expect("an event");
    assert!(ev.flags & flags::SERVER_EVENT != 0 && ev.text.contains(r#"cib_callid="3""#));
    assert_eq!(cib.read_event().unwrap(), None);
    assert!(cib.is_connected());
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn no_daemon_and_timeouts_are_clear_errors() {
    assert_eq!(
        Client::connect("pcmkrs-nobody").err(),
        Some(Error(libc::ECONNREFUSED))
    );
    let mut cib = Client::connect("cib_rw").unwrap();
    // an asynchronous request answers with an event only: waiting for a response times out
    let q = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="9" cib_callopt="0"/>"#;
    assert_eq!(
        cib.request(q, Some(Duration::from_millis(500))).err(),
        Some(Error(libc::ETIMEDOUT))
    );
    assert_eq!(
        cib.request(q, Some(Duration::from_millis(200))).err(),
        Some(Error(libc::EALREADY))
    );
}
