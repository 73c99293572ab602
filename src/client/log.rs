//! Diagnostics where Pacemaker users expect them, and nowhere else: never on stdout.
//!
//! Messages go to the file named by `PCMK_logfile` (appended) and, when `PCMK_stderr` is true,
//! to stderr. Debug messages only when `PCMK_debug` is true (or names this program). Without
//! any of these the library is quiet.

use std::io::Write;
use std::sync::OnceLock;

/// Severity, as syslog names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed.
    Error,
    /// Something looks wrong.
    Warning,
    /// Worth knowing.
    Notice,
    /// Normal operation.
    Info,
    /// Details for debugging.
    Debug,
}

struct Sink {
    file: Option<parking_lot::Mutex<std::fs::File>>,
    stderr: bool,
    debug: bool,
    program: String,
}

fn truthy(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "1" | "yes" | "y" | "true" | "on"
    )
}

fn sink() -> &'static Sink {
    static SINK: OnceLock<Sink> = OnceLock::new();
    SINK.get_or_init(|| {
        let env = |n: &str| {
            std::env::var(format!("PCMK_{n}"))
                .or_else(|_| std::env::var(format!("HA_{n}")))
                .ok()
        };
        let program = std::env::args_os()
            .next()
            .map(|a| a.to_string_lossy().into_owned())
            .and_then(|a| a.rsplit('/').next().map(str::to_owned))
            .unwrap_or_else(|| "pcmk-ipc-rs".into());
        let file = env("logfile")
            .filter(|f| !f.is_empty() && f != "none" && f != "/dev/null")
            .and_then(|f| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(f)
                    .ok()
            })
            .map(parking_lot::Mutex::new);
        let debug =
            env("debug").is_some_and(|v| truthy(&v) || v.split(',').any(|p| p.trim() == program));
        Sink {
            file,
            stderr: env("stderr").is_some_and(|v| truthy(&v)),
            debug,
            program,
        }
    })
}

/// Whether a message of this level would be written anywhere.
pub fn enabled(level: Level) -> bool {
    let s = sink();
    (s.file.is_some() || s.stderr) && (level < Level::Debug || s.debug)
}

/// Write one message.
pub fn write(level: Level, args: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let s = sink();
    let tag = match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Notice => "notice",
        Level::Info => "info",
        Level::Debug => "debug",
    };
    let line = format!(
        "{} [{}] pcmk-ipc-rs {tag}: {args}\n",
        s.program,
        std::process::id()
    );
    if let Some(f) = &s.file {
        let _ = f.lock().write_all(line.as_bytes());
    }
    if s.stderr {
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

/// Log a message: `log!(Level::Warning, "format {}", args)`.
macro_rules! log {
    ($level:expr, $($arg:tt)*) => {
        if $crate::client::log::enabled($level) {
            $crate::client::log::write($level, format_args!($($arg)*));
        }
    };
}
pub(crate) use log;
