//! `escrutinio`: the command-line interface, a thin layer over the library.
//! Exit codes: 0 success (for `validate`: clean data), 1 problems found in the
//! data (`validate`) or invalid rows under `--invalid-rows fail`, 2 unusable
//! input or output (unreadable file, schema error, write failure).

use escrutinio::cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    let code = match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            // Not eprintln!: a closed stderr must not turn an error into a panic.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "escrutinio: error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
