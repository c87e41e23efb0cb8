//! Parsing one cell into a count (a non-negative whole number of people or ballots).

use serde::Serialize;

/// Why a cell could not be read as a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellError {
    /// Empty cell or null.
    Missing,
    /// Not a number (letters, thousands separators, stray characters).
    NonNumeric,
    /// A number below zero.
    Negative,
    /// A number with a non-zero fractional part.
    Fractional,
    /// NaN or infinity.
    NotFinite,
    /// Larger than 2^53 (cannot be a count of people; also not exactly representable).
    TooLarge,
}

/// A hint for a cell that looks like a count written with a thousands
/// separator (`1.246`, `1,246`, `12 345`), which is read as a fraction or as
/// text: what it would be without the separator.
pub fn thousands_hint(cell: &str) -> Option<String> {
    let s = cell.trim();
    let sep = s
        .chars()
        .find(|c| matches!(c, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}' | '\''))?;
    let groups: Vec<&str> = s.split(sep).collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let ok = groups.len() >= 2
        && groups.iter().all(|g| digits(g))
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3);
    ok.then(|| {
        format!(
            "{s:?} looks like a count with a thousands separator ({sep:?}); write counts without one ({})",
            groups.concat()
        )
    })
}

/// Largest accepted count: 2^53, so every count is exact in `f64` as well.
pub const MAX_COUNT: u64 = 1 << 53;

/// Parses a count. Accepts surrounding white space, an optional leading `+`,
/// plain digits, and decimal or exponent notation whose value is a whole
/// number (`"12.0"`, `"1e3"`: some exporters write counts as floats).
/// Rejects everything else with the reason.
///
/// # Examples
/// ```
/// use escrutinio::io::cell::{parse_count, CellError};
/// assert_eq!(parse_count(" 42 "), Ok(42));
/// assert_eq!(parse_count("12.0"), Ok(12));
/// assert_eq!(parse_count("12.5"), Err(CellError::Fractional));
/// assert_eq!(parse_count("-3"), Err(CellError::Negative));
/// assert_eq!(parse_count(""), Err(CellError::Missing));
/// assert_eq!(parse_count("NaN"), Err(CellError::NotFinite));
/// assert_eq!(parse_count("1 234"), Err(CellError::NonNumeric));
/// ```
pub fn parse_count(cell: &str) -> Result<u64, CellError> {
    let s = cell.trim();
    if s.is_empty() {
        return Err(CellError::Missing);
    }
    let digits = s.strip_prefix('+').unwrap_or(s);
    if !digits.is_empty() && digits.len() <= 16 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let v: u64 = digits.parse().map_err(|_| CellError::NonNumeric)?;
        return check_max(v);
    }
    // Slow path: anything float-like.
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.trim_start_matches(['+', '-']),
        "nan" | "inf" | "infinity"
    ) {
        return Err(CellError::NotFinite);
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return Err(CellError::NonNumeric);
    }
    match s.parse::<f64>() {
        Ok(v) => count_from_f64(v),
        Err(_) => Err(CellError::NonNumeric),
    }
}

/// Checks a floating-point value as a count (used for Parquet float columns).
pub fn count_from_f64(v: f64) -> Result<u64, CellError> {
    if !v.is_finite() {
        return Err(CellError::NotFinite);
    }
    if v < 0.0 {
        // -0.0 is zero, not negative.
        return if v == 0.0 {
            Ok(0)
        } else {
            Err(CellError::Negative)
        };
    }
    if v.fract() != 0.0 {
        return Err(CellError::Fractional);
    }
    if v > MAX_COUNT as f64 {
        return Err(CellError::TooLarge);
    }
    Ok(v as u64)
}

/// Checks a signed integer as a count (used for Parquet integer columns).
pub fn count_from_i64(v: i64) -> Result<u64, CellError> {
    if v < 0 {
        Err(CellError::Negative)
    } else {
        check_max(v as u64)
    }
}

fn check_max(v: u64) -> Result<u64, CellError> {
    if v > MAX_COUNT {
        Err(CellError::TooLarge)
    } else {
        Ok(v)
    }
}

/// Parses a clock time into minutes after midnight: `H:MM`, `HH:MM`,
/// `HH:MM:SS` or `HH:MM:SS.fff` (seconds are dropped), from `00:00` to
/// `24:00`. Surrounding white space is allowed; anything else is `None`.
///
/// # Examples
/// ```
/// use escrutinio::io::cell::parse_time;
/// assert_eq!(parse_time("07:00"), Some(420));
/// assert_eq!(parse_time(" 8:30 "), Some(510));
/// assert_eq!(parse_time("19:00:59"), Some(1140));
/// assert_eq!(parse_time("24:00"), Some(1440));
/// assert_eq!(parse_time("25:00"), None);
/// assert_eq!(parse_time("7h"), None);
/// ```
pub fn parse_time(cell: &str) -> Option<u16> {
    let mut parts = cell.trim().split(':');
    let h = parts.next()?;
    let m = parts.next()?;
    let sec = parts.next();
    if parts.next().is_some() || h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    if let Some(sec) = sec {
        let whole = sec.split('.').next().unwrap_or("");
        if whole.len() != 2 || !digits(whole) || whole > "59" {
            return None;
        }
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let t = h * 60 + m;
    (m < 60 && t <= 24 * 60).then_some(t)
}

/// Formats minutes after midnight as `HH:MM`.
pub fn format_time(t: u16) -> String {
    format!("{:02}:{:02}", t / 60, t % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_in_many_spellings() {
        assert_eq!(parse_count("0"), Ok(0));
        assert_eq!(parse_count("+7"), Ok(7));
        assert_eq!(parse_count("1e3"), Ok(1000));
        assert_eq!(parse_count("2.000"), Ok(2));
        assert_eq!(parse_count("-0"), Ok(0));
        assert_eq!(parse_count("9007199254740992"), Ok(MAX_COUNT));
    }

    #[test]
    fn every_rejection_has_its_reason() {
        assert_eq!(parse_count("   "), Err(CellError::Missing));
        assert_eq!(parse_count("abc"), Err(CellError::NonNumeric));
        assert_eq!(parse_count("1,234"), Err(CellError::NonNumeric));
        assert_eq!(parse_count("1.2.3"), Err(CellError::NonNumeric));
        assert_eq!(parse_count("-1"), Err(CellError::Negative));
        assert_eq!(parse_count("-0.5"), Err(CellError::Negative));
        assert_eq!(parse_count("0.5"), Err(CellError::Fractional));
        assert_eq!(parse_count("inf"), Err(CellError::NotFinite));
        assert_eq!(parse_count("-NaN"), Err(CellError::NotFinite));
        assert_eq!(parse_count("9007199254740993"), Err(CellError::TooLarge));
        assert_eq!(parse_count("1e300"), Err(CellError::TooLarge));
        assert_eq!(count_from_i64(-5), Err(CellError::Negative));
        assert_eq!(count_from_f64(f64::NAN), Err(CellError::NotFinite));
    }
}
