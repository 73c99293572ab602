//! Pacemaker's own libcrmcommon, when the process around this library has it: a Pacemaker tool
//! or daemon that preloads this library (`LD_PRELOAD`) or was linked with it ahead of
//! `-lcrmcommon`. Then what this library hands to such code must be what libcrmcommon itself
//! would have handed over, and the process-wide names it reads must be libcrmcommon's:
//!
//! - XML trees are parsed and freed with libcrmcommon's `pcmk__xml_parse` / `pcmk__xml_free`
//!   (Pacemaker 3.0 keeps private data on every node, which its XML functions dereference);
//! - `crm_system_name` (which callers such as sbd assign) names the sender of requests, and
//!   `pcmk__is_daemon` chooses how attribute updates are batched;
//! - messages go through libqb's logging, where libcrmcommon's own messages go (the log file,
//!   stderr or syslog as the program configured them).
//!
//! Everything is looked up by name at run time (`dlsym` on the process's global scope), so a
//! program that never loads libcrmcommon sees none of it: plain libxml2 trees, "client" as the
//! sender, the library's own log sink. Only functions are called and only the two globals read;
//! no structure of libcrmcommon is assumed, except one documented check in
//! `attribute_is_deleted`.

use std::ffi::{c_char, c_void, CStr};
use std::sync::OnceLock;

/// `xmlNode *pcmk__xml_parse(const char *input)`.
type XmlParse = unsafe extern "C" fn(*const c_char) -> *mut c_void;
/// `void pcmk__xml_free(xmlNode *xml)`.
type XmlFree = unsafe extern "C" fn(*mut c_void);
/// libqb's `qb_log_callsite_get(function, filename, format, priority, lineno, tags)`: the
/// callsite (`struct qb_log_callsite *`) of a log message, registered on first use.
type QbCallsiteGet =
    unsafe extern "C" fn(*const c_char, *const c_char, *const c_char, u8, u32, u32) -> *mut c_void;
/// libqb's `qb_log_real_(callsite, ...)`: log at a callsite with its format's arguments.
type QbLogReal = unsafe extern "C" fn(*mut c_void, ...);

/// libqb's logging (`qb/qblog.h`), as libcrmcommon's own messages use it.
#[derive(Clone, Copy)]
pub(crate) struct QbLog {
    pub(crate) callsite_get: QbCallsiteGet,
    pub(crate) log: QbLogReal,
}

/// libcrmcommon's XML functions (Pacemaker 3.0 and later).
#[derive(Clone, Copy)]
pub(crate) struct Xml {
    pub(crate) parse: XmlParse,
    pub(crate) free: XmlFree,
}

struct Symbols {
    xml: Option<Xml>,
    /// `&crm_system_name` (a `char *` that callers may change at any time).
    system_name: *const *const c_char,
    /// `&pcmk__is_daemon` (a `bool`).
    is_daemon: *const bool,
    /// `&crm_log_level` (an `unsigned int`).
    log_level: *const u32,
    /// Set when libcrmcommon is there to have configured libqb's logging.
    qb_log: Option<QbLog>,
}

// SAFETY: the pointers are addresses of a loaded library's functions and globals, valid for
// the life of the process (Pacemaker never unloads libcrmcommon); reading them is done with
// the care each use documents.
unsafe impl Send for Symbols {}
// SAFETY: as above.
unsafe impl Sync for Symbols {}

/// The address of a symbol in the process's global scope; `name` ends with its NUL.
fn lookup(name: &[u8]) -> *mut c_void {
    debug_assert_eq!(name.last(), Some(&0));
    // SAFETY: dlsym with the process's default scope and a NUL-terminated name.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr().cast()) }
}

fn symbols() -> &'static Symbols {
    static SYMBOLS: OnceLock<Symbols> = OnceLock::new();
    SYMBOLS.get_or_init(|| {
        let parse = lookup(b"pcmk__xml_parse\0");
        let free = lookup(b"pcmk__xml_free\0");
        let system_name = lookup(b"crm_system_name\0")
            .cast::<*const c_char>()
            .cast_const();
        let xml = (!parse.is_null() && !free.is_null()).then(|| Xml {
            // SAFETY: libcrmcommon's functions of these signatures (Pacemaker 3.0's
            // include/crm/common/xml_internal.h); the names are Pacemaker's alone.
            parse: unsafe { std::mem::transmute::<*mut c_void, XmlParse>(parse) },
            // SAFETY: as above.
            free: unsafe { std::mem::transmute::<*mut c_void, XmlFree>(free) },
        });
        let get = lookup(b"qb_log_callsite_get\0");
        let real = lookup(b"qb_log_real_\0");
        let qb_log = (!system_name.is_null() && !get.is_null() && !real.is_null()).then(|| QbLog {
            // SAFETY: libqb's functions of these signatures (qb/qblog.h, libqb 1.0 and later).
            callsite_get: unsafe { std::mem::transmute::<*mut c_void, QbCallsiteGet>(get) },
            // SAFETY: as above.
            log: unsafe { std::mem::transmute::<*mut c_void, QbLogReal>(real) },
        });
        Symbols {
            xml,
            system_name,
            is_daemon: lookup(b"pcmk__is_daemon\0").cast::<bool>().cast_const(),
            log_level: lookup(b"crm_log_level\0").cast::<u32>().cast_const(),
            qb_log,
        }
    })
}

/// libcrmcommon's XML functions, if the process has libcrmcommon 3.0 or later.
pub(crate) fn xml() -> Option<Xml> {
    symbols().xml
}

/// libcrmcommon's `crm_system_name` as it is now (`None` when unset or without libcrmcommon).
pub fn system_name() -> Option<String> {
    let p = symbols().system_name;
    if p.is_null() {
        return None;
    }
    // SAFETY: the address of libcrmcommon's `char *crm_system_name`; Pacemaker programs are
    // single-threaded where they change it, and a non-NULL value is a C string.
    let name = unsafe { p.read_volatile() };
    // SAFETY: as above.
    (!name.is_null()).then(|| {
        unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned()
    })
}

/// libcrmcommon's `pcmk__is_daemon` (false without libcrmcommon).
pub fn is_daemon() -> bool {
    let p = symbols().is_daemon;
    // SAFETY: the address of libcrmcommon's `bool pcmk__is_daemon`.
    !p.is_null() && unsafe { p.read_volatile() }
}

/// libcrmcommon's `crm_log_level` (`None` without libcrmcommon).
pub fn log_level() -> Option<u32> {
    let p = symbols().log_level;
    // SAFETY: the address of libcrmcommon's `unsigned int crm_log_level`.
    (!p.is_null()).then(|| unsafe { p.read_volatile() })
}

/// libqb's logging, when libcrmcommon (which configures it) is in the process.
pub(crate) fn qb_log() -> Option<QbLog> {
    symbols().qb_log
}

/// Pacemaker 3.0's mark on the private data of every node of its trees
/// (`PCMK__XML_NODE_PRIVATE_MAGIC`, `lib/common/crmcommon_private.h`).
const NODE_PRIVATE_MAGIC: u32 = 0x5463_7281;
/// `pcmk__xf_deleted` in the flags that follow it.
const FLAG_DELETED: u32 = 0x0002;

/// Whether an attribute of a caller's tree is one Pacemaker 3.0 keeps only to track a change
/// and never writes out (`pcmk__dump_xml_attr` skips attributes flagged deleted). `private` is
/// the attribute's `_private` pointer. Pacemaker 3.0 allocates it as two `uint32_t`, the magic
/// number and the flags; anything without that magic number (NULL, plain libxml2 trees,
/// Pacemaker 2.1's different private data) is an ordinary attribute.
///
/// # Safety
/// `private` is NULL or the `_private` pointer of a live attribute: when it carries the magic
/// number it points to at least 8 readable bytes. Checked only in a process with libcrmcommon
/// 3.0, whose trees are the ones with private data.
pub(crate) unsafe fn attribute_is_deleted(private: *const c_void) -> bool {
    if private.is_null() || private as usize % 4 != 0 || xml().is_none() {
        return false;
    }
    let words = private.cast::<u32>();
    // SAFETY: see above; in such a process an attribute's private data is libcrmcommon's.
    unsafe { words.read() == NODE_PRIVATE_MAGIC && words.add(1).read() & FLAG_DELETED != 0 }
}
