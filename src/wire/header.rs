//! Pacemaker's IPC message header (`pcmk__ipc_header_t`), in the two layouts Pacemaker has used:
//! libqb's 24-byte response header (also in requests), then the bytes 24 to 39, which mean
//!
//! | offset | [`Layout::Compressed`] (2.1, 3.0.0) | [`Layout::Multipart`] (3.0.1 and later) |
//! |---|---|---|
//! | 24 | `u32 size_uncompressed`: text + NUL | `u32 size`: this part's text + NUL |
//! | 28 | `u32 size_compressed` (0: not compressed) | `u32 flags` |
//! | 32 | `u32 flags` | `u8 version`, a pad byte, `u16 part_id` |
//! | 36 | `u8 version`, 3 pad bytes | 4 pad bytes |
//!
//! Both say protocol version 1, so the version cannot tell them apart; the version byte's
//! place can: every header a Pacemaker server sends has its version (1) at offset 36 in the
//! first layout and at offset 32, with zeros from 36 on, in the second ([`Layout::of`]).

/// The header's size on the wire (aligned to 8), in both layouts.
pub const HEADER_SIZE: usize = 40;
/// The protocol version this library speaks (Pacemaker's `PCMK__IPC_VERSION`, 1 in every
/// release).
pub const IPC_VERSION: u8 = 1;

/// How a Pacemaker release lays out the header, and so how it carries large messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Pacemaker 2.1 and 3.0.0: a message too large for the buffer is bzip2-compressed.
    Compressed,
    /// Pacemaker 3.0.1 and later: a message too large for the buffer is split into parts.
    Multipart,
}

impl Layout {
    /// The layout of a header a Pacemaker server wrote, from where its version byte is: `None`
    /// for a header of neither layout (or too short). A version of 0 (which no server sends)
    /// is not taken as either.
    pub fn of(b: &[u8]) -> Option<Layout> {
        if b.len() < HEADER_SIZE {
            return None;
        }
        let (v32, v36, tail) = (b[32], b[36], &b[37..40]);
        if v36 != 0 && tail == [0, 0, 0] {
            // the old version byte; byte 32 is then the low byte of the flags
            Some(Layout::Compressed)
        } else if v36 == 0 && tail == [0, 0, 0] && v32 != 0 && b[33] == 0 {
            Some(Layout::Multipart)
        } else {
            None
        }
    }
}

/// A bit of the compressed layout's flags that no Pacemaker release defines: set on a request
/// marked for that layout only (see [`mark_for_one_layout`]), and so possibly in the flags of
/// its reply (2.1 and 3.0.0 daemons copy a request's flags into some replies and acks).
pub const ONE_LAYOUT_MARK: u32 = 0x0000_0002;

/// The version a request marked for the multipart layout only declares where the compressed
/// layout reads its version (offset 36, padding to 3.0.1+).
const OTHER_LAYOUT_VERSION: u8 = 2;

/// Mark an encoded request header so that only readers of `layout` take it, and readers of the
/// other layout drop it unread: both check the protocol version first
/// (`pcmk__valid_ipc_header`, "Filtering incompatible v2 IPC message") and drop a message above
/// version 1 before looking at anything else, and each layout's padding is the other's
/// version byte.
///
/// - [`Layout::Compressed`]: [`ONE_LAYOUT_MARK`] in the flags, so that byte 32 — the low byte
///   of the flags here, the version to a 3.0.1+ reader — is 2 or more. A 2.1 or 3.0.0 reader
///   ignores the bit.
/// - [`Layout::Multipart`]: version 2 at byte 36, the compressed layout's version byte and
///   padding to a 3.0.1+ reader, which never reads it.
///
/// A request so marked is acted on by a daemon of one layout only, whatever its release: sent
/// once in each layout, it is acted on exactly once.
pub fn mark_for_one_layout(header: &mut [u8; HEADER_SIZE], layout: Layout) {
    match layout {
        Layout::Compressed => {
            let flags = u32_at(header, 32) | ONE_LAYOUT_MARK;
            header[32..36].copy_from_slice(&flags.to_ne_bytes());
        }
        Layout::Multipart => header[36] = OTHER_LAYOUT_VERSION,
    }
}

/// The fields of a header, in either layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// libqb's message id: the request id, or the id of the request a response answers.
    pub id: i32,
    /// libqb's total message size (header included).
    pub size: i32,
    /// libqb's error field (0).
    pub error: i32,
    /// Length of the text including its NUL: of the whole message (compressed layout), of this
    /// part (multipart layout; of the whole message once reassembled).
    pub text_size: u32,
    /// Length of the compressed payload, or 0 when not compressed (compressed layout only).
    pub size_compressed: u32,
    /// `enum crm_ipc_flags` bits.
    pub flags: u32,
    /// Protocol version.
    pub version: u8,
    /// Index of this part (multipart layout only; 0 otherwise).
    pub part_id: u16,
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().expect("4 bytes"))
}

impl Header {
    /// The header's bytes in a layout (padding zeroed; a field the layout lacks is left out).
    pub fn encode(&self, layout: Layout) -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[0..4].copy_from_slice(&self.id.to_ne_bytes());
        b[8..12].copy_from_slice(&self.size.to_ne_bytes());
        b[16..20].copy_from_slice(&self.error.to_ne_bytes());
        b[24..28].copy_from_slice(&self.text_size.to_ne_bytes());
        match layout {
            Layout::Compressed => {
                b[28..32].copy_from_slice(&self.size_compressed.to_ne_bytes());
                b[32..36].copy_from_slice(&self.flags.to_ne_bytes());
                b[36] = self.version;
            }
            Layout::Multipart => {
                b[28..32].copy_from_slice(&self.flags.to_ne_bytes());
                b[32] = self.version;
                b[34..36].copy_from_slice(&self.part_id.to_ne_bytes());
            }
        }
        b
    }

    /// Read a header in a layout from the start of a message (`None` if shorter than one).
    pub fn decode(b: &[u8], layout: Layout) -> Option<Header> {
        if b.len() < HEADER_SIZE {
            return None;
        }
        let mut h = Header {
            id: u32_at(b, 0) as i32,
            size: u32_at(b, 8) as i32,
            error: u32_at(b, 16) as i32,
            text_size: u32_at(b, 24),
            ..Header::default()
        };
        match layout {
            Layout::Compressed => {
                h.size_compressed = u32_at(b, 28);
                h.flags = u32_at(b, 32);
                h.version = b[36];
            }
            Layout::Multipart => {
                h.flags = u32_at(b, 28);
                h.version = b[32];
                h.part_id = u16::from_ne_bytes([b[34], b[35]]);
            }
        }
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_bytes_pacemaker_3_0_0_sends() {
        // a request measured on the wire (shared/docs/pacemaker-ipc-client.md §3.1):
        // id 1, size 64, 24 bytes of text, flags crm_ipc_client_response, version 1
        let h = Header {
            id: 1,
            size: 64,
            text_size: 24,
            flags: 0x200,
            version: 1,
            ..Header::default()
        };
        let want: [u8; 40] = [
            1, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x18, 0, 0,
            0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0,
        ];
        assert_eq!(h.encode(Layout::Compressed), want);
        assert_eq!(Header::decode(&want, Layout::Compressed), Some(h));
        assert_eq!(Header::decode(&want[..39], Layout::Compressed), None);
        assert_eq!(Layout::of(&want), Some(Layout::Compressed));
    }

    #[test]
    fn matches_the_layout_of_pacemaker_3_0_1() {
        // the second part of a multipart event: id 5, 131072 bytes in all, flags
        // crm_ipc_server_event | crm_ipc_server_free | crm_ipc_multipart, version 1, part 1
        let h = Header {
            id: 5,
            size: 131072,
            text_size: 131032,
            flags: 0x0001_0000 | 0x0002_0000 | 0x0008_0000,
            version: 1,
            part_id: 1,
            ..Header::default()
        };
        let b = h.encode(Layout::Multipart);
        assert_eq!(&b[24..28], &131032u32.to_ne_bytes());
        assert_eq!(&b[28..32], &0x000b_0000u32.to_ne_bytes());
        assert_eq!(&b[32..40], &[1, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(Header::decode(&b, Layout::Multipart), Some(h));
        assert_eq!(Layout::of(&b), Some(Layout::Multipart));
    }

    /// What a reader of each layout takes from a header: `None` when it drops the message for
    /// its version (as `pcmk__valid_ipc_header`), else the flags and part it acts on.
    fn as_read_by(b: &[u8; HEADER_SIZE], layout: Layout) -> Option<(u32, u16)> {
        let h = Header::decode(b, layout)?;
        (h.version <= IPC_VERSION).then_some((h.flags, h.part_id))
    }

    #[test]
    fn a_request_marked_for_one_layout_is_read_by_that_layout_only() {
        for flags in [0u32, 0x200, 0x100, 0x300, 0x201, 0x0008_0200, 0x0018_0200] {
            for part_id in [0u16, 1, 7] {
                for layout in [Layout::Compressed, Layout::Multipart] {
                    let other = match layout {
                        Layout::Compressed => Layout::Multipart,
                        Layout::Multipart => Layout::Compressed,
                    };
                    let h = Header {
                        id: 9,
                        size: 64,
                        text_size: 24,
                        size_compressed: if layout == Layout::Compressed && flags & 1 != 0 {
                            20
                        } else {
                            0
                        },
                        flags,
                        version: IPC_VERSION,
                        part_id: if layout == Layout::Multipart {
                            part_id
                        } else {
                            0
                        },
                        ..Header::default()
                    };
                    let mut b = h.encode(layout);
                    mark_for_one_layout(&mut b, layout);
                    // its own layout reads what was meant (the mark aside)
                    let (f, p) = as_read_by(&b, layout).expect("read by its layout");
                    assert_eq!(f & !ONE_LAYOUT_MARK, flags);
                    assert_eq!(p, h.part_id);
                    // the other drops it
                    assert_eq!(as_read_by(&b, other), None, "{layout:?} {flags:#x}");
                    // unmarked, the other would have acted on a misread request
                    assert!(as_read_by(&h.encode(layout), other).is_some());
                }
            }
        }
    }

    #[test]
    fn the_layout_is_told_by_the_version_bytes_place_only() {
        // an old header's flags put any byte at 32..36; the version byte at 36 decides
        for flags in [0u32, 1, 0x200, 0x0001_0000, 0x0003_0201, u32::MAX] {
            let h = Header {
                flags,
                version: 1,
                ..Header::default()
            };
            assert_eq!(
                Layout::of(&h.encode(Layout::Compressed)),
                Some(Layout::Compressed)
            );
            assert_eq!(
                Layout::of(&h.encode(Layout::Multipart)),
                Some(Layout::Multipart)
            );
        }
        // version 0 anywhere, or bytes where only padding may be: neither
        assert_eq!(Layout::of(&[0u8; 40]), None);
        let mut b = [0u8; 40];
        b[36] = 1;
        b[38] = 7;
        assert_eq!(Layout::of(&b), None);
        let mut b = [0u8; 40];
        b[32] = 1;
        b[33] = 1;
        assert_eq!(Layout::of(&b), None);
        assert_eq!(Layout::of(&[1u8; 39]), None);
    }
}
