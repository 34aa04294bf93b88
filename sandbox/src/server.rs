//! The sandbox's own HTTP/1 connection loop. axum's `serve` cannot close a socket from a
//! handler, and the drop fault needs exactly that: each connection gets a [`DropTrigger`]
//! (handed to every request as an extension); firing it drops the connection future,
//! which closes the socket with nothing sent.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How long in-flight requests get to finish after a shutdown.
const GRACE: Duration = Duration::from_secs(5);

/// Closes the connection a request came on, without an answer.
#[derive(Debug, Clone, Default)]
pub struct DropTrigger(Arc<Notify>);

impl DropTrigger {
    /// Asks the connection task to drop the connection.
    pub fn fire(&self) {
        self.0.notify_one();
    }

    async fn fired(&self) {
        self.0.notified().await;
    }
}

/// Accepts connections until `shutdown` changes (or its sender goes away), then lets
/// in-flight requests finish for a short grace period.
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, router.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("sandbox: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(GRACE, drained).await.is_err() {
        connections.abort_all();
    }
}

async fn connection(stream: TcpStream, router: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let trigger = DropTrigger::default();
    let for_requests = trigger.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(for_requests.clone());
        router.clone().oneshot(request)
    });
    // Header names go out title-cased (`X-Tt-Logid`), as Feishu's gateway sends them: the
    // official Python SDK looks the log id up case-sensitively.
    let conn = hyper::server::conn::http1::Builder::new()
        .title_case_headers(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            biased;
            // Returning drops `conn` and with it the socket: the client sees no answer.
            _ = trigger.fired() => return,
            _ = conn.as_mut() => return,
            _ = shutdown.changed(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
