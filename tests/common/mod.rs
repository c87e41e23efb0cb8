//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// Root of the project.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `../shared/data/`. When it is missing, tests fail if `CI` is
/// set (CI always has the data) and are skipped with a message otherwise.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = root().join("..").join("shared").join("data").join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing, and CI is set: the shared data must be present",
            p.display()
        );
    }
    eprintln!(
        "SKIPPED: {} not found (set CI=1 to make this a failure)",
        p.display()
    );
    None
}

/// A schema file under `data/schemas/`.
pub fn schema(name: &str) -> PathBuf {
    root().join("data").join("schemas").join(name)
}

/// The release binary built by cargo for integration tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_escrutinio"))
}

/// Options checked by their family (panics on invalid test options).
pub fn checked<F: escrutinio::methods::Family>(
    o: F::Options,
) -> escrutinio::methods::Checked<F::Options> {
    F::checked(o).expect("valid options")
}

/// A run context with `seed`.
pub fn ctx(seed: u64) -> escrutinio::methods::Context {
    escrutinio::methods::Context::new(seed)
}

/// Whether the full statistical studies run (`cargo test --release
/// --features studies`, as `.ci/run` does); otherwise the fast tier runs
/// their smoke versions.
pub const STUDIES: bool = cfg!(feature = "studies");

/// A study's size: `full` in the studies tier, `smoke` in the fast tier.
pub fn size<T>(full: T, smoke: T) -> T {
    if STUDIES {
        full
    } else {
        smoke
    }
}
