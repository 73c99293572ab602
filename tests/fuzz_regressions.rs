//! The fuzz targets' inputs replayed (`cargo test --features fuzzing --test fuzz_regressions`,
//! run by scripts/test): every seed and corpus input of `fuzz/corpus/TARGET`, and every input
//! that once made a target fail, kept in `fuzz/regressions/TARGET` after its fix. Each must run
//! through its target without a panic (the targets assert what must hold).
#![cfg(feature = "fuzzing")]

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    replay_counting(target, |d| {
        run(d);
        false
    });
}

/// Replay, counting the inputs for which `run` says yes.
fn replay_counting(target: &str, mut run: impl FnMut(&[u8]) -> bool) -> usize {
    let mut yes = 0;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries.flatten() {
            let data = std::fs::read(e.path()).unwrap();
            yes += usize::from(run(&data));
            n += 1;
        }
    }
    assert!(n > 0, "no inputs for {target}");
    yes
}

#[test]
fn frames() {
    replay("frames", pcmk_ipc_rs::fuzzing::frames);
}

#[test]
fn decompress() {
    replay("decompress", pcmk_ipc_rs::fuzzing::decompress);
}

#[test]
fn xml() {
    replay("xml", pcmk_ipc_rs::fuzzing::xml);
}

#[test]
fn replies() {
    replay("replies", pcmk_ipc_rs::fuzzing::replies);
}

// the ring and handshake harnesses share their files in /dev/shm: one test runs both
#[test]
fn ring_and_handshake() {
    replay("ring", pcmk_ipc_rs::fuzzing::ring);
    // the seeds that name the harness's rings connect
    let connected = replay_counting("handshake", pcmk_ipc_rs::fuzzing::handshake);
    pcmk_ipc_rs::fuzzing::cleanup();
    assert!(connected > 0, "no handshake seed connected");
}
