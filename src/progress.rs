//! Progress of long steps (loading, bootstraps, placebo replicates, batch
//! elections), reported to a sink the caller installs — the command line
//! draws progress bars on stderr; the library itself prints nothing.
//!
//! Without an installed sink every call is a no-op. Progress never touches
//! results: tasks only count, and their order of completion (which varies
//! with the thread count) is never read back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Where progress goes (the CLI's progress bars).
pub trait Sink: Send + Sync {
    /// A task starts: `total` units of work, or `None` when unknown.
    fn start(&self, id: u64, label: &str, total: Option<u64>);
    /// `n` more units of task `id` are done.
    fn advance(&self, id: u64, n: u64);
    /// Task `id` is over.
    fn finish(&self, id: u64);
}

static SINK: OnceLock<Box<dyn Sink>> = OnceLock::new();
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Installs the sink for the rest of the process (the first call wins);
/// returns whether this one was installed.
pub fn install(sink: Box<dyn Sink>) -> bool {
    SINK.set(sink).is_ok()
}

/// A running task; finished when dropped.
#[derive(Debug)]
pub struct Task {
    id: u64,
}

/// Starts a task of `total` units (`None`: unknown).
pub fn task(label: &str, total: Option<u64>) -> Task {
    match SINK.get() {
        Some(s) => {
            let id = NEXT.fetch_add(1, Ordering::Relaxed);
            s.start(id, label, total);
            Task { id }
        }
        None => Task { id: 0 },
    }
}

impl Task {
    /// One more unit done.
    pub fn inc(&self) {
        if self.id != 0 {
            if let Some(s) = SINK.get() {
                s.advance(self.id, 1);
            }
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if self.id != 0 {
            if let Some(s) = SINK.get() {
                s.finish(self.id);
            }
        }
    }
}
