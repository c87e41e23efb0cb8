//! How much memory an analysis will need, checked before loading: a large
//! station file should stop with a clear error naming the limit, not be
//! killed by the operating system half-way.
//!
//! # Estimate
//! Peak memory grows with the cells of the station table (rows × columns)
//! and with the participation reports. Measured on simulated elections (2
//! cores, `analyze` with every family and output, docs/measurements.md "Big
//! inputs"): 10,000,000 stations × 16 columns peaked at 7.57 GB and
//! 1,000,000 stations × 206 columns at 9.71 GB, both about 47 bytes a
//! cell; 1,000,000 stations with 5,000,000 participation reports added
//! about 1.1 GB, about 215 bytes a report. The estimate is
//! [`BYTES_PER_CELL`] × cells + [`BYTES_PER_REPORT`] × reports +
//! [`BASE_BYTES`], with rows and columns read from the start of each CSV
//! file (exact for files shorter than the sample, extrapolated from the
//! average line length otherwise; gzip files by their decompressed size).
//! Parquet inputs are not estimated (their size on disk says little about
//! their cells), so the check does not apply to them.
//!
//! # Limit
//! `--max-memory SIZE` when given; otherwise what the system can give:
//! `MemAvailable + SwapFree` from `/proc/meminfo`, or the cgroup's
//! `memory.max − memory.current` when that is smaller (containers). On
//! systems without them there is no check.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Bytes of peak memory per cell of the station table (measured: 47).
pub const BYTES_PER_CELL: u64 = 50;
/// Bytes of peak memory per participation report row (measured: 215).
pub const BYTES_PER_REPORT: u64 = 250;
/// The process itself and the small tables (bytes).
pub const BASE_BYTES: u64 = 150_000_000;
/// Bytes of (decompressed) text read to estimate a file's shape.
const SAMPLE_BYTES: usize = 1 << 20;

/// The size of a file's text: a gzip file's decompressed size (the
/// trailer's ISIZE, modulo 2³², so never below the stored size), any
/// other file's size.
pub fn text_size(p: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(p) else {
        return 0;
    };
    let stored = meta.len();
    let gz = std::fs::File::open(p).ok().and_then(|mut f| {
        use std::io::{Seek, SeekFrom};
        let mut magic = [0u8; 2];
        f.read_exact(&mut magic).ok()?;
        if magic != [0x1f, 0x8b] || stored < 18 {
            return None;
        }
        f.seek(SeekFrom::End(-4)).ok()?;
        let mut isize = [0u8; 4];
        f.read_exact(&mut isize).ok()?;
        Some(u64::from(u32::from_le_bytes(isize)))
    });
    gz.unwrap_or(stored).max(stored)
}

/// Rows (data lines, header excluded) and columns of a delimited text
/// file, from its first megabyte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableShape {
    pub rows: u64,
    pub columns: u64,
}

/// The shape of a CSV file (gzip or not); `None` for Parquet, an empty or
/// unreadable file.
pub fn csv_shape(p: &Path) -> Option<TableShape> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(p).ok()?;
    let mut head = [0u8; 4];
    let got = file.read(&mut head).ok()?;
    if got >= 4 && &head == b"PAR1" {
        return None;
    }
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    if got >= 2 && head[..2] == [0x1f, 0x8b] {
        flate2::read::MultiGzDecoder::new(file)
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)
            .ok()?;
    } else {
        file.take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)
            .ok()?;
    }
    let header_end = sample.iter().position(|&b| b == b'\n')?;
    // The loader's own delimiter sniffing (quotes respected).
    let columns = crate::io::text::sniff_header(&sample[..header_end]).1 as u64 + 1;
    let lines = sample.iter().filter(|&&b| b == b'\n').count() as u64;
    let total = text_size(p);
    let rows = if (sample.len() as u64) >= total || sample.len() < SAMPLE_BYTES {
        // The whole file: count its lines (a last line without a newline
        // counts too).
        let last = sample.last().is_some_and(|&b| b != b'\n') as u64;
        (lines + last).saturating_sub(1)
    } else {
        let body = (sample.len() - header_end - 1).max(1) as f64;
        let per_line = body / (lines.saturating_sub(1)).max(1) as f64;
        ((total as f64 - header_end as f64 - 1.0).max(0.0) / per_line).ceil() as u64
    };
    Some(TableShape { rows, columns })
}

/// The estimated peak memory of analysing these files, with the shapes it
/// rests on; `None` when the station file's shape is unknown (Parquet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub bytes: u64,
    pub stations: TableShape,
    pub reports: u64,
}

pub fn need(stations: &Path, reports: Option<&Path>) -> Option<Need> {
    let s = csv_shape(stations)?;
    let r = reports.and_then(csv_shape).map_or(0, |t| t.rows);
    Some(Need {
        bytes: BYTES_PER_CELL * s.rows * s.columns + BYTES_PER_REPORT * r + BASE_BYTES,
        stations: s,
        reports: r,
    })
}

/// Memory the system can give this process, in bytes, and where the
/// figure comes from; `None` where it cannot be read.
pub fn available() -> Option<(u64, &'static str)> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = meminfo.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    let system = field("MemAvailable:")? + field("SwapFree:").unwrap_or(0);
    let cgroup = (|| {
        let max = std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok()?;
        let max: u64 = max.trim().parse().ok()?; // "max" (no limit) fails here
        let current: u64 = std::fs::read_to_string("/sys/fs/cgroup/memory.current")
            .ok()?
            .trim()
            .parse()
            .ok()?;
        Some(max.saturating_sub(current))
    })();
    Some(match cgroup {
        Some(c) if c < system => (c, "the container's memory.max less memory.current"),
        _ => (system, "MemAvailable + SwapFree in /proc/meminfo"),
    })
}

fn gigabytes(b: u64) -> String {
    format!("{:.1} GB", b as f64 / 1e9)
}

/// [`check`] for the station file and participation reports of `files`
/// (nothing to check without a station file).
pub fn check_files(files: &crate::inputs::InputFiles, max_memory: Option<u64>) -> Result<()> {
    match &files.stations {
        Some(stations) => check(stations, files.participation.reports.as_deref(), max_memory),
        None => Ok(()),
    }
}

/// Stops before loading when the estimated need exceeds the limit
/// (`max_memory`, or what the system can give).
pub fn check(stations: &Path, reports: Option<&Path>, max_memory: Option<u64>) -> Result<()> {
    let Some(n) = need(stations, reports) else {
        return Ok(());
    };
    let (limit, source) = match max_memory {
        Some(m) => (m, "--max-memory"),
        None => match available() {
            Some(a) => a,
            None => return Ok(()),
        },
    };
    if n.bytes <= limit {
        return Ok(());
    }
    let reports = if n.reports > 0 {
        format!(" and about {} participation reports", n.reports)
    } else {
        String::new()
    };
    Err(Error::Input {
        path: stations.display().to_string(),
        message: format!(
            "the analysis would need about {} of memory (about {} rows × {} columns{reports}, at the measured {} bytes a cell), more than the {} available ({source}); free memory, split the file by region, or set the limit yourself with --max-memory SIZE",
            gigabytes(n.bytes),
            n.stations.rows,
            n.stations.columns,
            BYTES_PER_CELL,
            gigabytes(limit),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_of_a_small_file_is_exact_and_a_large_one_close() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("s.csv");
        std::fs::write(&small, "a;b;c\n1;2;3\n4;5;6").unwrap();
        assert_eq!(
            csv_shape(&small),
            Some(TableShape {
                rows: 2,
                columns: 3
            })
        );
        // 200,000 rows of varying length, beyond the 1 MiB sample.
        let big = dir.path().join("b.csv");
        let mut text = String::from("station,region,electorate,ballots\n");
        for i in 0..200_000u64 {
            text.push_str(&format!("S{i},R{},{},{}\n", i % 7, 500 + i % 1000, i % 300));
        }
        std::fs::write(&big, &text).unwrap();
        let s = csv_shape(&big).unwrap();
        assert_eq!(s.columns, 4);
        assert!((s.rows as f64 / 200_000.0 - 1.0).abs() < 0.05, "{s:?}");
        let n = need(&big, None).unwrap();
        assert_eq!(n.bytes, BYTES_PER_CELL * s.rows * 4 + BASE_BYTES);
        assert!(check(&big, None, Some(1 << 20)).is_err());
        assert!(check(&big, None, Some(1 << 40)).is_ok());
    }

    #[test]
    fn parquet_is_not_estimated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.parquet");
        std::fs::write(&p, b"PAR1\0\0\0\0PAR1").unwrap();
        assert_eq!(csv_shape(&p), None);
        assert!(check(&p, None, Some(1)).is_ok());
    }
}
