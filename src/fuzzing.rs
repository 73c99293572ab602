//! Entry points for the fuzz targets of `fuzz/` (`scripts/fuzz`), compiled only with the
//! `fuzzing` feature: each runs one of the library's readers of what a peer sends on arbitrary
//! bytes. None may panic, hang or read out of bounds, whatever the bytes; where a second
//! implementation exists (libxml2's parser for the document builder) the two must agree.

use crate::client::ipc_api::{self, Api};
use crate::wire::{self, Header, Layout, Parts, HEADER_SIZE};
use crate::xml::Document;

/// The frame decoder: the layout told from the header, each layout's decoding, and split
/// messages put together. The input is a sequence of frames, each preceded by a 2-byte length.
pub fn frames(data: &[u8]) {
    let _ = Layout::of(data);
    for layout in [Layout::Compressed, Layout::Multipart] {
        let _ = Header::decode(data, layout);
        let mut scratch = Vec::new();
        if let Ok(f) = wire::decode(data, layout, &mut scratch) {
            assert!(f.text.len() < f.header.text_size as usize);
        }
        // a sequence of frames through one channel's reassembly
        let (mut parts, mut buf, mut rest) = (Parts::default(), Vec::new(), data);
        while rest.len() >= 2 {
            let n = (u16::from_le_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
            let frame = &rest[2..2 + n];
            rest = &rest[2 + n..];
            let mut scratch = Vec::new();
            if let Ok(f) = wire::decode(frame, layout, &mut scratch) {
                if let Ok(wire::Progress::Done(h)) = parts.add(&f, frame, &mut buf) {
                    // the whole message: its header, the texts, one NUL
                    assert!(buf.len() > HEADER_SIZE && buf.last() == Some(&0));
                    assert_eq!(h.id, f.header.id);
                }
            }
        }
    }
}

/// Decompression: the first 4 bytes are the declared size (at most 16 MiB here, so that every
/// run is quick; the library allows 256 MiB), the rest the compressed data.
pub fn decompress(data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let declared = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) % (16 << 20);
    let mut out = b"head".to_vec();
    if wire::decompress(&data[4..], declared, &mut out).is_ok() {
        assert_eq!(out.len(), 4 + declared as usize);
    }
}

/// The document builder against libxml2's parser: whatever one builds, the other builds alike.
pub fn xml(data: &[u8]) {
    let _ = crate::xml::build_compare(data);
}

/// Every daemon's reply decoder (and the API object's dispatch) on whatever libxml2 makes of
/// the input.
pub fn replies(data: &[u8]) {
    let Some(doc) = Document::parse(data) else {
        return;
    };
    for server in [
        ipc_api::server::ATTRD,
        ipc_api::server::CONTROLD,
        ipc_api::server::PACEMAKERD,
        ipc_api::server::SCHEDULERD,
    ] {
        let mut api = Api::new(server).expect("a server the API object serves");
        let _ = api.decode(doc.root());
    }
    let root = doc.root();
    // each decoder also on what its dispatch takes for an ack
    let _ = crate::client::daemons::attrd::decode_reply(root);
    let _ = crate::client::daemons::controld::decode_reply(root);
    let _ = crate::client::daemons::pacemakerd::decode_reply(root);
    let _ = crate::client::daemons::schedulerd::decode_reply(root);
}

/// A shared-memory ring whose files hold the input: the header file (the first 8248 bytes,
/// with a word count from the input kept small and the data path pointing at the data file)
/// and the data file (the rest). The ring is opened and read (and written) as a connection
/// would.
pub fn ring(data: &[u8]) {
    crate::qb::shm::fuzz_ring(data);
}

/// The handshake: a fake server answers the connection request with the input (padded or cut
/// to libqb's 12328-byte response), then hangs up; the client parses it, checks it, and opens
/// whatever rings it names (the harness keeps a valid set of rings where the seeds point).
pub fn handshake(data: &[u8]) -> bool {
    crate::qb::fuzz_handshake(data)
}

/// Remove the files the ring and handshake harnesses made in this process.
pub fn cleanup() {
    crate::qb::fuzz_cleanup();
}
