//! Cross-crate integration tests for kwire; the tests live in `tests/`.
