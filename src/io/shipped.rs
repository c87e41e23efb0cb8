//! The schema files shipped in `data/schemas/` for the shared real data
//! sets, embedded so that an error on a file read without `--schema` can
//! name the one that fits it.

use super::table::RawTable;
use super::Schema;

/// (path in the repository, contents) of every shipped schema.
pub const SHIPPED: [(&str, &str); 12] = [
    (
        "data/schemas/belarus-2020.toml",
        include_str!("../../data/schemas/belarus-2020.toml"),
    ),
    (
        "data/schemas/russia-2004.toml",
        include_str!("../../data/schemas/russia-2004.toml"),
    ),
    (
        "data/schemas/russia-2007.toml",
        include_str!("../../data/schemas/russia-2007.toml"),
    ),
    (
        "data/schemas/russia-2008.toml",
        include_str!("../../data/schemas/russia-2008.toml"),
    ),
    (
        "data/schemas/russia-2011.toml",
        include_str!("../../data/schemas/russia-2011.toml"),
    ),
    (
        "data/schemas/russia-2012.toml",
        include_str!("../../data/schemas/russia-2012.toml"),
    ),
    (
        "data/schemas/russia-2018.toml",
        include_str!("../../data/schemas/russia-2018.toml"),
    ),
    (
        "data/schemas/russia-2020.toml",
        include_str!("../../data/schemas/russia-2020.toml"),
    ),
    (
        "data/schemas/russia-2024.toml",
        include_str!("../../data/schemas/russia-2024.toml"),
    ),
    (
        "data/schemas/spain-2019.toml",
        include_str!("../../data/schemas/spain-2019.toml"),
    ),
    (
        "data/schemas/st-petersburg-2021.toml",
        include_str!("../../data/schemas/st-petersburg-2021.toml"),
    ),
    (
        "data/schemas/venezuela-2024.toml",
        include_str!("../../data/schemas/venezuela-2024.toml"),
    ),
];

/// A shipped schema whose column mapping resolves on `table`'s header (its
/// path, as given to `--schema` from the repository root); among several,
/// the one whose name shares a word (a year) with the file's name.
pub fn matching(table: &RawTable) -> Option<&'static str> {
    let fits: Vec<&'static str> = SHIPPED
        .iter()
        .filter(|(_, text)| toml::from_str::<Schema>(text).is_ok_and(|s| s.resolve(table).is_ok()))
        .map(|(path, _)| *path)
        .collect();
    let file = table
        .path
        .file_name()
        .map(|f| f.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let shares_a_word = |path: &str| {
        let stem = path
            .trim_start_matches("data/schemas/")
            .trim_end_matches(".toml");
        stem.split('-').any(|w| w.len() >= 4 && file.contains(w))
    };
    fits.iter()
        .copied()
        .find(|p| shares_a_word(p))
        .or_else(|| fits.first().copied())
}

/// An error met with the standard schema (no `--schema`), with a pointer to
/// the shipped schema that fits the file, or to `data/schemas/`.
pub fn with_hint(e: crate::Error, table: &RawTable) -> crate::Error {
    match e {
        crate::Error::Schema { path, message } => {
            let hint = match matching(table) {
                Some(p) => format!("; this file's columns fit the shipped schema {p}: run with --schema {p}"),
                None => "; without --schema the standard column names are expected (docs/schema.md); the schemas of the shared data sets are in data/schemas/".into(),
            };
            crate::Error::Schema {
                path,
                message: format!("{message}{hint}"),
            }
        }
        e => e,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_schema_parses() {
        for (path, text) in super::SHIPPED {
            assert!(
                toml::from_str::<super::Schema>(text).is_ok(),
                "{path} does not parse"
            );
        }
    }
}
