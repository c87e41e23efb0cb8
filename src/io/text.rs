//! Raw bytes of a delimited text file: decompression, encoding, delimiter and
//! record boundaries. Everything here works before polars sees the bytes, so
//! that each problem can be named with its line and data row.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// A delimited text file, decompressed and decoded to UTF-8.
#[derive(Debug)]
pub struct TextFile {
    /// The bytes after decompression, without a UTF-8 byte-order mark.
    pub bytes: Vec<u8>,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Whether a byte-order mark was removed.
    pub had_bom: bool,
    /// The encoding the file was read in (`UTF-8`, `windows-1252`, ...).
    pub encoding: &'static str,
    /// How that encoding was established.
    pub encoding_source: super::encoding::EncodingSource,
    /// The field delimiter (given or sniffed).
    pub delimiter: u8,
    /// Column names from the header record.
    pub header: Vec<String>,
    /// 1-based physical line on which each data record starts (blank lines
    /// are skipped and are not records).
    pub record_lines: Vec<usize>,
    /// Data records whose number of fields differs from the header's:
    /// (0-based data row, number of fields).
    pub ragged: Vec<(usize, usize)>,
}

/// Gzip's magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Candidate delimiters, in order of preference on ties.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Reads a file's bytes, decompressing gzip (recognised by its magic bytes,
/// whatever the file name).
pub fn read_bytes(path: &Path) -> Result<(Vec<u8>, bool)> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::input(
                    path,
                    format!(
                        "gzip data is corrupt or truncated ({e}) after {} decompressed bytes",
                        out.len()
                    ),
                )
            })?;
        Ok((out, true))
    } else {
        Ok((raw, false))
    }
}

/// Opens a delimited text file: decompress, decode to UTF-8 (declared
/// encoding, byte-order mark, or detection: [`super::encoding`]), sniff the
/// delimiter (unless given), read the header and locate every record.
pub fn open(
    path: &Path,
    delimiter: Option<u8>,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<TextFile> {
    let (raw, gzip) = read_bytes(path)?;
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(path, "the file is empty (no header, no rows)"));
    }
    let decoded = super::encoding::decode(path, raw, encoding)?;
    let bytes = decoded.bytes;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(path, "the file is empty (no header, no rows)"));
    }
    if bytes.contains(&0) {
        let at = bytes.iter().position(|&b| b == 0).unwrap_or(0);
        return Err(Error::input(
            path,
            format!(
                "NUL byte at line {}: this is not a text (CSV) file; binary input must be Parquet",
                line_of(&bytes, at)
            ),
        ));
    }
    let delimiter = match delimiter {
        Some(d) => d,
        None => sniff_delimiter(&bytes),
    };
    let (records, unclosed) = scan(&bytes, delimiter);
    if let Some(line) = unclosed {
        return Err(Error::input(
            path,
            format!("unbalanced quote: the quoted field opened at line {line} is never closed (truncated file, or a stray '\"')"),
        ));
    }
    let Some(first) = records.first() else {
        return Err(Error::input(path, "the file is empty (no header, no rows)"));
    };
    let header = parse_record(&bytes[first.start..], delimiter);
    let record_lines = records[1..].iter().map(|r| r.line).collect();
    let ragged = records[1..]
        .iter()
        .enumerate()
        .filter(|(_, r)| r.fields != header.len())
        .map(|(row, r)| (row, r.fields))
        .collect();
    Ok(TextFile {
        bytes,
        gzip,
        had_bom: decoded.had_bom,
        encoding: decoded.encoding.name(),
        encoding_source: decoded.source,
        delimiter,
        header,
        record_lines,
        ragged,
    })
}

pub use super::encoding::line_of;

/// Picks the candidate delimiter that occurs most often outside quotes in the
/// first line (ties: `,` then `;`, tab, `|`).
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    sniff_header(bytes).0
}

/// The delimiter [`sniff_delimiter`] picks and how many times it occurs
/// outside quotes in the first line (the header has one more field).
pub fn sniff_header(bytes: &[u8]) -> (u8, usize) {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut in_quotes = false;
    for &b in bytes {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..DELIMITERS.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    (DELIMITERS[best], counts[best])
}

/// One record found by [`scan_records`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Byte offset of its first byte.
    pub start: usize,
    /// 1-based physical line it starts on.
    pub line: usize,
    /// Number of fields (unquoted delimiters + 1).
    pub fields: usize,
}

/// Every non-blank record, quote-aware: a newline or delimiter inside quotes
/// neither ends a record nor a field.
pub fn scan_records(bytes: &[u8], delimiter: u8) -> Vec<Record> {
    scan(bytes, delimiter).0
}

/// [`scan_records`], and the line of a quote still open at the end of the
/// file (an unbalanced quote), if any.
fn scan(bytes: &[u8], delimiter: u8) -> (Vec<Record>, Option<usize>) {
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    let mut line = 1usize;
    let mut start = 0usize;
    let mut start_line = 1usize;
    let mut fields = 1usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            in_quotes = !in_quotes;
            quote_line = line;
        } else if b == delimiter {
            fields += usize::from(!in_quotes);
        } else if b == b'\n' {
            if !in_quotes {
                if !is_blank(&bytes[start..i]) {
                    out.push(Record {
                        start,
                        line: start_line,
                        fields,
                    });
                }
                start = i + 1;
                start_line = line + 1;
                fields = 1;
            }
            line += 1;
        }
    }
    if start < bytes.len() && !is_blank(&bytes[start..]) {
        out.push(Record {
            start,
            line: start_line,
            fields,
        });
    }
    (out, in_quotes.then_some(quote_line))
}

fn is_blank(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\r' || b == b' ' || b == b'\t')
}

/// Splits one record (up to its unquoted end of line) into unquoted fields.
pub fn parse_record(bytes: &[u8], delimiter: u8) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let mut in_quotes = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(b);
            }
        } else if b == b'"' {
            in_quotes = true;
        } else if b == delimiter {
            fields.push(String::from_utf8_lossy(&field).into_owned());
            field.clear();
        } else if b == b'\n' {
            break;
        } else if b != b'\r' {
            field.push(b);
        }
        i += 1;
    }
    fields.push(String::from_utf8_lossy(&field).into_owned());
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_semicolons_and_tabs() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x;y\",b,c\n"), b',');
        assert_eq!(sniff_delimiter(b"single\n1\n"), b',');
    }

    #[test]
    fn records_respect_quotes_and_skip_blank_lines() {
        let s = b"h1,h2\n\"a\nb\",1\n\n2,3\r\n4,5";
        let recs = scan_records(s, b',');
        let lines: Vec<usize> = recs.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 5, 6]);
        assert!(recs.iter().all(|r| r.fields == 2));
        assert_eq!(parse_record(&s[recs[1].start..], b','), vec!["a\nb", "1"]);
        let ragged = scan_records(b"a;b;c\n1;\"2;x\";3\n1;2\n", b';');
        assert_eq!(
            ragged.iter().map(|r| r.fields).collect::<Vec<_>>(),
            vec![3, 3, 2]
        );
        assert_eq!(
            parse_record(b"\"q\"\"uote\",x\r\n", b','),
            vec!["q\"uote", "x"]
        );
    }
}
