//! The typed daemon clients against a live node (ignored by a plain `cargo test`; scripts/test
//! runs them inside `scripts/pcmk-node run 2.1|3.0`).

use pcmk_ipc_rs::client::attrd::AttributeManager;
use pcmk_ipc_rs::client::controld::Controller;
use pcmk_ipc_rs::client::pacemakerd::{Pacemakerd, PacemakerdState};
use pcmk_ipc_rs::client::schedulerd::Scheduler;
use pcmk_ipc_rs::client::{Client, Error, Status};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[test]
#[ignore = "needs a live Pacemaker node"]
fn pacemakerd_ping() {
    let mut p = Pacemakerd::connect().unwrap();
    let ping = p.ping(T).unwrap();
    assert_eq!(ping.state, PacemakerdState::Running);
    assert_eq!(ping.state.name(), "running");
    assert!(
        ping.ok && ping.last_good > 0 && ping.sys_from == "pacemakerd",
        "{ping:?}"
    );
    // twice on one connection
    assert_eq!(p.ping(T).unwrap().state, PacemakerdState::Running);
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn controller_ping_nodes_and_info() {
    let mut c = Controller::connect().unwrap();
    let ping = c.ping(None, T).unwrap();
    // S_IDLE, or a transition's state while another test changes an attribute
    assert!(
        ping.fsa_state.starts_with("S_") && ping.result == "ok",
        "{ping:?}"
    );
    let nodes = c.list_nodes(T).unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(
        (nodes[0].id, nodes[0].name.as_str(), nodes[0].state.as_str()),
        (1, "node1", "member")
    );
    let info = c.node_info(0, T).unwrap();
    assert!(
        info.have_quorum && !info.is_remote && info.id == 1 && info.name == "node1",
        "{info:?}"
    );
    let ping = c.ping(Some("node1"), T).unwrap();
    assert_eq!(ping.sys_from, "crmd");
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn scheduler_graph_of_the_live_cib() {
    let mut cib = Client::connect("cib_ro").unwrap();
    let q = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="1" cib_callopt="4096"/>"#;
    let reply = cib.request(q, Some(T)).unwrap().text;
    let start = reply.find("<cib ").unwrap();
    let end = reply.rfind("</cib>").unwrap() + "</cib>".len();
    let mut s = Scheduler::connect().unwrap();
    // also from a 2.1 scheduler, whose reply (typed as the controller's) 3.0.0 refuses
    let g = s.graph(&reply[start..end], T).unwrap();
    assert!(
        g.xml.starts_with("<transition_graph ") && g.reference.starts_with("pe_calc-"),
        "{g:?}"
    );
    // pe-input-N, or pe-warn-N where the scheduler has a warning about the configuration
    assert!(
        g.input.contains("/pe-input-") || g.input.contains("/pe-warn-"),
        "{}",
        g.input
    );
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn attribute_update_and_query() {
    let mut a = AttributeManager::connect().unwrap();
    assert_eq!(
        a.query("pcmkrs-never-set", None, T).err(),
        Some(Error::Daemon(Status::new(libc::ENXIO)))
    );
    a.update("pcmkrs-test", Some("42"), Some("node1")).unwrap();
    let mut values = Vec::new();
    for _ in 0..50 {
        values = a.query("pcmkrs-test", Some("node1"), T).unwrap_or_default();
        if values.iter().any(|v| v.value.as_deref() == Some("42")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        values.iter().any(|v| v.node == "node1"
            && v.name == "pcmkrs-test"
            && v.value.as_deref() == Some("42")),
        "{values:?}"
    );
}

/// Query until the attribute's value on node1 is `want` (the attribute manager applies an
/// update after acknowledging it); the last answer.
fn query_until(
    a: &mut AttributeManager,
    name: &str,
    want: Option<&str>,
) -> Vec<pcmk_ipc_rs::client::attrd::AttributeValue> {
    let mut values = Vec::new();
    for _ in 0..50 {
        values = a.query(name, Some("node1"), T).unwrap_or_default();
        if values
            .iter()
            .any(|v| v.node == "node1" && v.value.as_deref() == want)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    values
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn attribute_delete_refresh_purge_and_clear() {
    let mut a = AttributeManager::connect().unwrap();
    a.update("pcmkrs-test-2", Some("7"), None).unwrap();
    let v = query_until(&mut a, "pcmkrs-test-2", Some("7"));
    assert!(v.iter().any(|v| v.value.as_deref() == Some("7")), "{v:?}");
    // every node: the one node
    let all = a.query_all("pcmkrs-test-2", T).unwrap();
    assert!(
        all.len() == 1 && all[0].node == "node1" && all[0].value.as_deref() == Some("7"),
        "{all:?}"
    );
    a.refresh(None).unwrap();
    a.clear_failures("node1", Some("pcmkrs-no-such-resource"))
        .unwrap();
    a.purge("pcmkrs-ghost", true).unwrap();
    // deleted: the attribute stays known, without a value
    a.delete("pcmkrs-test-2", Some("node1")).unwrap();
    let v = query_until(&mut a, "pcmkrs-test-2", None);
    assert!(
        v.iter().any(|v| v.node == "node1" && v.value.is_none()),
        "{v:?}"
    );
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn the_node_says_which_header_its_daemons_read() {
    use pcmk_ipc_rs::client::probe_layout;
    use pcmk_ipc_rs::wire::Layout;
    let want = match std::env::var("PCMK_NODE_VERSION").as_deref() {
        Ok("sid") => Layout::Multipart,
        _ => Layout::Compressed,
    };
    assert_eq!(probe_layout(std::time::Duration::from_secs(5)), Ok(want));
    // kept for the node's other processes (as root), and taken from there the next time
    if unsafe { libc::geteuid() } == 0 {
        let kept = std::fs::read_to_string("/run/pcmk-ipc-rs/node-layout").unwrap();
        assert!(kept.ends_with(if want == Layout::Multipart {
            "multipart\n"
        } else {
            "compressed\n"
        }));
    }
    assert_eq!(probe_layout(std::time::Duration::from_secs(5)), Ok(want));
    // a connection learns it from its server's first message
    let mut c = pcmk_ipc_rs::client::Client::connect("cib_rw").unwrap();
    assert_eq!(c.layout(), None);
    let hello = r#"<cib_command t="cib" cib_op="register" cib_callid="1" cib_callopt="4096" cib_clientname="layout"/>"#;
    c.request(hello, Some(Duration::from_secs(5))).unwrap();
    assert_eq!(c.layout(), Some(want));
}

/// The pid of the node's process named `comm` (in this pid namespace).
fn pid_of(comm: &str) -> i32 {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim_end() == comm)
        })
        .unwrap_or_else(|| panic!("no {comm} running"))
}

/// `f` while the daemon `comm` is stopped (SIGSTOP), then SIGCONT: how long it took, what it
/// gave.
fn while_stopped<T>(comm: &str, f: impl FnOnce() -> T) -> (Duration, T) {
    let pid = pid_of(comm);
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let t = std::time::Instant::now();
    let r = f();
    let took = t.elapsed();
    unsafe { libc::kill(pid, libc::SIGCONT) };
    (took, r)
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn every_client_keeps_its_limit_to_the_millisecond_and_goes_on_after_it() {
    // a daemon that answers nothing (stopped): the call ends at the caller's limit, within 10 %
    // or 50 ms (3.0.0 counts whole seconds: a 700 ms call could last 2 s); then the same handle
    // answers the next call (its late reply dropped by its id)
    let limit = Duration::from_millis(700);
    let within = |took: Duration, what: &str| {
        assert!(
            took >= limit && took <= limit + Duration::from_millis(70),
            "{what}: {took:?} for a limit of {limit:?}"
        );
    };
    let mut cib = Client::connect("cib_rw").unwrap();
    let q = r#"<cib_command t="cib" cib_op="cib_query" cib_callid="1" cib_callopt="4096"/>"#;
    let (took, r) = while_stopped("pacemaker-based", || cib.request(q, Some(limit)));
    assert_eq!(r.err(), Some(Error::TimedOut));
    within(took, "Client::request (CIB manager)");
    assert!(cib.request(q, Some(T)).unwrap().text.contains("<cib "));

    let mut p = Pacemakerd::connect().unwrap();
    let (took, r) = while_stopped("pacemakerd", || p.ping(limit));
    assert_eq!(r.err(), Some(Error::TimedOut));
    within(took, "Pacemakerd::ping");
    assert_eq!(p.ping(T).unwrap().state, PacemakerdState::Running);

    let mut c = Controller::connect().unwrap();
    let (took, r) = while_stopped("pacemaker-contr", || c.ping(None, limit));
    assert_eq!(r.err(), Some(Error::TimedOut));
    within(took, "Controller::ping");
    assert!(c.ping(None, T).unwrap().fsa_state.starts_with("S_"));

    let mut a = AttributeManager::connect().unwrap();
    let (took, r) = while_stopped("pacemaker-attrd", || a.query("pcmkrs-limit", None, limit));
    assert_eq!(r.err(), Some(Error::TimedOut));
    within(took, "AttributeManager::query (sync mode)");
    // (an attribute that does not exist: ENXIO, answered)
    assert_eq!(
        a.query("pcmkrs-limit", None, T).err(),
        Some(Error::Daemon(Status::new(libc::ENXIO)))
    );
}
