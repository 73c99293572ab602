//! What the typed Rust clients of the daemons (`Pacemakerd`, `Controller`, `Scheduler`,
//! `AttributeManager`) share: an API object in poll mode (sync for the attribute manager,
//! which answers on the response channel), one request at a time, and the answer turned into an
//! owned Rust value by the daemon's own conversion.

use super::error::{Error, Malformed, Status};
use super::ipc_api::{self, dispatch, server, Api, ApiCell, Event, Request};
use super::poll::{wait_input, Ready};
use super::rc;
use crate::qb::Deadline;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

/// An event, owned.
enum Got<T> {
    /// A reply with its status, converted by the daemon's conversion (`None`: another kind).
    Reply(i32, Option<T>),
    /// The connection ended.
    Disconnected,
}

pub(crate) struct Inner<T> {
    pub(crate) api: RefCell<Api>,
    answers: RefCell<VecDeque<Got<T>>>,
    own: fn(&Event<'_>) -> Option<T>,
}

impl<T> ApiCell for Inner<T> {
    fn with<R>(&self, f: impl FnOnce(&mut Api) -> R) -> Option<R> {
        Some(f(&mut self.api.borrow_mut()))
    }

    fn deliver(&self, event: &Event<'_>) {
        let got = if event.kind == ipc_api::EventKind::Disconnect {
            Got::Disconnected
        } else {
            Got::Reply(event.status, (self.own)(event))
        };
        self.answers.borrow_mut().push_back(got);
    }
}

/// A connection to one daemon through its API object.
pub(crate) struct DaemonClient<T> {
    pub(crate) inner: Inner<T>,
}

impl<T> DaemonClient<T> {
    /// Connect to `which` (`server::*`); `own` turns a reply event into an answer (`None` for
    /// one of another kind).
    pub(crate) fn connect(
        which: i32,
        own: fn(&Event<'_>) -> Option<T>,
    ) -> Result<DaemonClient<T>, Error> {
        let mut api = Api::new(which).map_err(Error::from_code)?;
        let mode = if which == server::ATTRD {
            dispatch::SYNC
        } else {
            dispatch::POLL
        };
        match api.connect(mode, 2, &mut |_| libc::EINVAL) {
            rc::OK => Ok(DaemonClient {
                inner: Inner {
                    api: RefCell::new(api),
                    answers: RefCell::new(VecDeque::new()),
                    own,
                },
            }),
            code => Err(Error::from_code(code)),
        }
    }

    /// Send a request built on the object without waiting for an answer (in sync mode, its
    /// reply is awaited, at most `limit`).
    pub(crate) fn send(
        &mut self,
        limit: Option<Duration>,
        build: impl FnOnce(&mut Api) -> Result<Request, i32>,
    ) -> Result<(), Error> {
        self.inner.answers.borrow_mut().clear();
        let req = build(&mut self.inner.api.borrow_mut()).map_err(Error::from_code)?;
        match ipc_api::send_request_within(&self.inner, &req, limit) {
            rc::OK => Ok(()),
            code => Err(Error::from_code(code)),
        }
    }

    /// Send a request built on the object and wait for the next answer: its status and the
    /// converted reply (`None` for a reply of another kind).
    pub(crate) fn call(
        &mut self,
        timeout: Duration,
        build: impl FnOnce(&mut Api) -> Result<Request, i32>,
    ) -> Result<(i32, Option<T>), Error> {
        let deadline = Deadline::after(Some(timeout));
        self.send(Some(timeout), build)?;
        loop {
            match self.inner.answers.borrow_mut().pop_front() {
                Some(Got::Reply(status, answer)) => return Ok((status, answer)),
                Some(Got::Disconnected) => return Err(Error::disconnected()),
                None => {}
            }
            let fd = self
                .inner
                .api
                .borrow_mut()
                .ipc()
                .and_then(|c| c.fd())
                .ok_or_else(Error::disconnected)?;
            match wait_input(fd, deadline).map_err(Error::Io)? {
                Ready::Input => {}
                Ready::Gone => return Err(Error::disconnected()),
                Ready::TimedOut => return Err(Error::TimedOut),
            }
            ipc_api::dispatch_pending(&self.inner);
            if !self.inner.api.borrow_mut().is_connected() && self.inner.answers.borrow().is_empty()
            {
                return Err(Error::disconnected());
            }
        }
    }
}

/// The error for an answer of another kind, or one the daemon marked as not understood.
pub(crate) fn unexpected<T>(status: i32) -> Result<T, Error> {
    Err(if status > 0 {
        Error::Malformed(Malformed::Unexpected)
    } else {
        Error::Pacemaker(Status::new(rc::RC_ERROR))
    })
}
