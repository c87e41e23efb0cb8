//! Errors that make an input unusable or an output unwritable.
//!
//! Row-level problems in otherwise readable data are *not* errors: they are
//! [`crate::io::validate::RowProblem`]s, counted and reported. An [`Error`] means
//! the whole input (or the requested output) cannot be used; the CLI maps it
//! to exit code 2, except [`Error::InvalidRows`] (exit code 1), raised when the
//! caller asked for `--invalid-rows fail` and some row was invalid.

use std::path::Path;

/// Every way a load, an analysis or a write can fail as a whole.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is readable but not usable as input (format, encoding, structure).
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    /// The schema file is malformed or does not fit the data file.
    #[error("{path}: schema error: {message}")]
    Schema { path: String, message: String },
    /// `--invalid-rows fail` was asked for and at least one row was invalid.
    #[error("{path}: {count} invalid row(s); first: {first}")]
    InvalidRows {
        path: String,
        count: usize,
        first: String,
    },
    /// An output could not be written.
    #[error("{path}: cannot write: {message}")]
    Output { path: String, message: String },
    /// An analysis option is out of its domain.
    #[error("invalid option: {0}")]
    Options(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
    pub(crate) fn input(path: &Path, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
    pub(crate) fn schema(path: &Path, message: impl Into<String>) -> Self {
        Error::Schema {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
    pub(crate) fn output(path: &Path, message: impl std::fmt::Display) -> Self {
        Error::Output {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }

    /// The process exit code the CLI uses for this error: 1 for invalid rows
    /// under `--invalid-rows fail`, 2 for unusable input or output.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InvalidRows { .. } => 1,
            _ => 2,
        }
    }
}

/// Result alias for escrutinio.
pub type Result<T> = std::result::Result<T, Error>;
