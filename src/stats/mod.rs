//! Shared numerics. Kernels work on plain slices so that they are easy to
//! test against hand-computed values:
//! - [`bootstrap`]: seeded percentile bootstrap, type-7 quantiles, the
//!   [`bootstrap::Estimate`] type every interval uses;
//! - [`cell_bootstrap`]: the station bootstrap of cell sums, drawn cell by
//!   cell (multinomial counts, exact or normal-limit sums);
//! - [`dip`]: Hartigan's dip statistic and its simulated uniform null;
//! - [`gof`]: Pearson X², G, normal and chi-square tail probabilities,
//!   Nigrini's MAD, discrete moments;
//! - [`histogram`]: one- and two-dimensional histograms (dense and sparse);
//! - [`kde`]: Gaussian kernel densities and their first local maximum;
//! - [`multiple`]: Benjamini–Hochberg q-values;
//! - [`normal_table`]: a fast tabulated normal CDF for the Klimek quadrature.

pub mod bootstrap;
pub mod cell_bootstrap;
pub mod dip;
pub mod gof;
pub mod histogram;
pub mod kde;
pub mod multiple;
pub mod normal_table;

/// Scale factor making the median absolute deviation a consistent estimate
/// of a normal standard deviation (1/Φ⁻¹(3/4); Hampel 1974, *JASA* 69).
pub const MAD_TO_SD: f64 = 1.4826;
