//! A structural check of a Parquet file before polars decodes it.
//!
//! polars-parquet 0.55 trusts some sizes and counts it reads from a file. The
//! one found by fuzzing: `DataPageHeader.num_values` (a Thrift `i32`) is cast
//! with `as usize`, so a corrupt page declaring `-30` values becomes a count
//! near 2^64, and the validity bitmap for it, `(n + 7) / 8` bytes (about
//! 2^61), cannot be allocated. An allocation failure aborts the process (it
//! cannot be caught on stable Rust, unlike the reader's panics, which
//! [`super::table::RawTable`] contains), so such a file must be refused
//! before polars sees it.
//!
//! [`check`] therefore compares every count and size that polars sizes an
//! allocation or a slice by, in the footer and in every page header, with
//! bounds that the Parquet format itself implies, and names the row group,
//! column and page of the first one out of bounds. It never decompresses or
//! decodes a page: it reads the footer as polars decoded it
//! ([`FileMetadata`]) and walks the Thrift page headers of each column chunk
//! with the small compact-protocol reader below (polars does not re-export
//! its own page reader). The checks are those that every file written by a
//! conforming writer passes, so that no valid file is refused.
//!
//! References (apache/parquet-format, `src/main/thrift/parquet.thrift`):
//! `FileMetaData`, `RowGroup`, `ColumnMetaData`, `PageHeader`,
//! `DataPageHeader`, `DataPageHeaderV2` and `DictionaryPageHeader`; the file
//! layout in the format's README ("File Format"); and the Thrift compact
//! protocol (apache/thrift, `doc/specs/thrift-compact-protocol.md`).

use polars::prelude::FileMetadata;

/// Room allowed for one page's uncompressed size beyond 1024 times the size
/// of the whole file (see [`max_uncompressed_page`]).
const UNCOMPRESSED_SLACK: u64 = 256 << 20;

/// Thrift compact-protocol nesting allowed when skipping a field (page
/// headers nest three levels: header, data page header, statistics).
const MAX_DEPTH: u32 = 32;

/// `PageType` (parquet.thrift).
const DATA_PAGE: i32 = 0;
const INDEX_PAGE: i32 = 1;
const DICTIONARY_PAGE: i32 = 2;
const DATA_PAGE_V2: i32 = 3;

/// Checks the footer and the page headers of the Parquet file `bytes`, whose
/// footer polars decoded as `meta`. `Err` holds a sentence naming the row
/// group, column and page that are inconsistent, and the field.
pub(crate) fn check(bytes: &[u8], meta: &FileMetadata) -> Result<(), String> {
    let data_end = footer_start(bytes)?;
    let max_uncompressed = max_uncompressed_page(bytes.len());

    // FileMetaData.num_rows: "Number of rows in this file", the sum of the
    // row groups' RowGroup.num_rows (polars sizes the frame by it).
    let held = meta
        .row_groups
        .iter()
        .fold(0u64, |s, rg| s.saturating_add(rg.num_rows() as u64));
    if held != meta.num_rows as u64 {
        return Err(format!(
            "the footer declares {} rows (FileMetaData.num_rows) but its {} row group(s) hold {held}",
            meta.num_rows,
            meta.row_groups.len()
        ));
    }

    let groups = meta.row_groups.len();
    for (g, rg) in meta.row_groups.iter().enumerate() {
        let columns = rg.parquet_columns();
        for (c, col) in columns.iter().enumerate() {
            let descriptor = col.descriptor();
            let name: Vec<&str> = descriptor
                .path_in_schema
                .iter()
                .map(|s| s.as_str())
                .collect();
            let chunk = Chunk {
                rows: rg.num_rows() as u64,
                repeated: descriptor.descriptor.max_rep_level > 0,
                num_values: col.num_values(),
                dictionary_page_offset: col.dictionary_page_offset(),
                data_page_offset: col.data_page_offset(),
                total_compressed_size: col.compressed_size(),
                total_uncompressed_size: col.uncompressed_size(),
            };
            chunk
                .check(bytes, data_end, max_uncompressed)
                .map_err(|m| {
                    format!(
                        "row group {} of {groups}, column {:?} ({} of {}): {m}",
                        g + 1,
                        name.join("."),
                        c + 1,
                        columns.len()
                    )
                })?;
        }
    }
    Ok(())
}

/// The byte where the footer begins: a file ends in the footer, its length
/// (4 bytes, little-endian) and the magic number `PAR1`; column chunks lie
/// between the leading magic number and the footer.
fn footer_start(bytes: &[u8]) -> Result<u64, String> {
    let n = bytes.len();
    if n < 12 {
        return Err(format!("the file has {n} bytes, too few for Parquet"));
    }
    let len = u32::from_le_bytes([bytes[n - 8], bytes[n - 7], bytes[n - 6], bytes[n - 5]]);
    (n as u64 - 8)
        .checked_sub(u64::from(len))
        .filter(|&s| s >= 4)
        .ok_or_else(|| format!("the footer length ({len} bytes) exceeds the file ({n} bytes)"))
}

/// The largest `uncompressed_page_size` accepted for one page: 1024 times
/// the size of the whole file, plus 256 MiB. polars zero-fills a buffer of
/// that size before decompressing a page into it, so a corrupt size must not
/// reach it; writers cut pages at about 1 MiB (polars, pyarrow, parquet-mr),
/// and a page larger than 256 MiB that is also compressed more than 1024
/// times smaller than the whole file is not one that writers produce.
fn max_uncompressed_page(file_len: usize) -> u64 {
    (file_len as u64)
        .saturating_mul(1024)
        .saturating_add(UNCOMPRESSED_SLACK)
}

/// What the footer says of one column chunk (`ColumnMetaData`).
struct Chunk {
    /// `RowGroup.num_rows` of its row group.
    rows: u64,
    /// Whether the column has repetition levels (a list, at some depth).
    repeated: bool,
    num_values: i64,
    dictionary_page_offset: Option<i64>,
    data_page_offset: i64,
    total_compressed_size: i64,
    total_uncompressed_size: i64,
}

impl Chunk {
    /// The footer's `ColumnMetaData` of the chunk, then its pages.
    fn check(&self, bytes: &[u8], data_end: u64, max_uncompressed: u64) -> Result<(), String> {
        // ColumnMetaData.num_values: "Number of values in this column",
        // nulls included. A count is never negative; a column that is not
        // repeated holds one value (or null) per row, so at most num_rows
        // (polars sizes its columns by the row group).
        if self.num_values < 0 {
            return Err(format!(
                "ColumnMetaData.num_values is {} (a count cannot be negative)",
                self.num_values
            ));
        }
        if !self.repeated && self.num_values as u64 > self.rows {
            return Err(format!(
                "ColumnMetaData.num_values is {} but the row group has {} rows \
                 (a column that is not repeated has one value per row)",
                self.num_values, self.rows
            ));
        }
        not_negative(
            "ColumnMetaData",
            &[
                ("total_compressed_size", self.total_compressed_size),
                ("total_uncompressed_size", self.total_uncompressed_size),
            ],
            "a size cannot be negative",
        )?;
        // The chunk starts at its dictionary page if it has one, else at its
        // first data page (as polars reads it), and spans
        // total_compressed_size bytes, all between the leading magic number
        // (bytes 0..4) and the footer.
        let (field, start) = match self.dictionary_page_offset {
            Some(o) => ("dictionary_page_offset", o),
            None => ("data_page_offset", self.data_page_offset),
        };
        if start < 4 {
            return Err(format!(
                "ColumnMetaData.{field} is {start}, before the end of the leading magic number (byte 4)"
            ));
        }
        let start = start as u64;
        let end = start.saturating_add(self.total_compressed_size as u64);
        if end > data_end {
            return Err(format!(
                "the column chunk (bytes {start}..{end}: ColumnMetaData.{field} and \
                 total_compressed_size) runs past the start of the footer (byte {data_end})"
            ));
        }
        let body = &bytes[start as usize..end as usize];
        self.check_pages(body, start, max_uncompressed)
    }

    /// Walks the page headers of the chunk `body` (which starts at byte
    /// `start` of the file) as polars reads them: a dictionary page first if
    /// the chunk begins with one, then data pages until their values add up
    /// to the chunk's `num_values`.
    fn check_pages(&self, body: &[u8], start: u64, max_uncompressed: u64) -> Result<(), String> {
        let mut pos = 0usize;
        let mut seen: i64 = 0;
        let mut page = 0usize;
        loop {
            let wanted = seen < self.num_values;
            // polars peeks at the first header of a non-empty chunk for a
            // dictionary page even when the chunk holds no values.
            let peek = page == 0 && pos < body.len();
            if !(wanted || peek) {
                return Ok(());
            }
            let at = start + pos as u64;
            if pos >= body.len() {
                return Err(format!(
                    "its pages hold {seen} of the {} values ColumnMetaData.num_values declares \
                     (the column chunk ends at byte {at})",
                    self.num_values
                ));
            }
            page += 1;
            let (h, header_len) = PageHeader::decode(&body[pos..]).map_err(|e| {
                format!("page {page} (at byte {at}): the page header cannot be decoded ({e})")
            })?;
            if !wanted && h.type_ != DICTIONARY_PAGE {
                return Ok(());
            }
            let remaining = self.num_values - seen;
            let values = h
                .check(remaining, max_uncompressed, self.num_values)
                .map_err(|m| format!("page {page} ({} at byte {at}): {m}", h.kind()))?;
            seen += values;
            // PageHeader.compressed_page_size: the bytes of the page after
            // its header, which must lie inside the column chunk.
            let after = body.len() - pos - header_len;
            if h.compressed_page_size as u64 > after as u64 {
                return Err(format!(
                    "page {page} ({} at byte {at}): PageHeader.compressed_page_size is {} \
                     but only {after} bytes of the column chunk follow the page header",
                    h.kind(),
                    h.compressed_page_size
                ));
            }
            pos += header_len + h.compressed_page_size as usize;
        }
    }
}

/// The fields of a Thrift `PageHeader` that polars sizes allocations by.
#[derive(Debug, Default, PartialEq, Eq)]
struct PageHeader {
    /// 1: `PageType`.
    type_: i32,
    /// 2: size of the page after its header, uncompressed.
    uncompressed_page_size: i32,
    /// 3: size of the page after its header, as stored.
    compressed_page_size: i32,
    /// 5: `DataPageHeader.num_values`.
    data_page: Option<i32>,
    /// 7: `DictionaryPageHeader.num_values`.
    dictionary_page: Option<i32>,
    /// 8: `DataPageHeaderV2`.
    data_page_v2: Option<DataPageV2>,
}

/// The counts of a Thrift `DataPageHeaderV2`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct DataPageV2 {
    /// 1: values in the page, nulls included.
    num_values: i32,
    /// 2: nulls among them.
    num_nulls: i32,
    /// 3: rows in the page.
    num_rows: i32,
    /// 5: bytes of definition levels at the start of the page.
    definition_levels_byte_length: i32,
    /// 6: bytes of repetition levels at the start of the page.
    repetition_levels_byte_length: i32,
}

impl PageHeader {
    /// Decodes a `PageHeader` at the start of `buf`: the header and its
    /// length in bytes. Only the fields above are kept; the others
    /// (statistics, CRC, encodings) are skipped.
    fn decode(buf: &[u8]) -> Result<(PageHeader, usize), String> {
        let mut r = Compact { buf, pos: 0 };
        let mut h = PageHeader::default();
        let mut have = [false; 3];
        let mut last = 0i16;
        while let Some((id, ty)) = r.field(&mut last)? {
            match (id, ty) {
                (1..=3, I32) => {
                    let v = r.i32()?;
                    have[id as usize - 1] = true;
                    match id {
                        1 => h.type_ = v,
                        2 => h.uncompressed_page_size = v,
                        _ => h.compressed_page_size = v,
                    }
                }
                (5, STRUCT) => h.data_page = Some(r.struct_i32s(&[1])?[0]),
                (7, STRUCT) => h.dictionary_page = Some(r.struct_i32s(&[1])?[0]),
                (8, STRUCT) => {
                    let v = r.struct_i32s(&[1, 2, 3, 5, 6])?;
                    h.data_page_v2 = Some(DataPageV2 {
                        num_values: v[0],
                        num_nulls: v[1],
                        num_rows: v[2],
                        definition_levels_byte_length: v[3],
                        repetition_levels_byte_length: v[4],
                    });
                }
                (1..=3 | 5 | 7 | 8, _) => {
                    return Err(format!("field {id} has Thrift type {ty}"));
                }
                _ => r.skip(ty, 0)?,
            }
        }
        for (i, name) in ["type", "uncompressed_page_size", "compressed_page_size"]
            .iter()
            .enumerate()
        {
            if !have[i] {
                return Err(format!("the required field PageHeader.{name} is missing"));
            }
        }
        Ok((h, r.pos))
    }

    /// What the page is, for messages.
    fn kind(&self) -> &'static str {
        match self.type_ {
            DATA_PAGE => "data page",
            DATA_PAGE_V2 => "data page v2",
            DICTIONARY_PAGE => "dictionary page",
            INDEX_PAGE => "index page",
            _ => "page",
        }
    }

    /// Checks the header of a page of a chunk that still has `remaining`
    /// values to come (of `chunk_values`); the number of values the page
    /// holds.
    fn check(
        &self,
        remaining: i64,
        max_uncompressed: u64,
        chunk_values: i64,
    ) -> Result<i64, String> {
        // PageHeader.uncompressed_page_size / compressed_page_size: byte
        // sizes, never negative; the uncompressed one is the size of the
        // buffer polars fills before decompressing.
        not_negative(
            "PageHeader",
            &[
                (
                    "uncompressed_page_size",
                    i64::from(self.uncompressed_page_size),
                ),
                ("compressed_page_size", i64::from(self.compressed_page_size)),
            ],
            "a size cannot be negative",
        )?;
        if self.uncompressed_page_size as u64 > max_uncompressed {
            return Err(format!(
                "PageHeader.uncompressed_page_size is {} bytes, more than {max_uncompressed} \
                 (1024 times the file's size plus 256 MiB)",
                self.uncompressed_page_size
            ));
        }
        let page_values = |field: &str, v: i32| -> Result<i64, String> {
            // The values of a data page ("including NULLs") are part of the
            // column chunk's: never negative (the abort: polars casts the
            // count to usize and sizes the page's validity bitmap by it),
            // and never more than the chunk has left.
            if v < 0 {
                return Err(format!("{field} is {v} (a count cannot be negative)"));
            }
            if i64::from(v) > remaining {
                return Err(format!(
                    "{field} is {v} but the column chunk has {remaining} of its {chunk_values} \
                     values (ColumnMetaData.num_values) left for this page"
                ));
            }
            Ok(i64::from(v))
        };
        match self.type_ {
            DATA_PAGE => {
                let v = self
                    .data_page
                    .ok_or("the data page has no DataPageHeader")?;
                page_values("DataPageHeader.num_values", v)
            }
            DATA_PAGE_V2 => {
                let v = self
                    .data_page_v2
                    .ok_or("the data page has no DataPageHeaderV2")?;
                let n = page_values("DataPageHeaderV2.num_values", v.num_values)?;
                not_negative(
                    "DataPageHeaderV2",
                    &[
                        ("num_nulls", i64::from(v.num_nulls)),
                        ("num_rows", i64::from(v.num_rows)),
                        (
                            "definition_levels_byte_length",
                            i64::from(v.definition_levels_byte_length),
                        ),
                        (
                            "repetition_levels_byte_length",
                            i64::from(v.repetition_levels_byte_length),
                        ),
                    ],
                    "it cannot be negative",
                )?;
                // num_nulls and num_rows count among the page's num_values
                // (every row has at least one value, null or not).
                for (field, x) in [("num_nulls", v.num_nulls), ("num_rows", v.num_rows)] {
                    if x > v.num_values {
                        return Err(format!(
                            "DataPageHeaderV2.{field} is {x}, more than its num_values ({})",
                            v.num_values
                        ));
                    }
                }
                // The levels are stored uncompressed at the start of the
                // page, inside both of its sizes.
                let levels = i64::from(v.definition_levels_byte_length)
                    + i64::from(v.repetition_levels_byte_length);
                let inside = i64::from(self.compressed_page_size.min(self.uncompressed_page_size));
                if levels > inside {
                    return Err(format!(
                        "the page's levels take {levels} bytes \
                         (DataPageHeaderV2.definition_levels_byte_length and \
                         repetition_levels_byte_length) but the page has {inside}"
                    ));
                }
                Ok(n)
            }
            DICTIONARY_PAGE => {
                let v = self
                    .dictionary_page
                    .ok_or("the dictionary page has no DictionaryPageHeader")?;
                // DictionaryPageHeader.num_values: the dictionary's entries,
                // PLAIN-encoded in the page, each at least one bit (a
                // boolean); a dictionary may also hold entries no value uses
                // (Arrow dictionaries), so it is not bounded by the chunk's
                // values alone. polars reserves a buffer of that many bytes.
                if v < 0 {
                    return Err(format!(
                        "DictionaryPageHeader.num_values is {v} (a count cannot be negative)"
                    ));
                }
                let bound = (8 * i64::from(self.uncompressed_page_size)).max(chunk_values);
                if i64::from(v) > bound {
                    return Err(format!(
                        "DictionaryPageHeader.num_values is {v} but the page's {} bytes hold at \
                         most {bound} entries",
                        self.uncompressed_page_size
                    ));
                }
                Ok(0)
            }
            // Index pages ("not used") hold no values; polars does not read
            // them either.
            INDEX_PAGE => Ok(0),
            t => Err(format!(
                "PageHeader.type is {t}, not a page type of the format"
            )),
        }
    }
}

/// Thrift compact-protocol type codes (field headers and list elements).
const I32: u8 = 5;
const STRUCT: u8 = 12;

/// A reader of the Thrift compact protocol over a byte slice: every read is
/// bounds-checked, nothing is allocated from a length read from the input.
struct Compact<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Compact<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or("the header runs past the end of the column chunk")?;
        self.pos += 1;
        Ok(b)
    }

    fn advance(&mut self, n: u64) -> Result<(), String> {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return Err("the header runs past the end of the column chunk".into());
        }
        self.pos += n as usize;
        Ok(())
    }

    /// An unsigned LEB128 varint of at most 10 bytes.
    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a varint is longer than 10 bytes".into())
    }

    /// A zigzag-encoded signed varint (i16, i32 and i64 fields).
    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn i32(&mut self) -> Result<i32, String> {
        let v = self.zigzag()?;
        i32::try_from(v).map_err(|_| format!("the i32 field holds {v}"))
    }

    /// The next field header of a struct: `None` at its stop byte, else the
    /// field id (a delta from the previous one, or a zigzag i16) and type.
    fn field(&mut self, last: &mut i16) -> Result<Option<(i16, u8)>, String> {
        let b = self.byte()?;
        if b == 0 {
            return Ok(None);
        }
        let ty = b & 0x0f;
        let delta = b >> 4;
        let id = if delta == 0 {
            let v = self.zigzag()?;
            i16::try_from(v).map_err(|_| format!("field id {v}"))?
        } else {
            last.checked_add(i16::from(delta))
                .ok_or("field id overflow")?
        };
        *last = id;
        Ok(Some((id, ty)))
    }

    /// The i32 fields `ids` of a struct (in that order; an absent field is
    /// an error, all of them being required in parquet.thrift); the other
    /// fields are skipped.
    fn struct_i32s<const N: usize>(&mut self, ids: &[i16; N]) -> Result<[i32; N], String> {
        let mut out = [0i32; N];
        let mut have = [false; N];
        let mut last = 0i16;
        while let Some((id, ty)) = self.field(&mut last)? {
            match ids.iter().position(|&i| i == id) {
                Some(k) if ty == I32 => {
                    out[k] = self.i32()?;
                    have[k] = true;
                }
                Some(_) => return Err(format!("field {id} has Thrift type {ty}")),
                None => self.skip(ty, 1)?,
            }
        }
        if let Some(k) = have.iter().position(|h| !h) {
            return Err(format!("the required field {} is missing", ids[k]));
        }
        Ok(out)
    }

    /// Skips a value of compact type `ty` (in a field, or a list element:
    /// booleans are one byte in lists, none in field headers).
    fn skip(&mut self, ty: u8, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("the header nests too deeply".into());
        }
        match ty {
            // BOOLEAN_TRUE / BOOLEAN_FALSE: the value is in the field header.
            1 | 2 => Ok(()),
            // BYTE
            3 => self.advance(1),
            // I16, I32, I64: varints.
            4..=6 => self.varint().map(|_| ()),
            // DOUBLE
            7 => self.advance(8),
            // BINARY: a varint length, then the bytes.
            8 => {
                let n = self.varint()?;
                self.advance(n)
            }
            // LIST, SET: size (4 bits, or 15 then a varint) and element type.
            9 | 10 => {
                let h = self.byte()?;
                let et = h & 0x0f;
                let n = match h >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                // Every element takes at least one byte, so a corrupt size
                // runs out of input instead of looping for long.
                for _ in 0..n {
                    self.skip_element(et, depth + 1)?;
                }
                Ok(())
            }
            // MAP: a varint size, then (if not empty) key and value types.
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kv = self.byte()?;
                for _ in 0..n {
                    self.skip_element(kv >> 4, depth + 1)?;
                    self.skip_element(kv & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => {
                let mut last = 0i16;
                while let Some((_, t)) = self.field(&mut last)? {
                    self.skip(t, depth + 1)?;
                }
                Ok(())
            }
            t => Err(format!("unknown Thrift type {t}")),
        }
    }

    /// Skips a list, set or map element (a boolean takes one byte there).
    fn skip_element(&mut self, ty: u8, depth: u32) -> Result<(), String> {
        match ty {
            1 | 2 => self.advance(1),
            t => self.skip(t, depth),
        }
    }
}

/// The first of `fields` (name, value) of the Thrift struct `structure`
/// that is negative, as the error "`structure.field` is v (`reason`)".
fn not_negative(structure: &str, fields: &[(&str, i64)], reason: &str) -> Result<(), String> {
    match fields.iter().find(|(_, v)| *v < 0) {
        Some((field, v)) => Err(format!("{structure}.{field} is {v} ({reason})")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data page header of the fuzzed file
    /// `abort-835ac48b10cc4c93.parquet` (column "winner"), whose
    /// `DataPageHeader.num_values` was 30 and reads -30.
    const HEADER: [u8; 41] = [
        0x15, 0x00, 0x15, 0x38, 0x15, 0x4a, 0x2c, 0x15, 0x3b, 0x15, 0x10, 0x15, 0x06, 0x15, 0x06,
        0x1c, 0x36, 0x00, 0x28, 0x08, 0x07, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x08,
        0x2d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn a_page_header_decodes_and_a_negative_count_is_refused() {
        let (h, n) = PageHeader::decode(&HEADER).unwrap();
        assert_eq!(n, HEADER.len());
        assert_eq!(
            (h.type_, h.uncompressed_page_size, h.compressed_page_size),
            (DATA_PAGE, 28, 37)
        );
        assert_eq!(h.data_page, Some(-30));
        let e = h.check(30, 1 << 30, 30).unwrap_err();
        assert!(e.contains("DataPageHeader.num_values is -30"), "{e}");
        // As written (30 values), the page passes; 31 is one too many.
        let mut ok = HEADER;
        ok[8] = 0x3c;
        let (h, _) = PageHeader::decode(&ok).unwrap();
        assert_eq!(h.check(30, 1 << 30, 30), Ok(30));
        assert!(h.check(29, 1 << 30, 30).is_err());
    }

    #[test]
    fn truncated_or_malformed_headers_are_errors() {
        for cut in 0..HEADER.len() {
            assert!(PageHeader::decode(&HEADER[..cut]).is_err(), "cut at {cut}");
        }
        // A list claiming 2^62 elements runs out of input.
        let list = [
            0x99, 0xf5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00,
        ];
        assert!(PageHeader::decode(&list).is_err());
        // Structs nested past the limit.
        let deep = vec![0x9c; 200];
        assert!(PageHeader::decode(&deep).is_err());
    }
}
