//! The HTTP/JSON control endpoint (`kwire-mock --control 127.0.0.1:PORT`), so a CI job in
//! any language can drive faults with curl:
//!
//! | method and path | body | does |
//! |---|---|---|
//! | `GET /` | | the live view of the cluster ([`super::view`]) |
//! | `GET /healthz` | | `ok` |
//! | `GET /state` | | brokers, partitions (leader, ISR, HW, LEOs), groups (members, assignments, offsets, lag), faults, counters, the listeners' security |
//! | `POST /actions` | an [`Action`] or a list | applies them now, in order |
//! | `POST /scenario` | a scenario (list of steps with `at_ms`) | runs it from now, in the background |
//! | `POST /brokers/{id}/down`, `/up` | | stop / restart a broker |
//! | `POST /partitions/{topic}/{p}/leader` | `{"to": 2}` (optional) | move leadership |
//! | `POST /partitions/{topic}/{p}/isr` | `{"isr": [1, 2]}` | set the ISR |
//! | `POST /partitions/{topic}/{p}/replicas` | `{"replicas": [1, 3]}` | reassign replicas |
//! | `POST /faults/lag` | fields of `set_lag` | follower lag |
//! | `POST /faults/inject`, `DELETE /faults/inject` | fields of `inject` | inject / clear errors |
//! | `POST /faults/connection`, `DELETE /faults/connection` | fields of `connection_faults` | latency, stall, drop after append |
//! | `POST /faults/expire-sessions` | `{"broker": 2}` (optional: every broker) | end the SASL sessions authenticated so far |
//! | `POST /faults/reject-logins` | fields of `reject_logins` | refuse the next SASL logins |
//! | `POST /topics` | fields of `create_topic` | create a topic |
//! | `DELETE /topics/{name}` | — | delete a topic |
//! | `POST /topics/{name}/partitions` | `{"count": 6, "assignment": [[1, 2]]}` (assignment optional) | grow a topic |
//! | `GET /topics/{name}/configs` | | every topic config: value, source, type, synonyms |
//! | `PATCH` or `POST /topics/{name}/configs` | `{"set": {...}, "delete": [...], "append": {...}, "subtract": {...}}` | alter the overrides |
//! | `GET /brokers/{id}/configs` | | the broker's configs |
//! | `PATCH` or `POST /brokers/configs` | `{"set": {...}, "delete": [...]}` | alter every broker's configs |
//! | `POST /groups/{group}/coordinator` | `{"to": 2}` (optional) | move the group's coordinator |
//! | `POST /groups/{group}/members/{member}/expire` | | expire a member as if its session timed out |
//! | `POST /groups/{group}/rebalance` | | force a rebalance |
//! | `GET /topics/{name}/partitions/{p}/records?offset=&limit=` | | records and their batches' headers (see [`super::Records`]) |
//! | `POST /topics/{name}/partitions/{p}/delete-records` | `{"offset": 5}` (default -1: the high watermark) | delete records below an offset |
//!
//! Answers are JSON; a malformed request gets 400, an action the cluster refuses 409 (with
//! Kafka's error name in `"kafka_error"`), a topic or broker to read that does not exist 404,
//! all with `{"error": "..."}`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::scenario::{self, Scenario};
use super::{Action, ControlError, Controller};
use crate::server::ConnectionFaults;

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, axum::Json(json!({ "error": message.to_string() }))).into_response()
}

fn control_error(e: &ControlError) -> Response {
    match e {
        ControlError::Refused { error, .. } => (
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": e.to_string(), "kafka_error": error.name() })),
        )
            .into_response(),
        ControlError::Invalid(_) => error(StatusCode::BAD_REQUEST, e),
    }
}

/// Parses a JSON object body (an empty body is `{}`).
fn object(body: &Bytes) -> Result<serde_json::Map<String, Value>, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "expected a JSON object",
        ))),
        Err(e) => Err(Box::new(error(StatusCode::BAD_REQUEST, e))),
    }
}

/// Applies the action named `name` with the fields of `fields`.
fn apply_named(c: &Controller, name: &str, mut fields: serde_json::Map<String, Value>) -> Response {
    fields.insert("action".into(), Value::String(name.into()));
    let action: Action = match serde_json::from_value(Value::Object(fields)) {
        Ok(a) => a,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match c.apply(&action) {
        Ok(applied) => axum::Json(applied).into_response(),
        Err(e) => control_error(&e),
    }
}

async fn state(AxState(c): AxState<Controller>) -> Response {
    axum::Json(c.state()).into_response()
}

async fn actions(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    let list: Vec<Action> = match serde_json::from_slice::<Value>(&body) {
        Ok(v @ Value::Array(_)) => match serde_json::from_value(v) {
            Ok(l) => l,
            Err(e) => return error(StatusCode::BAD_REQUEST, e),
        },
        Ok(v) => match serde_json::from_value(v) {
            Ok(a) => vec![a],
            Err(e) => return error(StatusCode::BAD_REQUEST, e),
        },
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let mut results = Vec::with_capacity(list.len());
    for a in &list {
        match c.apply(a) {
            Ok(r) => results.push(serde_json::to_value(r).unwrap_or(Value::Null)),
            Err(e) => return control_error(&e),
        }
    }
    axum::Json(json!({ "applied": results })).into_response()
}

async fn run_scenario(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let s = match Scenario::from_json(&text) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let n = s.steps.len();
    let last = s.steps.last().map_or(0, |s| s.at_ms);
    tokio::spawn(scenario::run(c, s));
    (
        StatusCode::ACCEPTED,
        axum::Json(json!({ "scheduled": n, "last_at_ms": last })),
    )
        .into_response()
}

async fn broker_down(AxState(c): AxState<Controller>, Path(id): Path<i32>) -> Response {
    let mut f = serde_json::Map::new();
    f.insert("broker".into(), id.into());
    apply_named(&c, "broker_down", f)
}

async fn broker_up(AxState(c): AxState<Controller>, Path(id): Path<i32>) -> Response {
    let mut f = serde_json::Map::new();
    f.insert("broker".into(), id.into());
    apply_named(&c, "broker_up", f)
}

fn partition_action(
    c: &Controller,
    name: &str,
    topic: String,
    partition: i32,
    body: &Bytes,
) -> Response {
    let mut f = match object(body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    f.insert("topic".into(), topic.into());
    f.insert("partition".into(), partition.into());
    apply_named(c, name, f)
}

async fn leader(
    AxState(c): AxState<Controller>,
    Path((topic, p)): Path<(String, i32)>,
    body: Bytes,
) -> Response {
    partition_action(&c, "move_leader", topic, p, &body)
}

async fn isr(
    AxState(c): AxState<Controller>,
    Path((topic, p)): Path<(String, i32)>,
    body: Bytes,
) -> Response {
    partition_action(&c, "set_isr", topic, p, &body)
}

async fn replicas(
    AxState(c): AxState<Controller>,
    Path((topic, p)): Path<(String, i32)>,
    body: Bytes,
) -> Response {
    partition_action(&c, "set_replicas", topic, p, &body)
}

fn with_body(c: &Controller, name: &str, body: &Bytes) -> Response {
    match object(body) {
        Ok(f) => apply_named(c, name, f),
        Err(r) => *r,
    }
}

async fn lag(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    with_body(&c, "set_lag", &body)
}

async fn inject(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    with_body(&c, "inject", &body)
}

async fn expire_sessions(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    with_body(&c, "expire_sessions", &body)
}

async fn reject_logins(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    with_body(&c, "reject_logins", &body)
}

async fn clear_injections(AxState(c): AxState<Controller>) -> Response {
    apply_named(&c, "clear_injections", serde_json::Map::new())
}

async fn connection(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    with_body(&c, "connection_faults", &body)
}

async fn clear_connection(AxState(c): AxState<Controller>) -> Response {
    let brokers: Vec<i32> = c.connection_faults().keys().copied().collect();
    for b in brokers {
        c.set_connection_faults(b, ConnectionFaults::default());
    }
    axum::Json(json!({ "action": "connection_faults", "changed": true })).into_response()
}

async fn topics(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    with_body(&c, "create_topic", &body)
}

async fn delete_topic(AxState(c): AxState<Controller>, Path(name): Path<String>) -> Response {
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), json!(name));
    apply_named(&c, "delete_topic", fields)
}

/// Applies the action `name` with the fields of the body and `extra`.
fn with_fields(c: &Controller, name: &str, body: &Bytes, extra: &[(&str, Value)]) -> Response {
    let mut f = match object(body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    for (k, v) in extra {
        f.insert((*k).to_owned(), v.clone());
    }
    apply_named(c, name, f)
}

async fn create_partitions(
    AxState(c): AxState<Controller>,
    Path(topic): Path<String>,
    body: Bytes,
) -> Response {
    with_fields(&c, "create_partitions", &body, &[("topic", json!(topic))])
}

async fn topic_configs(AxState(c): AxState<Controller>, Path(topic): Path<String>) -> Response {
    match c.describe_topic_configs(&topic) {
        Ok(configs) => axum::Json(json!({ "topic": topic, "configs": configs })).into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, e),
    }
}

async fn alter_topic_configs(
    AxState(c): AxState<Controller>,
    Path(topic): Path<String>,
    body: Bytes,
) -> Response {
    with_fields(&c, "alter_topic_configs", &body, &[("topic", json!(topic))])
}

async fn broker_configs(AxState(c): AxState<Controller>, Path(id): Path<i32>) -> Response {
    match c.describe_broker_configs(id) {
        Some(configs) => axum::Json(json!({ "broker": id, "configs": configs })).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no broker {id}")),
    }
}

async fn alter_broker_configs(AxState(c): AxState<Controller>, body: Bytes) -> Response {
    with_fields(&c, "alter_broker_configs", &body, &[])
}

/// `GET /topics/{t}/partitions/{p}/records?offset=&limit=`: the page as JSON. A malformed
/// offset or limit is 400, an unknown topic or partition 404, an offset out of range 416 (with
/// `kafka_error`, `log_start_offset` and `high_watermark`), a partition without leader 503.
async fn records(
    AxState(c): AxState<Controller>,
    Path((topic, partition)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let bad = |m: String| error(StatusCode::BAD_REQUEST, m);
    let Ok(partition) = partition.parse::<i32>() else {
        return bad(format!("partition must be an integer, not {partition:?}"));
    };
    let mut offset = None;
    let mut limit = super::DEFAULT_RECORDS_LIMIT;
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "offset" => match value.parse::<i64>() {
                Ok(o) if o >= 0 => offset = Some(o),
                _ => return bad(format!("offset must be an integer >= 0, not {value:?}")),
            },
            "limit" => match value.parse::<usize>() {
                Ok(l) => limit = l,
                Err(_) => return bad(format!("limit must be an integer, not {value:?}")),
            },
            other => return bad(format!("unknown parameter {other:?} (offset, limit)")),
        }
    }
    match c.records(&topic, partition, offset, limit) {
        Ok(page) => axum::Json(page).into_response(),
        Err(e) => {
            let status = match e {
                super::RecordsError::BadLimit(_) => StatusCode::BAD_REQUEST,
                super::RecordsError::UnknownTopicOrPartition { .. } => StatusCode::NOT_FOUND,
                super::RecordsError::OffsetOutOfRange { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
                super::RecordsError::NoLeader { .. } => StatusCode::SERVICE_UNAVAILABLE,
                super::RecordsError::Corrupt { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut body = json!({ "error": e.to_string() });
            if let Some(code) = e.error_code() {
                body["kafka_error"] = json!(code.name());
            }
            if let super::RecordsError::OffsetOutOfRange {
                log_start_offset,
                high_watermark,
                ..
            } = e
            {
                body["log_start_offset"] = json!(log_start_offset);
                body["high_watermark"] = json!(high_watermark);
            }
            (status, axum::Json(body)).into_response()
        }
    }
}

async fn delete_records(
    AxState(c): AxState<Controller>,
    Path((topic, p)): Path<(String, i32)>,
    body: Bytes,
) -> Response {
    partition_action(&c, "delete_records", topic, p, &body)
}

async fn move_coordinator(
    AxState(c): AxState<Controller>,
    Path(group): Path<String>,
    body: Bytes,
) -> Response {
    with_fields(&c, "move_coordinator", &body, &[("group", json!(group))])
}

async fn expire_member(
    AxState(c): AxState<Controller>,
    Path((group, member)): Path<(String, String)>,
) -> Response {
    let fields = [("group", json!(group)), ("member", json!(member))];
    with_fields(&c, "expire_member", &Bytes::new(), &fields)
}

async fn force_rebalance(AxState(c): AxState<Controller>, Path(group): Path<String>) -> Response {
    with_fields(
        &c,
        "force_rebalance",
        &Bytes::new(),
        &[("group", json!(group))],
    )
}

/// The control endpoint's routes.
pub fn router(controller: Controller) -> Router {
    Router::new()
        .route("/", get(super::view::page))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/state", get(state))
        .route("/actions", post(actions))
        .route("/scenario", post(run_scenario))
        .route("/brokers/{id}/down", post(broker_down))
        .route("/brokers/{id}/up", post(broker_up))
        .route("/partitions/{topic}/{partition}/leader", post(leader))
        .route("/partitions/{topic}/{partition}/isr", post(isr))
        .route("/partitions/{topic}/{partition}/replicas", post(replicas))
        .route("/faults/lag", post(lag))
        .route("/faults/inject", post(inject).delete(clear_injections))
        .route(
            "/faults/connection",
            post(connection).delete(clear_connection),
        )
        .route("/faults/expire-sessions", post(expire_sessions))
        .route("/faults/reject-logins", post(reject_logins))
        .route("/topics", post(topics))
        .route("/topics/{name}", delete(delete_topic))
        .route("/topics/{name}/partitions", post(create_partitions))
        .route(
            "/topics/{name}/configs",
            get(topic_configs)
                .patch(alter_topic_configs)
                .post(alter_topic_configs),
        )
        .route("/brokers/{id}/configs", get(broker_configs))
        .route(
            "/brokers/configs",
            patch(alter_broker_configs).post(alter_broker_configs),
        )
        .route(
            "/topics/{name}/partitions/{partition}/delete-records",
            post(delete_records),
        )
        .route(
            "/topics/{name}/partitions/{partition}/records",
            get(records),
        )
        .route("/groups/{group}/coordinator", post(move_coordinator))
        .route(
            "/groups/{group}/members/{member}/expire",
            post(expire_member),
        )
        .route("/groups/{group}/rebalance", post(force_rebalance))
        .layer(axum::extract::DefaultBodyLimit::max(1 << 20))
        .with_state(controller)
}

/// Serves the control endpoint on `listener` until the cluster shuts down.
pub(crate) async fn serve(controller: Controller, listener: TcpListener) {
    let app = router(controller.clone());
    let stop = async move { controller.stopped().await };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
    {
        tracing::error!(error = %e, "control endpoint failed");
    }
}
