//! The HTTP side of [`Telemetry`]: `/healthz`, `/readyz` and `/metrics`.
//!
//! Plain HTTP/1 on the configured address and nothing else: no request body
//! is read and nothing is written, so the listener can face a monitoring
//! network without giving it a way in.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::Telemetry;
use crate::config::ServerConfig;

/// The OpenMetrics text format that Prometheus scrapes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("server.listen: cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
}

/// Binds `[server]`'s address and serves the routes until the process ends;
/// `None` when the server is off. Binding happens before this returns, so a
/// port in use is a start-up error naming the key.
pub async fn start(
    config: &ServerConfig,
    telemetry: Arc<Telemetry>,
) -> Result<Option<(SocketAddr, JoinHandle<()>)>, ServerError> {
    let Some(address) = config.address() else {
        return Ok(None);
    };
    let bind_error = |source| ServerError::Bind { address, source };
    let listener = TcpListener::bind(address).await.map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(telemetry);
    tracing::info!(address = %local, "serving health and metrics on http://{local}/");
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the health and metrics server stopped");
        }
    });
    Ok(Some((local, task)))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(telemetry): State<Arc<Telemetry>>) -> Response {
    let gateway = telemetry.gateway_connected().await;
    let readiness = match tokio::task::spawn_blocking(move || telemetry.readiness(gateway)).await {
        Ok(readiness) => readiness,
        Err(error) => {
            tracing::error!(%error, "the readiness check stopped unexpectedly");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness)).into_response()
}

async fn metrics(State(telemetry): State<Arc<Telemetry>>) -> Response {
    // Brings the shard-stage gauge up to date.
    telemetry.gateway_stage().await;
    match telemetry.metrics.render() {
        Ok(text) => ([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot render the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
