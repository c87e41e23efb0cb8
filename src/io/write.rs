//! Writing tables (station tables, simulated elections) as CSV, gzip CSV or Parquet.

use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

/// Writes a data frame; the format follows the extension: `.parquet`,
/// `.csv.gz` (gzip CSV), anything else plain CSV.
pub fn write_frame(df: &mut DataFrame, path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    }
    let name = path.to_string_lossy().to_lowercase();
    let file = std::fs::File::create(path).map_err(|e| Error::output(path, e))?;
    let res = if name.ends_with(".parquet") {
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Uncompressed)
            .finish(df)
            .map(|_| ())
    } else if name.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let r = CsvWriter::new(&mut gz).finish(df);
        r.and_then(|_| gz.finish().map(|_| ()).map_err(PolarsError::from))
    } else {
        CsvWriter::new(file).finish(df)
    };
    res.map_err(|e| Error::output(path, e))
}
