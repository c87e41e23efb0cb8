//! Dates, clock times and timestamps as they appear in participation reports
//! and machine logs.
//!
//! Days are counted from 1970-01-01 in the proleptic Gregorian calendar
//! (Hinnant's `days_from_civil`, <http://howardhinnant.github.io/date_algorithms.html>);
//! times are seconds after local midnight. No time zones: election data are
//! reported in the polling stations' local time, and a vote spanning several
//! days (St Petersburg 2021) is ordered by (day, second).

/// Days from 1970-01-01 of a valid calendar date.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

/// The calendar date (year, month, day) of a day count from 1970-01-01.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe as i32 + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn number<T: std::str::FromStr>(s: &str, len: std::ops::RangeInclusive<usize>) -> Option<T> {
    (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses a date, `YYYY-MM-DD` (ISO 8601) or `DD.MM.YYYY` (as Russian
/// commissions write it), into days from 1970-01-01. Impossible dates
/// (`2021-02-30`) are `None`.
///
/// ```
/// use escrutinio::io::clock::{parse_date, format_date};
/// assert_eq!(parse_date("1970-01-01"), Some(0));
/// assert_eq!(parse_date("19.09.2021"), parse_date("2021-09-19"));
/// assert_eq!(format_date(parse_date("2024-02-29").unwrap()), "2024-02-29");
/// assert_eq!(parse_date("2023-02-29"), None);
/// assert_eq!(parse_date("2021/09/19"), None);
/// ```
pub fn parse_date(cell: &str) -> Option<i32> {
    let s = cell.trim();
    let (y, m, d) = if let Some((y, rest)) = s.split_once('-') {
        let (m, d) = rest.split_once('-')?;
        (number(y, 4..=4)?, number(m, 1..=2)?, number(d, 1..=2)?)
    } else {
        let mut parts = s.split('.');
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (number(y, 4..=4)?, number(m, 1..=2)?, number(d, 1..=2)?)
    };
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then(|| days_from_civil(y, m, d))
}

/// Formats a day count as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses a clock time into seconds after midnight: `H:MM`, `HH:MM`,
/// `HH:MM:SS` or `HH:MM:SS.fff` (fractions dropped), from `00:00` to `24:00`.
///
/// ```
/// use escrutinio::io::clock::parse_clock;
/// assert_eq!(parse_clock("07:00"), Some(25_200));
/// assert_eq!(parse_clock("19:00:59.5"), Some(68_459));
/// assert_eq!(parse_clock("24:00"), Some(86_400));
/// assert_eq!(parse_clock("24:00:01"), None);
/// assert_eq!(parse_clock("12:60"), None);
/// ```
pub fn parse_clock(cell: &str) -> Option<u32> {
    let mut parts = cell.trim().split(':');
    let h: u32 = number(parts.next()?, 1..=2)?;
    let m: u32 = number(parts.next()?, 2..=2)?;
    let s: u32 = match parts.next() {
        Some(sec) => number(sec.split('.').next().unwrap_or(""), 2..=2)?,
        None => 0,
    };
    if parts.next().is_some() || m > 59 || s > 59 {
        return None;
    }
    let t = h * 3600 + m * 60 + s;
    (t <= 86_400).then_some(t)
}

/// Formats seconds after midnight as `HH:MM` (or `HH:MM:SS` when the
/// seconds are not zero).
pub fn format_clock(t: u32) -> String {
    if t.is_multiple_of(60) {
        format!("{:02}:{:02}", t / 3600, t / 60 % 60)
    } else {
        format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
    }
}

/// An instant given as seconds from the midnight of `first_day`, as text:
/// `YYYY-MM-DD HH:MM[:SS]` when there is a first day, `HH:MM[:SS]`
/// otherwise (times beyond the first day of an undated scale keep counting
/// hours past 24); `"{t} s"` when the day or time does not fit.
///
/// ```
/// use escrutinio::io::clock::{format_instant, parse_date};
/// let d = parse_date("2021-09-17");
/// assert_eq!(format_instant(d, 86_400 + 32_400), "2021-09-18 09:00");
/// assert_eq!(format_instant(None, 72_000), "20:00");
/// ```
pub fn format_instant(first_day: Option<i32>, t: i64) -> String {
    match first_day {
        Some(d) => {
            let day = i64::from(d) + t.div_euclid(86_400);
            let second = t.rem_euclid(86_400) as u32;
            match i32::try_from(day) {
                Ok(day) => format!("{} {}", format_date(day), format_clock(second)),
                Err(_) => format!("{t} s"),
            }
        }
        None => match u32::try_from(t) {
            Ok(s) => format_clock(s),
            Err(_) => format!("{t} s"),
        },
    }
}

/// A point in (local) time: a day (from 1970-01-01, `None` when the source
/// gave a clock time only) and seconds after that day's midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub day: Option<i32>,
    pub second: u32,
}

impl Stamp {
    /// Seconds from the midnight of `first_day` (the day of a clock-only
    /// stamp is taken to be `first_day`).
    pub fn seconds_from(&self, first_day: i32) -> i64 {
        i64::from(self.day.unwrap_or(first_day) - first_day) * 86_400 + i64::from(self.second)
    }
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(d) = self.day {
            write!(f, "{} ", format_date(d))?;
        }
        f.write_str(&format_clock(self.second))
    }
}

/// Parses a timestamp: `YYYY-MM-DD HH:MM[:SS]`, the same with `T` between
/// date and time (ISO 8601, an optional trailing `Z` is accepted and
/// ignored: times are local), `DD.MM.YYYY HH:MM[:SS]`, or a clock time alone.
///
/// ```
/// use escrutinio::io::clock::{parse_stamp, parse_date};
/// let s = parse_stamp("2021-09-19T20:00:00").unwrap();
/// assert_eq!((s.day, s.second), (parse_date("2021-09-19"), 72_000));
/// assert_eq!(parse_stamp("19.09.2021 20:00"), Some(s));
/// assert_eq!(parse_stamp("08:15").unwrap().day, None);
/// assert_eq!(parse_stamp("2021-09-19 25:00"), None);
/// ```
pub fn parse_stamp(cell: &str) -> Option<Stamp> {
    let s = cell.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    match s.split_once(['T', ' ']) {
        Some((d, t)) => Some(Stamp {
            day: Some(parse_date(d)?),
            second: parse_clock(t)?,
        }),
        None => Some(Stamp {
            day: None,
            second: parse_clock(s)?,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        for z in (-200_000..200_000).step_by(37) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
        assert_eq!(
            days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28),
            1
        );
    }

    #[test]
    fn stamps_order_across_days() {
        let a = parse_stamp("2021-09-17 20:00").unwrap();
        let b = parse_stamp("2021-09-18 10:00").unwrap();
        let first = parse_date("2021-09-17").unwrap();
        assert!(a < b);
        assert_eq!(b.seconds_from(first) - a.seconds_from(first), 14 * 3600);
        assert_eq!(format_clock(3_723), "01:02:03");
        assert_eq!(a.to_string(), "2021-09-17 20:00");
    }
}
