//! Shared numerics: goodness-of-fit statistics, multiple-testing adjustment
//! and the seeded bootstrap. Kernels work on plain slices so that they are
//! easy to test against hand-computed values.

pub mod bootstrap;
pub mod dip;
pub mod gof;
pub mod histogram;
pub mod kde;
pub mod multiple;
pub mod optimize;
