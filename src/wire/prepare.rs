//! Framing a message to send (Pacemaker's `pcmk__ipc_prepare_iov`): the one function that turns
//! a message's text into the frames of a layout.

use super::header::{Header, Layout, HEADER_SIZE};
use super::{compress, flags, split};

/// One frame: its header, its body, and whether a NUL follows the body on the wire.
pub type OutFrame<'a> = ([u8; HEADER_SIZE], &'a [u8], bool);

/// Why a message cannot be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrepareError {
    /// Pacemaker 2.1/3.0.0: even compressed, the message does not fit below the limit.
    TooLargeToCompress,
    /// Pacemaker 3.0.1 and later: more parts than a 16-bit part id counts.
    TooManyParts,
}

/// The frames of `text` in `layout`: up to 2.1/3.0.0 one frame, compressed (into `store`) when
/// it would not stay below `limit`; from 3.0.1 parts of Pacemaker's fixed buffer. `header` gives
/// the id, version and flags; sizes, part ids and the compression or part flags are set here.
pub fn prepare<'a>(
    layout: Layout,
    header: Header,
    text: &'a [u8],
    limit: usize,
    store: &'a mut Vec<u8>,
) -> Result<Vec<OutFrame<'a>>, PrepareError> {
    match layout {
        Layout::Compressed if HEADER_SIZE + text.len() + 1 < limit => {
            let h = Header {
                size: (HEADER_SIZE + text.len() + 1) as i32,
                text_size: (text.len() + 1) as u32,
                ..header
            };
            Ok(vec![(h.encode(layout), text, true)])
        }
        Layout::Compressed => {
            *store = compress(&[text, b"\0"], limit).ok_or(PrepareError::TooLargeToCompress)?;
            let h = Header {
                size: (HEADER_SIZE + store.len()) as i32,
                text_size: (text.len() + 1) as u32,
                size_compressed: store.len() as u32,
                flags: header.flags | flags::COMPRESSED,
                ..header
            };
            Ok(vec![(h.encode(layout), &store[..], false)])
        }
        Layout::Multipart => split(text.len())
            .enumerate()
            .map(|(part, (offset, len, part_flags))| {
                let part_id = u16::try_from(part).map_err(|_| PrepareError::TooManyParts)?;
                let h = Header {
                    size: (HEADER_SIZE + len + 1) as i32,
                    text_size: (len + 1) as u32,
                    flags: header.flags | part_flags,
                    part_id,
                    ..header
                };
                Ok((h.encode(layout), &text[offset..offset + len], true))
            })
            .collect(),
    }
}

/// Whether `frames` are one frame holding `text_len` bytes of text compressed.
pub fn is_compressed(frames: &[OutFrame<'_>], text_len: usize) -> bool {
    frames.len() == 1 && !frames[0].2 && frames[0].1.len() != text_len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layout_frames_as_pacemaker_does() {
        let header = Header {
            id: 7,
            flags: flags::CLIENT_RESPONSE,
            ..Header::default()
        };
        let mut store = Vec::new();
        // small: one frame, the text and its NUL
        let f = prepare(Layout::Compressed, header, b"<small/>", 1024, &mut store).unwrap();
        assert_eq!(f.len(), 1);
        assert!(f[0].2 && f[0].1 == b"<small/>");
        let h = Header::decode(&f[0].0, Layout::Compressed).unwrap();
        assert_eq!(
            (h.id, h.text_size, h.size),
            (7, 9, (HEADER_SIZE + 9) as i32)
        );
        // large: compressed below the limit, the compression flag set
        let big = vec![b'a'; 100_000];
        let f = prepare(Layout::Compressed, header, &big, 16 * 1024, &mut store).unwrap();
        assert!(is_compressed(&f, big.len()));
        let h = Header::decode(&f[0].0, Layout::Compressed).unwrap();
        assert_ne!(h.flags & flags::COMPRESSED, 0);
        assert_eq!(h.text_size as usize, big.len() + 1);
        // what cannot be compressed below the limit is refused
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                // xorshift: bytes bzip2 cannot shrink
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert_eq!(
            prepare(Layout::Compressed, header, &noise, 4096, &mut store).err(),
            Some(PrepareError::TooLargeToCompress)
        );
        // multipart: parts of Pacemaker's 128 KiB buffer cover the text, in order, with ids
        let bigger = vec![b'b'; 300_000];
        let f = prepare(Layout::Multipart, header, &bigger, 16 * 1024, &mut store).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f.iter().map(|p| p.1.len()).sum::<usize>(), bigger.len());
        for (i, part) in f.iter().enumerate() {
            let h = Header::decode(&part.0, Layout::Multipart).unwrap();
            assert_eq!((h.id, usize::from(h.part_id)), (7, i));
        }
        assert!(!is_compressed(&f, bigger.len()));
    }
}
