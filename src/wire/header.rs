//! Pacemaker's IPC message header (`pcmk__ipc_header_t` in 3.0.0): libqb's 24-byte response
//! header (also in requests), then `size_uncompressed`, `size_compressed`, `flags`, `version`.

/// The header's size on the wire (aligned to 8).
pub const HEADER_SIZE: usize = 40;
/// The protocol version this library speaks.
pub const IPC_VERSION: u8 = 1;

/// The fields of a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// libqb's message id: the request id, or the id of the request a response answers.
    pub id: i32,
    /// libqb's total message size (header included).
    pub size: i32,
    /// libqb's error field (0).
    pub error: i32,
    /// Length of the text including its NUL.
    pub size_uncompressed: u32,
    /// Length of the compressed payload, or 0 when not compressed.
    pub size_compressed: u32,
    /// `enum crm_ipc_flags` bits.
    pub flags: u32,
    /// Protocol version.
    pub version: u8,
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().expect("4 bytes"))
}

impl Header {
    /// The header's bytes (padding zeroed).
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[0..4].copy_from_slice(&self.id.to_ne_bytes());
        b[8..12].copy_from_slice(&self.size.to_ne_bytes());
        b[16..20].copy_from_slice(&self.error.to_ne_bytes());
        b[24..28].copy_from_slice(&self.size_uncompressed.to_ne_bytes());
        b[28..32].copy_from_slice(&self.size_compressed.to_ne_bytes());
        b[32..36].copy_from_slice(&self.flags.to_ne_bytes());
        b[36] = self.version;
        b
    }

    /// Read a header from the start of a message (`None` if shorter than a header).
    pub fn decode(b: &[u8]) -> Option<Header> {
        if b.len() < HEADER_SIZE {
            return None;
        }
        Some(Header {
            id: u32_at(b, 0) as i32,
            size: u32_at(b, 8) as i32,
            error: u32_at(b, 16) as i32,
            size_uncompressed: u32_at(b, 24),
            size_compressed: u32_at(b, 28),
            flags: u32_at(b, 32),
            version: b[36],
        })
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
            error: 0,
            size_uncompressed: 24,
            size_compressed: 0,
            flags: 0x200,
            version: 1,
        };
        let want: [u8; 40] = [
            1, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x18, 0, 0,
            0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0,
        ];
        assert_eq!(h.encode(), want);
        assert_eq!(Header::decode(&want), Some(h));
        assert_eq!(Header::decode(&want[..39]), None);
    }
}
