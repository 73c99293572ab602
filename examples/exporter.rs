//! A Prometheus exporter for a Pacemaker node, kept current by the CIB's change notifications
//! (not by polling the CIB, nor by running `crm_mon` per scrape as exporters do today).
//!
//!   cargo run --example exporter -- [--listen ADDR] [--once]
//!
//! `--listen` (default 127.0.0.1:9664; port 0: any, the address is printed first) serves
//! `GET /metrics`; `--once` prints the metrics once and exits. Metrics: whether the CIB manager
//! is reached, pacemakerd's state, the CIB's version, each node's membership, the configured
//! resources, where each resource is active (from the status section's last operation per
//! resource and node), and how many changes were notified.

use pcmk_ipc_rs::client::cib::{Cib, CibService};
use pcmk_ipc_rs::client::pacemakerd::Pacemakerd;
use pcmk_ipc_rs::client::Error;
use pcmk_ipc_rs::xml::{Document, Node};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NAME: &str = "pcmk-ipc-rs-exporter";
/// pacemakerd's state is not in the CIB: asked again at most this often.
const PACEMAKERD_EVERY: Duration = Duration::from_secs(30);

fn main() {
    let mut listen = "127.0.0.1:9664".to_owned();
    let mut once = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => listen = args.next().expect("--listen ADDR"),
            "--once" => once = true,
            _ => {
                eprintln!("usage: exporter [--listen ADDR] [--once]");
                std::process::exit(2);
            }
        }
    }
    if once {
        print!(
            "{}",
            Watcher::connect().map_or_else(down, |mut w| w.metrics())
        );
        return;
    }
    let metrics = Arc::new(Mutex::new(down(Error::from_code(libc::ENOTCONN))));
    let shared = Arc::clone(&metrics);
    std::thread::spawn(move || keep_current(&shared));
    let server = TcpListener::bind(&listen).expect("listen");
    println!("listening on {}", server.local_addr().unwrap());
    for stream in server.incoming().flatten() {
        // A thread per connection, each bounded by timeouts: a client that sends nothing (or
        // reads nothing) holds up neither the other scrapes nor the listener.
        let metrics = Arc::clone(&metrics);
        std::thread::spawn(move || answer(&stream, &metrics));
    }
}

/// One HTTP request: `GET /metrics` gets the metrics, anything else 404.
fn answer(stream: &TcpStream, metrics: &Mutex<String>) {
    let limit = Some(Duration::from_secs(10));
    if stream.set_read_timeout(limit).is_err() || stream.set_write_timeout(limit).is_err() {
        return;
    }
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    // the rest of the request's head
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let mut out = stream;
    let _ = if first.starts_with("GET /metrics ") {
        let body = format!("{}{}", metrics.lock().unwrap(), process_cpu());
        write!(
            out,
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    } else {
        write!(out, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    };
}

/// Recompute the metrics whenever the CIB changes; reconnect when the CIB manager goes.
fn keep_current(metrics: &Mutex<String>) {
    loop {
        match Watcher::connect() {
            Ok(mut w) => loop {
                *metrics.lock().unwrap() = w.metrics();
                if let Err(e) = w.wait_change() {
                    *metrics.lock().unwrap() = down(e);
                    break;
                }
            },
            Err(e) => *metrics.lock().unwrap() = down(e),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// The standard `process_cpu_seconds_total`: this process's user and system time so far.
fn process_cpu() -> String {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut r) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    format!(
        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {:.6}\n",
        secs(r.ru_utime) + secs(r.ru_stime)
    )
}

fn down(e: Error) -> String {
    format!(
        "# HELP pacemaker_up Whether the CIB manager answers.\n# TYPE pacemaker_up gauge\npacemaker_up 0\n# {e}\n"
    )
}

struct Watcher {
    query: Cib,
    changes: Cib,
    notified: u64,
    pacemakerd: String,
    pacemakerd_at: Option<std::time::Instant>,
}

impl Watcher {
    fn connect() -> Result<Watcher, Error> {
        let query = Cib::connect(CibService::ReadOnly, NAME)?;
        let mut changes = Cib::connect(CibService::ReadOnly, NAME)?;
        changes.subscribe()?;
        Ok(Watcher {
            query,
            changes,
            notified: 0,
            pacemakerd: String::new(),
            pacemakerd_at: None,
        })
    }

    /// Until the CIB changes (every change queued by then counts), or pacemakerd is due.
    fn wait_change(&mut self) -> Result<(), Error> {
        if self
            .changes
            .wait_notification(Some(PACEMAKERD_EVERY))?
            .is_some()
        {
            self.notified += 1;
            while self
                .changes
                .wait_notification(Some(Duration::ZERO))?
                .is_some()
            {
                self.notified += 1;
            }
        }
        Ok(())
    }

    fn metrics(&mut self) -> String {
        if self
            .pacemakerd_at
            .map_or(true, |t| t.elapsed() >= PACEMAKERD_EVERY)
        {
            self.pacemakerd = Pacemakerd::connect()
                .and_then(|mut p| p.ping(Duration::from_secs(5)))
                .map_or_else(|_| "unknown".to_owned(), |p| p.state.name().to_owned());
            self.pacemakerd_at = Some(std::time::Instant::now());
        }
        match self.query.query() {
            Ok(cib) => render(&cib, &self.pacemakerd, self.notified),
            Err(e) => down(e),
        }
    }
}

fn children<'a>(node: Node<'a>, name: &'a str) -> impl Iterator<Item = Node<'a>> + 'a {
    std::iter::successors(node.first_element(Some(name)), move |n| {
        n.next_element(Some(name))
    })
}

fn count_descendants(node: Node<'_>, name: &str) -> usize {
    let mut n = 0;
    let mut child = node.first_element(None);
    while let Some(c) = child {
        n += usize::from(c.is(name)) + count_descendants(c, name);
        child = c.next_element(None);
    }
    n
}

/// `crmd`/`in_ccm` hold "online"/"true" (2.1) or the time since when (3.0), "0" or nothing if not.
fn since(value: Option<&str>) -> bool {
    match value {
        Some("online") | Some("true") => true,
        Some(v) => v.parse::<u64>().is_ok_and(|t| t > 0),
        None => false,
    }
}

fn render(cib_text: &str, pacemakerd: &str, notified: u64) -> String {
    let Some(doc) = Document::parse(cib_text.as_bytes()) else {
        return down(Error::from_code(libc::EBADMSG));
    };
    let cib = doc.root();
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: &[(String, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let one = |v: &str| vec![(String::new(), v.to_owned())];
    gauge(
        "pacemaker_up",
        "Whether the CIB manager answers.",
        &one("1"),
    );
    gauge(
        "pacemaker_pacemakerd_state",
        "pacemakerd's state.",
        &[(format!("{{state=\"{pacemakerd}\"}}"), "1".to_owned())],
    );
    for attr in ["admin_epoch", "epoch", "num_updates"] {
        gauge(
            &format!("pacemaker_cib_{attr}"),
            "The CIB's version.",
            &one(cib.attr_str(attr).unwrap_or("0")),
        );
    }
    let resources = cib
        .first_element(Some("configuration"))
        .and_then(|c| c.first_element(Some("resources")))
        .map_or(0, |r| count_descendants(r, "primitive"));
    gauge(
        "pacemaker_resources_configured",
        "Primitive resources in the configuration.",
        &one(&resources.to_string()),
    );
    let mut online = Vec::new();
    let mut active = Vec::new();
    if let Some(status) = cib.first_element(Some("status")) {
        for state in children(status, "node_state") {
            let node = state.attr_str("uname").unwrap_or("");
            let up = since(state.attr_str("in_ccm"))
                && since(state.attr_str("crmd"))
                && state.attr_str("join") == Some("member");
            online.push((format!("{{node=\"{node}\"}}"), u8::from(up).to_string()));
            let lrm = state
                .first_element(Some("lrm"))
                .and_then(|l| l.first_element(Some("lrm_resources")));
            for rsc in lrm.into_iter().flat_map(|l| children(l, "lrm_resource")) {
                // the last operation: the highest call id
                let last = children(rsc, "lrm_rsc_op")
                    .filter_map(|op| {
                        let id = op.attr_str("call-id")?.parse::<i64>().ok()?;
                        Some((id, op))
                    })
                    .max_by_key(|(id, _)| *id);
                let running = last.is_some_and(|(_, op)| {
                    op.attr_str("operation") != Some("stop")
                        && matches!(op.attr_str("rc-code"), Some("0") | Some("8"))
                });
                active.push((
                    format!(
                        "{{resource=\"{}\",node=\"{node}\"}}",
                        rsc.attr_str("id").unwrap_or("")
                    ),
                    u8::from(running).to_string(),
                ));
            }
        }
    }
    gauge(
        "pacemaker_node_online",
        "Whether a node is a member and its controller online.",
        &online,
    );
    gauge(
        "pacemaker_resource_active",
        "Whether a resource's last operation on a node left it running.",
        &active,
    );
    let _ = writeln!(
        out,
        "# HELP pacemaker_exporter_cib_changes_total CIB changes notified to the exporter.\n# TYPE pacemaker_exporter_cib_changes_total counter\npacemaker_exporter_cib_changes_total {notified}"
    );
    out
}
