//! Which header layout a daemon reads ([`Layout`]: Pacemaker 2.1 and 3.0.0 compressed, 3.0.1
//! and later multipart), known before the first exchange that needs it. The decision and its
//! evidence are in `docs/wire-layouts.md`; in short:
//!
//! - every message a daemon sends says its layout (where its version byte is): a connection
//!   learns its layout from the first message it receives, and the process remembers it for
//!   that server process;
//! - a request without flags that fits one buffer is written so that every release reads it
//!   alike (a 3.0.0 header with flags 0 is also a valid 3.0.1 header): it needs no knowledge;
//! - any other request (one that asks for a reply, or a large one) needs the layout before it is
//!   sent, because each release misreads the other's: then, if the server process is not known
//!   yet, the node is asked — pacemakerd (or, on a Pacemaker Remote node, the controller through
//!   the remote proxy) answers a flagless ping with an event in its layout, which all the node's
//!   daemons share; the answer is kept for the other processes of the node in
//!   `/run/pcmk-ipc-rs/node-layout` (root's, trusted only if only root can write it, and only
//!   while the daemon asked is the same process), so that a tool pays for the question only after
//!   the cluster stack restarted;
//! - `PCMK_IPC_RS_WIRE` (`auto`, `compressed` or `2.1`/`3.0.0`, `multipart` or `3.0.1`) and
//!   [`super::Client::connect_with_layout`] override all this.
//!
//! The probe itself is [`super::probe_layout`] (in `ipc`: it is a connection of its own).

use super::log::{log, Level};
use crate::wire::Layout;
use parking_lot::Mutex;
use std::sync::OnceLock;

/// How a connection chooses its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// From the daemon (see the module's documentation).
    Auto,
    /// This one, whatever the daemon sends.
    Fixed(Layout),
}

/// The process-wide choice: `PCMK_IPC_RS_WIRE`, read once (unknown values mean `auto`, with a
/// warning in the log).
pub fn env_choice() -> Choice {
    static CHOICE: OnceLock<Choice> = OnceLock::new();
    *CHOICE.get_or_init(|| {
        let Ok(v) = std::env::var("PCMK_IPC_RS_WIRE") else {
            return Choice::Auto;
        };
        match v.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Choice::Auto,
            "compressed" | "2.1" | "3.0.0" => Choice::Fixed(Layout::Compressed),
            "multipart" | "3.0.1" => Choice::Fixed(Layout::Multipart),
            other => {
                log!(
                    Level::Warning,
                    "pcmk-ipc-rs",
                    "PCMK_IPC_RS_WIRE={other} is not auto, compressed (2.1, 3.0.0) or multipart (3.0.1): using auto"
                );
                Choice::Auto
            }
        }
    })
}

/// A process, told apart from a later one with the same pid by its start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Process {
    pid: i32,
    start: u64,
}

impl Process {
    /// The process `pid` as this process sees it (`None` when it is not visible: another pid
    /// namespace, no `/proc`).
    pub fn of(pid: i32) -> Option<Process> {
        if pid <= 0 {
            return None;
        }
        // one read: the line is far shorter than the buffer (read_to_string would read it 32
        // bytes at a time, on every connect)
        use std::io::Read;
        let mut buf = [0u8; 1024];
        let n = std::fs::File::open(format!("/proc/{pid}/stat"))
            .ok()?
            .read(&mut buf)
            .ok()?;
        let stat = std::str::from_utf8(&buf[..n]).ok()?;
        // the command name (field 2) is in parentheses and may hold spaces: count after it
        let rest = &stat[stat.rfind(')')? + 1..];
        let start = rest.split_whitespace().nth(19)?.parse().ok()?;
        Some(Process { pid, start })
    }

    /// Whether the process still runs (the same one: same start time).
    fn alive(&self) -> bool {
        Process::of(self.pid) == Some(*self)
    }
}

/// Server processes whose layout a message of theirs showed (bounded: old entries go when it is
/// full). A plain list: it stays short, and it holds its allocation by its start, so that
/// memcheck counts it as reachable at exit (a hash table's pointer into its middle reads as
/// "possibly lost" in every program that loads us).
static SEEN: Mutex<Vec<(Process, Layout)>> = Mutex::new(Vec::new());
const SEEN_MAX: usize = 256;
/// The node's layout, as the daemon asked showed it, and that daemon.
static NODE: Mutex<Option<(Process, Layout)>> = Mutex::new(None);

/// A message from `server` showed its layout.
pub fn learned(server: Option<Process>, layout: Layout) {
    let Some(p) = server else { return };
    let mut seen = SEEN.lock();
    if let Some(e) = seen.iter_mut().find(|(q, _)| *q == p) {
        e.1 = layout;
        return;
    }
    if seen.len() >= SEEN_MAX {
        seen.retain(|(q, _)| q.alive());
        if seen.len() >= SEEN_MAX {
            seen.clear();
        }
    }
    seen.push((p, layout));
}

/// The layout of `server`, if a message of its showed it, or of its node, if the daemon asked is
/// still the same process.
pub fn known(server: Option<Process>) -> Option<Layout> {
    if let Some(p) = server {
        if let Some(&(_, l)) = SEEN.lock().iter().find(|(q, _)| *q == p) {
            return Some(l);
        }
    }
    let node = *NODE.lock();
    match node {
        Some((p, l)) if p.alive() => Some(l),
        _ => None,
    }
}

/// Where the node's answer is kept for its other processes.
const NODE_FILE: &str = "/run/pcmk-ipc-rs/node-layout";

/// The node's answer as another process of the node kept it: "pid start layout", from a file
/// only root can have written, for a daemon that is still the same process.
fn from_node_file() -> Option<(Process, Layout)> {
    use std::os::unix::fs::MetadataExt;
    let dir = std::fs::symlink_metadata("/run/pcmk-ipc-rs").ok()?;
    let file = std::fs::symlink_metadata(NODE_FILE).ok()?;
    let trusted = |m: &std::fs::Metadata| m.uid() == 0 && m.mode() & 0o022 == 0;
    if !dir.is_dir() || !file.is_file() || !trusted(&dir) || !trusted(&file) {
        return None;
    }
    let text = std::fs::read_to_string(NODE_FILE).ok()?;
    let mut words = text.split_whitespace();
    let p = Process {
        pid: words.next()?.parse().ok()?,
        start: words.next()?.parse().ok()?,
    };
    let layout = match words.next()? {
        "compressed" => Layout::Compressed,
        "multipart" => Layout::Multipart,
        _ => return None,
    };
    p.alive().then_some((p, layout))
}

/// Keep the node's answer for its other processes (as root only; any failure is ignored).
fn to_node_file(p: Process, layout: Layout) {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let _ = std::fs::DirBuilder::new()
        .mode(0o755)
        .create("/run/pcmk-ipc-rs");
    let name = match layout {
        Layout::Compressed => "compressed",
        Layout::Multipart => "multipart",
    };
    let tmp = format!("{NODE_FILE}.{}", std::process::id());
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&tmp)
        .and_then(|mut f| writeln!(f, "{} {} {name}", p.pid, p.start));
    if written.is_err() || std::fs::rename(&tmp, NODE_FILE).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// An answer to the node probe that another process of the node kept, for the same daemon
/// process (then also this process's answer).
pub(crate) fn node_answer_kept() -> Option<Layout> {
    let (p, layout) = from_node_file()?;
    *NODE.lock() = Some((p, layout));
    Some(layout)
}

/// The node probe's answer from `p`: kept for this process and the node's others.
pub(crate) fn node_answered(p: Process, layout: Layout) {
    *NODE.lock() = Some((p, layout));
    to_node_file(p, layout);
}
