//! A server that truncates (or cannot back, /dev/shm being full) a ring file it shares with us
//! turns every later access to those pages into SIGBUS, which kills a libqb client (libqb issue
//! 307). This guard keeps the process alive: the library registers the address ranges of its
//! shared mappings; a SIGBUS inside one of them puts a private page of zeros where the file's
//! page was, marks the mapping as hit, and lets the access go on. The connection that owns the
//! mapping then sees the mark and reports itself disconnected; the zeros it may have read are
//! thrown away (and any word it checks is refused first: a chunk of zeros is not committed).
//!
//! The handler is installed at the first registration (the first shared-memory connection), and
//! chains to whatever the process had before for any SIGBUS that is not in a registered range
//! (the default action included: such a fault kills the process as it always did). A program
//! that installs a SIGBUS handler of its own afterwards replaces this one; truncated rings then
//! kill it as they kill a libqb client. What the handler does is async-signal-safe: atomics and
//! one `mmap`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

/// How many ranges can be guarded at once (six per shared-memory connection).
const SLOTS: usize = 1536;

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicUsize = AtomicUsize::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const CLEAR: AtomicBool = AtomicBool::new(false);
/// Start of each guarded range (0: a free slot), its end, and whether it was hit.
static STARTS: [AtomicUsize; SLOTS] = [ZERO; SLOTS];
static ENDS: [AtomicUsize; SLOTS] = [ZERO; SLOTS];
static HITS: [AtomicBool; SLOTS] = [CLEAR; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();
/// The disposition the process had before (read by the handler only after it was stored).
static mut PREVIOUS: Option<libc::sigaction> = None;
static PREVIOUS_SET: AtomicBool = AtomicBool::new(false);

/// One guarded range, released on drop.
#[derive(Debug)]
pub struct Guard {
    slot: Option<usize>,
}

impl Guard {
    /// Guard `[base, base + len)`. Without a free slot the range is simply not guarded (as with
    /// libqb: a truncated file is then fatal).
    pub fn register(base: *const u8, len: usize) -> Guard {
        INSTALL.call_once(install);
        let start = base as usize;
        for slot in 0..SLOTS {
            if STARTS[slot].load(Ordering::Relaxed) != 0 {
                continue;
            }
            // claim the slot with its end first (a reader sees a start only with its end)
            if ENDS[slot]
                .compare_exchange(0, start + len, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            HITS[slot].store(false, Ordering::Relaxed);
            STARTS[slot].store(start, Ordering::Release);
            return Guard { slot: Some(slot) };
        }
        Guard { slot: None }
    }

    /// Whether a SIGBUS has hit the range since it was registered.
    pub fn hit(&self) -> bool {
        self.slot.is_some_and(|s| HITS[s].load(Ordering::Acquire))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            STARTS[slot].store(0, Ordering::Release);
            ENDS[slot].store(0, Ordering::Release);
        }
    }
}

fn install() {
    // SAFETY: sysconf, and sigaction with a handler of the right signature; PREVIOUS is written
    // once, here, before the handler can run (the handler is installed after).
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        let mut old: libc::sigaction = std::mem::zeroed();
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = on_sigbus as *const () as usize;
        new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut new.sa_mask);
        if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut old) != 0 {
            return;
        }
        PREVIOUS = Some(old);
        PREVIOUS_SET.store(true, Ordering::Release);
        libc::sigaction(libc::SIGBUS, &new, std::ptr::null_mut());
    }
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel's siginfo for this signal.
    let addr = unsafe { info.as_ref() }.map_or(0, |i| unsafe { i.si_addr() } as usize);
    if addr != 0 {
        for slot in 0..SLOTS {
            let start = STARTS[slot].load(Ordering::Acquire);
            if start == 0 || addr < start || addr >= ENDS[slot].load(Ordering::Acquire) {
                continue;
            }
            let page = addr & !(PAGE.load(Ordering::Relaxed) - 1);
            // SAFETY: replaces one page of a mapping this library made and owns (it is in a
            // registered range) with private zeros; the mapping is unmapped as a whole later.
            let p = unsafe {
                libc::mmap(
                    page as *mut libc::c_void,
                    PAGE.load(Ordering::Relaxed),
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                HITS[slot].store(true, Ordering::Release);
                return;
            }
            break;
        }
    }
    // not ours: what the process had before
    if !PREVIOUS_SET.load(Ordering::Acquire) {
        return;
    }
    // SAFETY: PREVIOUS was written before the handler was installed and is never written again.
    let prev = unsafe { *std::ptr::addr_of!(PREVIOUS) };
    let Some(prev) = prev else { return };
    let h = prev.sa_sigaction;
    if h == libc::SIG_DFL || h == libc::SIG_IGN {
        // put it back and return: the faulting access runs again and the default action (a
        // hardware fault cannot be ignored) ends the process, as without this guard
        // SAFETY: restoring the saved disposition.
        unsafe { libc::sigaction(libc::SIGBUS, &prev, std::ptr::null_mut()) };
    } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the process's own three-argument handler.
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(h) };
        f(sig, info, ctx);
    } else {
        // SAFETY: the process's own one-argument handler.
        let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(h) };
        f(sig);
    }
}
