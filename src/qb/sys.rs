//! The small unsafe core of the transport: shared mappings, process-shared semaphores, unix
//! sockets with credentials, and `poll`. Everything above this module is safe Rust.
//!
//! Files, socket set-up, socket options and process checks go through rustix (checked
//! wrappers). By hand remain what no crate does: glibc's process-shared semaphore
//! protocol (the futex word a libqb server shares with us, [`Semaphore`]), the double-mapped ring
//! ([`SharedMap::map_twice`]), the SIGBUS guard (`sigbus.rs`), and the two calls that read a
//! peer's credentials, `SO_PEERCRED` and `recvmsg` with `SCM_CREDENTIALS` (see [`peer_cred`]).
//! `poll`, `sendmsg` and `recv`, the hot path, are rustix's too.

use super::error::{Error, Result};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `sizeof(struct sockaddr_un)` on Linux: libqb binds and connects abstract names with this length.
pub const SOCKADDR_UN_LEN: libc::socklen_t =
    std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;

/// A point in time after which a wait gives up; `None` waits forever.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// A deadline `timeout` from now (`None`: never).
    pub fn after(timeout: Option<Duration>) -> Deadline {
        Deadline(timeout.map(|t| Instant::now() + t))
    }

    /// The deadline `at` (`None`: never).
    pub fn at(at: Option<Instant>) -> Deadline {
        Deadline(at)
    }

    /// Whether there is a limit at all.
    pub fn is_limited(&self) -> bool {
        self.0.is_some()
    }

    /// The time left, `None` for no deadline, zero once passed.
    pub fn remaining(&self) -> Option<Duration> {
        self.0.map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        matches!(self.remaining(), Some(d) if d.is_zero())
    }

    /// The time left, but at most `slice`.
    pub fn slice(&self, slice: Duration) -> Duration {
        self.remaining().map_or(slice, |r| r.min(slice))
    }
}

fn cvt(ret: libc::c_int, context: &'static str) -> Result<libc::c_int> {
    if ret < 0 {
        Err(Error::last_os(context))
    } else {
        Ok(ret)
    }
}

/// A rustix result as the transport's, naming the step.
fn rx<T>(r: rustix::io::Result<T>, context: &'static str) -> Result<T> {
    r.map_err(|e| Error::new(e.raw_os_error(), context))
}

/// `poll` until an event on one of `fds` or the deadline; `EINTR` (and an early wake-up) is
/// retried. The events are in each entry's `revents` (all 0 when the deadline passed).
fn poll_until(fds: &mut [libc::pollfd], deadline: Deadline) -> Result<()> {
    use rustix::event::{PollFd, PollFlags, Timespec};
    loop {
        let left = deadline.remaining().map(|d| Timespec {
            tv_sec: d.as_secs() as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        });
        let one = |p: &libc::pollfd| {
            // SAFETY: the caller's descriptors, borrowed for the call only (a closed one
            // reports POLLNVAL).
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(p.fd) };
            PollFd::from_borrowed_fd(fd, PollFlags::from_bits_retain(p.events as _))
        };
        // one or two descriptors: on the stack (this is the hot path)
        let mut both;
        let mut single;
        let polled: &mut [PollFd<'_>] = match fds {
            [a] => {
                single = [one(a)];
                &mut single
            }
            [a, b] => {
                both = [one(a), one(b)];
                &mut both
            }
            _ => {
                return Err(Error::new(
                    libc::EINVAL,
                    "poll of more than two descriptors",
                ))
            }
        };
        match rustix::event::poll(polled, left.as_ref()) {
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Error::new(e.raw_os_error(), "poll")),
            Ok(n) => {
                for (p, q) in fds.iter_mut().zip(polled.iter()) {
                    p.revents = q.revents().bits() as libc::c_short;
                }
                if n == 0 && !deadline.passed() && left.is_some() {
                    continue;
                }
                return Ok(());
            }
        }
    }
}

/// `poll` one descriptor until an event or the deadline. Returns `revents` (0 when the
/// deadline passed first).
pub fn poll_fd(fd: RawFd, events: libc::c_short, deadline: Deadline) -> Result<libc::c_short> {
    let mut p = [libc::pollfd {
        fd,
        events,
        revents: 0,
    }];
    poll_until(&mut p, deadline)?;
    Ok(p[0].revents)
}

/// Whether `revents` reports a hang-up or an error.
pub fn hung_up(revents: libc::c_short) -> bool {
    revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Whether a path a server named in the handshake may be opened (and, after a dead server,
/// removed). On Linux, libqb 2.x servers make every connection's files in a directory of their
/// own, `/dev/shm/qb-<server pid>-<client pid>-<fd>-XXXXXX/qb-<ring or control>-<service>…`, with
/// filesystem sockets too. libqb's client opens and later unlinks whatever path it is sent; we
/// accept only that form: an absolute, plain path (no `.`, `..` or empty part), a file named
/// `qb-*` in a real directory (not a symlink) named `qb-*` directly under /dev/shm. Anything else
/// is `EBADMSG`.
pub fn check_server_path(path: &Path) -> Result<()> {
    let bad = |why| Err(Error::new(libc::EBADMSG, why));
    let bytes = path.as_os_str().as_encoded_bytes();
    if !bytes.starts_with(b"/")
        || bytes[1..]
            .split(|&b| b == b'/')
            .any(|part| part.is_empty() || part == b"." || part == b"..")
    {
        return bad("server's file path is not absolute and plain");
    }
    let named_qb =
        |p: Option<&std::ffi::OsStr>| p.is_some_and(|n| n.as_encoded_bytes().starts_with(b"qb-"));
    let dir = path.parent().unwrap_or(Path::new("/"));
    if !named_qb(path.file_name())
        || !named_qb(dir.file_name())
        || dir.parent() != Some(Path::new("/dev/shm"))
    {
        return bad("server's file is not /dev/shm/qb-*/qb-*");
    }
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_dir() => Ok(()),
        _ => bad("server's qb-* directory is not a directory"),
    }
}

/// Open a file read-write, close-on-exec, not through a symlink.
pub fn open_rw(path: &Path) -> Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDWR | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    rx(rustix::fs::open(path, flags, Mode::empty()), "open")
}

/// The size of an open file.
pub fn file_size(fd: &OwnedFd) -> Result<u64> {
    rx(rustix::fs::fstat(fd), "fstat").map(|st| st.st_size as u64)
}

/// Remove a file, ignoring a missing one.
pub fn unlink(path: &Path) {
    let _ = rustix::fs::unlink(path);
}

/// Remove an empty directory, ignoring failures.
pub fn rmdir(path: &Path) {
    let _ = rustix::fs::rmdir(path);
}

/// A shared, read-write mapping of a file: either once, or twice back to back (a ring's data,
/// so that a chunk that runs past the end can be used as one contiguous block).
pub struct SharedMap {
    base: *mut u8,
    file_len: usize,
    mapped_len: usize,
    /// The range guarded against SIGBUS (a file the server truncates).
    guard: Option<super::sigbus::Guard>,
    /// For the unit tests (also under Miri, which cannot map files): plain heap memory.
    #[cfg(test)]
    heap: Option<std::alloc::Layout>,
}

// SAFETY: the mapping is plain memory shared with another process; all access to the words that
// both sides change goes through atomics, and the owner of a SharedMap decides who writes what.
unsafe impl Send for SharedMap {}

impl SharedMap {
    /// Map `len` bytes of `fd` once.
    pub fn map(fd: &OwnedFd, len: usize) -> Result<SharedMap> {
        // SAFETY: a fresh shared mapping of an open file; checked for failure.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Error::last_os("mmap"));
        }
        Ok(SharedMap {
            base: p.cast(),
            file_len: len,
            mapped_len: len,
            guard: Some(super::sigbus::Guard::register(p.cast(), len)),
            #[cfg(test)]
            heap: None,
        })
    }

    /// Map `len` bytes of `fd` twice, back to back.
    pub fn map_twice(fd: &OwnedFd, len: usize) -> Result<SharedMap> {
        let total = len
            .checked_mul(2)
            .ok_or(Error::new(libc::EINVAL, "ring size"))?;
        // SAFETY: reserve an address range no one else uses; checked for failure.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Error::last_os("mmap reserve"));
        }
        let map = SharedMap {
            base: p.cast(),
            file_len: len,
            mapped_len: total,
            guard: Some(super::sigbus::Guard::register(p.cast(), total)),
            #[cfg(test)]
            heap: None,
        };
        for half in 0..2 {
            // SAFETY: MAP_FIXED inside the range reserved above, which this SharedMap owns.
            let q = unsafe {
                libc::mmap(
                    map.base.add(half * len).cast(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED | libc::MAP_FIXED,
                    fd.as_raw_fd(),
                    0,
                )
            };
            if q == libc::MAP_FAILED {
                return Err(Error::last_os("mmap ring"));
            }
        }
        Ok(map)
    }

    /// Whether a SIGBUS hit the mapping (the server truncated its file, or could not back a
    /// page of it): the page read as zeros since.
    pub fn hit(&self) -> bool {
        self.guard.as_ref().is_some_and(super::sigbus::Guard::hit)
    }

    /// The length of the file mapped (one copy).
    pub fn len(&self) -> usize {
        self.file_len
    }

    /// The 32-bit word at byte offset `off` (4-aligned, inside the first copy).
    pub fn word(&self, off: usize) -> &AtomicU32 {
        assert!(
            off % 4 == 0 && off + 4 <= self.file_len,
            "word offset out of the mapping"
        );
        // SAFETY: in bounds and aligned (the mapping is page-aligned); AtomicU32 has the layout
        // of u32 and tolerates concurrent access from the other process.
        unsafe { &*(self.base.add(off) as *const AtomicU32) }
    }

    /// A raw pointer to byte offset `off`.
    pub fn ptr(&self, off: usize) -> *mut u8 {
        assert!(off <= self.mapped_len, "offset out of the mapping");
        // SAFETY: in bounds of the mapping.
        unsafe { self.base.add(off) }
    }

    /// A view of `len` bytes at `off` (which may run into the second copy).
    ///
    /// The other process must not write these bytes while the view lives: for a ring, only
    /// committed chunks that the reader has not yet released are viewed.
    pub fn bytes(&self, off: usize, len: usize) -> &[u8] {
        assert!(
            off.checked_add(len)
                .is_some_and(|end| end <= self.mapped_len),
            "view out of the mapping"
        );
        // SAFETY: in bounds; see the contract above for the absence of concurrent writes.
        unsafe { std::slice::from_raw_parts(self.base.add(off), len) }
    }

    /// Copy `src` to byte offset `off` (which may run into the second copy).
    pub fn write(&self, off: usize, src: &[u8]) {
        assert!(
            off.checked_add(src.len())
                .is_some_and(|end| end <= self.mapped_len),
            "write out of the mapping"
        );
        // SAFETY: in bounds; the caller owns this region of the ring until it commits the chunk.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.base.add(off), src.len()) };
    }

    /// A NUL-terminated string stored in `[off, off + max)`.
    pub fn c_string(&self, off: usize, max: usize) -> Option<String> {
        let b = self.bytes(off, max);
        let end = b.iter().position(|&c| c == 0)?;
        String::from_utf8(b[..end].to_vec()).ok()
    }
}

#[cfg(test)]
impl SharedMap {
    /// `len` zeroed bytes of page-aligned heap memory, standing in for a mapping.
    pub fn heap(len: usize) -> SharedMap {
        let layout = std::alloc::Layout::from_size_align(len, 4096).unwrap();
        // SAFETY: a non-zero size (the tests ask for some).
        let base = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!base.is_null());
        SharedMap {
            base,
            file_len: len,
            mapped_len: len,
            guard: None,
            heap: Some(layout),
        }
    }
}

impl Drop for SharedMap {
    fn drop(&mut self) {
        #[cfg(test)]
        if let Some(layout) = self.heap {
            // SAFETY: allocated by `heap` with this layout.
            unsafe { std::alloc::dealloc(self.base, layout) };
            return;
        }
        // no longer guarded before it is gone (another mapping may take the addresses)
        drop(self.guard.take());
        // SAFETY: the whole range was mapped (or reserved) by this SharedMap.
        unsafe { libc::munmap(self.base.cast(), self.mapped_len) };
    }
}

/// A glibc process-shared POSIX semaphore that lives in a mapping the server shares with us.
///
/// It is worked here with glibc's own protocol (its 64-bit `sem_t`: the token count in the low
/// 32 bits of the first word, the number of waiters in the high 32, waits and wake-ups with
/// `futex` on the low half), not with glibc's `sem_*` functions: those trust every field of the
/// structure, and a server that writes something else there (a "private" flag, a waiter count)
/// makes glibc abort the client ("The futex facility returned an unexpected error code"; found
/// by the ring fuzz target). Here whatever the peer wrote is at worst a wrong count: a futex
/// error is an error, never an abort. The server's glibc sees the same protocol it uses itself.
pub struct Semaphore(*const AtomicU64);

#[cfg(not(all(target_pointer_width = "64", target_endian = "little")))]
compile_error!(
    "the shared semaphore is worked with glibc's layout for 64-bit little-endian targets"
);

// SAFETY: the word is only used through atomics and futex calls; the mapping outlives the
// Semaphore (the ring that holds both drops the semaphore first).
unsafe impl Send for Semaphore {}

const SEM_VALUE_MASK: u64 = 0xffff_ffff;
const SEM_ONE_WAITER: u64 = 1 << 32;
/// glibc's `SEM_VALUE_MAX` (`INT_MAX`).
const SEM_VALUE_MAX: u64 = i32::MAX as u64;
const FUTEX_WAIT_BITSET: libc::c_int = 9;
const FUTEX_WAKE: libc::c_int = 1;
const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;

impl Semaphore {
    /// The semaphore at byte offset `off` of `map`.
    ///
    /// # Safety
    /// `map` must outlive the returned value. (What is at that offset may be anything: a
    /// server's `sem_t` initialised with `pshared = 1`, or garbage.)
    pub unsafe fn at(map: &SharedMap, off: usize) -> Semaphore {
        assert!(off + 16 <= map.len() && off % 8 == 0);
        Semaphore(map.ptr(off).cast())
    }

    fn data(&self) -> &AtomicU64 {
        // SAFETY: 8-aligned (checked in `at`, the mapping is page-aligned), inside the mapping,
        // which outlives self; AtomicU64 tolerates the other process's concurrent access.
        unsafe { &*self.0 }
    }

    /// The futex word: the low half of the first word (this layout is little-endian's).
    fn futex_word(&self) -> *const u32 {
        self.0.cast()
    }

    /// Add a token, and wake a waiter if the count says there is one.
    pub fn post(&self) -> Result<()> {
        let data = self.data();
        let mut d = data.load(Ordering::Relaxed);
        loop {
            if d & SEM_VALUE_MASK >= SEM_VALUE_MAX {
                return Err(Error::new(libc::EOVERFLOW, "sem_post"));
            }
            match data.compare_exchange_weak(d, d + 1, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => d = now,
            }
        }
        if d >> 32 != 0 {
            // SAFETY: a futex call on a word of the shared mapping (not process-private).
            let r = unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    self.futex_word(),
                    FUTEX_WAKE,
                    1,
                    0usize,
                    0usize,
                    0u32,
                )
            };
            if r < 0 {
                return Err(Error::last_os("futex wake"));
            }
        }
        Ok(())
    }

    /// The number of tokens.
    pub fn value(&self) -> i32 {
        (self.data().load(Ordering::Relaxed) & SEM_VALUE_MASK).min(SEM_VALUE_MAX) as i32
    }

    /// Take a token if there is one.
    fn try_take(&self) -> bool {
        let data = self.data();
        let mut d = data.load(Ordering::Relaxed);
        loop {
            if d & SEM_VALUE_MASK == 0 {
                return false;
            }
            match data.compare_exchange_weak(d, d - 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(now) => d = now,
            }
        }
    }

    /// Take a token, waiting until the deadline. `Ok(false)` when none came in time.
    pub fn wait(&self, deadline: Deadline) -> Result<bool> {
        if self.try_take() {
            return Ok(true);
        }
        if deadline.passed() {
            return Ok(false);
        }
        let abs = deadline.remaining().map(|d| {
            let mut now = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: now is a valid out-pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
            let mut ns = now.tv_nsec as u128 + d.subsec_nanos() as u128;
            let s = (now.tv_sec as u128 + d.as_secs() as u128 + ns / 1_000_000_000)
                .min(libc::time_t::MAX as u128);
            ns %= 1_000_000_000;
            libc::timespec {
                tv_sec: s as libc::time_t,
                tv_nsec: ns as _,
            }
        });
        // as glibc's slow path: count ourselves among the waiters, sleep while there is no
        // token, and take one and leave the count in one step
        let data = self.data();
        data.fetch_add(SEM_ONE_WAITER, Ordering::Relaxed);
        let leave = |r: Result<bool>| {
            data.fetch_sub(SEM_ONE_WAITER, Ordering::Relaxed);
            r
        };
        loop {
            let d = data.load(Ordering::Relaxed);
            if d & SEM_VALUE_MASK != 0 {
                if data
                    .compare_exchange_weak(
                        d,
                        d.wrapping_sub(1 + SEM_ONE_WAITER),
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    )
                    .is_ok()
                {
                    return Ok(true);
                }
                continue;
            }
            let timeout = abs
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const libc::timespec);
            // SAFETY: a futex wait on a word of the shared mapping, with an absolute
            // CLOCK_MONOTONIC deadline (FUTEX_WAIT_BITSET without FUTEX_CLOCK_REALTIME).
            let r = unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    self.futex_word(),
                    FUTEX_WAIT_BITSET,
                    0u32,
                    timeout,
                    0usize,
                    FUTEX_BITSET_MATCH_ANY,
                )
            };
            if r < 0 {
                let e = Error::last_os("futex wait");
                match e.errno() {
                    // the count changed before we slept, or a signal: look again
                    libc::EAGAIN | libc::EINTR => {}
                    libc::ETIMEDOUT => return leave(Ok(false)),
                    _ => return leave(Err(e)),
                }
            }
        }
    }
}

/// A unix-domain socket address.
pub struct UnixAddr(rustix::net::SocketAddrUnix);

impl UnixAddr {
    /// An abstract name as libqb makes it: NUL, the name, zero padding, full struct length
    /// (the padding is part of the name the kernel matches).
    pub fn abstract_name(name: &[u8]) -> Result<UnixAddr> {
        // libqb keeps at most 106 characters after the leading NUL
        let room = SOCKADDR_UN_LEN as usize - std::mem::size_of::<libc::sa_family_t>() - 1;
        if name.len() > room - 1 || name.contains(&0) {
            return Err(Error::new(libc::EINVAL, "service name too long"));
        }
        let mut padded = vec![0u8; room];
        padded[..name.len()].copy_from_slice(name);
        rx(
            rustix::net::SocketAddrUnix::new_abstract_name(&padded),
            "abstract socket name",
        )
        .map(UnixAddr)
    }

    /// A filesystem path.
    pub fn path(path: &Path) -> Result<UnixAddr> {
        use std::os::unix::ffi::OsStrExt;
        let p = path.as_os_str().as_bytes();
        // room for the path and its NUL, as the kernel reads a filesystem address
        if p.len() >= SOCKADDR_UN_LEN as usize - std::mem::size_of::<libc::sa_family_t>()
            || p.contains(&0)
        {
            return Err(Error::new(libc::ENAMETOOLONG, "socket path too long"));
        }
        rx(rustix::net::SocketAddrUnix::new(path), "socket path").map(UnixAddr)
    }
}

/// A new non-blocking, close-on-exec unix socket (`stream`: a stream socket, else datagram).
pub fn unix_socket(stream: bool) -> Result<OwnedFd> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let kind = if stream {
        SocketType::STREAM
    } else {
        SocketType::DGRAM
    };
    rx(
        rustix::net::socket_with(
            AddressFamily::UNIX,
            kind,
            SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            None,
        ),
        "socket",
    )
}

/// `connect` (a unix-domain connect either completes or fails at once).
pub fn connect(fd: &OwnedFd, addr: &UnixAddr) -> Result<()> {
    rx(rustix::net::connect(fd, &addr.0), "connect")
}

/// `bind`.
pub fn bind(fd: &OwnedFd, addr: &UnixAddr) -> Result<()> {
    rx(rustix::net::bind(fd, &addr.0), "bind")
}

/// Whether the kernel attaches the sender's credentials to what this socket receives
/// (`SO_PASSCRED`).
pub fn pass_credentials(fd: &OwnedFd, on: bool) -> Result<()> {
    rx(
        rustix::net::sockopt::set_socket_passcred(fd, on),
        "setsockopt(SO_PASSCRED)",
    )
}

/// The socket's send and receive buffers: each at least `want` bytes if the kernel allows
/// (as libqb asks; the kernel reports its doubled value, compared as libqb compares it).
pub fn grow_buffers(fd: &OwnedFd, want: usize) -> Result<()> {
    use rustix::net::sockopt;
    if rx(
        sockopt::socket_send_buffer_size(fd),
        "getsockopt(SO_SNDBUF)",
    )? <= want
    {
        let _ = sockopt::set_socket_send_buffer_size(fd, want);
    }
    if rx(
        sockopt::socket_recv_buffer_size(fd),
        "getsockopt(SO_RCVBUF)",
    )? <= want
    {
        let _ = sockopt::set_socket_recv_buffer_size(fd, want);
    }
    Ok(())
}

/// The peer's process credentials as the kernel reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ucred {
    /// Process id (in the reader's pid namespace).
    pub pid: libc::pid_t,
    /// User id.
    pub uid: libc::uid_t,
    /// Group id.
    pub gid: libc::gid_t,
}

/// `SO_PEERCRED` of a connected unix socket. `EOPNOTSUPP` when the kernel answers with a
/// structure of another size. By hand: rustix reads the pid into a non-zero `Pid`, and the
/// kernel reports 0 for a peer outside this process's pid namespace.
pub fn peer_cred(fd: RawFd) -> Result<Ucred> {
    // SAFETY: all-zero is a valid ucred.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: cred/len are valid out-pointers of the right size; a bad fd gives EBADF.
    cvt(
        unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        },
        "getsockopt(SO_PEERCRED)",
    )?;
    if len as usize != std::mem::size_of::<libc::ucred>() {
        return Err(Error::new(libc::EOPNOTSUPP, "SO_PEERCRED size"));
    }
    Ok(Ucred {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
    })
}

/// Send all of `parts` as one stream write (continuing partial writes until the deadline), or
/// as one datagram. `EPIPE`/`ECONNRESET` become `ENOTCONN`.
pub fn send_parts(fd: &OwnedFd, parts: &[&[u8]], deadline: Deadline) -> Result<usize> {
    use rustix::net::{SendAncillaryBuffer, SendFlags};
    use std::io::IoSlice;
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut done = 0usize;
    loop {
        // the slices that remain after `done` bytes
        let mut skip = done;
        let iov: Vec<IoSlice<'_>> = parts
            .iter()
            .filter_map(|p| {
                if skip >= p.len() {
                    skip -= p.len();
                    return None;
                }
                let rest = IoSlice::new(&p[skip..]);
                skip = 0;
                Some(rest)
            })
            .collect();
        let sent = rustix::net::sendmsg(
            fd,
            &iov,
            &mut SendAncillaryBuffer::default(),
            SendFlags::NOSIGNAL,
        );
        let n = match sent {
            Ok(n) => n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::AGAIN) if done > 0 && !deadline.passed() => {
                let rev = poll_fd(
                    fd.as_raw_fd(),
                    libc::POLLOUT,
                    Deadline::after(Some(deadline.slice(Duration::from_millis(100)))),
                )?;
                if hung_up(rev) {
                    return Err(Error::not_connected("send"));
                }
                continue;
            }
            Err(rustix::io::Errno::PIPE | rustix::io::Errno::CONNRESET) => {
                return Err(Error::not_connected("send"))
            }
            Err(e) => return Err(Error::new(e.raw_os_error(), "send")),
        };
        done += n;
        if done >= total {
            return Ok(total);
        }
    }
}

/// Receive into `buf` with `recvmsg`, collecting `SCM_CREDENTIALS` if any arrive.
/// Returns the byte count (0 = the peer closed). By hand, as [`peer_cred`]: rustix's
/// credentials hold the pid as a non-zero `Pid`, and the kernel gives 0 for a sender outside
/// this process's pid namespace.
pub fn recv_with_creds(fd: &OwnedFd, buf: &mut [u8], creds: &mut Option<Ucred>) -> Result<usize> {
    #[repr(C, align(8))]
    struct Cmsg([u8; 64]);
    let mut cbuf = Cmsg([0; 64]);
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: all-zero msghdr, then valid buffers.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.0.as_mut_ptr().cast();
    msg.msg_controllen = cbuf.0.len() as _;
    // SAFETY: msg describes valid buffers for the duration of the call.
    let n = unsafe {
        libc::recvmsg(
            fd.as_raw_fd(),
            &mut msg,
            libc::MSG_NOSIGNAL | libc::MSG_CMSG_CLOEXEC,
        )
    };
    if n < 0 {
        let e = Error::last_os("recvmsg");
        return Err(match e.errno() {
            libc::ECONNRESET | libc::EPIPE => Error::not_connected("recvmsg"),
            _ => e,
        });
    }
    // SAFETY: walking the control messages the kernel wrote into cbuf, bounded by msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_CREDENTIALS {
                let data = libc::CMSG_DATA(c) as *const libc::ucred;
                let u = std::ptr::read_unaligned(data);
                *creds = Some(Ucred {
                    pid: u.pid,
                    uid: u.uid,
                    gid: u.gid,
                });
            } else if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                // never keep descriptors a peer pushes at us
                let payload = (*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
                let fds = libc::CMSG_DATA(c) as *const libc::c_int;
                for i in 0..payload / std::mem::size_of::<libc::c_int>() {
                    libc::close(std::ptr::read_unaligned(fds.add(i)));
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok(n as usize)
}

/// One `recv` with flags; `ECONNRESET` becomes `ENOTCONN`.
pub fn recv(fd: RawFd, buf: &mut [u8], flags: libc::c_int) -> Result<usize> {
    use rustix::net::RecvFlags;
    // SAFETY: the caller's descriptor, borrowed for the call only (a closed one gives EBADF).
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let flags = RecvFlags::from_bits_retain(flags as _)
        | RecvFlags::from_bits_retain(libc::MSG_NOSIGNAL as _);
    loop {
        match rustix::net::recv(fd, &mut *buf, flags) {
            // what the call returned: with MSG_TRUNC, the datagram's whole length
            Ok((_, n)) => return Ok(n),
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::CONNRESET | rustix::io::Errno::PIPE) => {
                return Err(Error::not_connected("recv"))
            }
            Err(e) => return Err(Error::new(e.raw_os_error(), "recv")),
        }
    }
}

/// Whether a process exists (`kill(pid, 0)`); a process we may not signal still exists.
pub fn process_exists(pid: libc::pid_t) -> bool {
    match rustix::process::Pid::from_raw(pid) {
        Some(p) if pid > 0 => rustix::process::test_kill_process(p) != Err(rustix::io::Errno::SRCH),
        _ => true,
    }
}

/// Shut a socket down both ways (the peer then sees the hang-up at once).
pub fn shutdown(fd: &OwnedFd) {
    let _ = rustix::net::shutdown(fd, rustix::net::Shutdown::Both);
}

/// `poll` two descriptors for `POLLIN` until an event or the deadline; returns both `revents`.
pub fn poll_two(a: RawFd, b: RawFd, deadline: Deadline) -> Result<(libc::c_short, libc::c_short)> {
    let mut p = [
        libc::pollfd {
            fd: a,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: b,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    poll_until(&mut p, deadline)?;
    Ok((p[0].revents, p[1].revents))
}

#[cfg(test)]
mod tests {
    use super::check_server_path;
    use super::*;
    use std::path::Path;

    // The unsafe core on heap memory (these also run under Miri: scripts/sanitize)

    #[test]
    fn a_shared_map_is_read_and_written_within_its_bounds_only() {
        let m = SharedMap::heap(4096);
        m.word(0).store(7, Ordering::Relaxed);
        m.word(4092).store(9, Ordering::Relaxed);
        assert_eq!(m.word(0).load(Ordering::Relaxed), 7);
        m.write(100, b"qb-ring\0rest");
        assert_eq!(m.bytes(100, 7), b"qb-ring");
        assert_eq!(m.c_string(100, 64).as_deref(), Some("qb-ring"));
        // no NUL within the field: no string
        m.write(200, &[b'x'; 16]);
        assert_eq!(m.c_string(200, 16), None);
        assert_eq!(m.ptr(4096), m.ptr(0).wrapping_add(4096));
        for bad in [
            std::panic::catch_unwind(|| {
                m.word(4096);
            }),
            std::panic::catch_unwind(|| {
                m.word(2);
            }),
            std::panic::catch_unwind(|| {
                m.bytes(4000, 97);
            }),
            std::panic::catch_unwind(|| m.write(4095, b"ab")),
            std::panic::catch_unwind(|| {
                m.bytes(usize::MAX, 2);
            }),
        ] {
            assert!(bad.is_err(), "an access out of the map was let through");
        }
    }

    #[test]
    fn the_semaphore_counts_tokens() {
        let m = SharedMap::heap(4096);
        // SAFETY: the map outlives the semaphore.
        let sem = unsafe { Semaphore::at(&m, 8) };
        counts_tokens(&sem, 3);
    }

    /// An empty semaphore given `n` tokens hands out exactly `n`, without waiting.
    fn counts_tokens(sem: &Semaphore, n: u32) {
        let now = || Deadline::after(Some(Duration::ZERO));
        assert_eq!(sem.value(), 0);
        assert!(!sem.wait(now()).unwrap());
        for _ in 0..n {
            sem.post().unwrap();
        }
        assert_eq!(sem.value() as u32, n);
        for _ in 0..n {
            assert!(sem.wait(now()).unwrap());
        }
        assert!(!sem.wait(now()).unwrap());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "mixed-size atomics (the futex word and the peer's fields inside glibc's 64-bit sem_t), which Miri's memory model does not support"
    )]
    fn the_semaphore_follows_glibcs_protocol_and_survives_garbage() {
        let m = SharedMap::heap(4096);
        // SAFETY: the map outlives the semaphore (dropped at the end of the test).
        let sem = unsafe { Semaphore::at(&m, 8) };
        let now = || Deadline::after(Some(Duration::ZERO));
        counts_tokens(&sem, 1);
        sem.post().unwrap();
        assert!(sem
            .wait(Deadline::after(Some(Duration::from_secs(1))))
            .unwrap());
        assert!(!sem
            .wait(Deadline::after(Some(Duration::from_millis(20))))
            .unwrap());
        // glibc's layout: the count in the low half, no waiter left behind
        assert_eq!(m.word(8).load(Ordering::Relaxed), 0);
        assert_eq!(m.word(12).load(Ordering::Relaxed), 0);
        // what a peer may write: a full count, a waiter count, a "private" flag
        m.word(8).store(i32::MAX as u32, Ordering::Relaxed);
        assert_eq!(sem.post().unwrap_err().errno(), libc::EOVERFLOW);
        m.word(8).store(0, Ordering::Relaxed);
        m.word(12).store(3, Ordering::Relaxed);
        m.word(16).store(0xdead_beef, Ordering::Relaxed);
        sem.post().unwrap(); // wakes nobody; no abort
        assert!(sem.wait(now()).unwrap());
        assert_eq!(m.word(12).load(Ordering::Relaxed), 3);
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "mixed-size atomics: the futex word is the low half of glibc's 64-bit count, which Miri's memory model does not allow from two threads"
    )]
    fn a_waiter_is_woken_by_a_post_from_another_thread() {
        let m = SharedMap::heap(4096);
        // SAFETY: the map outlives both uses (the thread is joined first).
        let sem = unsafe { Semaphore::at(&m, 0) };
        // SAFETY: as above.
        let poster = unsafe { Semaphore::at(&m, 0) };
        std::thread::scope(|s| {
            s.spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                poster.post().unwrap();
            });
            assert!(sem
                .wait(Deadline::after(Some(Duration::from_secs(10))))
                .unwrap());
        });
        assert_eq!(sem.value(), 0);
        assert_eq!(
            m.word(4).load(Ordering::Relaxed),
            0,
            "the waiter left the count"
        );
    }

    #[test]
    fn only_libqb_connection_files_are_accepted_from_a_server() {
        // a real connection directory, as libqb 2.0.x servers make them
        let dir = format!("/dev/shm/qb-1-{}-3-pathtest", std::process::id());
        std::fs::create_dir(&dir).unwrap();
        let ok = |p: &str| check_server_path(Path::new(p)).is_ok();
        assert!(ok(&format!("{dir}/qb-request-cib_rw-header")));
        assert!(ok(&format!("{dir}/qb-request-cib_rw-data")));
        assert!(ok(&format!("{dir}/qb-control-cib_rw")));
        for bad in [
            "/etc/shadow",
            "/dev/shm/qb-corosync-12-blackbox-header",
            "/dev/shm/qb-1-2-3-nosuchdir/qb-request-x-header",
            "/dev/shm/qb-1-2-3-x/../../../etc/qb-x",
            "/dev/shm/qb-1-2-3-x/./qb-x",
            "/dev/shm//qb-x/qb-y",
            "/var/run/qb-1-2-3-x/qb-control-x",
            "/tmp/qb-1/qb-request-x-header",
            "qb-1/qb-request-x-header",
            "",
        ] {
            assert!(!ok(bad), "{bad} accepted");
        }
        assert!(!ok(&format!("{dir}/shadow")));
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn a_qb_directory_that_is_a_symlink_is_refused() {
        let pid = std::process::id();
        let real = format!("/dev/shm/pcmkrs-real-{pid}");
        let link = format!("/dev/shm/qb-{pid}-symlink");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let refused = check_server_path(Path::new(&format!("{link}/qb-control-x")));
        std::fs::remove_file(&link).unwrap();
        std::fs::remove_dir(&real).unwrap();
        assert!(refused.is_err());
    }
}
