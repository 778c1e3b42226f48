//! The live view at `GET /`: one static page (HTML, CSS and JS in `view.html`, compiled into
//! the binary, no external URLs) that polls `GET /state` twice a second and renders brokers,
//! partitions (leader, replicas, ISR, high watermark, each replica's log-end offset) and
//! consumer groups with their lag, with buttons that call the control routes for the common
//! faults (broker down/up, move leader, stall or resume a follower).
//!
//! Each partition's row has the id `partition-{topic}/{p}` and `data-leader`/`data-isr`
//! attributes, so a browser test can read what the page shows.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The page.
pub const PAGE: &str = include_str!("view.html");

/// `GET /`: the page.
pub(crate) async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}
