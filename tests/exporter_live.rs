//! examples/exporter.rs against a live node, held against `crm_mon --output-as=xml` on the same
//! node (ignored by a plain `cargo test`, which builds the example; scripts/test runs it inside
//! `scripts/pcmk-node run 2.1|3.0|sid`).

use pcmk_ipc_rs::client::cib::{CallOptions, Cib, CibService};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Exporter(Child);

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Exporter, String) {
    // target/debug/deps/exporter_live-… → target/debug/examples/exporter
    let bin = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/exporter");
    let mut child = Command::new(&bin)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    (Exporter(child), addr)
}

fn scrape(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.0 200 OK"), "{text}");
    text.split_once("\r\n\r\n").unwrap().1.to_owned()
}

fn value(metrics: &str, sample: &str) -> Option<String> {
    metrics.lines().find_map(|l| {
        l.strip_prefix(sample)
            .and_then(|rest| rest.strip_prefix(' '))
            .map(str::to_owned)
    })
}

/// Scrapes until `ok` holds (at most 60 s): the last scrape.
fn until(addr: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let m = scrape(addr);
        if ok(&m) {
            return m;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{what}:\n{m}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn crm_mon() -> String {
    let script = std::env::var("PCMK_NODE_SCRIPT").expect("run inside scripts/pcmk-node run");
    let out = Command::new(script)
        .args(["tool", "crm_mon", "--output-as=xml"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn exporter_follows_the_cib_as_crm_mon_sees_it() {
    let (_exporter, addr) = start();
    // a client that connects and sends nothing holds up no one else's scrape
    let idle = TcpStream::connect(&addr).unwrap();
    let m = until(&addr, "the node up", |m| {
        value(m, "pacemaker_up").as_deref() == Some("1")
    });
    drop(idle);
    assert_eq!(
        value(&m, r#"pacemaker_pacemakerd_state{state="running"}"#).as_deref(),
        Some("1"),
        "{m}"
    );
    let mon = crm_mon();
    assert!(
        mon.contains(r#"<node name="node1" id="1" online="true""#),
        "{mon}"
    );
    assert_eq!(
        value(&m, r#"pacemaker_node_online{node="node1"}"#).as_deref(),
        Some("1"),
        "{m}"
    );
    let changes = |m: &str| {
        value(m, "pacemaker_exporter_cib_changes_total")
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let before = changes(&m);

    // a resource: the exporter learns it from notifications, as crm_mon sees it
    let mut cib = Cib::connect(CibService::ReadWrite, "pcmkrs-exporter-test").unwrap();
    cib.create(
        Some("resources"),
        r#"<primitive id="pcmkrs-exporter-dummy" class="ocf" provider="pacemaker" type="Dummy"/>"#,
        CallOptions::NONE,
    )
    .unwrap();
    let sample = r#"pacemaker_resource_active{resource="pcmkrs-exporter-dummy",node="node1"}"#;
    let m = until(&addr, "the resource running", |m| {
        value(m, sample).as_deref() == Some("1")
    });
    assert!(changes(&m) > before, "{m}");
    assert_eq!(
        value(&m, "pacemaker_resources_configured").as_deref(),
        Some("1")
    );
    let mon = crm_mon();
    assert!(
        mon.contains(r#"<resource id="pcmkrs-exporter-dummy" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true""#),
        "{mon}"
    );

    // stopped: both see it
    cib.modify(
        Some("resources"),
        r#"<primitive id="pcmkrs-exporter-dummy"><meta_attributes id="pcmkrs-exporter-dummy-meta"><nvpair id="pcmkrs-exporter-dummy-role" name="target-role" value="Stopped"/></meta_attributes></primitive>"#,
        CallOptions::NONE,
    )
    .unwrap();
    until(&addr, "the resource stopped", |m| {
        value(m, sample).as_deref() == Some("0")
    });
    let mon = crm_mon();
    assert!(
        mon.contains(r#"<resource id="pcmkrs-exporter-dummy" resource_agent="ocf:pacemaker:Dummy" role="Stopped""#),
        "{mon}"
    );
    cib.delete(
        Some("resources"),
        r#"<primitive id="pcmkrs-exporter-dummy"/>"#,
        CallOptions::NONE,
    )
    .unwrap();
    until(&addr, "the resource gone from the configuration", |m| {
        value(m, "pacemaker_resources_configured").as_deref() == Some("0")
    });
}
