//! Diagnostics where Pacemaker users expect them, and nowhere else: never on stdout.
//!
//! In a process with Pacemaker's libcrmcommon (a Pacemaker tool or daemon running on this
//! library), messages go through libqb's logging exactly as libcrmcommon's own do: each message
//! site is a libqb callsite with the name of the Pacemaker function whose message it mirrors,
//! filtered and formatted by what the program configured (its log file, stderr with `-V`,
//! syslog, the blackbox). Elsewhere they go to the file named by `PCMK_logfile` (appended) and,
//! when `PCMK_stderr` is true, to stderr; debug messages only when `PCMK_debug` is true (or
//! names this program). Without any of these the library is quiet.

use std::ffi::c_void;
use std::io::Write;
use std::sync::atomic::{AtomicPtr, Ordering};
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

impl Level {
    /// The syslog priority.
    fn priority(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warning => 4,
            Level::Notice => 5,
            Level::Info => 6,
            Level::Debug => 7,
        }
    }
}

/// One place that logs: its level, the Pacemaker function whose message it mirrors (with a
/// NUL), its line, and its libqb callsite once registered.
pub struct Site {
    level: Level,
    function: &'static str,
    line: u32,
    callsite: AtomicPtr<c_void>,
}

/// Where `targets` lies in libqb's `struct qb_log_callsite` (`qb/qblog.h`: three pointers, a
/// `uint8_t` priority, a `uint32_t` line, then the `uint32_t` target bits).
const CALLSITE_TARGETS_OFFSET: usize = 32;

impl Site {
    /// A site (for [`log!`]).
    pub const fn new(level: Level, function: &'static str, line: u32) -> Site {
        Site {
            level,
            function,
            line,
            callsite: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    // byte strings, not c"" literals: cbindgen 0.24 (the header's generator) cannot parse those
    #[allow(clippy::manual_c_str_literals)]
    fn qb_callsite(&self, qb: crate::crmcommon::QbLog) -> *mut c_void {
        let cs = self.callsite.load(Ordering::Acquire);
        if !cs.is_null() {
            return cs;
        }
        // SAFETY: libqb's registration of a callsite; the strings are static and end with NUL
        // (the message is passed through "%s").
        let cs = unsafe {
            (qb.callsite_get)(
                self.function.as_ptr().cast(),
                b"pcmk-ipc-rs\0".as_ptr().cast(),
                b"%s\0".as_ptr().cast(),
                self.level.priority(),
                self.line,
                0,
            )
        };
        self.callsite.store(cs, Ordering::Release);
        cs
    }

    /// Whether this site's message would be written anywhere now.
    pub fn enabled(&self) -> bool {
        match crate::crmcommon::qb_log() {
            Some(qb) => {
                let cs = self.qb_callsite(qb);
                // SAFETY: a callsite libqb returned lives for the process; its target bits are
                // a uint32_t at this offset of the public structure, which filters rewrite.
                !cs.is_null()
                    && unsafe {
                        cs.cast::<u8>()
                            .add(CALLSITE_TARGETS_OFFSET)
                            .cast::<u32>()
                            .read_volatile()
                    } != 0
            }
            None => enabled(self.level),
        }
    }

    /// Write this site's message.
    pub fn write(&self, args: std::fmt::Arguments<'_>) {
        match crate::crmcommon::qb_log() {
            Some(qb) => {
                let cs = self.qb_callsite(qb);
                if cs.is_null() {
                    return;
                }
                let text =
                    std::ffi::CString::new(args.to_string().replace('\0', " ")).unwrap_or_default();
                // SAFETY: the callsite's format is "%s" and the one argument a C string.
                unsafe { (qb.log)(cs, text.as_ptr()) };
            }
            None => write(self.level, args),
        }
    }
}

/// Whether a message of this level would be written to the library's own sink.
fn enabled(level: Level) -> bool {
    let s = sink();
    (s.file.is_some() || s.stderr) && (level < Level::Debug || s.debug)
}

/// Write one message to the library's own sink.
fn write(level: Level, args: std::fmt::Arguments<'_>) {
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

/// Log a message: `log!(Level::Warning, "crm_ipc_send", "format {}", args)`, where the second
/// argument names the Pacemaker function whose message this is (libqb shows it).
macro_rules! log {
    ($level:expr, $function:literal, $($arg:tt)*) => {{
        static SITE: $crate::client::log::Site =
            $crate::client::log::Site::new($level, concat!($function, "\0"), line!());
        if SITE.enabled() {
            SITE.write(format_args!($($arg)*));
        }
    }};
}
pub(crate) use log;
