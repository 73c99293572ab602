//! Pacemaker's framing on top of libqb messages (protocol version 1): a 40-byte header, then the
//! XML text with its NUL. A message that would not fit the IPC buffer is bzip2-compressed by
//! Pacemaker 2.1 and 3.0.0, and split into parts by 3.0.1 and later, whose header also moved
//! its fields ([`Layout`]); this module reads both and writes both.

mod compress;
mod header;
mod prepare;
mod xml;

pub use compress::{compress, decompress, DecompressError, MAX_UNCOMPRESSED};
pub use header::{mark_for_one_layout, Header, Layout, HEADER_SIZE, IPC_VERSION, ONE_LAYOUT_MARK};
pub use prepare::{is_compressed, prepare, OutFrame, PrepareError};
pub use xml::{escape_attr, write_xml, NodeKind, XmlNode};

/// Flag bits of the header (`enum crm_ipc_flags`).
pub mod flags {
    /// The payload is bzip2-compressed.
    pub const COMPRESSED: u32 = 0x0000_0001;
    /// A request relayed by a proxy: every reply comes as an event.
    pub const PROXIED: u32 = 0x0000_0100;
    /// The sender waits for a reply on the response channel.
    pub const CLIENT_RESPONSE: u32 = 0x0000_0200;
    /// Sent by the server as an event.
    pub const SERVER_EVENT: u32 = 0x0001_0000;
    /// Server-internal: free the buffers after sending.
    pub const SERVER_FREE: u32 = 0x0002_0000;
    /// An event that is really the reply to a proxied request.
    pub const PROXIED_RELAY_RESPONSE: u32 = 0x0004_0000;
    /// A part of a message split into parts, but not its last (3.0.1 and later).
    pub const MULTIPART: u32 = 0x0008_0000;
    /// The last part of a message split into parts (with [`MULTIPART`]).
    pub const MULTIPART_END: u32 = 0x0010_0000;
}

/// Pacemaker 3.0.1's buffer: a message of up to this many bytes (header, text, NUL) travels in
/// one piece, a larger one in parts of this size (`BUFFER_SIZE` of `lib/common/ipc_common.c`).
pub const PART_BUFFER: usize = 128 * 1024;
/// The text of each full part of a split message (the header and a NUL take the rest).
pub const PART_TEXT: usize = PART_BUFFER - HEADER_SIZE - 1;

/// How a 3.0.1+ sender splits `len` bytes of text (`pcmk__ipc_prepare_iov`): each part's offset,
/// length and flags. A text that fits one buffer is one part without flags; otherwise every part
/// but the last has [`PART_TEXT`] bytes and [`flags::MULTIPART`], the last the rest (perhaps
/// none: its NUL alone) and also [`flags::MULTIPART_END`].
pub fn split(len: usize) -> impl Iterator<Item = (usize, usize, u32)> {
    let parts = if HEADER_SIZE + len + 1 < PART_BUFFER {
        1
    } else {
        len / PART_TEXT + 1
    };
    (0..parts).map(move |i| {
        let offset = i * PART_TEXT;
        if parts == 1 {
            (0, len, 0)
        } else if i + 1 < parts {
            (offset, PART_TEXT, flags::MULTIPART)
        } else {
            (
                offset,
                len - offset,
                flags::MULTIPART | flags::MULTIPART_END,
            )
        }
    })
}

/// Why a received frame cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Shorter than the header, or sizes that do not add up.
    Malformed,
    /// A protocol version this library does not speak (> 1).
    Version(u8),
    /// The compressed payload could not be decompressed.
    Decompress(DecompressError),
    /// The text does not end with its NUL where the header says.
    Unterminated,
    /// A part of a split message out of its place: a part without a first one, another message's
    /// part, a part skipped or repeated, a new message before the last was whole.
    Sequence,
    /// A split message larger than [`MAX_UNCOMPRESSED`].
    TooLarge,
}

/// A received message: its header and its text (without the terminating NUL).
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The header as received (`size_compressed` still says whether it was compressed).
    pub header: Header,
    /// The XML text, decompressed.
    pub text: &'a [u8],
}

/// Decode a received frame of a layout. A compressed payload (compressed layout) is
/// decompressed into `scratch`, after a copy of the header (so that `scratch` then holds the
/// whole frame, uncompressed), and the text borrows from it; otherwise the text borrows from
/// `frame`. A part of a split message (multipart layout) is one frame here; [`Parts`] puts the
/// parts together.
///
/// Every size in the header is checked against what arrived and against
/// [`MAX_UNCOMPRESSED`]: nothing here trusts the peer's numbers.
pub fn decode<'a>(
    frame: &'a [u8],
    layout: Layout,
    scratch: &'a mut Vec<u8>,
) -> Result<Frame<'a>, FrameError> {
    decode_checking(frame, layout, scratch, true)
}

/// As [`decode`], but a protocol version above this library's is let through, as Pacemaker
/// 3.0.0 lets it through in replies (`crm_ipc_send` never looks at it; events it refuses).
pub fn decode_any_version<'a>(
    frame: &'a [u8],
    layout: Layout,
    scratch: &'a mut Vec<u8>,
) -> Result<Frame<'a>, FrameError> {
    decode_checking(frame, layout, scratch, false)
}

fn decode_checking<'a>(
    frame: &'a [u8],
    layout: Layout,
    scratch: &'a mut Vec<u8>,
    check_version: bool,
) -> Result<Frame<'a>, FrameError> {
    let header = Header::decode(frame, layout).ok_or(FrameError::Malformed)?;
    let body = &frame[HEADER_SIZE..];
    let plain: &[u8] = if header.size_compressed != 0 {
        let n = header.size_compressed as usize;
        if n > body.len() {
            return Err(FrameError::Malformed);
        }
        scratch.clear();
        scratch.extend_from_slice(&frame[..HEADER_SIZE]);
        decompress(&body[..n], header.text_size, scratch).map_err(FrameError::Decompress)?;
        &scratch[HEADER_SIZE..]
    } else {
        body
    };
    if check_version && header.version > IPC_VERSION {
        return Err(FrameError::Version(header.version));
    }
    let n = header.text_size as usize;
    if n == 0 || n > plain.len() || plain[n - 1] != 0 {
        return Err(FrameError::Unterminated);
    }
    Ok(Frame {
        header,
        text: &plain[..n - 1],
    })
}

/// What a received frame was to a message split into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A whole message by itself (not a part).
    Whole,
    /// A part, and more are to come.
    More,
    /// The last part: the message is whole in the buffer, with this header.
    Done(Header),
}

/// A message of a 3.0.1+ peer being put together from its parts (one per channel: a reply may
/// come while an event is half received). The message grows in the caller's buffer: the first
/// part's header, then the texts of the parts, then one NUL.
///
/// Stricter than Pacemaker 3.0.1's `pcmk__ipc_msg_append`: the parts must come in order
/// (`part_id` 0, 1, 2, ...) with one id, and the whole may not exceed [`MAX_UNCOMPRESSED`].
#[derive(Debug, Default)]
pub struct Parts {
    /// The message under way: its first part's header and the next part expected.
    pending: Option<(Header, u16)>,
}

impl Parts {
    /// Whether a message is half received.
    pub fn pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Forget a half-received message.
    pub fn reset(&mut self) {
        self.pending = None;
    }

    /// Take a decoded frame. A part goes into `buf` (its header bytes `raw_header` first, for
    /// the first part); [`Progress::Done`] says `buf` now holds the whole message. Any frame out
    /// of place ends the half-received message and is an error.
    pub fn add(
        &mut self,
        frame: &Frame<'_>,
        raw_header: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<Progress, FrameError> {
        let h = frame.header;
        let part = h.flags & (flags::MULTIPART | flags::MULTIPART_END) != 0;
        let result = match (self.pending, part) {
            (None, false) => return Ok(Progress::Whole),
            (Some(_), false) => Err(FrameError::Sequence),
            (None, true) => {
                if h.part_id != 0 || h.flags & flags::MULTIPART_END != 0 {
                    Err(FrameError::Sequence)
                } else {
                    buf.clear();
                    buf.extend_from_slice(&raw_header[..HEADER_SIZE]);
                    buf.extend_from_slice(frame.text);
                    self.pending = Some((h, 1));
                    return Ok(Progress::More);
                }
            }
            (Some((first, next)), true) => {
                if h.id != first.id || h.part_id != next {
                    Err(FrameError::Sequence)
                } else if buf.len() - HEADER_SIZE + frame.text.len() + 1 > MAX_UNCOMPRESSED as usize
                {
                    Err(FrameError::TooLarge)
                } else {
                    buf.extend_from_slice(frame.text);
                    if h.flags & flags::MULTIPART_END == 0 {
                        match next.checked_add(1) {
                            Some(n) => {
                                self.pending = Some((first, n));
                                return Ok(Progress::More);
                            }
                            None => Err(FrameError::TooLarge),
                        }
                    } else {
                        buf.push(0);
                        self.pending = None;
                        let text_size = (buf.len() - HEADER_SIZE) as u32;
                        return Ok(Progress::Done(Header {
                            size: i32::try_from(buf.len()).unwrap_or(i32::MAX),
                            text_size,
                            flags: first.flags & !(flags::MULTIPART | flags::MULTIPART_END),
                            part_id: 0,
                            ..first
                        }));
                    }
                }
            }
        };
        self.pending = None;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(h: Header, body: &[u8]) -> Vec<u8> {
        let mut f = h.encode(Layout::Compressed).to_vec();
        f.extend_from_slice(body);
        f
    }

    fn plain(text: &[u8]) -> Header {
        Header {
            id: 7,
            size: (HEADER_SIZE + text.len()) as i32,
            text_size: text.len() as u32,
            version: 1,
            ..Header::default()
        }
    }

    #[test]
    fn well_formed_frames_decode_plain_and_compressed() {
        let mut scratch = Vec::new();
        let f = frame(plain(b"<ok/>\0"), b"<ok/>\0");
        let d = decode(&f, Layout::Compressed, &mut scratch).unwrap();
        assert_eq!((d.header.id, d.text), (7, &b"<ok/>"[..]));

        let text: Vec<u8> = b"<cib>"
            .iter()
            .copied()
            .cycle()
            .take(50_000)
            .chain([0])
            .collect();
        let z = compress(&[&text], 131072).unwrap();
        let h = Header {
            size_compressed: z.len() as u32,
            flags: flags::COMPRESSED,
            ..plain(&text)
        };
        let f = frame(h, &z);
        let d = decode(&f, Layout::Compressed, &mut scratch).unwrap();
        assert_eq!(d.text, &text[..text.len() - 1]);
    }

    #[test]
    fn a_peers_sizes_are_checked_not_trusted() {
        // 3.0.0 aborts on the unterminated and short cases, and allocates whatever is declared
        // (docs/differences.md C5)
        let mut scratch = Vec::new();
        let text = b"<ok/>\0";
        // shorter than a header
        assert_eq!(
            decode(&[0u8; 39], Layout::Compressed, &mut scratch).err(),
            Some(FrameError::Malformed)
        );
        // declares more text than arrived
        let h = Header {
            text_size: 100,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, text), Layout::Compressed, &mut scratch).err(),
            Some(FrameError::Unterminated)
        );
        // no NUL where the header says the text ends
        assert_eq!(
            decode(
                &frame(plain(b"<ok/>x"), b"<ok/>x"),
                Layout::Compressed,
                &mut scratch
            )
            .err(),
            Some(FrameError::Unterminated)
        );
        // an empty text (no room even for the NUL)
        assert_eq!(
            decode(&frame(plain(b""), b""), Layout::Compressed, &mut scratch).err(),
            Some(FrameError::Unterminated)
        );
        // a compressed size beyond what arrived
        let h = Header {
            size_compressed: 1000,
            flags: flags::COMPRESSED,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, text), Layout::Compressed, &mut scratch).err(),
            Some(FrameError::Malformed)
        );
        // compressed, declaring more than the limit: refused before any allocation
        let z = compress(&[text], 131072).unwrap();
        let h = Header {
            size_compressed: z.len() as u32,
            text_size: MAX_UNCOMPRESSED + 1,
            flags: flags::COMPRESSED,
            ..plain(text)
        };
        let mut fresh = Vec::new();
        assert_eq!(
            decode(&frame(h, &z), Layout::Compressed, &mut fresh).err(),
            Some(FrameError::Decompress(DecompressError::TooBig))
        );
        assert!(fresh.capacity() < 4096, "{} reserved", fresh.capacity());
        // compressed, declaring less than it holds, or not bzip2 at all
        let h = Header {
            size_compressed: z.len() as u32,
            text_size: 3,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, &z), Layout::Compressed, &mut scratch).err(),
            Some(FrameError::Decompress(DecompressError::TooBig))
        );
        let h = Header {
            size_compressed: 6,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, b"BZh4xx"), Layout::Compressed, &mut scratch).err(),
            Some(FrameError::Decompress(DecompressError::BadInput))
        );
        // a newer protocol version
        let h = Header {
            version: 2,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, text), Layout::Compressed, &mut scratch).err(),
            Some(FrameError::Version(2))
        );
    }
}

#[cfg(test)]
mod multipart_tests {
    use super::*;

    /// A 3.0.1+ sender's parts of `text`, as frames.
    fn parts(id: i32, text: &[u8], extra_flags: u32) -> Vec<Vec<u8>> {
        split(text.len())
            .enumerate()
            .map(|(i, (off, len, f))| {
                let h = Header {
                    id,
                    size: (HEADER_SIZE + len + 1) as i32,
                    text_size: (len + 1) as u32,
                    flags: f | extra_flags,
                    version: 1,
                    part_id: i as u16,
                    ..Header::default()
                };
                [
                    &h.encode(Layout::Multipart)[..],
                    &text[off..off + len],
                    b"\0",
                ]
                .concat()
            })
            .collect()
    }

    /// Put frames together as a client does; the whole text, or the first error.
    fn assemble(frames: &[Vec<u8>]) -> Result<(Header, Vec<u8>), FrameError> {
        let (mut p, mut buf, mut scratch) = (Parts::default(), Vec::new(), Vec::new());
        for f in frames {
            let d = decode(f, Layout::Multipart, &mut scratch)?;
            match p.add(&d, f, &mut buf)? {
                Progress::Whole => return Ok((d.header, d.text.to_vec())),
                Progress::More => {}
                Progress::Done(h) => {
                    assert_eq!(buf.last(), Some(&0));
                    return Ok((h, buf[HEADER_SIZE..buf.len() - 1].to_vec()));
                }
            }
        }
        Err(FrameError::Sequence)
    }

    #[test]
    fn texts_are_split_as_pacemaker_3_0_1_splits_them() {
        // one part up to 131030 bytes of text (">=" in pcmk__ipc_prepare_iov), then full parts
        assert_eq!(split(0).collect::<Vec<_>>(), [(0, 0, 0)]);
        assert_eq!(split(131_030).collect::<Vec<_>>(), [(0, 131_030, 0)]);
        let m = flags::MULTIPART;
        let end = flags::MULTIPART | flags::MULTIPART_END;
        assert_eq!(
            split(131_031).collect::<Vec<_>>(),
            [(0, 131_031, m), (131_031, 0, end)]
        );
        assert_eq!(
            split(300_000).collect::<Vec<_>>(),
            [
                (0, 131_031, m),
                (131_031, 131_031, m),
                (262_062, 37_938, end)
            ]
        );
        // every part fits the buffer exactly, header and NUL included
        for (_, len, _) in split(5 << 20) {
            assert!(HEADER_SIZE + len < PART_BUFFER);
        }
    }

    #[test]
    fn split_messages_come_back_whole() {
        for len in [10, 131_030, 131_031, 131_032, 262_062, 1_000_000] {
            let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let (h, got) = assemble(&parts(9, &text, flags::SERVER_EVENT)).unwrap();
            assert_eq!(got, text, "{len} bytes");
            assert_eq!(h.text_size as usize, len + 1);
            assert_eq!(h.id, 9);
            // the first part's flags, without the multipart bits (crm_ipc_buffer_flags)
            assert_eq!(h.flags, flags::SERVER_EVENT);
        }
    }

    #[test]
    fn parts_out_of_place_are_refused() {
        let text = vec![b'x'; 300_000];
        let ok = parts(3, &text, 0);
        // a middle part missing, repeated, or from another message
        assert_eq!(
            assemble(&[ok[0].clone(), ok[2].clone()]).err(),
            Some(FrameError::Sequence)
        );
        assert_eq!(
            assemble(&[ok[0].clone(), ok[1].clone(), ok[1].clone()]).err(),
            Some(FrameError::Sequence)
        );
        let other = parts(4, &text, 0);
        assert_eq!(
            assemble(&[ok[0].clone(), other[1].clone()]).err(),
            Some(FrameError::Sequence)
        );
        // no first part; a whole message while one is half received
        assert_eq!(assemble(&ok[1..]).err(), Some(FrameError::Sequence));
        let whole = parts(5, b"<ok/>", 0);
        assert_eq!(
            assemble(&[ok[0].clone(), whole[0].clone()]).err(),
            Some(FrameError::Sequence)
        );
        // a part whose text lacks its NUL, or says it has more than arrived
        let mut bad = ok[1].clone();
        bad.pop();
        assert_eq!(
            assemble(&[ok[0].clone(), bad]).err(),
            Some(FrameError::Unterminated)
        );
        // after an error, a new message is put together from its start
        let (mut p, mut buf, mut scratch) = (Parts::default(), Vec::new(), Vec::new());
        let d = decode(&ok[1], Layout::Multipart, &mut scratch).unwrap();
        assert_eq!(p.add(&d, &ok[1], &mut buf), Err(FrameError::Sequence));
        assert!(!p.pending());
        let d = decode(&whole[0], Layout::Multipart, &mut scratch).unwrap();
        assert_eq!(p.add(&d, &whole[0], &mut buf), Ok(Progress::Whole));
    }

    #[test]
    fn a_split_message_may_not_grow_past_the_limit() {
        // parts of one id that never end: refused once the whole passes MAX_UNCOMPRESSED
        let chunk = vec![b'y'; PART_TEXT];
        let (mut p, mut buf, mut scratch) = (Parts::default(), Vec::new(), Vec::new());
        let mut refused = None;
        for i in 0..=(MAX_UNCOMPRESSED as usize / PART_TEXT + 1) {
            let h = Header {
                id: 1,
                size: PART_BUFFER as i32,
                text_size: (PART_TEXT + 1) as u32,
                flags: flags::MULTIPART,
                version: 1,
                part_id: i as u16,
                ..Header::default()
            };
            let f = [&h.encode(Layout::Multipart)[..], &chunk, b"\0"].concat();
            let d = decode(&f, Layout::Multipart, &mut scratch).unwrap();
            if let Err(e) = p.add(&d, &f, &mut buf) {
                refused = Some((i, e));
                break;
            }
        }
        let (i, e) = refused.expect("refused");
        assert_eq!(e, FrameError::TooLarge);
        assert!(
            i * PART_TEXT <= MAX_UNCOMPRESSED as usize + PART_TEXT,
            "part {i}"
        );
    }
}

#[cfg(test)]
mod mutation_tests {
    use super::*;

    use crate::test_rng::Rng;

    #[test]
    fn mutated_frames_are_refused_or_decoded_never_a_panic() {
        // valid frames, plain and compressed, then flipped bytes, overwritten size fields and
        // truncations: whatever a peer sends, decode answers within the frame it was given
        let text: Vec<u8> = b"<cib epoch=\"1\"><status/></cib>"
            .iter()
            .copied()
            .cycle()
            .take(20_000)
            .chain([0])
            .collect();
        let z = compress(&[&text], 131072).unwrap();
        let plain = {
            let h = Header {
                size: (HEADER_SIZE + text.len()) as i32,
                text_size: text.len() as u32,
                version: 1,
                ..Header::default()
            };
            [&h.encode(Layout::Compressed)[..], &text].concat()
        };
        let packed = {
            let h = Header {
                size: (HEADER_SIZE + z.len()) as i32,
                text_size: text.len() as u32,
                size_compressed: z.len() as u32,
                flags: flags::COMPRESSED,
                version: 1,
                ..Header::default()
            };
            [&h.encode(Layout::Compressed)[..], &z].concat()
        };
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let mut scratch = Vec::new();
        let (mut ok, mut refused) = (0, 0);
        for round in 0..20_000 {
            let mut f = if round % 2 == 0 {
                plain.clone()
            } else {
                packed.clone()
            };
            for _ in 0..1 + rng.below(4) {
                match rng.below(4) {
                    0 if !f.is_empty() => {
                        let i = rng.below(f.len());
                        f[i] ^= 1 << rng.below(8);
                    }
                    1 if f.len() >= 32 => {
                        // a size field: uncompressed (24) or compressed (28)
                        let at = if rng.below(2) == 0 { 24 } else { 28 };
                        let v = match rng.below(3) {
                            0 => rng.next() as u32,
                            1 => u32::MAX - rng.below(4) as u32,
                            _ => rng.below(f.len() * 2) as u32,
                        };
                        f[at..at + 4].copy_from_slice(&v.to_ne_bytes());
                    }
                    0..=2 => f.truncate(rng.below(f.len() + 1)),
                    _ => {
                        let i = HEADER_SIZE.min(f.len()) + rng.below(f.len().max(1));
                        f.truncate(i.min(f.len()));
                        f.extend_from_slice(&[0xff; 7]);
                    }
                }
            }
            match decode(&f, Layout::Compressed, &mut scratch) {
                Ok(d) => {
                    assert!(d.text.len() < d.header.text_size as usize);
                    assert!(d.header.text_size <= MAX_UNCOMPRESSED);
                    ok += 1;
                }
                Err(_) => refused += 1,
            }
        }
        // both outcomes happen: the mutations are not all fatal, nor all harmless
        assert!(ok > 100 && refused > 100, "{ok} decoded, {refused} refused");
    }
}
