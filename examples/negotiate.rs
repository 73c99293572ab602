//! Connect to every Pacemaker daemon's IPC service and print what was negotiated.
//!
//! `cargo run --example negotiate` on a node where Pacemaker runs (scripts/demo starts one).

use pcmk_ipc_rs::client::{daemon_user, Authenticity, DAEMON_SERVICES};
use pcmk_ipc_rs::qb::{ConnectOptions, Connection};

fn main() {
    let services = DAEMON_SERVICES;
    let (uid, gid) = daemon_user().unwrap_or((u32::MAX, u32::MAX));
    let mut failed = 0;
    println!(
        "{:<11} {:<14} {:>9} {:>8} {:>6} {:>6}  check",
        "service", "transport", "max size", "pid", "uid", "gid"
    );
    for service in services {
        match Connection::connect(service, &ConnectOptions::default()) {
            Ok(conn) => {
                let cred = conn.server_credentials().unwrap_or_default();
                let check = match Authenticity::judge(cred, uid, gid) {
                    Authenticity::Authentic(_) => "authentic",
                    Authenticity::Unauthorized(_) => "NOT AUTHENTIC",
                };
                println!(
                    "{:<11} {:<14} {:>9} {:>8} {:>6} {:>6}  {check}",
                    service,
                    format!("{:?}", conn.transport()),
                    conn.max_msg_size(),
                    cred.pid,
                    cred.uid,
                    cred.gid
                );
            }
            Err(e) => {
                failed += 1;
                println!("{service:<11} failed: {e}");
            }
        }
    }
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
