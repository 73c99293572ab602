//! The registry of the daemons the API object serves: the one place that lists them. Each
//! daemon's module implements [`DaemonProtocol`] (Pacemaker's `pcmk__ipc_methods_t`); here
//! its state is kept in [`Daemon`] and its reply in [`Reply`], and the API object
//! (`client::ipc_api`) reaches a daemon only through these two. Adding a daemon: a module
//! here, a variant in each enum, a line in each `match` below.

pub mod attrd;
pub mod controld;
pub mod pacemakerd;
pub mod schedulerd;

use super::protocol::{server, DaemonProtocol, Request};
use crate::xml::Node;

/// The state of the daemon an API object serves.
#[derive(Debug)]
pub(crate) enum Daemon {
    Attrd(attrd::State),
    Controld(controld::State),
    Pacemakerd(pacemakerd::State),
    Schedulerd(schedulerd::State),
}

/// The decoded data of a reply event (strings and nodes borrow from the reply document).
#[derive(Debug, Clone)]
pub enum Reply<'a> {
    /// pacemakerd.
    Pacemakerd(pacemakerd::PacemakerdReply<'a>),
    /// The controller.
    Controld(controld::ControldReply<'a>),
    /// The scheduler.
    Schedulerd(schedulerd::SchedulerdReply<'a>),
    /// The attribute manager.
    Attrd(attrd::AttrdReply<'a>),
}

/// `$body` with `$d` bound to the daemon's state, whichever daemon it is.
macro_rules! each {
    ($daemon:expr, $d:ident => $body:expr) => {
        match $daemon {
            Daemon::Attrd($d) => $body,
            Daemon::Controld($d) => $body,
            Daemon::Pacemakerd($d) => $body,
            Daemon::Schedulerd($d) => $body,
        }
    };
}

/// A reply's data under its daemon's variant of [`Reply`].
fn wrap<'a, D: DaemonProtocol>(
    decoded: (Option<(i32, D::Reply<'a>)>, bool),
    variant: fn(D::Reply<'a>) -> Reply<'a>,
) -> (Option<(i32, Reply<'a>)>, bool) {
    let (reply, more) = decoded;
    (reply.map(|(status, data)| (status, variant(data))), more)
}

impl Daemon {
    /// Fresh state for `server`; `None` for a server the API object does not serve.
    pub(crate) fn new(server: i32) -> Option<Daemon> {
        Some(match server {
            server::ATTRD => Daemon::Attrd(attrd::State::new()),
            server::CONTROLD => Daemon::Controld(controld::State::new()),
            server::PACEMAKERD => Daemon::Pacemakerd(pacemakerd::State::new()),
            server::SCHEDULERD => Daemon::Schedulerd(schedulerd::State::new()),
            _ => return None,
        })
    }

    /// The IPC buffer the daemon's API asks for (0: the default).
    pub(crate) fn buffer_size(&self) -> usize {
        fn size<D: DaemonProtocol>(_: &D) -> usize {
            D::BUFFER_SIZE
        }
        each!(self, d => size(d))
    }

    /// See [`DaemonProtocol::post_connect`].
    pub(crate) fn post_connect(&mut self, client_uuid: &str) -> Option<Request> {
        each!(self, d => d.post_connect(client_uuid))
    }

    /// See [`DaemonProtocol::decode`].
    pub(crate) fn decode<'a>(&mut self, msg: Node<'a>) -> (Option<(i32, Reply<'a>)>, bool) {
        match self {
            Daemon::Attrd(d) => wrap::<attrd::State>(d.decode(msg), Reply::Attrd),
            Daemon::Controld(d) => wrap::<controld::State>(d.decode(msg), Reply::Controld),
            Daemon::Pacemakerd(d) => wrap::<pacemakerd::State>(d.decode(msg), Reply::Pacemakerd),
            Daemon::Schedulerd(d) => wrap::<schedulerd::State>(d.decode(msg), Reply::Schedulerd),
        }
    }

    /// See [`DaemonProtocol::post_disconnect`].
    pub(crate) fn post_disconnect(&mut self) {
        each!(self, d => d.post_disconnect())
    }
}
