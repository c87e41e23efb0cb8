//! `escrutinio validate FILE [--schema S] [--json]`
//!
//! Reads FILE (CSV, gzip CSV or Parquet) through the schema (or the standard
//! column names) and checks every row. Prints one line per problem kind with
//! its severity, the number of rows and occurrences and the first examples
//! (file, row, line, column, value). Exit code 0 when no row has a problem,
//! 1 when problems were found, 2 when the file or schema is unusable.

use std::path::PathBuf;

use escrutinio::io::{load, InvalidRows};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Station-results file (CSV, .csv.gz or Parquet).
    pub file: PathBuf,
    /// Schema file (TOML) mapping columns to roles.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Print the data-quality record as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let loaded = load(&a.file, a.schema.as_deref(), InvalidRows::Exclude)?;
    let q = &loaded.quality;
    if a.json {
        println!("{}", serde_json::to_string_pretty(q).expect("serialises"));
    } else {
        println!(
            "{}: {} rows read, {} usable, {} invalid (would be excluded), {} filtered by the schema, {} kept with findings",
            a.file.display(),
            q.rows_read,
            q.rows_used,
            q.rows_excluded_invalid,
            q.rows_excluded_filtered,
            q.rows_flagged
        );
        if q.problems.is_empty() {
            println!("no problems found");
        } else {
            println!(
                "{:<26} {:<9} {:>9} {:>11}  description",
                "problem", "severity", "rows", "occurrences"
            );
            for p in &q.problems {
                let sev = serde_json::to_value(p.severity).expect("serialises");
                println!(
                    "{:<26} {:<9} {:>9} {:>11}  {}",
                    p.kind.name(),
                    sev.as_str().unwrap_or(""),
                    p.rows,
                    p.occurrences,
                    p.description
                );
                for ex in &p.examples {
                    println!("    {}: {}", a.file.display(), ex);
                }
            }
        }
    }
    Ok(if q.has_problems() { 1 } else { 0 })
}
