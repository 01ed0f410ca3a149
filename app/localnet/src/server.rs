//! The HTTP side: JSON-RPC 2.0 over `POST /` (single calls and batches) and `GET /health`,
//! each call handed to the node's thread and answered in order.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

use crate::node::{Node, RpcError};

/// One call for the node: method, params and where the answer goes.
pub type Call = (String, Value, oneshot::Sender<Result<Value, RpcError>>);

/// Runs the node until `stop` is set or every sender is gone: calls as they come, the market
/// between them.
pub fn run_node(mut node: Node, calls: Receiver<Call>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match calls.recv_timeout(Duration::from_millis(20)) {
            Ok((method, params, reply)) => {
                let _ = reply.send(node.call(&method, &params));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        node.tick();
    }
}

pub fn router(calls: Sender<Call>) -> Router {
    Router::new()
        .route("/", post(rpc))
        .route("/health", get(|| async { "ok" }))
        .with_state(calls)
}

fn error(id: Value, e: RpcError) -> Value {
    let mut err = json!({ "code": e.code, "message": e.message });
    if let Some(data) = e.data {
        err["data"] = data;
    }
    json!({ "jsonrpc": "2.0", "error": err, "id": id })
}

async fn answer(calls: &Sender<Call>, req: Value) -> Value {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        let e = RpcError {
            code: -32600,
            message: "Invalid request: no method".into(),
            data: None,
        };
        return error(id, e);
    };
    let params = req.get("params").cloned().unwrap_or_else(|| json!([]));
    let (tx, rx) = oneshot::channel();
    if calls.send((method.to_string(), params, tx)).is_err() {
        return error(id, RpcError::internal_stopped());
    }
    match rx.await {
        Ok(Ok(result)) => json!({ "jsonrpc": "2.0", "result": result, "id": id }),
        Ok(Err(e)) => error(id, e),
        Err(_) => error(id, RpcError::internal_stopped()),
    }
}

async fn rpc(State(calls): State<Sender<Call>>, body: Bytes) -> Json<Value> {
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    Json(match parsed {
        Err(e) => error(
            Value::Null,
            RpcError {
                code: -32700,
                message: format!("Parse error: {e}"),
                data: None,
            },
        ),
        Ok(Value::Array(batch)) => {
            let mut out = Vec::with_capacity(batch.len());
            for req in batch {
                out.push(answer(&calls, req).await);
            }
            Value::Array(out)
        }
        Ok(req) => answer(&calls, req).await,
    })
}
