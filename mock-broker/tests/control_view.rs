//! The live view at `/`: served as one self-contained page that reads `/state`.

mod common;

use common::*;

#[tokio::test]
async fn the_page_is_served_self_contained() {
    let m = controlled(1).await;
    let (status, body) = http(m.control_addr().unwrap(), "GET", "/", "").await;
    assert_eq!(status, 200);
    assert!(body.starts_with("<!doctype html>"), "{body}");
    // It polls the state and drives the fault routes of this endpoint, and nothing outside it.
    for path in [
        "\"/state\"",
        "\"/faults/lag\"",
        "/leader\"",
        "/down\"",
        "/up\"",
    ] {
        assert!(body.contains(path), "the page does not use {path}");
    }
    assert!(!body.contains("http://") && !body.contains("https://"));
}
