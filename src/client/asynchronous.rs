//! The async CIB client, on tokio (feature `tokio`).
//!
//! [`AsyncCib`] is [`Cib`] for async code: each request runs on tokio's blocking pool (libqb's
//! response ring wakes a futex, not a descriptor, so a request cannot be awaited on a
//! descriptor), and the connection is shared behind a lock. [`CibNotifications`] is a
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

use super::cib::{CallOptions, Cib, CibService, Notification, DEFAULT_TIMEOUT};
use super::error::Error;
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
