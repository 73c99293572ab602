#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = pcmk_ipc_rs::fuzzing::handshake(data);
});
