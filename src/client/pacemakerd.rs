//! pacemakerd, the launcher (`lib/common/ipc_pacemakerd.c`): its requests, its replies, and
//! the typed Rust client [`Pacemakerd`].

use super::daemon_client::{unexpected, DaemonClient};
use super::daemons::pacemakerd::PacemakerdReply;
pub(crate) use super::daemons::pacemakerd::{state_from_text, state_text};
use super::error::{Error, Status};
use super::ipc_api::{server, Api, Daemon, Event, Reply, Request};
use super::message::{system_name_or, Envelope};
use super::rc;
use std::time::Duration;

impl Api {
    /// `pcmk_pacemakerd_api_ping` / `_shutdown` (`task` "ping" or "quit").
    pub fn pacemakerd_request(&self, ipc_name: Option<&str>, task: &str) -> Result<Request, i32> {
        if !matches!(self.daemon, Daemon::Pacemakerd(_)) {
            return Err(libc::EINVAL);
        }
        // pcmk__ipc_sys_name: the name given, else the program's, else "client"
        let name = ipc_name.map_or_else(|| system_name_or("client"), str::to_owned);
        let sender = format!("{}_{name}", self.client_uuid);
        let (e, reference) = Envelope {
            origin: "do_pacemakerd_api_call",
            server: server::PACEMAKERD,
            sender: &sender,
            sys_to: Some("pacemakerd"),
            task,
            ..Envelope::default()
        }
        .request();
        Ok(Request {
            text: e.finish(),
            reference: Some(reference),
            reply_expected: true,
        })
    }
}

/// pacemakerd's state (`enum pcmk_pacemakerd_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacemakerdState {
    /// Not a known state.
    Invalid,
    /// Initializing.
    Init,
    /// Starting the daemons.
    StartingDaemons,
    /// Waiting for sbd's startup ping.
    WaitForPing,
    /// Running.
    Running,
    /// Stopping the daemons.
    ShuttingDown,
    /// The daemons are stopped (reporting to sbd).
    ShutdownComplete,
    /// Pacemaker Remote is running (a remote node).
    Remote,
}

impl PacemakerdState {
    fn from_raw(v: i32) -> PacemakerdState {
        use PacemakerdState::*;
        [
            Init,
            StartingDaemons,
            WaitForPing,
            Running,
            ShuttingDown,
            ShutdownComplete,
            Remote,
        ]
        .get(usize::try_from(v).unwrap_or(usize::MAX))
        .copied()
        .unwrap_or(Invalid)
    }

    /// The state's name as Pacemaker writes it ("running", ...).
    pub fn name(&self) -> &'static str {
        state_text(*self as i32 - 1)
    }
}

/// pacemakerd's answer to a ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacemakerdPing {
    /// Its state.
    pub state: PacemakerdState,
    /// Whether it reported its result as "ok".
    pub ok: bool,
    /// When it last was in a good state (seconds since the epoch; 0 if never).
    pub last_good: i64,
    /// The subsystem that answered ("pacemakerd").
    pub sys_from: String,
}

enum Answer {
    Ping(PacemakerdPing),
    Shutdown(i32),
}

fn own(event: &Event<'_>) -> Option<Answer> {
    match &event.data {
        Some(Reply::Pacemakerd(PacemakerdReply::Ping {
            sys_from,
            state,
            last_good,
            status,
        })) => Some(Answer::Ping(PacemakerdPing {
            state: PacemakerdState::from_raw(*state),
            ok: *status == rc::OK,
            last_good: *last_good,
            sys_from: super::text::owned(*sys_from),
        })),
        Some(Reply::Pacemakerd(PacemakerdReply::Shutdown { status })) => {
            Some(Answer::Shutdown(*status))
        }
        _ => None,
    }
}

/// pacemakerd, the launcher.
pub struct Pacemakerd(DaemonClient<Answer>);

impl Pacemakerd {
    /// Connect (the daemon's credentials are checked).
    pub fn connect() -> Result<Pacemakerd, Error> {
        DaemonClient::connect(server::PACEMAKERD, own).map(Pacemakerd)
    }

    /// Ask for its state.
    pub fn ping(&mut self, timeout: Duration) -> Result<PacemakerdPing, Error> {
        match self
            .0
            .call(timeout, |a| a.pacemakerd_request(None, "ping"))?
        {
            (0, Some(Answer::Ping(p))) => Ok(p),
            (status, _) => unexpected(status),
        }
    }

    /// Ask it to shut the node's cluster services down: `Ok` once it accepted (its `op-status`
    /// 0), [`Error::Daemon`] with its status otherwise.
    pub fn shutdown(&mut self, timeout: Duration) -> Result<(), Error> {
        match self
            .0
            .call(timeout, |a| a.pacemakerd_request(None, "quit"))?
        {
            (0, Some(Answer::Shutdown(0))) => Ok(()),
            (0, Some(Answer::Shutdown(status))) => Err(Error::Daemon(Status::new(status))),
            (status, _) => unexpected(status),
        }
    }
}
