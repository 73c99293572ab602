//! Capture what real daemons send, as seeds for the fuzz targets (`scripts/fuzz --capture`, on
//! a live node: `scripts/pcmk-node run VERSION -- cargo run --example capture -- DIR`).
//!
//! Sends a few ordinary requests to the CIB manager, pacemakerd, the controller, the attribute
//! manager and the scheduler over the bare libqb transport, and writes every frame received,
//! untouched, to `DIR/frames/`; the text of each (decompressed or put together where needed)
//! to `DIR/xml/`; each compressed payload with its declared size in front to `DIR/decompress/`;
//! and ring images holding real frames to `DIR/ring/` (the layouts of `pcmk_ipc_rs::fuzzing`).
//! The layout of the node's daemons is told from their first message.

use pcmk_ipc_rs::qb::{ConnectOptions, Connection, REQUEST_HEADER_SIZE};
use pcmk_ipc_rs::wire::{self, flags, Header, Layout, HEADER_SIZE};
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Out {
    dir: PathBuf,
    tag: String,
    n: usize,
}

impl Out {
    fn save(&mut self, kind: &str, bytes: &[u8]) {
        let dir = self.dir.join(kind);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        self.n += 1;
        std::fs::write(dir.join(format!("{}-{:03}", self.tag, self.n)), bytes).expect("write");
    }

    /// A received frame, and what the other targets can use of it.
    fn frame(&mut self, frame: &[u8]) {
        self.save("frames", frame);
        let Some(layout) = Layout::of(frame) else {
            return;
        };
        if let Some(h) = Header::decode(frame, layout) {
            if h.size_compressed != 0 && frame.len() >= HEADER_SIZE + h.size_compressed as usize {
                let mut seed = h.text_size.to_le_bytes().to_vec();
                seed.extend_from_slice(
                    &frame[HEADER_SIZE..HEADER_SIZE + h.size_compressed as usize],
                );
                self.save("decompress", &seed);
            }
        }
        let mut scratch = Vec::new();
        if let Ok(f) = wire::decode(frame, layout, &mut scratch) {
            if f.text.len() < 64 * 1024 {
                let text = f.text.to_vec();
                self.save("xml", &text);
            }
        }
        // a ring image: header words (write pointer after the chunk, read pointer 0, a word
        // count that holds it), then the data: [length][commit magic][frame]
        if frame.len() <= 8000 {
            let words = (2 + frame.len().div_ceil(4) + 4) as u32;
            let mut image = vec![0u8; 8248];
            image[0..4].copy_from_slice(&((2 + frame.len().div_ceil(4)) as u32).to_ne_bytes());
            image[8..12].copy_from_slice(&(words - 4).to_le_bytes());
            image.extend_from_slice(&(frame.len() as u32).to_ne_bytes());
            image.extend_from_slice(&0xA1A1_A1A1u32.to_ne_bytes());
            image.extend_from_slice(frame);
            self.save("ring", &image);
        }
    }
}

/// A request frame: libqb's request header in Pacemaker's, then the text and its NUL.
fn request(id: i32, text: &str, flags: u32, layout: Layout) -> Vec<u8> {
    let h = Header {
        id,
        size: (HEADER_SIZE + text.len() + 1) as i32,
        text_size: (text.len() + 1) as u32,
        flags,
        version: wire::IPC_VERSION,
        ..Header::default()
    };
    let mut f = h.encode(layout).to_vec();
    f.extend_from_slice(text.as_bytes());
    f.push(0);
    assert!(f.len() >= REQUEST_HEADER_SIZE);
    f
}

/// Send each request and keep whatever comes back (replies and events) for a moment.
fn exchange(out: &mut Out, service: &str, layout: &mut Option<Layout>, texts: &[(&str, bool)]) {
    let opts = ConnectOptions::default();
    let Ok(mut c) = Connection::connect(service, &opts) else {
        eprintln!("capture: cannot connect to {service}");
        return;
    };
    for (i, (text, reply)) in texts.iter().enumerate() {
        // a request that wants a reply needs the node's layout: flagless ones go first
        let l = layout.unwrap_or(Layout::Compressed);
        let flags = if *reply && layout.is_some() {
            flags::CLIENT_RESPONSE
        } else {
            0
        };
        let f = request(1000 + i as i32, text, flags, l);
        if c.send(&[&f]).is_err() {
            break;
        }
        if flags != 0 {
            if let Ok(frame) = c.recv_response(Some(Duration::from_secs(5)), |m| m.to_vec()) {
                layout.get_or_insert_with(|| Layout::of(&frame).unwrap_or(Layout::Compressed));
                out.frame(&frame);
            }
        }
        // events (parts of a split one come back to back)
        while let Ok(frame) = c.recv_event(Some(Duration::from_millis(700)), |m| m.to_vec()) {
            if let Some(l) = Layout::of(&frame) {
                layout.get_or_insert(l);
            }
            out.frame(&frame);
        }
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: capture DIR");
    let tag = std::env::var("PCMK_NODE_PACEMAKER").unwrap_or_else(|_| "node".into());
    let mut out = Out {
        dir: Path::new(&dir).to_path_buf(),
        tag,
        n: 0,
    };
    let mut layout = None;
    // pacemakerd first: its flagless ping is answered by event in the daemon's own layout
    let ping = r#"<create_request_adv origin="capture" t="pacemakerd" version="3.20.0" subt="request" reference="pacemakerd-capture-1" crm_task="ping" crm_sys_to="pacemakerd" crm_sys_from="capture" crm_host_to=""><crm_xml/></create_request_adv>"#;
    exchange(&mut out, "pacemakerd", &mut layout, &[(ping, false)]);
    let cib_query =
        r#"<cib_command t="cib" cib_op="cib_query" cib_callid="1" cib_callopt="4096"/>"#;
    let cib_nodes = r#"<cib_command t="cib" cib_op="cib_query" cib_section="nodes" cib_callid="2" cib_callopt="4096"/>"#;
    exchange(
        &mut out,
        "cib_ro",
        &mut layout,
        &[(cib_query, true), (cib_nodes, true)],
    );
    let hello = r#"<create_request_adv origin="capture" t="crmd" version="3.20.0" subt="request" reference="hello-capture-1" crm_task="hello" crm_sys_to="crmd" crm_sys_from="capture-uuid" crm_host_to=""><crm_xml><options client_name="capture" major_version="1" minor_version="0" client_uuid="capture-uuid"/></crm_xml></create_request_adv>"#;
    let crmd_ping = r#"<create_request_adv origin="capture" t="crmd" version="3.20.0" subt="request" reference="ping-capture-2" crm_task="ping" crm_sys_to="crmd" crm_sys_from="capture-uuid" crm_host_to=""><crm_xml/></create_request_adv>"#;
    let nodes = r#"<create_request_adv origin="capture" t="crmd" version="3.20.0" subt="request" reference="list-capture-3" crm_task="list-nodes" crm_sys_to="crmd" crm_sys_from="capture-uuid" crm_host_to=""><crm_xml/></create_request_adv>"#;
    let info = r#"<create_request_adv origin="capture" t="crmd" version="3.20.0" subt="request" reference="info-capture-4" crm_task="node-info" crm_sys_to="crmd" crm_sys_from="capture-uuid" crm_host_to=""><crm_xml/></create_request_adv>"#;
    exchange(
        &mut out,
        "crmd",
        &mut layout,
        &[
            (hello, false),
            (crmd_ping, false),
            (nodes, false),
            (info, false),
        ],
    );
    let attr_update = r#"<attrd_update t="attrd" task="update" attr_name="pcmkrs-capture" attr_value="1" attr_host="node1" attr_is_private="0"/>"#;
    let attr_query =
        r#"<attrd_query t="attrd" task="query" attr_name="pcmkrs-capture" attr_host="node1"/>"#;
    exchange(
        &mut out,
        "attrd",
        &mut layout,
        &[(attr_update, false), (attr_query, true)],
    );
    // the scheduler, on a small CIB of its own (a whole padded one would not fit a request)
    let cib = r#"<cib validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o-s" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes><node id="1" uname="node1"/></nodes><resources><primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/></resources><constraints/></configuration><status/></cib>"#;
    let graph = format!(
        r#"<create_request_adv origin="capture" t="pengine" version="3.20.0" subt="request" reference="pe_calc-capture-1" crm_task="pe_calc" crm_sys_to="pengine" crm_sys_from="capture" crm_host_to=""><crm_xml>{cib}</crm_xml></create_request_adv>"#
    );
    exchange(&mut out, "pengine", &mut layout, &[(&graph, true)]);
    handshake_seeds(&mut out);
    println!("capture: {} files, layout {layout:?}", out.n);
}

/// libqb handshake responses for the handshake target: accepted with shared memory (naming the
/// rings the harness makes, written for pid 0), with sockets, and refused.
fn handshake_seeds(out: &mut Out) {
    for (kind, error) in [(1i32, 0i32), (0, 0), (1, -13)] {
        let mut r = vec![0u8; 12328];
        r[0..4].copy_from_slice(&(-1i32).to_ne_bytes());
        r[8..12].copy_from_slice(&12328i32.to_ne_bytes());
        r[16..20].copy_from_slice(&error.to_ne_bytes());
        r[24..28].copy_from_slice(&kind.to_ne_bytes());
        r[28..32].copy_from_slice(&4084u32.to_ne_bytes());
        for (i, ring) in ["request", "response", "event"].iter().enumerate() {
            let p = format!("/dev/shm/qb-fuzz-0-hs/qb-{ring}-svc");
            r[40 + i * 4096..40 + i * 4096 + p.len()].copy_from_slice(p.as_bytes());
        }
        out.save("handshake", &r);
    }
}
