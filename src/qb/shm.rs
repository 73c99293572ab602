//! libqb's shared-memory ring buffer, client side: one ring = a header file (pointers, sizes,
//! paths, reference count, a process-shared semaphore, user data) and a data file of 32-bit words
//! holding chunks `[length][magic][payload...]`.
//!
//! The server creates and initialises both files; the client opens them, checks every number it
//! reads from them, and never lets a peer's value index outside the mapping.

use super::error::{Error, Result};
use super::sys::{self, Deadline, Semaphore, SharedMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

const WRITE_PT: usize = 0;
const READ_PT: usize = 4;
const WORD_SIZE: usize = 8;
const DATA_PATH: usize = 4108;
const PATH_MAX: usize = 4096;
const REF_COUNT: usize = 8204;
const SEMAPHORE: usize = 8208;
const USER_DATA: usize = 8240;
/// `sizeof(struct qb_ringbuffer_shared_s)`: the smallest valid header file.
const HEADER_SIZE: usize = 8248;

const MAGIC_ALLOC: u32 = 0xA110_CED0;
const MAGIC_COMMIT: u32 = 0xA1A1_A1A1;
const MAGIC_DEAD: u32 = 0xD0D0_D0D0;
/// Bytes a chunk costs beyond its payload, as libqb counts them when checking free space.
const CHUNK_MARGIN: usize = 12;
/// Largest data area we accept (1 GiB): a header claiming more is not a libqb ring.
const MAX_WORDS: u32 = 1 << 28;

/// One ring, opened from its header's path.
pub struct Ring {
    sem: Semaphore,
    header: SharedMap,
    data: SharedMap,
    words: u32,
    header_path: PathBuf,
    data_path: PathBuf,
}

impl Ring {
    /// Open the ring whose files are `<base>-header` and (as the header says) its data file,
    /// which must be in the same directory.
    pub fn open(base: &str) -> Result<Ring> {
        let header_path = PathBuf::from(format!("{base}-header"));
        let dir = header_path
            .parent()
            .ok_or(Error::new(libc::EINVAL, "ring path"))?
            .to_path_buf();
        if !header_path.is_absolute() {
            return Err(Error::new(libc::EINVAL, "ring path is not absolute"));
        }
        sys::check_server_path(&header_path)?;
        let hfd = sys::open_rw(&header_path)?;
        let hlen = sys::file_size(&hfd)?;
        if hlen < HEADER_SIZE as u64 || hlen > 1 << 20 {
            return Err(Error::new(libc::EBADMSG, "ring header size"));
        }
        let header = SharedMap::map(&hfd, hlen as usize)?;
        let words = header.word(WORD_SIZE).load(Ordering::Acquire);
        if !(4..=MAX_WORDS).contains(&words) {
            return Err(Error::new(libc::EBADMSG, "ring word count"));
        }
        let data_path = header
            .c_string(DATA_PATH, PATH_MAX)
            .map(PathBuf::from)
            .ok_or(Error::new(libc::EBADMSG, "ring data path"))?;
        if data_path.parent() != Some(dir.as_path()) || data_path.file_name().is_none() {
            return Err(Error::new(
                libc::EBADMSG,
                "ring data path outside the connection directory",
            ));
        }
        sys::check_server_path(&data_path)?;
        let dfd = sys::open_rw(&data_path)?;
        let bytes = words as usize * 4;
        if sys::file_size(&dfd)? != bytes as u64 {
            return Err(Error::new(libc::EBADMSG, "ring data size"));
        }
        let data = SharedMap::map_twice(&dfd, bytes)?;
        // SAFETY: libqb's server initialises a pshared sem_t at this offset before it answers
        // the handshake; `header` lives as long as the Ring (fields drop after `sem`).
        let sem = unsafe { Semaphore::at(&header, SEMAPHORE) };
        header.word(REF_COUNT).fetch_add(1, Ordering::AcqRel);
        Ok(Ring {
            sem,
            header,
            data,
            words,
            header_path,
            data_path,
        })
    }

    /// Whether one of the ring's files was truncated (or could not be backed) under the
    /// mapping: what was read from it since is zeros, and the ring is unusable.
    pub fn broken(&self) -> bool {
        self.header.hit() || self.data.hit()
    }

    /// The largest chunk payload this ring can ever hold.
    pub fn capacity(&self) -> usize {
        self.words as usize * 4 - CHUNK_MARGIN
    }

    fn word(&self, index: u32) -> &std::sync::atomic::AtomicU32 {
        self.data.word((index % self.words) as usize * 4)
    }

    fn step(&self, at: u32, len: usize) -> u32 {
        let next = at as u64 + 2 + (len as u64).div_ceil(4);
        (next % self.words as u64) as u32
    }

    fn payload_offset(&self, at: u32) -> usize {
        ((at + 2) % self.words) as usize * 4
    }

    /// The reference count in the shared header (2 while both sides have the ring open).
    pub fn ref_count(&self) -> i32 {
        self.header.word(REF_COUNT).load(Ordering::Acquire) as i32
    }

    /// The flow-control value the server keeps in the request ring's user data (0 = go).
    pub fn flow_control(&self) -> i32 {
        if self.header.len() >= USER_DATA + 4 {
            self.header.word(USER_DATA).load(Ordering::Acquire) as i32
        } else {
            0
        }
    }

    fn free_bytes(&self) -> Result<usize> {
        let w = self.header.word(WRITE_PT).load(Ordering::Relaxed);
        let r = self.header.word(READ_PT).load(Ordering::Acquire);
        if w >= self.words || r >= self.words {
            return Err(Error::new(libc::EBADMSG, "ring pointers out of range"));
        }
        let free_words = match w.cmp(&r) {
            std::cmp::Ordering::Greater => r + self.words - w - 1,
            std::cmp::Ordering::Less => r - w - 1,
            std::cmp::Ordering::Equal => {
                if self.sem.value() > 0 {
                    0
                } else {
                    self.words
                }
            }
        };
        Ok(free_words as usize * 4)
    }

    /// Write one chunk made of `parts` (the writer's side) and post the semaphore.
    /// `EAGAIN` when the ring has no room for it now.
    pub fn write(&self, parts: &[&[u8]]) -> Result<()> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > self.capacity() {
            return Err(Error::new(libc::EMSGSIZE, "message larger than the ring"));
        }
        if self.free_bytes()? < len + CHUNK_MARGIN {
            return Err(Error::new(libc::EAGAIN, "ring full"));
        }
        let w = self.header.word(WRITE_PT).load(Ordering::Relaxed);
        self.word(w).store(0, Ordering::Relaxed);
        self.word(w + 1).store(MAGIC_ALLOC, Ordering::Release);
        let mut off = self.payload_offset(w);
        for p in parts {
            self.data.write(off, p);
            off += p.len();
        }
        self.word(w).store(len as u32, Ordering::Relaxed);
        self.header
            .word(WRITE_PT)
            .store(self.step(w, len), Ordering::Release);
        self.word(w + 1).store(MAGIC_COMMIT, Ordering::Release);
        self.sem.post()
    }

    /// Take one token (one committed chunk to read), waiting until the deadline.
    pub fn take_token(&self, deadline: Deadline) -> Result<bool> {
        self.sem.wait(deadline)
    }

    /// Read the next chunk, for which a token was taken: `f` sees the payload in place, then the
    /// chunk is released. A chunk that is not committed, or a length that does not fit the ring,
    /// is `EBADMSG` (the token is given back and nothing is released).
    pub fn read_chunk<R>(&self, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        let r = self.header.word(READ_PT).load(Ordering::Relaxed);
        let bad = |what| {
            let _ = self.sem.post();
            Err(Error::new(libc::EBADMSG, what))
        };
        if r >= self.words {
            return bad("ring read pointer out of range");
        }
        if self.word(r + 1).load(Ordering::Acquire) != MAGIC_COMMIT {
            return bad("ring chunk not committed");
        }
        let len = self.word(r).load(Ordering::Relaxed) as usize;
        if len > self.capacity() {
            return bad("ring chunk length");
        }
        let out = f(self.data.bytes(self.payload_offset(r), len));
        self.word(r).store(0, Ordering::Relaxed);
        self.word(r + 1).store(MAGIC_DEAD, Ordering::Release);
        self.header
            .word(READ_PT)
            .store(self.step(r, len), Ordering::Release);
        Ok(out)
    }

    /// Let go of the ring as libqb's client does on close: reference count 1, then one less.
    pub fn release(&self) {
        let rc = self.header.word(REF_COUNT);
        rc.store(1, Ordering::Release);
        rc.fetch_sub(1, Ordering::AcqRel);
    }

    /// Remove both files (only after the server died: a live server removes them itself).
    pub fn remove_files(&self) {
        self.header
            .word(REF_COUNT)
            .store(u32::MAX, Ordering::Release);
        sys::unlink(&self.data_path);
        sys::unlink(&self.header_path);
    }

    /// The directory that holds the ring's files.
    pub fn dir(&self) -> &Path {
        self.header_path.parent().unwrap_or(Path::new("/"))
    }
}

/// The fuzz target's ring (see `crate::fuzzing::ring`): files in a directory of this process's
/// own under /dev/shm, rewritten from the input on each run.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_ring(data: &[u8]) {
    let dir = PathBuf::from(format!("/dev/shm/qb-fuzz-{}-ring", std::process::id()));
    let _ = std::fs::create_dir(&dir);
    let base = dir.join("qb-ring");
    let data_path = dir.join("qb-ring-data");
    let mut header = vec![0u8; HEADER_SIZE];
    let n = data.len().min(HEADER_SIZE);
    header[..n].copy_from_slice(&data[..n]);
    let words = 4 + u32::from_le_bytes(header[WORD_SIZE..WORD_SIZE + 4].try_into().unwrap()) % 2048;
    header[WORD_SIZE..WORD_SIZE + 4].copy_from_slice(&words.to_ne_bytes());
    header[DATA_PATH..DATA_PATH + PATH_MAX].fill(0);
    let p = data_path.to_str().unwrap().as_bytes();
    header[DATA_PATH..DATA_PATH + p.len()].copy_from_slice(p);
    let mut ring_data = data.get(HEADER_SIZE..).unwrap_or_default().to_vec();
    ring_data.resize(words as usize * 4, 0);
    std::fs::write(format!("{}-header", base.display()), &header).unwrap();
    std::fs::write(&data_path, &ring_data).unwrap();
    let Ok(ring) = Ring::open(base.to_str().unwrap()) else {
        return;
    };
    for _ in 0..8 {
        match ring.read_chunk(|p| p.len()) {
            Ok(len) => assert!(len <= ring.capacity()),
            Err(_) => break,
        }
    }
    let _ = ring.free_bytes();
    let _ = ring.write(&[b"abcd", &data[..data.len().min(64)]]);
    let _ = (ring.ref_count(), ring.flow_control(), ring.broken());
}
