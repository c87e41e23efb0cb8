//! A raw input table: column names plus cells that can be read as counts or
//! as text, whatever the file format. CSV is read by polars with every column
//! as text (so that no value is coerced or lost before validation); Parquet
//! keeps its own column types.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use polars::prelude::*;
use serde::Serialize;

use super::cell::{count_from_f64, count_from_i64, parse_count, CellError};
use super::parquet_guard;
use super::text;
use crate::error::{Error, Result};

/// How the input file was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Parquet,
    /// A table handed over in memory (Arrow columns, e.g. a Python data
    /// frame), typed like Parquet.
    Arrow,
}

/// Facts about the input file, reported in `report.json` under `input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file's bytes as stored (before decompression).
    pub sha256: String,
    /// Size of the file as stored, in bytes.
    pub bytes: u64,
    pub format: Format,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// The delimiter of a CSV file, as a string (`","`, `";"`, `"\t"`, ...).
    pub delimiter: Option<String>,
    /// Whether a byte-order mark was found and skipped.
    pub bom: bool,
    /// The text encoding a CSV file was read in (`UTF-8`, `windows-1252`,
    /// `windows-1251`, `UTF-16LE`, ...); `null` for Parquet.
    pub encoding: Option<String>,
    /// How the encoding was established: `default` (valid UTF-8),
    /// `declared` (the schema), `byte_order_mark`, `detected`.
    pub encoding_source: Option<super::encoding::EncodingSource>,
    /// Number of columns in the header.
    pub columns: usize,
    /// Number of data rows read (blank lines are not rows).
    pub rows: usize,
}

/// A table as read from disk, before any role is assigned to its columns.
pub struct RawTable {
    pub path: PathBuf,
    pub info: FileInfo,
    pub columns: Vec<String>,
    df: DataFrame,
    /// 1-based physical line of each data row (CSV only).
    lines: Option<Vec<usize>>,
    /// CSV rows whose number of fields differs from the header's: 0-based
    /// data row -> number of fields.
    ragged: std::collections::BTreeMap<usize, usize>,
    /// Each column's cells read as counts, parsed once on first use.
    count_cache: Vec<OnceLock<Arc<CountCells>>>,
}

/// A column's cells read as counts, with the reason where a cell is not one.
pub type CountCells = Vec<std::result::Result<u64, CellError>>;

impl RawTable {
    /// `row N (line L)`, or `row N` for Parquet input (no lines), of the
    /// 0-based data row `r`.
    pub fn row_label(&self, r: usize) -> String {
        match self.line_of_row(r) {
            Some(l) => format!("row {} (line {l})", r + 1),
            None => format!("row {}", r + 1),
        }
    }

    /// Reads a CSV (optionally gzip) or Parquet file. Parquet is recognised by
    /// its magic bytes `PAR1`, whatever the extension.
    pub fn read(
        path: &Path,
        delimiter: Option<u8>,
        encoding: Option<&'static encoding_rs::Encoding>,
    ) -> Result<RawTable> {
        let stored = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let sha256 = sha256_hex(&stored);
        let bytes = stored.len() as u64;
        if stored.starts_with(b"PAR1") {
            return Self::read_parquet(path, stored, sha256, bytes);
        }
        drop(stored);
        Self::read_csv(path, delimiter, encoding, sha256, bytes)
    }

    fn read_csv(
        path: &Path,
        delimiter: Option<u8>,
        encoding: Option<&'static encoding_rs::Encoding>,
        sha256: String,
        size: u64,
    ) -> Result<RawTable> {
        let tf = text::open(path, delimiter, encoding)?;
        check_header(path, &tf.header)?;
        if tf.record_lines.is_empty() {
            return Err(Error::input(
                path,
                format!(
                    "the file has a header ({} columns) but no data rows",
                    tf.header.len()
                ),
            ));
        }
        let n_cols = tf.header.len();
        // Every column as text: validation, not polars, decides what a value means.
        let schema: Schema = tf
            .header
            .iter()
            .map(|n| Field::new(n.as_str().into(), DataType::String))
            .collect();
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_schema(Some(Arc::new(schema)))
            .map_parse_options(|o| {
                o.with_separator(tf.delimiter)
                    .with_quote_char(Some(b'"'))
                    .with_missing_is_null(true)
                    // Rows with too many or too few fields are read (extra
                    // fields cut, missing ones null) and then reported as
                    // invalid rows from `ragged`, never used.
                    .with_truncate_ragged_lines(true)
            })
            .into_reader_with_file_handle(std::io::Cursor::new(tf.bytes.as_slice()))
            .finish()
            .map_err(|e| {
                Error::input(
                    path,
                    format!("CSV could not be parsed: {}", polars_message(&e)),
                )
            })?;
        if df.height() != tf.record_lines.len() {
            return Err(Error::input(
                path,
                format!(
                    "CSV structure is inconsistent: {} records found by line scan but {} parsed \
                     (unbalanced quotes?); first data record at line {}",
                    tf.record_lines.len(),
                    df.height(),
                    tf.record_lines[0]
                ),
            ));
        }
        let info = FileInfo {
            path: path.display().to_string(),
            sha256,
            bytes: size,
            format: Format::Csv,
            gzip: tf.gzip,
            delimiter: Some((tf.delimiter as char).to_string()),
            bom: tf.had_bom,
            encoding: Some(tf.encoding.to_string()),
            encoding_source: Some(tf.encoding_source),
            columns: n_cols,
            rows: df.height(),
        };
        Ok(RawTable {
            path: path.to_path_buf(),
            info,
            columns: tf.header,
            df,
            lines: Some(tf.record_lines),
            ragged: tf.ragged.into_iter().collect(),
            count_cache: (0..n_cols).map(|_| OnceLock::new()).collect(),
        })
    }

    /// Reads a Parquet file whose bytes are `stored`: its footer, then the
    /// structural check of [`parquet_guard::check`] (the footer's and every
    /// page header's counts and sizes, so that a corrupt count makes an
    /// error instead of an allocation that aborts the process), then the
    /// data (the bytes are dropped first; polars reads the file itself).
    fn read_parquet(path: &Path, stored: Vec<u8>, sha256: String, size: u64) -> Result<RawTable> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let corrupt = |what: String| {
            Error::input(
                path,
                format!("Parquet could not be read: the file is corrupt ({what})"),
            )
        };
        // polars' Parquet reader panics on some corrupt files (found by
        // fuzzing: malformed thrift metadata, bitmaps shorter than their
        // column): contain it and say the file is corrupt.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut reader = ParquetReader::new(file);
            let meta = match reader.get_metadata() {
                Ok(m) => m.clone(),
                Err(e) => return Ok(Err(e)),
            };
            parquet_guard::check(&stored, &meta)?;
            drop(stored);
            Ok(reader.finish())
        }));
        let df = match read {
            Ok(Ok(r)) => r.map_err(|e| {
                Error::input(
                    path,
                    format!("Parquet could not be read: {}", polars_message(&e)),
                )
            })?,
            Ok(Err(inconsistent)) => return Err(corrupt(inconsistent)),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                return Err(corrupt(format!("the reader failed: {what}")));
            }
        };
        Self::typed(path, df, sha256, size, Format::Parquet)
    }

    /// A table already in memory (Arrow columns handed over by a caller such
    /// as the Python package), read like Parquet: each column keeps its type
    /// and is validated cell by cell. `name` stands for the path in messages
    /// and in `report.json`; `sha256` and `bytes` describe the table's CSV
    /// encoding by polars (a fingerprint of the content: the same frame gives
    /// the same hash).
    pub fn from_frame(name: &str, mut df: DataFrame) -> Result<RawTable> {
        let path = Path::new(name);
        let mut csv = Vec::new();
        CsvWriter::new(&mut csv)
            .include_header(true)
            .finish(&mut df)
            .map_err(|e| {
                Error::input(
                    path,
                    format!("the table could not be encoded: {}", polars_message(&e)),
                )
            })?;
        let sha256 = sha256_hex(&csv);
        let size = csv.len() as u64;
        drop(csv);
        Self::typed(path, df, sha256, size, Format::Arrow)
    }

    fn typed(
        path: &Path,
        df: DataFrame,
        sha256: String,
        size: u64,
        format: Format,
    ) -> Result<RawTable> {
        // A corrupt Parquet file can decode to columns of different lengths.
        if let Some(c) = df.columns().iter().find(|c| c.len() != df.height()) {
            return Err(Error::input(
                path,
                format!(
                    "the table is corrupt: column {:?} has {} values, the table {} rows",
                    c.name().as_str(),
                    c.len(),
                    df.height()
                ),
            ));
        }
        let columns: Vec<String> = df.columns().iter().map(|c| c.name().to_string()).collect();
        check_header(path, &columns)?;
        if df.height() == 0 {
            return Err(Error::input(
                path,
                format!("the file has {} columns but no data rows", columns.len()),
            ));
        }
        let info = FileInfo {
            path: path.display().to_string(),
            sha256,
            bytes: size,
            format,
            gzip: false,
            delimiter: None,
            bom: false,
            encoding: None,
            encoding_source: None,
            columns: columns.len(),
            rows: df.height(),
        };
        let count_cache = (0..columns.len()).map(|_| OnceLock::new()).collect();
        Ok(RawTable {
            path: path.to_path_buf(),
            info,
            columns,
            df,
            lines: None,
            ragged: Default::default(),
            count_cache,
        })
    }

    /// Number of data rows.
    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// Index of a column by exact name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The 1-based physical line of 0-based data row `row`, for CSV input.
    pub fn line_of_row(&self, row: usize) -> Option<usize> {
        self.lines.as_ref().and_then(|l| l.get(row).copied())
    }

    /// For a CSV row with a wrong number of fields, that number.
    pub fn ragged_fields(&self, row: usize) -> Option<usize> {
        self.ragged.get(&row).copied()
    }

    /// Every cell of column `col` read as a count, with the reason where it
    /// is not one (parsed on first use, then shared).
    pub fn counts(&self, col: usize) -> Arc<CountCells> {
        self.count_cache[col]
            .get_or_init(|| Arc::new(self.parse_counts(col)))
            .clone()
    }

    fn parse_counts(&self, col: usize) -> CountCells {
        let s = self.df.columns()[col].as_materialized_series();
        match s.dtype() {
            DataType::String => s
                .str()
                .expect("string dtype")
                .iter()
                .map(|v| v.map_or(Err(CellError::Missing), parse_count))
                .collect(),
            dt if dt.is_integer() => match s.cast(&DataType::Int64) {
                Ok(c) => c
                    .i64()
                    .expect("cast to i64")
                    .iter()
                    .map(|v| v.map_or(Err(CellError::Missing), count_from_i64))
                    .collect(),
                Err(_) => vec![Err(CellError::TooLarge); s.len()],
            },
            dt if dt.is_float() => s
                .cast(&DataType::Float64)
                .expect("float cast")
                .f64()
                .expect("f64")
                .iter()
                .map(|v| v.map_or(Err(CellError::Missing), count_from_f64))
                .collect(),
            _ => self
                .text_column(col)
                .iter()
                .map(|v| v.map_or(Err(CellError::Missing), parse_count))
                .collect(),
        }
    }

    /// Column `col` as a string column (cast when it holds numbers; all null
    /// when it cannot be cast). Cheap for CSV columns, which already hold text.
    pub fn text_column(&self, col: usize) -> StringChunked {
        let s = self.df.columns()[col].as_materialized_series();
        let s = if s.dtype() == &DataType::String {
            s.clone()
        } else {
            s.cast(&DataType::String)
                .unwrap_or_else(|_| Series::full_null(s.name().clone(), s.len(), &DataType::String))
        };
        s.str().expect("string dtype").clone()
    }

    /// One cell as text, for error messages.
    pub fn cell_text(&self, col: usize, row: usize) -> String {
        let s = self.df.columns()[col].as_materialized_series();
        match s.get(row) {
            Ok(AnyValue::Null) => String::new(),
            Ok(AnyValue::String(v)) => v.to_string(),
            Ok(v) => v.to_string(),
            Err(_) => String::new(),
        }
    }
}

/// Rejects headers polars cannot hold faithfully: duplicate or empty names.
fn check_header(path: &Path, header: &[String]) -> Result<()> {
    let mut seen = std::collections::HashMap::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(Error::input(
                path,
                format!("header column {} has an empty name", i + 1),
            ));
        }
        if let Some(first) = seen.insert(name.as_str(), i) {
            return Err(Error::input(
                path,
                format!(
                    "header names column {:?} twice (columns {} and {})",
                    name,
                    first + 1,
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

fn polars_message(e: &PolarsError) -> String {
    let s = e.to_string();
    // polars messages can be long multi-line hints; keep the first paragraph.
    s.split("\n\n").next().unwrap_or(&s).trim().to_string()
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
