//! Coverage of the Klimek fit's bootstrap intervals over repeated simulated
//! elections with known fraud (issue 4: the 90 % interval should cover the
//! truth in about 90 % of repetitions). Slow (a bootstrap of refits per
//! repetition): about ten minutes on two cores in release; CI runs it.

use escrutinio::methods::klimek::{self, KlimekOptions};
use escrutinio::simulate::{simulate, SimParams};

const REPETITIONS: u64 = 40;

#[test]
fn ninety_percent_intervals_cover_the_truth() {
    let (fi, fe) = (0.1, 0.02);
    let mut cover = [0u32; 2];
    let mut zero_width = 0u32;
    for rep in 0..REPETITIONS {
        let p = SimParams {
            stations: 5_000,
            seed: 1000 + rep,
            fraud_incremental: fi,
            fraud_extreme: fe,
            theta: 0.4,
            region_turnout_sd: 0.0,
            region_share_sd: 0.0,
            ..SimParams::default()
        };
        let e = simulate(&p).unwrap().to_election().unwrap();
        let f = klimek::analyse(
            &e,
            &KlimekOptions {
                bootstrap: 40,
                ci_level: 0.9,
                seed: rep,
                ..KlimekOptions::default()
            },
        )
        .unwrap();
        for (k, (est, truth)) in [(&f.incremental_fraud, fi), (&f.extreme_fraud, fe)]
            .into_iter()
            .enumerate()
        {
            let (lo, hi) = (est.ci_low.unwrap(), est.ci_high.unwrap());
            if lo <= truth && truth <= hi {
                cover[k] += 1;
            }
            if hi - lo < 1e-9 {
                zero_width += 1;
            }
        }
        eprintln!(
            "rep {rep}: f_i {:.4} [{:.4}, {:.4}]  f_e {:.4} [{:.4}, {:.4}]",
            f.incremental_fraud.estimate,
            f.incremental_fraud.ci_low.unwrap(),
            f.incremental_fraud.ci_high.unwrap(),
            f.extreme_fraud.estimate,
            f.extreme_fraud.ci_low.unwrap(),
            f.extreme_fraud.ci_high.unwrap()
        );
    }
    eprintln!("coverage of 90 % intervals over {REPETITIONS}: f_i {} f_e {}", cover[0], cover[1]);
    // Binomial(40, 0.9): P(X ≤ 30) = 0.0051, so a calibrated interval fails
    // this bound with probability about 0.5 %.
    assert_eq!(zero_width, 0);
    for (k, c) in cover.iter().enumerate() {
        assert!(*c >= 31, "parameter {k}: {c} of {REPETITIONS} intervals cover the truth");
    }
}
