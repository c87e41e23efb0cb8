//! Empty on purpose: the crate has a build script only so that its
//! `[build-dependencies]` pin syn's features (see Cargo.toml), keeping one
//! build of polars for the binary, the tests and the Python package.
fn main() {}
