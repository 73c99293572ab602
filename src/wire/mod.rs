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
