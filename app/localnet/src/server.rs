//! The network side: JSON-RPC 2.0 over `POST /` (single calls and batches) and `GET /health`,
//! each call handed to the node's thread and answered in order; and the WebSocket
//! subscriptions of [`crate::pubsub`] on their own listener.

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

use crate::node::{Node, RpcError};
use crate::pubsub::{notification, Outbox, Registry};

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

/// The WebSocket endpoint: subscriptions over JSON-RPC 2.0.
pub fn ws_router(calls: Sender<Call>, registry: Registry) -> Router {
    Router::new()
        .route("/", get(ws_upgrade))
        .with_state((calls, registry))
}

async fn ws_upgrade(
    ws: WebSocketUpgrade,
    State(state): State<(Sender<Call>, Registry)>,
) -> impl IntoResponse {
    ws.on_upgrade(move |socket| connection(socket, state))
}

/// Asks the node `method` with `params`, as an HTTP call would.
async fn ask(calls: &Sender<Call>, method: &str, params: Value) -> Result<Value, RpcError> {
    let (tx, rx) = oneshot::channel();
    calls
        .send((method.to_string(), params, tx))
        .map_err(|_| RpcError::internal_stopped())?;
    rx.await.map_err(|_| RpcError::internal_stopped())?
}

async fn connection(mut socket: WebSocket, (calls, registry): (Sender<Call>, Registry)) {
    let (out, mut inbox) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut mine = vec![];
    loop {
        tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(t))) => {
                    for reply in subscription_call(&t, &calls, &registry, &out, &mut mine).await {
                        if socket.send(Message::Text(reply.into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Ping(p))) => {
                    let _ = socket.send(Message::Pong(p)).await;
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            Some(text) = inbox.recv() => {
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
        }
    }
    for id in mine {
        registry.unsubscribe(id);
    }
}

/// Answers one subscription call: the reply, then any notification already due.
async fn subscription_call(
    text: &str,
    calls: &Sender<Call>,
    registry: &Registry,
    out: &Outbox,
    mine: &mut Vec<u64>,
) -> Vec<String> {
    let req: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let e = RpcError {
                code: -32700,
                message: format!("Parse error: {e}"),
                data: None,
            };
            return vec![error(Value::Null, e).to_string()];
        }
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let method = req.get("method").and_then(Value::as_str).unwrap_or("");
    let params = req.get("params").cloned().unwrap_or_else(|| json!([]));
    let ok =
        |result: Value| json!({ "jsonrpc": "2.0", "result": result, "id": id.clone() }).to_string();
    let bad = |m: String| error(id.clone(), RpcError::invalid_params(m)).to_string();
    match method {
        "signatureSubscribe" => {
            let Some(sig) = params[0].as_str().and_then(|s| s.parse().ok()) else {
                return vec![bad("invalid signature".into())];
            };
            let sub = registry.subscribe_signature(sig, out.clone());
            mine.push(sub);
            let mut replies = vec![ok(json!(sub))];
            // Already run: notify now (the node will not again).
            let status = ask(calls, "getSignatureStatuses", json!([[params[0]]])).await;
            if let Ok(s) = status {
                let st = &s["value"][0];
                if !st.is_null() && registry.unsubscribe(sub) {
                    let slot = st["slot"].as_u64().unwrap_or(0);
                    replies.push(notification(
                        "signatureNotification",
                        sub,
                        slot,
                        json!({ "err": st["err"] }),
                    ));
                }
            }
            replies
        }
        "accountSubscribe" => {
            let Some(key) = params[0].as_str().and_then(|s| s.parse().ok()) else {
                return vec![bad("invalid pubkey".into())];
            };
            let encoding = params[1]
                .get("encoding")
                .and_then(|e| serde_json::from_value(e.clone()).ok())
                .unwrap_or(solana_account_decoder::UiAccountEncoding::Base64);
            let now = ask(
                calls,
                "getAccountInfo",
                json!([params[0], { "encoding": "base64" }]),
            )
            .await
            .ok()
            .and_then(|v| {
                serde_json::from_value::<solana_account_decoder::UiAccount>(v["value"].clone()).ok()
            })
            .and_then(|a| a.decode::<solana_account::Account>());
            let sub = registry.subscribe_account(key, encoding, now, out.clone());
            mine.push(sub);
            vec![ok(json!(sub))]
        }
        "signatureUnsubscribe" | "accountUnsubscribe" => match params[0].as_u64() {
            Some(sub) => vec![ok(json!(registry.unsubscribe(sub)))],
            None => vec![bad("invalid subscription id".into())],
        },
        other => vec![error(id.clone(), RpcError::method_not_found(other)).to_string()],
    }
}
