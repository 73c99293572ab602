//! Helpers for the transport tests: the libqb echo server of tests-c/, run as a child process.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The echo server binary: `$QB_ECHO_SERVER` (meson builds it), else compiled here with gcc
/// against the system's libqb-dev.
pub fn echo_server_binary() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::var_os("QB_ECHO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| c_binary("qb_echo_server", &[]))
    })
    .clone()
}

/// The hostile server of tests-c/ (`$QB_HOSTILE_SERVER`, else compiled here).
pub fn hostile_server_binary() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::var_os("QB_HOSTILE_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| c_binary("qb_hostile_server", &["-lbz2"]))
    })
    .clone()
}

/// tests-c/NAME.c compiled with gcc against libqb (and `libs`), once per version of the source,
/// shared by the test processes.
fn c_binary(name: &str, libs: &[&str]) -> PathBuf {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests-c/{name}.c"));
    // the source and the header both servers include
    let hash = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::fs::read(&src).expect("server source").hash(&mut h);
        std::fs::read(src.with_file_name("qb_server.h"))
            .expect("tests-c/qb_server.h")
            .hash(&mut h);
        h.finish()
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let done = dir.join(format!("{name}-{hash:016x}"));
    if done.exists() {
        return done;
    }
    let out = dir.join(format!("{name}-build-{}", std::process::id()));
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libqb"])
        .output()
        .expect("pkg-config");
    assert!(
        flags.status.success(),
        "pkg-config libqb failed: install libqb-dev"
    );
    let flags = String::from_utf8(flags.stdout).unwrap();
    let st = Command::new("gcc")
        .arg("-O1")
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .args(flags.split_whitespace())
        .args(libs)
        .status()
        .expect("gcc");
    assert!(st.success(), "could not build {name}");
    std::fs::rename(&out, &done).expect("rename the server build");
    done
}

/// The pid a test server prints on its first line ("ready <pid>") once it listens.
fn ready_pid(child: &mut Child) -> i32 {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.trim()
        .strip_prefix("ready ")
        .expect("the server did not start")
        .parse()
        .unwrap()
}

/// A running hostile server (tests-c/qb_hostile_server.c); stopped on drop.
pub struct HostileServer {
    pub name: String,
    pub pid: i32,
    child: Option<Child>,
}

impl HostileServer {
    /// Serve `name` (a fresh one if `None`) in the header `layout` ("compressed" or
    /// "multipart"), with `env`.
    pub fn start(name: Option<&str>, layout: &str, env: &[(&str, &str)]) -> HostileServer {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = name.map(str::to_owned).unwrap_or_else(|| {
            format!(
                "pcmkrs-hostile-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            )
        });
        let mut cmd = Command::new(hostile_server_binary());
        cmd.args([&name, layout])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the hostile server");
        let pid = ready_pid(&mut child);
        HostileServer {
            name,
            pid,
            child: Some(child),
        }
    }
}

impl HostileServer {
    /// A hostile server serving a Pacemaker daemon's service `name` in `layout`, alone in a
    /// network namespace of its own (enter it with [`in_netns`]; no node can be asked there, so
    /// the client learns the layout from the server's answer). Needs root (`None` otherwise).
    pub fn start_daemon(name: &str, layout: &str) -> Option<HostileServer> {
        if unsafe { libc::geteuid() } != 0 {
            return None;
        }
        let mut cmd = Command::new("unshare");
        cmd.arg("--net")
            .arg(hostile_server_binary())
            .args([name, layout])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd
            .spawn()
            .expect("start the hostile server in a namespace");
        let pid = ready_pid(&mut child);
        Some(HostileServer {
            name: name.to_owned(),
            pid,
            child: Some(child),
        })
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
        // what a server that died of its own faults (a truncated ring) left
        for e in shm_entries_of(self.pid) {
            let _ = std::fs::remove_dir_all(format!("/dev/shm/{e}"));
        }
    }
}

/// A running echo server; stopped (SIGTERM, reaped) on drop.
pub struct EchoServer {
    pub name: String,
    pub pid: i32,
    child: Option<Child>,
    /// A folder of the test's own to remove with the server.
    scratch: Option<PathBuf>,
}

/// A new folder of this process's own under the temporary directory (`mkdtemp`: created
/// exclusively, mode 0700).
pub fn fresh_dir(tag: &str) -> PathBuf {
    let template = std::env::temp_dir().join(format!("pcmkrs-{tag}-XXXXXX"));
    let mut bytes = template.into_os_string().into_encoded_bytes();
    bytes.push(0);
    // SAFETY: a writable NUL-terminated template.
    let p = unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) };
    assert!(!p.is_null(), "mkdtemp: {}", std::io::Error::last_os_error());
    bytes.pop();
    PathBuf::from(String::from_utf8(bytes).expect("UTF-8 temporary path"))
}

impl EchoServer {
    pub fn start(mode: &str, buffer: u32) -> EchoServer {
        Self::start_with_env(mode, buffer, &[])
    }

    pub fn start_with_env(mode: &str, buffer: u32, env: &[(&str, &str)]) -> EchoServer {
        Self::start_full(mode, buffer, env, false)
    }

    /// A server that sends every request back unchanged (Pacemaker frames answer themselves).
    pub fn start_raw(mode: &str, buffer: u32) -> EchoServer {
        Self::start_full(mode, buffer, &[], true)
    }

    /// A raw server running as `nobody` (a libqb server that is not Pacemaker's). Needs root:
    /// `None` otherwise.
    pub fn start_raw_as_nobody(mode: &str) -> Option<EchoServer> {
        if unsafe { libc::geteuid() } != 0 {
            return None;
        }
        // a copy nobody may execute (the build tree may be in a private home)
        let dir = fresh_dir("nobody");
        let bin = dir.join("qb_echo_server");
        std::fs::copy(echo_server_binary(), &bin).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut server = Self::spawn(Command::new(&bin), mode, 0, &[], true, Some(65534));
        server.scratch = Some(dir);
        Some(server)
    }

    /// A raw server serving a Pacemaker daemon's service `name` (say `cib_rw`) in a network
    /// namespace of its own (its abstract socket is seen only there; enter it with
    /// [`in_netns`]), reading requests as a daemon of `layout` ("compressed": 2.1/3.0.0,
    /// "multipart": 3.0.1+, "raw": any libqb server) reads them (tests-c/qb_echo_server.c).
    /// No pacemakerd or controller serves that namespace: no node can be asked. Needs root
    /// (`None` otherwise).
    pub fn start_daemon(
        name: &str,
        mode: &str,
        layout: &str,
        log: Option<&std::path::Path>,
    ) -> Option<EchoServer> {
        Self::start_daemon_sized(name, mode, layout, 131072, log)
    }

    /// As [`start_daemon`](Self::start_daemon), with rings of `buffer` bytes.
    pub fn start_daemon_sized(
        name: &str,
        mode: &str,
        layout: &str,
        buffer: u32,
        log: Option<&std::path::Path>,
    ) -> Option<EchoServer> {
        if unsafe { libc::geteuid() } != 0 {
            return None;
        }
        let mut cmd = Command::new("unshare");
        cmd.arg("--net").arg(echo_server_binary());
        cmd.args([name, mode, &buffer.to_string(), layout])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(log) = log {
            cmd.env("PCMKRS_ECHO_LOG", log);
        }
        let mut child = cmd
            .spawn()
            .expect("start the echo server in a network namespace");
        let pid = ready_pid(&mut child);
        Some(EchoServer {
            name: name.to_owned(),
            pid,
            child: Some(child),
            scratch: None,
        })
    }

    fn start_full(mode: &str, buffer: u32, env: &[(&str, &str)], raw: bool) -> EchoServer {
        Self::spawn(
            Command::new(echo_server_binary()),
            mode,
            buffer,
            env,
            raw,
            None,
        )
    }

    fn spawn(
        mut cmd: Command,
        mode: &str,
        buffer: u32,
        env: &[(&str, &str)],
        raw: bool,
        ids: Option<u32>,
    ) -> EchoServer {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "pcmkrs-echo-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        if let Some(id) = ids {
            use std::os::unix::process::CommandExt;
            cmd.uid(id).gid(id);
        }
        cmd.args([&name, mode, &buffer.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if raw {
            cmd.arg("raw");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the echo server");
        let pid = ready_pid(&mut child);
        EchoServer {
            name,
            pid,
            child: Some(child),
            scratch: None,
        }
    }

    /// Kill it with SIGKILL and reap it (a dead server, as after a crash).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// The server's connection directories in /dev/shm.
    pub fn shm_entries(&self) -> Vec<String> {
        shm_entries_of(self.pid)
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            c.wait().unwrap();
        }
        if let Some(dir) = self.scratch.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// /dev/shm entries that belong to the server with this pid (`qb-<pid>-...`).
pub fn shm_entries_of(pid: i32) -> Vec<String> {
    let prefix = format!("qb-{pid}-");
    let mut v: Vec<String> = std::fs::read_dir("/dev/shm")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    v.sort();
    v
}

/// Wait up to 5 s for a condition (a server removes its files shortly after a close).
pub fn eventually(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..500 {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// A libqb request: the 16-byte header (id, size) and the payload.
pub fn request_header(id: i32, payload_len: usize) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[0..4].copy_from_slice(&id.to_ne_bytes());
    h[8..12].copy_from_slice(&((16 + payload_len) as i32).to_ne_bytes());
    h
}

/// The fields of a libqb response header and the payload after it.
pub fn parse_response(msg: &[u8]) -> (i32, i32, Vec<u8>) {
    assert!(msg.len() >= 24, "message shorter than a response header");
    let id = i32::from_ne_bytes(msg[0..4].try_into().unwrap());
    let size = i32::from_ne_bytes(msg[8..12].try_into().unwrap());
    (id, size, msg[24..].to_vec())
}

/// The process's open descriptors.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Send as a libqb client must: a full request ring (the server reclaims a request's chunk only
/// after it has answered it) or the server's flow control says "try again" with `EAGAIN`, so try
/// again for up to 10 s. Returns the bytes sent.
pub fn send_retrying(conn: &mut pcmk_ipc_rs::qb::Connection, parts: &[&[u8]]) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match conn.send(parts) {
            Ok(n) => return n,
            Err(e) if e.errno() == libc::EAGAIN && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(e) => panic!("send: {e}"),
        }
    }
}

/// Run `f` on a thread of its own inside the network namespace of process `pid` (a network
/// namespace is a thread's: the rest of the test process stays where it is).
pub fn in_netns<T: Send>(pid: i32, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            use std::os::fd::AsRawFd;
            let ns = std::fs::File::open(format!("/proc/{pid}/ns/net")).expect("the namespace");
            assert_eq!(
                unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) },
                0,
                "setns: {}",
                std::io::Error::last_os_error()
            );
            f()
        })
        .join()
        .expect("the thread in the namespace")
    })
}
