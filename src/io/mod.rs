//! Input: reading files, mapping columns to roles, validating every row.

pub mod bulletins;
pub mod cell;
pub mod clock;
pub mod encoding;
pub mod hourly;
pub mod join;
pub mod load;
pub mod logs;
mod parquet_guard;
pub mod schema;
pub mod shipped;
pub mod table;
pub mod text;
pub mod validate;
pub mod write;

pub use load::{load, load_with_schema, Loaded};
pub use schema::Schema;
pub use validate::{DataQuality, InvalidRows};
