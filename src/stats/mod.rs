//! Shared numerics: goodness-of-fit statistics, multiple-testing adjustment
//! and the seeded bootstrap. Kernels work on plain slices so that they are
//! easy to test against hand-computed values.

pub mod bootstrap;
pub mod dip;
pub mod gof;
pub mod histogram;
pub mod kde;
pub mod multiple;
pub mod normal_table;

/// Scale factor making the median absolute deviation a consistent estimate
/// of a normal standard deviation (1/Φ⁻¹(3/4); Hampel 1974, *JASA* 69).
pub const MAD_TO_SD: f64 = 1.4826;
