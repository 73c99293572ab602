//! Pacemaker's framing on top of libqb messages (3.0.0 and 2.1.x, protocol version 1): a
//! 40-byte header, then the XML text with its NUL, bzip2-compressed when the message would not
//! fit the buffer.

mod compress;
mod header;
mod xml;

pub use compress::{compress, decompress, DecompressError, MAX_UNCOMPRESSED};
pub use header::{Header, HEADER_SIZE, IPC_VERSION};
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
}

/// A received message: its header and its text (without the terminating NUL).
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The header as received (`size_compressed` still says whether it was compressed).
    pub header: Header,
    /// The XML text, decompressed.
    pub text: &'a [u8],
}

/// Decode a received frame. A compressed payload is decompressed into `scratch`, after a copy
/// of the header (so that `scratch` then holds the whole frame, uncompressed), and the text
/// borrows from it; otherwise the text borrows from `frame`.
///
/// Every size in the header is checked against what arrived and against
/// [`MAX_UNCOMPRESSED`]: nothing here trusts the peer's numbers.
pub fn decode<'a>(frame: &'a [u8], scratch: &'a mut Vec<u8>) -> Result<Frame<'a>, FrameError> {
    let header = Header::decode(frame).ok_or(FrameError::Malformed)?;
    let body = &frame[HEADER_SIZE..];
    let plain: &[u8] = if header.size_compressed != 0 {
        let n = header.size_compressed as usize;
        if n > body.len() {
            return Err(FrameError::Malformed);
        }
        scratch.clear();
        scratch.extend_from_slice(&frame[..HEADER_SIZE]);
        decompress(&body[..n], header.size_uncompressed, scratch)
            .map_err(FrameError::Decompress)?;
        &scratch[HEADER_SIZE..]
    } else {
        body
    };
    if header.version > IPC_VERSION {
        return Err(FrameError::Version(header.version));
    }
    let n = header.size_uncompressed as usize;
    if n == 0 || n > plain.len() || plain[n - 1] != 0 {
        return Err(FrameError::Unterminated);
    }
    Ok(Frame {
        header,
        text: &plain[..n - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(h: Header, body: &[u8]) -> Vec<u8> {
        let mut f = h.encode().to_vec();
        f.extend_from_slice(body);
        f
    }

    fn plain(text: &[u8]) -> Header {
        Header {
            id: 7,
            size: (HEADER_SIZE + text.len()) as i32,
            size_uncompressed: text.len() as u32,
            version: 1,
            ..Header::default()
        }
    }

    #[test]
    fn well_formed_frames_decode_plain_and_compressed() {
        let mut scratch = Vec::new();
        let f = frame(plain(b"<ok/>\0"), b"<ok/>\0");
        let d = decode(&f, &mut scratch).unwrap();
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
        let d = decode(&f, &mut scratch).unwrap();
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
            decode(&[0u8; 39], &mut scratch).err(),
            Some(FrameError::Malformed)
        );
        // declares more text than arrived
        let h = Header {
            size_uncompressed: 100,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, text), &mut scratch).err(),
            Some(FrameError::Unterminated)
        );
        // no NUL where the header says the text ends
        assert_eq!(
            decode(&frame(plain(b"<ok/>x"), b"<ok/>x"), &mut scratch).err(),
            Some(FrameError::Unterminated)
        );
        // an empty text (no room even for the NUL)
        assert_eq!(
            decode(&frame(plain(b""), b""), &mut scratch).err(),
            Some(FrameError::Unterminated)
        );
        // a compressed size beyond what arrived
        let h = Header {
            size_compressed: 1000,
            flags: flags::COMPRESSED,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, text), &mut scratch).err(),
            Some(FrameError::Malformed)
        );
        // compressed, declaring more than the limit: refused before any allocation
        let z = compress(&[text], 131072).unwrap();
        let h = Header {
            size_compressed: z.len() as u32,
            size_uncompressed: MAX_UNCOMPRESSED + 1,
            flags: flags::COMPRESSED,
            ..plain(text)
        };
        let mut fresh = Vec::new();
        assert_eq!(
            decode(&frame(h, &z), &mut fresh).err(),
            Some(FrameError::Decompress(DecompressError::TooBig))
        );
        assert!(fresh.capacity() < 4096, "{} reserved", fresh.capacity());
        // compressed, declaring less than it holds, or not bzip2 at all
        let h = Header {
            size_compressed: z.len() as u32,
            size_uncompressed: 3,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, &z), &mut scratch).err(),
            Some(FrameError::Decompress(DecompressError::TooBig))
        );
        let h = Header {
            size_compressed: 6,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, b"BZh4xx"), &mut scratch).err(),
            Some(FrameError::Decompress(DecompressError::BadInput))
        );
        // a newer protocol version
        let h = Header {
            version: 2,
            ..plain(text)
        };
        assert_eq!(
            decode(&frame(h, text), &mut scratch).err(),
            Some(FrameError::Version(2))
        );
    }
}

#[cfg(test)]
mod mutation_tests {
    use super::*;

    /// xorshift: a fixed sequence, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

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
                size_uncompressed: text.len() as u32,
                version: 1,
                ..Header::default()
            };
            [&h.encode()[..], &text].concat()
        };
        let packed = {
            let h = Header {
                size: (HEADER_SIZE + z.len()) as i32,
                size_uncompressed: text.len() as u32,
                size_compressed: z.len() as u32,
                flags: flags::COMPRESSED,
                version: 1,
                ..Header::default()
            };
            [&h.encode()[..], &z].concat()
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
            match decode(&f, &mut scratch) {
                Ok(d) => {
                    assert!(d.text.len() < d.header.size_uncompressed as usize);
                    assert!(d.header.size_uncompressed <= MAX_UNCOMPRESSED);
                    ok += 1;
                }
                Err(_) => refused += 1,
            }
        }
        // both outcomes happen: the mutations are not all fatal, nor all harmless
        assert!(ok > 100 && refused > 100, "{ok} decoded, {refused} refused");
    }
}
