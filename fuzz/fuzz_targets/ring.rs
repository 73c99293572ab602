#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| pcmk_ipc_rs::fuzzing::ring(data));
