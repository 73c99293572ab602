//! The async clients against a live node (feature `tokio`; ignored by a plain `cargo test`;
//! scripts/test runs it inside `scripts/pcmk-node run 2.1|3.0|sid`).
#![cfg(feature = "tokio")]

use pcmk_ipc_rs::client::asynchronous::{
    AsyncAttributeManager, AsyncCib, AsyncController, AsyncPacemakerd, AsyncScheduler,
    CibNotifications,
};
use pcmk_ipc_rs::client::cib::{CallOptions, Cib, CibService, Notification};
use pcmk_ipc_rs::client::controld::Controller;
use pcmk_ipc_rs::client::pacemakerd::{Pacemakerd, PacemakerdState};
use pcmk_ipc_rs::client::Error;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The stream's next item (as futures' StreamExt::next, without the dependency).
struct Next<'a>(&'a mut CibNotifications);

impl Future for Next<'_> {
    type Output = Option<Result<Notification, Error>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        use futures_core::Stream;
        Pin::new(&mut *self.0).poll_next(cx)
    }
}

async fn next(s: &mut CibNotifications) -> Option<Result<Notification, Error>> {
    tokio::time::timeout(T, Next(s))
        .await
        .expect("a notification within the limit")
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn async_queries_changes_and_notifications() {
    runtime().block_on(async {
        let cib = AsyncCib::connect(CibService::ReadWrite, "pcmkrs-async").await.unwrap();
        cib.set_timeout(T);
        let mine = cib.client_id();
        let mut changes = CibNotifications::connect(CibService::ReadOnly, "pcmkrs-async-watch")
            .await
            .unwrap();
        // the same answers as the blocking client
        let mut blocking = Cib::connect(CibService::ReadWrite, "pcmkrs-async-check").unwrap();
        assert_eq!(
            cib.query_section("nodes").await.unwrap(),
            blocking.query_section("nodes").unwrap()
        );
        // several requests at once on one shared connection
        let tasks = [
            tokio::spawn({
                let c = cib.clone();
                async move { c.query().await }
            }),
            tokio::spawn({
                let c = cib.clone();
                async move { c.query_section("crm_config").await }
            }),
            tokio::spawn({
                let c = cib.clone();
                async move { c.query_xpath("//node", CallOptions::NONE).await }
            }),
        ];
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap().unwrap());
        }
        assert!(answers[0].starts_with("<cib "), "{}", answers[0]);
        assert!(answers[1].starts_with("<crm_config"), "{}", answers[1]);
        assert!(answers[2].contains("<node "), "{}", answers[2]);

        // a change: the stream sees it, with the changing client's id (3.0 and later)
        let set = r#"<cluster_property_set id="pcmkrs-async-set"><nvpair id="pcmkrs-async-v" name="pcmkrs-async" value="1"/></cluster_property_set>"#;
        cib.create(Some("crm_config"), set, CallOptions::NONE).await.unwrap();
        loop {
            let n = next(&mut changes).await.unwrap().unwrap();
            if n.operation == "cib_create" && n.client_id.as_deref().map_or(true, |id| id == mine) {
                assert!(n.diff.contains("pcmkrs-async-set"), "{}", n.diff);
                break;
            }
        }
        cib.delete(Some("crm_config"), r#"<cluster_property_set id="pcmkrs-async-set"/>"#, CallOptions::NONE)
            .await
            .unwrap();
        assert_eq!(
            cib.query_xpath("//cluster_property_set[@id='pcmkrs-async-set']", CallOptions::NONE)
                .await
                .err()
                .map(|e| e.code()),
            Some(libc::ENXIO)
        );
        // waiting for a change that does not come is waiting on the descriptor, not a spin
        // (what is still queued comes first: the delete's notification, the controller's own)
        let mut waited = false;
        for _ in 0..20 {
            let before = cpu_time();
            match tokio::time::timeout(Duration::from_secs(1), Next(&mut changes)).await {
                Ok(Some(Ok(_))) => continue,
                Ok(other) => panic!("the stream ended: {other:?}"),
                Err(_) => {
                    let used = cpu_time() - before;
                    assert!(used < Duration::from_millis(500), "{used:?} of CPU in 1 s of waiting");
                    waited = true;
                    break;
                }
            }
        }
        assert!(waited, "no quiet second in 20");
    });
}

/// The CPU time this thread has used.
fn cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: one valid timespec.
    assert_eq!(
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) },
        0
    );
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The pid of the CIB manager (by its process name).
fn based_pid() -> Option<i32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
        (comm.trim() == "pacemaker-based").then_some(pid)
    })
}

#[test]
#[ignore = "needs a live Pacemaker node"]
fn the_other_daemons_answer_async_as_the_blocking_clients() {
    runtime().block_on(async {
        // pacemakerd: the state the blocking client sees
        let pcmkd = AsyncPacemakerd::connect().await.unwrap();
        let ping = pcmkd.ping(T).await.unwrap();
        assert_eq!(ping.state, PacemakerdState::Running);
        assert!(ping.ok, "{ping:?}");
        let blocking = Pacemakerd::connect().unwrap().ping(T).unwrap();
        assert_eq!(blocking.state, ping.state);
        // the controller: two requests at once on one shared connection, the same nodes
        let crmd = AsyncController::connect().await.unwrap();
        let (nodes, dc) = Join2(
            Box::pin(crmd.list_nodes(T)),
            Box::pin(crmd.ping(None, T)),
            None,
            None,
        )
        .await;
        let nodes = nodes.unwrap();
        assert_eq!(dc.unwrap().result, "ok");
        let mut expected = Controller::connect().unwrap().list_nodes(T).unwrap();
        let mut got = nodes.clone();
        got.sort_by_key(|n| n.id);
        expected.sort_by_key(|n| n.id);
        assert_eq!(got, expected);
        assert!(got.iter().any(|n| n.name == "node1"), "{got:?}");
        let id = got.iter().find(|n| n.name == "node1").unwrap().id;
        assert_eq!(crmd.node_info(id, T).await.unwrap().name, "node1");
        // the attribute manager: a private attribute set, then read back
        let attrd = AsyncAttributeManager::connect().await.unwrap();
        attrd
            .update("pcmkrs-async", Some("42"), Some("node1"))
            .await
            .unwrap();
        let start = std::time::Instant::now();
        loop {
            match attrd.query("pcmkrs-async", Some("node1"), T).await {
                Ok(v) if v.iter().any(|a| a.value.as_deref() == Some("42")) => break,
                other => assert!(start.elapsed() < T, "{other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        attrd
            .update("pcmkrs-async", None, Some("node1"))
            .await
            .unwrap();
        // the scheduler: a graph for the live CIB
        let cib = AsyncCib::connect(CibService::ReadOnly, "pcmkrs-async-graph")
            .await
            .unwrap()
            .query()
            .await
            .unwrap();
        let graph = AsyncScheduler::connect()
            .await
            .unwrap()
            .graph(&cib, T)
            .await
            .unwrap();
        assert!(graph.xml.starts_with("<transition_graph"), "{}", graph.xml);
    });
}

/// Both futures to their ends, polled in turn (no futures crate here).
struct Join2<A: Future, B: Future>(
    Pin<Box<A>>,
    Pin<Box<B>>,
    Option<A::Output>,
    Option<B::Output>,
);

impl<A: Future, B: Future> Future for Join2<A, B>
where
    A::Output: Unpin,
    B::Output: Unpin,
{
    type Output = (A::Output, B::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.2.is_none() {
            if let Poll::Ready(a) = this.0.as_mut().poll(cx) {
                this.2 = Some(a);
            }
        }
        if this.3.is_none() {
            if let Poll::Ready(b) = this.1.as_mut().poll(cx) {
                this.3 = Some(b);
            }
        }
        match (this.2.take(), this.3.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                this.2 = a;
                this.3 = b;
                Poll::Pending
            }
        }
    }
}

#[test]
#[ignore = "needs a live Pacemaker node, whose CIB manager it kills (pacemakerd starts a new one)"]
fn the_stream_ends_when_the_cib_manager_goes() {
    runtime().block_on(async {
        let mut changes = CibNotifications::connect(CibService::ReadOnly, "pcmkrs-async-kill")
            .await
            .unwrap();
        let pid = based_pid().expect("pacemaker-based running");
        assert!(pid > 0);
        // SAFETY: a plain kill of one process.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
        let mut last = None;
        while let Some(item) = next(&mut changes).await {
            last = Some(item);
        }
        match last {
            Some(Err(e)) => assert!(matches!(e, Error::Disconnected(_)), "{e:?}"),
            other => panic!("the stream ended without the error: {other:?}"),
        }
        assert!(next(&mut changes).await.is_none());
    });
}
