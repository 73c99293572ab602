//! Connect, request, close, N times, through the Rust API (`client::Client`), for
//! tests-c/soak-suite.sh:
//!
//!     cargo run --example soak -- SERVICE N [raw]
//!
//! Each cycle connects, sends one request that wants a reply (a CIB query of the nodes section,
//! or anything to the libqb echo server in raw mode, which sends it back) and drops the
//! connection. Prints "cycle <i> rss <kB> fds <n>" after every tenth and "failed <n>" at the end.

use pcmk_ipc_rs::client::Client;
use std::time::Duration;

fn rss_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(-1)
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count().saturating_sub(1))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let service = args.next().unwrap_or_else(|| "cib_ro".into());
    let n: u64 = args.next().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let raw = args.next().as_deref() == Some("raw");
    let request = if raw {
        "<soak/>"
    } else {
        r#"<cib_command t="cib" cib_op="cib_query" cib_section="nodes" cib_callid="1" cib_callopt="4096"/>"#
    };
    let mut failed = 0;
    for i in 1..=n {
        let ok = Client::connect(&service).is_ok_and(|mut c| {
            c.request(request, Some(Duration::from_secs(5)))
                .is_ok_and(|m| !m.text.is_empty())
        });
        if !ok {
            failed += 1;
        }
        if i % (n / 10).max(1) == 0 {
            println!("cycle {i} rss {} fds {}", rss_kb(), fds());
        }
    }
    println!("failed {failed}");
    std::process::exit(i32::from(failed != 0));
}
