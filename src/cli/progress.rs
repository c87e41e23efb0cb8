//! Progress bars on stderr (indicatif) for the library's long steps
//! (`escrutinio::progress`): only when stderr is a terminal and `--quiet`
//! is not given; never on stdout, never in the JSON.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<u64, ProgressBar>>,
}

impl escrutinio::progress::Sink for Bars {
    fn start(&self, id: u64, label: &str, total: Option<u64>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{msg:>24} [{bar:30}] {pos}/{len}  {elapsed_precise} elapsed, ~{eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => {
                let b = ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{msg:>24} {spinner} {elapsed_precise}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                b.enable_steady_tick(Duration::from_millis(120));
                b
            }
        };
        let bar = self.multi.add(bar);
        bar.set_message(label.to_string());
        if let Ok(mut m) = self.bars.lock() {
            m.insert(id, bar);
        }
    }

    fn advance(&self, id: u64, n: u64) {
        if let Ok(m) = self.bars.lock() {
            if let Some(b) = m.get(&id) {
                b.inc(n);
            }
        }
    }

    fn finish(&self, id: u64) {
        if let Ok(mut m) = self.bars.lock() {
            if let Some(b) = m.remove(&id) {
                b.finish_and_clear();
                self.multi.remove(&b);
            }
        }
    }
}

/// Installs the progress bars when stderr is a terminal and not `quiet`.
pub fn install(quiet: bool) {
    if quiet || !std::io::stderr().is_terminal() {
        return;
    }
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    escrutinio::progress::install(Box::new(Bars {
        multi,
        bars: Mutex::new(HashMap::new()),
    }));
}
