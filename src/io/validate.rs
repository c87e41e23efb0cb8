//! Row-level problems: what they are, how serious, and how they are counted.
//!
//! Two kinds of trouble are kept apart:
//! - **invalid rows** (a count is missing, non-numeric, negative, fractional,
//!   NaN; the station key is missing or duplicated): the row cannot enter an
//!   analysis. Under [`InvalidRows::Exclude`] (the default) it is excluded and
//!   counted; under [`InvalidRows::Fail`] the load fails.
//! - **findings** (ballots above the electorate, valid above ballots, votes
//!   above valid, more ballots in the boxes than issued, zero electorate): the
//!   row is internally inconsistent but real elections produce such rows, and
//!   they are themselves forensic signals. The row is kept and flagged.
//!
//! Rows removed on purpose by a schema `[[filter]]` and empty contestant cells
//! read as zero (`empty = "zero"`) are counted too. Nothing is dropped silently.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cell::CellError;

/// What to do with invalid rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidRows {
    /// Exclude them from the analysis, count and list them (default).
    #[default]
    Exclude,
    /// Stop with an error at the first invalid row.
    Fail,
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row cannot be used: excluded (or the load fails).
    Invalid,
    /// The row is kept but inconsistent: a data-quality finding, flagged per station.
    Finding,
    /// The row was removed on purpose by a schema filter.
    Filtered,
    /// Informational: a value was read under a documented convention.
    Notice,
}

/// Every kind of row problem. The snake_case names are part of the report contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    WrongFieldCount,
    MissingValue,
    NonNumeric,
    Negative,
    Fractional,
    NotFinite,
    TooLarge,
    MissingKey,
    DuplicateStation,
    InconsistentStation,
    Filtered,
    ZeroElectorate,
    BallotsAboveElectorate,
    ValidAboveBallots,
    VotesAboveValid,
    BoxesAboveIssued,
    InvalidTime,
    EmptyContestantAsZero,
    UnknownStation,
    DuplicateReport,
    MissingTime,
    UnreadableTime,
    OutsideHours,
    DecreasingReport,
    ReportAboveFinal,
    FinalMismatch,
}

impl ProblemKind {
    pub fn severity(self) -> Severity {
        use ProblemKind::*;
        match self {
            WrongFieldCount | MissingValue | NonNumeric | Negative | Fractional | NotFinite
            | TooLarge | MissingKey | DuplicateStation | InconsistentStation | UnknownStation
            | DuplicateReport | MissingTime | UnreadableTime | OutsideHours => Severity::Invalid,
            DecreasingReport | ReportAboveFinal | FinalMismatch => Severity::Finding,
            ZeroElectorate
            | BallotsAboveElectorate
            | ValidAboveBallots
            | VotesAboveValid
            | BoxesAboveIssued
            | InvalidTime => Severity::Finding,
            Filtered => Severity::Filtered,
            EmptyContestantAsZero => Severity::Notice,
        }
    }

    /// The snake_case name used in reports and station flags.
    pub fn name(self) -> &'static str {
        use ProblemKind::*;
        match self {
            WrongFieldCount => "wrong_field_count",
            MissingValue => "missing_value",
            NonNumeric => "non_numeric",
            Negative => "negative",
            Fractional => "fractional",
            NotFinite => "not_finite",
            TooLarge => "too_large",
            MissingKey => "missing_key",
            DuplicateStation => "duplicate_station",
            InconsistentStation => "inconsistent_station",
            Filtered => "filtered",
            ZeroElectorate => "zero_electorate",
            BallotsAboveElectorate => "ballots_above_electorate",
            ValidAboveBallots => "valid_above_ballots",
            VotesAboveValid => "votes_above_valid",
            BoxesAboveIssued => "boxes_above_issued",
            InvalidTime => "invalid_time",
            EmptyContestantAsZero => "empty_contestant_as_zero",
            UnknownStation => "unknown_station",
            DuplicateReport => "duplicate_report",
            MissingTime => "missing_time",
            UnreadableTime => "unreadable_time",
            OutsideHours => "outside_hours",
            DecreasingReport => "decreasing_report",
            ReportAboveFinal => "report_above_final",
            FinalMismatch => "final_mismatch",
        }
    }

    pub fn description(self) -> &'static str {
        use ProblemKind::*;
        match self {
            WrongFieldCount => {
                "the row has more or fewer fields than the header (truncated or misaligned)"
            }
            MissingValue => "a required count is empty",
            NonNumeric => "a count is not a number",
            Negative => "a count is negative",
            Fractional => "a count has a fractional part",
            NotFinite => "a count is NaN or infinite",
            TooLarge => "a count is larger than 2^53",
            MissingKey => "the station key is empty",
            DuplicateStation => {
                "the station key repeats an earlier row's (the earlier row is kept)"
            }
            InconsistentStation => "long layout: a station's own counts differ between its rows",
            Filtered => "removed by a schema filter",
            ZeroElectorate => "electorate is zero: turnout undefined",
            BallotsAboveElectorate => {
                "ballots issued exceed the electorate (added voters, or inflation)"
            }
            ValidAboveBallots => "valid ballots exceed ballots issued",
            VotesAboveValid => "contestants' votes add up to more than the valid ballots",
            BoxesAboveIssued => "more ballots found in the boxes than were issued",
            InvalidTime => "an opening or closing time is not a clock time HH:MM (the station is kept, the time left empty)",
            EmptyContestantAsZero => {
                "empty contestant cell read as 0 (did not stand there), as the schema says"
            }
            UnknownStation => "participation report for a station that is not in the station table",
            DuplicateReport => "a second participation report for the same station and time (the first is kept)",
            MissingTime => "participation report without a time (e.g. a day-level record)",
            UnreadableTime => "the report time is not a clock time or timestamp within the day",
            OutsideHours => "participation report before polls open or after they close",
            DecreasingReport => "cumulative participation falls from one report to the next (the station is kept and flagged)",
            ReportAboveFinal => "an intermediate report exceeds the station's final count (kept and flagged)",
            FinalMismatch => "the report at closing time differs from the station table's final count (kept and flagged)",
        }
    }

    /// Bit used in per-station quality flags (findings only).
    pub fn flag_bit(self) -> Option<u16> {
        use ProblemKind::*;
        Some(match self {
            ZeroElectorate => 1,
            BallotsAboveElectorate => 2,
            ValidAboveBallots => 4,
            VotesAboveValid => 8,
            BoxesAboveIssued => 16,
            InvalidTime => 32,
            _ => return None,
        })
    }

    pub fn from_cell(e: CellError) -> Self {
        match e {
            CellError::Missing => ProblemKind::MissingValue,
            CellError::NonNumeric => ProblemKind::NonNumeric,
            CellError::Negative => ProblemKind::Negative,
            CellError::Fractional => ProblemKind::Fractional,
            CellError::NotFinite => ProblemKind::NotFinite,
            CellError::TooLarge => ProblemKind::TooLarge,
        }
    }
}

/// The finding kinds that become per-station flags, in bit order.
pub const FLAG_KINDS: [ProblemKind; 6] = [
    ProblemKind::ZeroElectorate,
    ProblemKind::BallotsAboveElectorate,
    ProblemKind::ValidAboveBallots,
    ProblemKind::VotesAboveValid,
    ProblemKind::BoxesAboveIssued,
    ProblemKind::InvalidTime,
];

/// Names of the flags set in a bitmask, joined by `;` (empty when none).
pub fn flag_names(bits: u16) -> String {
    FLAG_KINDS
        .iter()
        .filter(|k| k.flag_bit().is_some_and(|b| bits & b != 0))
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(";")
}

/// One problem at one cell (or row).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RowProblem {
    pub kind: ProblemKind,
    /// 1-based data row (the header is not a row).
    pub row: usize,
    /// 1-based physical line in a CSV file.
    pub line: Option<usize>,
    /// The column (or columns, joined by `+`) concerned.
    pub column: String,
    /// The offending value as found.
    pub value: String,
    /// A sentence a person can act on.
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(l) = self.line {
            write!(f, " (line {l})")?;
        }
        write!(
            f,
            ", column {:?}: {} (value {:?})",
            self.column, self.message, self.value
        )
    }
}

/// Summary of one problem kind.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemSummary {
    pub kind: ProblemKind,
    pub severity: Severity,
    pub description: &'static str,
    /// Rows with at least one problem of this kind.
    pub rows: usize,
    /// Cells (or row-level checks) with this problem.
    pub occurrences: usize,
    /// The first few, in file order.
    pub examples: Vec<RowProblem>,
}

/// Everything validation found, as it goes into `report.json` under `data_quality`.
#[derive(Debug, Clone, Serialize)]
pub struct DataQuality {
    pub policy: InvalidRows,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_excluded_invalid: usize,
    pub rows_excluded_filtered: usize,
    /// Stations kept with at least one finding.
    pub rows_flagged: usize,
    pub problems: Vec<ProblemSummary>,
    /// 1-based data rows excluded as invalid, every one of them.
    pub excluded_rows: Vec<usize>,
    /// Schema filters applied, with the rows each removed.
    pub filters: Vec<FilterCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilterCount {
    pub column: String,
    pub equals: Vec<String>,
    pub reason: String,
    pub rows: usize,
}

impl DataQuality {
    /// Whether any problem of any severity except notices and filters was found.
    pub fn has_problems(&self) -> bool {
        self.problems
            .iter()
            .any(|p| matches!(p.severity, Severity::Invalid | Severity::Finding))
    }

    pub fn count(&self, kind: ProblemKind) -> usize {
        self.problems
            .iter()
            .find(|p| p.kind == kind)
            .map_or(0, |p| p.occurrences)
    }

    pub fn rows_with(&self, kind: ProblemKind) -> usize {
        self.problems
            .iter()
            .find(|p| p.kind == kind)
            .map_or(0, |p| p.rows)
    }
}

/// Number of examples kept per problem kind.
pub const EXAMPLES_PER_KIND: usize = 5;

/// Accumulates problems in file order.
#[derive(Debug, Default)]
pub struct ProblemLog {
    kinds: BTreeMap<ProblemKind, (usize, usize, Option<usize>, Vec<RowProblem>)>,
}

impl ProblemLog {
    pub fn push(&mut self, p: RowProblem) {
        let e = self.kinds.entry(p.kind).or_insert((0, 0, None, Vec::new()));
        e.1 += 1;
        if e.2 != Some(p.row) {
            e.0 += 1;
            e.2 = Some(p.row);
        }
        if e.3.len() < EXAMPLES_PER_KIND {
            e.3.push(p);
        }
    }

    /// Counts `n` occurrences of a notice without examples beyond the first few.
    pub fn first_example(&self) -> Option<&RowProblem> {
        self.kinds
            .iter()
            .filter(|(k, _)| k.severity() == Severity::Invalid)
            .filter_map(|(_, v)| v.3.first())
            .min_by_key(|p| p.row)
    }

    pub fn summaries(self) -> Vec<ProblemSummary> {
        self.kinds
            .into_iter()
            .map(|(kind, (rows, occurrences, _, mut examples))| {
                examples.sort_by_key(|p| p.row);
                ProblemSummary {
                    kind,
                    severity: kind.severity(),
                    description: kind.description(),
                    rows,
                    occurrences,
                    examples,
                }
            })
            .collect()
    }
}
