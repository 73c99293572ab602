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
    let e = Client::connect("pcmkrs-nobody").err().unwrap();
    assert!(matches!(e, Error::NotRunning(_)), "{e:?}");
    assert_eq!(e.code(), libc::ECONNREFUSED);
    let mut cib = Client::connect("cib_rw").unwrap();
    // an asynchronous request answers with an event only: waiting for a response times out
    let q = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="9" cib_callopt="0"/>"#;
    assert_eq!(
        cib.request(q, Some(Duration::from_millis(500))).err(),
        Some(Error::TimedOut)
    );
    // the handle goes on: the next request is sent (3.0.0: EALREADY until a reply comes)
    assert_eq!(
        cib.request(q, Some(Duration::from_millis(200))).err(),
        Some(Error::TimedOut)
    );
    let sync = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="10" cib_callopt="4096"/>"#;
    assert!(cib
        .request(sync, T)
        .unwrap()
        .text
        .contains(r#"cib_callid="10""#));
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn requests_and_replies_larger_than_the_buffer_both_ways() {
    // a 3 MiB request (compressed for a 2.1/3.0.0 daemon, in parts for 3.0.1+), then the whole
    // CIB back (the same, the other way), then the same as an event
    let mut cib = Client::connect("cib_rw").unwrap();
    let hello = r#"<cib_command t="cib" cib_op="register" cib_callid="1" cib_callopt="4096" cib_clientname="rust-large"/>"#;
    cib.request(hello, T).unwrap();
    let big = Some(Duration::from_secs(30));
    let value: String = (0..2000).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let mut set = String::from(r#"<cluster_property_set id="pcmkrs-large">"#);
    for i in 0..1600 {
        set.push_str(&format!(
            r#"<nvpair id="pcmkrs-large-{i}" name="pcmkrs-large-{i}" value="{i}-{value}"/>"#
        ));
    }
    set.push_str("</cluster_property_set>");
    assert!(set.len() > 3 << 20);
    let create = format!(
        r#"<cib_command t="cib" cib_op="cib_create" cib_callid="2" cib_callopt="4096" cib_section="crm_config"><cib_calldata><crm_config>{set}</crm_config></cib_calldata></cib_command>"#
    );
    let reply = cib.request(&create, big).unwrap();
    assert!(reply.text.contains(r#"cib_rc="0""#), "{}", reply.text);
    let query = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="3" cib_callopt="4096"/>"#;
    let reply = cib.request(query, big).unwrap();
    assert!(reply.text.len() > 3 << 20, "{} bytes", reply.text.len());
    assert!(reply
        .text
        .contains(r#"name="pcmkrs-large-1499" value="1499-abc"#));
    let async_query = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="4" cib_callopt="0"/>"#;
    cib.send(async_query).unwrap();
    let ev = cib.wait_event(big).unwrap().expect("an event");
    assert!(ev.text.len() > 3 << 20 && ev.text.contains(r#"cib_callid="4""#));
    let delete = r#"<cib_command t="cib" cib_op="cib_delete" cib_callid="5" cib_callopt="4096" cib_section="crm_config"><cib_calldata><cluster_property_set id="pcmkrs-large"/></cib_calldata></cib_command>"#;
    let reply = cib.request(delete, big).unwrap();
    assert!(reply.text.contains(r#"cib_rc="0""#), "{}", reply.text);
}
