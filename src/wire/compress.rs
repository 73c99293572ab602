//! bzip2, as Pacemaker uses it for messages that do not fit the IPC buffer (block size 4,
//! work factor 20; the NUL-terminated text is what gets compressed). Pure Rust backend.

use bzip2::{Action, Compress, Compression, Decompress, Status};

/// The largest decompressed message accepted (256 MiB): a header that declares more is refused
/// before anything is allocated.
pub const MAX_UNCOMPRESSED: u32 = 256 << 20;

/// The output room reserved before decompressed bytes have proven the declared size: enough for
/// any real CIB at once (reserved, not touched: untouched pages cost nothing), far below what a
/// lying header may declare.
const INITIAL_ROOM: usize = 16 << 20;

/// Why decompression failed, in the terms of Pacemaker's `pcmk__bzlib2rc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecompressError {
    /// Not bzip2, corrupt, truncated, or not the declared length (`pcmk_rc_bad_input`).
    BadInput,
    /// More output than declared or than [`MAX_UNCOMPRESSED`] (`EFBIG`).
    TooBig,
}

/// Compress `input` into at most `limit` bytes; `None` when it does not fit (Pacemaker then
/// fails the send with `EMSGSIZE`).
pub fn compress(input: &[&[u8]], limit: usize) -> Option<Vec<u8>> {
    let mut c = Compress::new(Compression::new(4), 20);
    let mut out = Vec::with_capacity(limit);
    for (i, part) in input.iter().enumerate() {
        let last = i + 1 == input.len();
        let mut rest = *part;
        loop {
            let before = c.total_in();
            let action = if last { Action::Finish } else { Action::Run };
            let st = c.compress_vec(rest, &mut out, action).ok()?;
            rest = &rest[(c.total_in() - before) as usize..];
            match st {
                Status::StreamEnd => return Some(out),
                _ if out.len() == out.capacity() => return None,
                _ if !last && rest.is_empty() => break,
                _ => {}
            }
        }
    }
    None
}

/// Decompress `input`, which must yield exactly `declared` bytes, appending them to `out`
/// (whatever `out` held before stays in front: a caller can put a header there).
pub fn decompress(input: &[u8], declared: u32, out: &mut Vec<u8>) -> Result<(), DecompressError> {
    decompress_with_room(input, declared, out, INITIAL_ROOM)
}

fn decompress_with_room(
    input: &[u8],
    declared: u32,
    out: &mut Vec<u8>,
    initial_room: usize,
) -> Result<(), DecompressError> {
    if declared > MAX_UNCOMPRESSED {
        return Err(DecompressError::TooBig);
    }
    let declared = declared as usize;
    let start = out.len();
    // Room for the declared size and one byte more (which tells "longer than declared" apart),
    // but not all at once on the peer's word: start with what the input can plausibly give and
    // grow (doubling) while the output really comes.
    let want = declared + 1;
    out.reserve_exact(want.min(initial_room.max(input.len().saturating_mul(8))));
    let mut d = Decompress::new(false);
    let mut rest = input;
    loop {
        if out.len() == out.capacity() {
            let have = out.len() - start;
            out.reserve_exact((want - have).min(have.max(initial_room)));
        }
        let (in_before, out_before) = (d.total_in(), out.len());
        let st = d
            .decompress_vec(rest, out)
            .map_err(|_| DecompressError::BadInput)?;
        rest = &rest[(d.total_in() - in_before) as usize..];
        if out.len() - start > declared {
            out.truncate(start);
            return Err(DecompressError::TooBig);
        }
        if st == Status::StreamEnd {
            break;
        }
        if d.total_in() == in_before && out.len() == out_before {
            out.truncate(start);
            return Err(DecompressError::BadInput); // truncated: no progress possible
        }
    }
    if out.len() - start == declared {
        Ok(())
    } else {
        out.truncate(start);
        Err(DecompressError::BadInput)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limits() {
        let text: Vec<u8> = (0..300_000)
            .map(|i| b"<nvpair id=\"x\"/>"[i % 16])
            .chain([0])
            .collect();
        let z = compress(&[&text], 131072).expect("repetitive text compresses");
        assert!(z.len() < 1000 && z.starts_with(b"BZh4"));
        let mut out = Vec::new();
        decompress(&z, text.len() as u32, &mut out).unwrap();
        assert_eq!(out, text);
        out.clear();
        // parts compress like their concatenation
        let z2 = compress(&[&text[..1000], &text[1000..]], 131072).unwrap();
        decompress(&z2, text.len() as u32, &mut out).unwrap();
        assert_eq!(out, text);
        // appended after what was there
        out.truncate(3);
        decompress(&z2, text.len() as u32, &mut out).unwrap();
        assert_eq!(&out[3..], &text[..]);
        out.clear();
        // declared sizes that lie
        assert_eq!(
            decompress(&z, text.len() as u32 - 1, &mut out),
            Err(DecompressError::TooBig)
        );
        assert_eq!(
            decompress(&z, text.len() as u32 + 1, &mut out),
            Err(DecompressError::BadInput)
        );
        assert_eq!(
            decompress(&z, MAX_UNCOMPRESSED + 1, &mut out),
            Err(DecompressError::TooBig)
        );
        // a large declared size is not reserved up front on the peer's word
        let mut fresh = Vec::new();
        assert_eq!(
            decompress(&z, 200 << 20, &mut fresh),
            Err(DecompressError::BadInput)
        );
        assert!(
            fresh.capacity() <= INITIAL_ROOM + 1,
            "{} reserved",
            fresh.capacity()
        );
        // output larger than the first reservation grows into place (a small first room here)
        let big: Vec<u8> = (0..1_200_000u32).map(|i| (i % 251) as u8).collect();
        let zb = compress(&[&big], 1 << 20).expect("periodic data compresses");
        let mut outb = Vec::new();
        decompress_with_room(&zb, big.len() as u32, &mut outb, 64 << 10).unwrap();
        assert!(outb == big);
        // corrupt and truncated input
        assert_eq!(
            decompress(b"not bzip2 at all", 10, &mut out),
            Err(DecompressError::BadInput)
        );
        assert_eq!(
            decompress(&z[..z.len() / 2], text.len() as u32, &mut out),
            Err(DecompressError::BadInput)
        );
        // incompressible data does not fit a small limit
        let mut x: u32 = 1;
        let noise: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        assert!(compress(&[&noise], 131072).is_none());
    }
}
