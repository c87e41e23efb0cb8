//! Text encodings of input files: the schema's `encoding` key, detection
//! when the bytes leave no doubt, and error hints that name the likely
//! encoding from the bytes actually seen.
//!
//! Order of precedence: a byte-order mark (UTF-8, UTF-16LE, UTF-16BE) wins
//! and must agree with a declared encoding; then the declared encoding; then
//! UTF-8 when the bytes are valid UTF-8; then detection: UTF-16 without a
//! mark (NUL bytes in every other position), or a single-byte encoding when
//! the words of the file leave no doubt between Windows-1251 (Cyrillic: high
//! bytes form whole words) and Windows-1252/Latin-1 (accented letters inside
//! words of ASCII letters). Anything else is an error naming the line, the
//! bytes and the likely encoding, never a silent guess.
//!
//! Decoding is by `encoding_rs` (the WHATWG Encoding Standard): the labels
//! `latin1`/`iso-8859-1` name Windows-1252, a superset of Latin-1 for
//! printable characters.

use std::path::Path;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1251, WINDOWS_1252};
use serde::Serialize;

use crate::error::{Error, Result};

/// How a file's encoding was established (reported in `report.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingSource {
    /// Valid UTF-8 without a declaration (the default).
    Default,
    /// The schema's `encoding` key.
    Declared,
    /// A byte-order mark at the start of the file.
    ByteOrderMark,
    /// Detected from the bytes (see the module documentation).
    Detected,
}

impl EncodingSource {
    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            EncodingSource::Default => "valid UTF-8",
            EncodingSource::Declared => "declared in the schema",
            EncodingSource::ByteOrderMark => "from its byte-order mark",
            EncodingSource::Detected => "detected from its bytes",
        }
    }
}

/// A file's text, decoded to UTF-8.
#[derive(Debug)]
pub struct Decoded {
    /// UTF-8 bytes, without a byte-order mark.
    pub bytes: Vec<u8>,
    /// The encoding the file was read in.
    pub encoding: &'static Encoding,
    pub source: EncodingSource,
    /// Whether a byte-order mark was removed.
    pub had_bom: bool,
}

/// The encoding a schema's `encoding` value names (WHATWG labels, case
/// insensitive, plus `latin-1`), or `None`.
pub fn from_label(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().to_ascii_lowercase();
    let l = match l.as_str() {
        "latin-1" | "iso8859-1" => "latin1",
        "cp-1251" => "cp1251",
        "cp-1252" => "cp1252",
        other => other,
    };
    Encoding::for_label(l.as_bytes())
}

/// Decodes a file's bytes to UTF-8 (see the module documentation for the
/// order of precedence). `declared` is the schema's encoding, if any.
pub fn decode(path: &Path, bytes: Vec<u8>, declared: Option<&'static Encoding>) -> Result<Decoded> {
    if let Some((bom, len)) = Encoding::for_bom(&bytes) {
        if let Some(d) = declared {
            if !same_family(d, bom) {
                return Err(Error::input(
                    path,
                    format!(
                        "the schema declares encoding {} but the file starts with a {} byte-order mark; \
                         remove the schema's `encoding` key or convert the file",
                        d.name(),
                        bom.name()
                    ),
                ));
            }
        }
        return transcode(
            path,
            &bytes[len..],
            bom,
            EncodingSource::ByteOrderMark,
            true,
        );
    }
    if let Some(d) = declared {
        check_declared(path, &bytes, d)?;
        return transcode(path, &bytes, d, EncodingSource::Declared, false);
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return Ok(Decoded {
            bytes,
            encoding: UTF_8,
            source: EncodingSource::Default,
            had_bom: false,
        });
    }
    if let Some(utf16) = utf16_without_bom(&bytes) {
        return transcode(path, &bytes, utf16, EncodingSource::Detected, false);
    }
    match guess_single_byte(&bytes) {
        Guess::Decisive(e) if !mostly_utf8(&bytes) => {
            transcode(path, &bytes, e, EncodingSource::Detected, false)
        }
        _ => Err(not_utf8(path, &bytes)),
    }
}

/// UTF-16LE and UTF-16BE are one family for a declaration `utf-16`.
fn same_family(a: &'static Encoding, b: &'static Encoding) -> bool {
    let utf16 = |e: &'static Encoding| e == UTF_16LE || e == UTF_16BE;
    a == b || (utf16(a) && utf16(b))
}

fn transcode(
    path: &Path,
    bytes: &[u8],
    encoding: &'static Encoding,
    source: EncodingSource,
    had_bom: bool,
) -> Result<Decoded> {
    if encoding == UTF_8 {
        if std::str::from_utf8(bytes).is_err() {
            return Err(not_utf8(path, bytes));
        }
        return Ok(Decoded {
            bytes: bytes.to_vec(),
            encoding,
            source,
            had_bom,
        });
    }
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Decoded {
            bytes: text.into_owned().into_bytes(),
            encoding,
            source,
            had_bom,
        }),
        None => Err(Error::input(
            path,
            format!(
                "the bytes are not valid {} (an odd number of bytes, or an unpaired surrogate); \
                 check the file's encoding",
                encoding.name()
            ),
        )),
    }
}

/// A declared encoding that the bytes contradict beyond doubt is an error,
/// not a silent mis-decoding (a UTF-8 file read as Windows-1252 turns `Ñ`
/// into `Ã‘`; a Latin-1 file read as Windows-1251 turns `Ñ` into `С`).
fn check_declared(path: &Path, bytes: &[u8], declared: &'static Encoding) -> Result<()> {
    let single_byte = declared.is_single_byte();
    if single_byte {
        if let Some(n) = utf8_multibyte_if_valid(bytes) {
            if n > 0 {
                return Err(Error::input(
                    path,
                    format!(
                        "the schema declares encoding {} but the file is valid UTF-8 with {n} \
                         non-ASCII characters (first at line {}); remove the `encoding` key \
                         (UTF-8 is the default)",
                        declared.name(),
                        first_non_ascii_line(bytes)
                    ),
                ));
            }
        }
        if let Guess::Decisive(likely) = guess_single_byte(bytes) {
            if likely != declared && (declared == WINDOWS_1251 || declared == WINDOWS_1252) {
                return Err(Error::input(
                    path,
                    format!(
                        "the schema declares encoding {} but the bytes read as {} ({}); \
                         set `encoding = \"{}\"`",
                        declared.name(),
                        likely.name(),
                        sample(bytes, likely),
                        likely.name().to_ascii_lowercase()
                    ),
                ));
            }
        }
    } else if (declared == UTF_16LE || declared == UTF_16BE) && utf16_without_bom(bytes).is_none() {
        return Err(Error::input(
            path,
            format!(
                "the schema declares encoding UTF-16 but the file has no UTF-16 byte-order mark \
                 and its ASCII characters are single bytes (not followed or preceded by NUL); \
                 it is {} — remove or correct the `encoding` key",
                likely_name(bytes)
            ),
        ));
    }
    Ok(())
}

/// UTF-16 without a byte-order mark: in the first 4 KiB, at least 90 % of the
/// bytes at odd (LE) or even (BE) positions are NUL, and few on the other side.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    if head.len() < 8 || !head.len().is_multiple_of(2) && head.len() == bytes.len() {
        return None;
    }
    let pairs = head.len() / 2;
    let (mut even, mut odd) = (0usize, 0usize);
    for p in head.chunks_exact(2) {
        even += usize::from(p[0] == 0);
        odd += usize::from(p[1] == 0);
    }
    let most = pairs * 9 / 10;
    let few = pairs / 10;
    if odd >= most && even <= few {
        Some(UTF_16LE)
    } else if even >= most && odd <= few {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The number of multi-byte characters when the bytes are valid UTF-8.
fn utf8_multibyte_if_valid(bytes: &[u8]) -> Option<usize> {
    let s = std::str::from_utf8(bytes).ok()?;
    Some(s.chars().filter(|c| !c.is_ascii()).count())
}

/// Whether invalid UTF-8 bytes are outnumbered by valid multi-byte
/// characters: a corrupt or mixed file, not another encoding.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    valid >= invalid.max(1)
}

/// The outcome of [`guess_single_byte`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guess {
    /// The words leave no doubt.
    Decisive(&'static Encoding),
    /// More likely this one, but not beyond doubt.
    Likely(&'static Encoding),
    /// No high bytes in words.
    Unknown,
}

/// Windows-1251 against Windows-1252 from the words of the file. A "word" is
/// a maximal run of ASCII letters and bytes 0xC0–0xFF (letters in both
/// encodings; 0xA8/0xB8, Ё/ё in Windows-1251, count too). Cyrillic words
/// are made of high bytes only; Latin words with accents mix them with
/// ASCII letters. Decisive: at least 3 words on one side and at most a tenth
/// as many on the other.
fn guess_single_byte(bytes: &[u8]) -> Guess {
    let letter_high = |b: u8| b >= 0xC0 || b == 0xA8 || b == 0xB8;
    let (mut cyrillic, mut latin) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphabetic() || letter_high(b) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphabetic() || letter_high(bytes[i])) {
                i += 1;
            }
            let word = &bytes[start..i];
            let high = word.iter().filter(|&&c| c >= 0x80).count();
            if high == 0 {
                continue;
            }
            if high == word.len() && word.len() >= 3 {
                cyrillic += 1;
            } else if high < word.len() {
                latin += 1;
            }
        } else {
            i += 1;
        }
    }
    if cyrillic >= 3 && latin * 10 <= cyrillic {
        Guess::Decisive(WINDOWS_1251)
    } else if latin >= 3 && cyrillic * 10 <= latin {
        Guess::Decisive(WINDOWS_1252)
    } else if cyrillic > latin {
        Guess::Likely(WINDOWS_1251)
    } else if latin > 0 {
        Guess::Likely(WINDOWS_1252)
    } else {
        Guess::Unknown
    }
}

fn likely_name(bytes: &[u8]) -> String {
    if std::str::from_utf8(bytes).is_ok() {
        return "UTF-8".into();
    }
    match guess_single_byte(bytes) {
        Guess::Decisive(e) | Guess::Likely(e) => format!("probably {}", e.name()),
        Guess::Unknown => "not UTF-8".into(),
    }
}

fn first_non_ascii_line(bytes: &[u8]) -> usize {
    let at = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
    line_of(bytes, at)
}

/// Up to three words with high bytes, decoded in `encoding`.
fn sample(bytes: &[u8], encoding: &'static Encoding) -> String {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_ascii())
        .take(3)
        .collect();
    format!("for example {}", words.join(", "))
}

/// The error for bytes that are not UTF-8 and not detected beyond doubt:
/// the line, the bytes, and the likely encoding with what the text would
/// read as in it.
fn not_utf8(path: &Path, bytes: &[u8]) -> Error {
    let at = match std::str::from_utf8(bytes) {
        Err(e) => e.valid_up_to(),
        Ok(_) => 0,
    };
    let line = line_of(bytes, at);
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let bad: Vec<String> = bytes[at..bytes.len().min(at + 4)]
        .iter()
        .map(|b| format!("{b:#04x}"))
        .collect();
    let hint = if mostly_utf8(bytes) {
        "the rest of the file is UTF-8: a corrupt or mixed-encoding file; repair or re-export it"
            .to_string()
    } else {
        match guess_single_byte(bytes) {
            Guess::Decisive(e) | Guess::Likely(e) => format!(
                "the bytes look like {} ({}); declare it in the schema (`encoding = \"{}\"`) \
                 or convert the file (`iconv -f {} -t UTF-8`)",
                e.name(),
                sample(bytes, e),
                e.name().to_ascii_lowercase(),
                e.name().to_ascii_uppercase()
            ),
            Guess::Unknown => "declare the file's encoding in the schema (`encoding = \"...\"`: \
                               utf-8, windows-1252/latin1, windows-1251, utf-16) or convert it to UTF-8"
                .to_string(),
        }
    };
    Error::input(
        path,
        format!(
            "not valid UTF-8 at line {line}, byte {} of the line (bytes {}); {hint}",
            at - line_start + 1,
            bad.join(" ")
        ),
    )
}

/// 1-based line number of a byte offset.
pub fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.csv")
    }

    #[test]
    fn labels() {
        assert_eq!(from_label("Latin-1"), Some(WINDOWS_1252));
        assert_eq!(from_label("windows-1251"), Some(WINDOWS_1251));
        assert_eq!(from_label("UTF-16"), Some(UTF_16LE));
        assert_eq!(from_label("utf8"), Some(UTF_8));
        assert_eq!(from_label("klingon"), None);
    }

    #[test]
    fn latin1_spanish_is_detected_and_decoded() {
        let (bytes, _, _) =
            WINDOWS_1252.encode("mesa,municipio\n1,ESPAÑA\n2,CORUÑA\n3,MÁLAGA\n4,León\n");
        let d = decode(p(), bytes.into_owned(), None).unwrap();
        assert_eq!(d.encoding, WINDOWS_1252);
        assert_eq!(d.source, EncodingSource::Detected);
        assert!(String::from_utf8(d.bytes).unwrap().contains("CORUÑA"));
    }

    #[test]
    fn cyrillic_1251_is_detected_and_decoded() {
        let (bytes, _, _) = WINDOWS_1251.encode("уик,регион\n1,Москва\n2,Тверь\n3,Курск\n");
        let d = decode(p(), bytes.into_owned(), None).unwrap();
        assert_eq!(d.encoding, WINDOWS_1251);
        assert!(String::from_utf8(d.bytes).unwrap().contains("Тверь"));
    }

    #[test]
    fn a_single_accent_is_not_enough_to_guess() {
        let (bytes, _, _) = WINDOWS_1252.encode("a,b\n1,ÉX\n");
        let e = decode(p(), bytes.into_owned(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("windows-1252"), "{e}");
    }

    #[test]
    fn declared_encoding_contradicted_by_the_bytes_is_an_error() {
        let (latin, _, _) = WINDOWS_1252.encode("a,b\n1,ESPAÑA\n2,CORUÑA\n3,MÁLAGA\n");
        let e = decode(p(), latin.into_owned(), Some(WINDOWS_1251))
            .unwrap_err()
            .to_string();
        assert!(e.contains("windows-1252") && e.contains("CORUÑA"), "{e}");
        let e = decode(
            p(),
            "a,b\n1,CORUÑA\n".as_bytes().to_vec(),
            Some(WINDOWS_1252),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("valid UTF-8"), "{e}");
        let e = decode(p(), b"a,b\n1,2\n".to_vec(), Some(UTF_16LE))
            .unwrap_err()
            .to_string();
        assert!(e.contains("UTF-16"), "{e}");
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "a,b\n1,Ñ\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&le);
        let d = decode(p(), bom, None).unwrap();
        assert_eq!((d.encoding, d.had_bom), (UTF_16LE, true));
        assert_eq!(String::from_utf8(d.bytes).unwrap(), text);
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let d = decode(p(), be, None).unwrap();
        assert_eq!((d.encoding, d.source), (UTF_16BE, EncodingSource::Detected));
        assert_eq!(String::from_utf8(d.bytes).unwrap(), text);
    }

    #[test]
    fn corrupt_utf8_is_not_taken_for_another_encoding() {
        let mut bytes = "a,b\n1,CORUÑA\n2,MÁLAGA\n3,ESPAÑA\n".as_bytes().to_vec();
        bytes.push(0xFF);
        bytes.push(b'\n');
        let e = decode(p(), bytes, None).unwrap_err().to_string();
        assert!(e.contains("corrupt or mixed"), "{e}");
    }
}
