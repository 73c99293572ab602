//! The async clients, on tokio (feature `tokio`).
//!
//! [`AsyncCib`] is [`Cib`] for async code, and [`AsyncPacemakerd`], [`AsyncController`],
//! [`AsyncAttributeManager`] and [`AsyncScheduler`] are the other daemons' typed clients
//! ([`Async`] makes any blocking client async the same way). Each request runs on tokio's
//! blocking pool (libqb's response ring wakes a futex, not a descriptor, so a request cannot
//! be awaited on a descriptor), and the connection is shared behind a lock. [`CibNotifications`] is a
//! [`Stream`] of the CIB's changes on a connection of its own, woken by the descriptor libqb
//! signals events on (tokio's `AsyncFd`): no thread waits for it.
//!
//! ```no_run
//! # async fn run() -> Result<(), pcmk_ipc_rs::client::Error> {
//! use pcmk_ipc_rs::client::asynchronous::{AsyncCib, CibNotifications};
//! use pcmk_ipc_rs::client::cib::CibService;
//!
//! let cib = AsyncCib::connect(CibService::ReadWrite, "my-agent").await?;
//! let nodes = cib.query_section("nodes").await?;
//! let mut changes = CibNotifications::connect(CibService::ReadOnly, "my-agent").await?;
//! // with futures' StreamExt: while let Some(change) = changes.next().await { ... }
//! # Ok(()) }
//! ```

use super::attrd::{AttributeManager, AttributeValue};
use super::cib::{CallOptions, Cib, CibService, Notification, DEFAULT_TIMEOUT};
use super::controld::{ClusterNode, Controller, ControllerPing, NodeInfo};
use super::error::Error;
use super::pacemakerd::{Pacemakerd, PacemakerdPing};
use super::schedulerd::{Graph, Scheduler};
use futures_core::Stream;
use parking_lot::Mutex;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::unix::AsyncFd;

/// Run `f` on tokio's blocking pool; a panic in it goes on in the caller.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::Io(io::Error::new(
            io::ErrorKind::Interrupted,
            "the runtime is shutting down",
        ))),
    }
}

/// A signed-on connection to the CIB manager for async code; cheap to clone (clones share the
/// connection, and their requests take turns).
#[derive(Clone)]
pub struct AsyncCib {
    inner: Arc<Mutex<Cib>>,
    /// Kept apart from the connection, so that asking does not wait for a request.
    id: Arc<str>,
    /// The limit of a request in milliseconds, shared by the clones; set on the connection
    /// when a request starts.
    timeout_ms: Arc<AtomicU64>,
}

impl AsyncCib {
    /// Connect to `service` and sign on as `name`.
    pub async fn connect(service: CibService, name: &str) -> Result<AsyncCib, Error> {
        let name = name.to_owned();
        let cib = blocking(move || Cib::connect(service, &name)).await?;
        Ok(AsyncCib {
            id: Arc::from(cib.client_id()),
            inner: Arc::new(Mutex::new(cib)),
            timeout_ms: Arc::new(AtomicU64::new(DEFAULT_TIMEOUT.as_millis() as u64)),
        })
    }

    /// The id the CIB manager gave this client.
    pub fn client_id(&self) -> &str {
        &self.id
    }

    /// How long a request may wait for its answer (default 120 s), for this client and its
    /// clones, from their next request on; a request under way keeps its limit.
    pub fn set_timeout(&self, timeout: Duration) {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.timeout_ms.store(ms, Ordering::Relaxed);
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cib) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let inner = Arc::clone(&self.inner);
        let timeout = Arc::clone(&self.timeout_ms);
        blocking(move || {
            let mut cib = inner.lock();
            cib.set_timeout(Duration::from_millis(timeout.load(Ordering::Relaxed)));
            f(&mut cib)
        })
        .await
    }

    /// The whole CIB ([`Cib::query`]).
    pub async fn query(&self) -> Result<String, Error> {
        self.with(|c| c.query()).await
    }

    /// One section ([`Cib::query_section`]).
    pub async fn query_section(&self, section: &str) -> Result<String, Error> {
        let section = section.to_owned();
        self.with(move |c| c.query_section(&section)).await
    }

    /// What an XPath expression matches ([`Cib::query_xpath`]).
    pub async fn query_xpath(&self, xpath: &str, options: CallOptions) -> Result<String, Error> {
        let xpath = xpath.to_owned();
        self.with(move |c| c.query_xpath(&xpath, options)).await
    }

    /// Any request ([`Cib::request`]); create, modify, replace and delete are
    /// `"cib_create"`, `"cib_modify"`, `"cib_replace"` and `"cib_delete"`.
    pub async fn request(
        &self,
        op: &str,
        section: Option<&str>,
        data: Option<&str>,
        options: CallOptions,
    ) -> Result<Option<String>, Error> {
        let (op, section, data) = (
            op.to_owned(),
            section.map(str::to_owned),
            data.map(str::to_owned),
        );
        self.with(move |c| c.request(&op, section.as_deref(), data.as_deref(), options))
            .await
    }

    /// Add `xml` under `section` ([`Cib::create`]).
    pub async fn create(
        &self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_create", section, Some(xml), options)
            .await
            .map(drop)
    }

    /// Merge `xml` into `section` ([`Cib::modify`]).
    pub async fn modify(
        &self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_modify", section, Some(xml), options)
            .await
            .map(drop)
    }

    /// Replace `section` with `xml` ([`Cib::replace`]).
    pub async fn replace(
        &self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_replace", section, Some(xml), options)
            .await
            .map(drop)
    }

    /// Delete the element matching `xml` from `section` ([`Cib::delete`]).
    pub async fn delete(
        &self,
        section: Option<&str>,
        xml: &str,
        options: CallOptions,
    ) -> Result<(), Error> {
        self.request("cib_delete", section, Some(xml), options)
            .await
            .map(drop)
    }
}

/// A blocking client for async code: each call runs on tokio's blocking pool, and the
/// connection is shared behind a lock (clones share it, and their calls take turns).
///
/// ```no_run
/// # async fn run() -> Result<(), pcmk_ipc_rs::client::Error> {
/// use pcmk_ipc_rs::client::asynchronous::AsyncController;
/// use std::time::Duration;
///
/// let crmd = AsyncController::connect().await?;
/// for node in crmd.list_nodes(Duration::from_secs(5)).await? {
///     println!("{} is {}", node.name, node.state);
/// }
/// # Ok(()) }
/// ```
pub struct Async<C> {
    inner: Arc<Mutex<C>>,
}

impl<C> Clone for Async<C> {
    fn clone(&self) -> Async<C> {
        Async {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<C: Send + 'static> Async<C> {
    /// Connect with the blocking client's own `connect`, on the blocking pool.
    pub async fn connect_with(
        connect: impl FnOnce() -> Result<C, Error> + Send + 'static,
    ) -> Result<Async<C>, Error> {
        let client = blocking(connect).await?;
        Ok(Async {
            inner: Arc::new(Mutex::new(client)),
        })
    }

    /// Run `f` on the client, on the blocking pool.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut C) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let inner = Arc::clone(&self.inner);
        blocking(move || f(&mut inner.lock())).await
    }
}

/// pacemakerd for async code ([`Pacemakerd`]).
pub type AsyncPacemakerd = Async<Pacemakerd>;

impl Async<Pacemakerd> {
    /// Connect ([`Pacemakerd::connect`]).
    pub async fn connect() -> Result<AsyncPacemakerd, Error> {
        Async::connect_with(Pacemakerd::connect).await
    }

    /// Its state ([`Pacemakerd::ping`]).
    pub async fn ping(&self, timeout: Duration) -> Result<PacemakerdPing, Error> {
        self.call(move |p| p.ping(timeout)).await
    }

    /// Shut the node's cluster services down ([`Pacemakerd::shutdown`]).
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), Error> {
        self.call(move |p| p.shutdown(timeout)).await
    }
}

/// The controller for async code ([`Controller`]).
pub type AsyncController = Async<Controller>;

impl Async<Controller> {
    /// Connect ([`Controller::connect`]).
    pub async fn connect() -> Result<AsyncController, Error> {
        Async::connect_with(Controller::connect).await
    }

    /// Ping a node's controller, or the DC's ([`Controller::ping`]).
    pub async fn ping(
        &self,
        node: Option<&str>,
        timeout: Duration,
    ) -> Result<ControllerPing, Error> {
        let node = node.map(str::to_owned);
        self.call(move |c| c.ping(node.as_deref(), timeout)).await
    }

    /// The cluster's nodes ([`Controller::list_nodes`]).
    pub async fn list_nodes(&self, timeout: Duration) -> Result<Vec<ClusterNode>, Error> {
        self.call(move |c| c.list_nodes(timeout)).await
    }

    /// A node's information ([`Controller::node_info`]).
    pub async fn node_info(&self, id: u32, timeout: Duration) -> Result<NodeInfo, Error> {
        self.call(move |c| c.node_info(id, timeout)).await
    }
}

/// The attribute manager for async code ([`AttributeManager`]).
pub type AsyncAttributeManager = Async<AttributeManager>;

impl Async<AttributeManager> {
    /// Connect ([`AttributeManager::connect`]).
    pub async fn connect() -> Result<AsyncAttributeManager, Error> {
        Async::connect_with(AttributeManager::connect).await
    }

    /// A node attribute's values ([`AttributeManager::query`]).
    pub async fn query(
        &self,
        name: &str,
        node: Option<&str>,
        timeout: Duration,
    ) -> Result<Vec<AttributeValue>, Error> {
        let (name, node) = (name.to_owned(), node.map(str::to_owned));
        self.call(move |a| a.query(&name, node.as_deref(), timeout))
            .await
    }

    /// Set (or with `None`, delete) a node attribute ([`AttributeManager::update`]).
    pub async fn update(
        &self,
        name: &str,
        value: Option<&str>,
        node: Option<&str>,
    ) -> Result<(), Error> {
        let (name, value, node) = (
            name.to_owned(),
            value.map(str::to_owned),
            node.map(str::to_owned),
        );
        self.call(move |a| a.update(&name, value.as_deref(), node.as_deref()))
            .await
    }
}

/// The scheduler for async code ([`Scheduler`]).
pub type AsyncScheduler = Async<Scheduler>;

impl Async<Scheduler> {
    /// Connect ([`Scheduler::connect`]).
    pub async fn connect() -> Result<AsyncScheduler, Error> {
        Async::connect_with(Scheduler::connect).await
    }

    /// The transition graph for a CIB ([`Scheduler::graph`]).
    pub async fn graph(&self, cib: &str, timeout: Duration) -> Result<Graph, Error> {
        let cib = cib.to_owned();
        self.call(move |s| s.graph(&cib, timeout)).await
    }
}

/// The CIB's change notifications as a [`Stream`], on a connection of their own. A message
/// that cannot be read is an error item and the stream goes on; it ends after the error that
/// ends the connection ([`Error::ends_connection`]: the CIB manager gone).
pub struct CibNotifications {
    fd: AsyncFd<OwnedFd>,
    cib: Cib,
    done: bool,
}

impl CibNotifications {
    /// Connect to `service`, sign on as `name` and subscribe. Must be called within a tokio
    /// runtime with I/O enabled.
    pub async fn connect(service: CibService, name: &str) -> Result<CibNotifications, Error> {
        let name = name.to_owned();
        let cib = blocking(move || {
            let mut cib = Cib::connect(service, &name)?;
            cib.subscribe()?;
            Ok(cib)
        })
        .await?;
        let fd = cib.poll_fd().ok_or_else(Error::disconnected)?;
        // A descriptor of our own on the same socket: open for as long as the registration,
        // whatever the connection does with its own.
        // SAFETY: fd is the connection's open socket, borrowed only for the duration of the dup.
        let own = unsafe { BorrowedFd::borrow_raw(fd) }
            .try_clone_to_owned()
            .map_err(Error::Io)?;
        // SAFETY: `own` is an open descriptor owned by the AsyncFd until it is dropped, and its
        // as_raw_fd never changes.
        let fd = unsafe { AsyncFd::register_with_interest(own, tokio::io::Interest::READABLE) }
            .map_err(|e| Error::Io(e.into()))?;
        Ok(CibNotifications {
            fd,
            cib,
            done: false,
        })
    }

    /// The id of the notification connection (its own changes would carry it).
    pub fn client_id(&self) -> &str {
        self.cib.client_id()
    }
}

impl Stream for CibNotifications {
    type Item = Result<Notification, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            // everything already queued, without waiting
            match this.cib.wait_notification(Some(Duration::ZERO)) {
                Ok(Some(n)) => return Poll::Ready(Some(Ok(n))),
                Ok(None) if !this.cib.is_connected() => {
                    this.done = true;
                    return Poll::Ready(Some(Err(Error::disconnected())));
                }
                Ok(None) => {}
                Err(e) => {
                    this.done = e.ends_connection();
                    return Poll::Ready(Some(Err(e)));
                }
            }
            match this.fd.poll_read_ready(cx) {
                Poll::Ready(Ok(mut guard)) => guard.clear_ready(),
                Poll::Ready(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(Error::Io(e))));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
