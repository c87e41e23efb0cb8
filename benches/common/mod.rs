//! The simulated election the benchmarks share.

use escrutinio::simulate::SimParams;

/// 1,000,000 stations, 80 regions, the winner plus nine others (ten
/// contestants), a little incremental and extreme fraud; seed 1.
pub fn million_stations() -> SimParams {
    SimParams {
        stations: 1_000_000,
        seed: 1,
        regions: 80,
        fraud_incremental: 0.05,
        fraud_extreme: 0.01,
        others: vec![0.3, 0.2, 0.12, 0.1, 0.08, 0.07, 0.06, 0.04, 0.03],
        ..SimParams::default()
    }
}
