//! `escrutinio validate FILE [--schema S] [--json]`
//!
//! Reads FILE (CSV, gzip CSV or Parquet) through the schema (or the standard
//! column names) and checks every row. Prints one line per problem kind with
//! its severity, the number of rows and occurrences and the first examples
//! (file, row, line, column, value). Exit code 0 when no row has a problem,
//! 1 when problems were found, 2 when the file or schema is unusable.

use std::path::PathBuf;

use super::emit;

use escrutinio::io::{load, InvalidRows};
use escrutinio::report::text;

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
        let s = serde_json::to_string_pretty(q).expect("serialises");
        emit(&format!("{s}\n"));
    } else {
        let mut out = text::data_quality(&a.file.display().to_string(), q);
        out.push_str(&text::schema_warnings(&loaded.schema.resolved.warnings));
        // Say how a file that is not plain UTF-8 was read.
        if let (Some(enc), Some(source)) = (&loaded.input.encoding, loaded.input.encoding_source) {
            if source != escrutinio::io::encoding::EncodingSource::Default {
                out.push_str(&format!("read as {enc} ({})\n", source.describe()));
            }
        }
        if loaded
            .election
            .as_ref()
            .is_some_and(|e| e.electorate.is_none())
        {
            out.push_str("no registered voters (electorate) in the data: turnout is undefined\n");
        }
        emit(&out);
    }
    Ok(if q.has_problems() { 1 } else { 0 })
}
