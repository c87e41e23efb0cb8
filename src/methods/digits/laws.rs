//! The digit tests and the distributions their null hypotheses state.

use serde::Serialize;

use crate::stats::gof::bands;

/// One digit test. Which digits of a count it reads, which law they follow
/// under the null, and which counts it is defined for, are stated on each
/// variant; the eligibility thresholds are options ([`super::Eligibility`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DigitTest {
    /// First significant digit d ∈ 1..9 against Benford's law
    /// P(d) = log₁₀(1 + 1/d) (Benford 1938; Hill 1995, *Statistical Science*
    /// 10(4), eq. 1). Mean 3.44024. Only meaningful when the counts span
    /// several orders of magnitude (Mebane 2006; Deckert, Myagkov & Ordeshook
    /// 2011): station counts rarely do, and results carry a warning then.
    FirstDigit,
    /// Second significant digit d ∈ 0..9 against Benford's law
    /// P(d) = Σ_{k=1..9} log₁₀(1 + 1/(10k + d)) (Hill 1995, eq. 2; Mebane
    /// 2006, "Election forensics: vote counts and Benford's law", 2BL), for
    /// counts ≥ 10. Mean 4.18739 (Mebane's 2BL mean statistic, Election
    /// Forensics Toolkit). Caveat: the second digits of counts from
    /// realistic *clean* processes need not follow 2BL (Deckert, Myagkov &
    /// Ordeshook 2011, *Political Analysis* 19(3): 245–268); a rejection is
    /// not evidence of fraud on its own.
    SecondDigit,
    /// Last digit d ∈ 0..9 against the uniform law (Beber & Scacco 2012,
    /// *Political Analysis* 20(2): 211–234, §2): the last digit of a count
    /// whose spread covers many units is close to uniform (their
    /// Proposition 1). Mean 4.5. Default eligibility: counts ≥ 10 (one-digit
    /// counts are excluded: there the last digit is the count itself).
    LastDigit,
    /// Last two digits 00..99 against the uniform law (Beber & Scacco 2012;
    /// Nigrini 2012, ch. 8 "last-two digits test"). Mean 49.5. Default
    /// eligibility: counts ≥ 100, so that the two digits are not the whole
    /// count.
    LastTwoDigits,
    /// Share of last digits equal to 0 or 5 (rounding to 5 or 10) against
    /// 0.2, the uniform law's value (Election Forensics Toolkit,
    /// Hicken & Mebane 2017, "C05s"; Beber & Scacco 2012 on favoured
    /// numerals). Same eligibility as [`DigitTest::LastDigit`].
    ZeroFive,
    /// The pair formed by a count's last two digits (Beber & Scacco 2012,
    /// §3: people under-produce repeated digits and over-produce adjacent
    /// ones): *repeated* (a = b), *adjacent* (|a − b| = 1, with 0 and 9
    /// adjacent) or *distant*, against 0.1 / 0.2 / 0.7 under independent
    /// uniform digits. The wrap-around makes the 70 % non-adjacent benchmark
    /// Beber & Scacco quote (Washington Post, 20 June 2009); whether their
    /// paper wraps 9–0 is unconfirmed. Eligibility: counts with two or more
    /// digits (≥ 10).
    DigitPairs,
}

/// Every test, in report order.
pub const ALL_TESTS: [DigitTest; 6] = [
    DigitTest::FirstDigit,
    DigitTest::SecondDigit,
    DigitTest::LastDigit,
    DigitTest::LastTwoDigits,
    DigitTest::ZeroFive,
    DigitTest::DigitPairs,
];

impl DigitTest {
    /// The name used in `report.json` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DigitTest::FirstDigit => "first_digit",
            DigitTest::SecondDigit => "second_digit",
            DigitTest::LastDigit => "last_digit",
            DigitTest::LastTwoDigits => "last_two_digits",
            DigitTest::ZeroFive => "zero_five",
            DigitTest::DigitPairs => "digit_pairs",
        }
    }

    /// Parses [`DigitTest::name`].
    pub fn from_name(s: &str) -> Option<DigitTest> {
        ALL_TESTS.into_iter().find(|t| t.name() == s)
    }

    /// Category labels, in the order of the frequency vectors.
    pub fn categories(self) -> Vec<String> {
        match self {
            DigitTest::FirstDigit => (1..=9).map(|d| d.to_string()).collect(),
            DigitTest::SecondDigit | DigitTest::LastDigit => {
                (0..=9).map(|d| d.to_string()).collect()
            }
            DigitTest::LastTwoDigits => (0..100).map(|d| format!("{d:02}")).collect(),
            DigitTest::ZeroFive => vec!["0_or_5".into(), "other".into()],
            DigitTest::DigitPairs => {
                vec!["repeated".into(), "adjacent".into(), "distant".into()]
            }
        }
    }

    /// The null distribution over [`DigitTest::categories`].
    pub fn expected(self) -> Vec<f64> {
        match self {
            DigitTest::FirstDigit => benford_first_digit().to_vec(),
            DigitTest::SecondDigit => benford_second_digit().to_vec(),
            DigitTest::LastDigit => vec![0.1; 10],
            DigitTest::LastTwoDigits => vec![0.01; 100],
            DigitTest::ZeroFive => vec![0.2, 0.8],
            DigitTest::DigitPairs => vec![0.1, 0.2, 0.7],
        }
    }

    /// The numeric value of each category, for the digit mean (`None`: the
    /// test has no mean). For [`DigitTest::ZeroFive`] the "mean" is the
    /// share of 0s and 5s.
    pub fn values(self) -> Option<Vec<f64>> {
        match self {
            DigitTest::FirstDigit => Some((1..=9).map(f64::from).collect()),
            DigitTest::SecondDigit | DigitTest::LastDigit => Some((0..=9).map(f64::from).collect()),
            DigitTest::LastTwoDigits => Some((0..100).map(f64::from).collect()),
            DigitTest::ZeroFive => Some(vec![1.0, 0.0]),
            DigitTest::DigitPairs => None,
        }
    }

    /// Nigrini's MAD conformity bands, where he defines them (first and
    /// second digits, Nigrini 2012, Table 7.1).
    pub fn mad_bands(self) -> Option<[f64; 3]> {
        match self {
            DigitTest::FirstDigit => Some(bands::FIRST_DIGIT),
            DigitTest::SecondDigit => Some(bands::SECOND_DIGIT),
            _ => None,
        }
    }
}

/// Benford's first-digit probabilities P(d) = log₁₀(1 + 1/d), d = 1..9.
///
/// # Examples
/// ```
/// use escrutinio::methods::digits::laws::benford_first_digit;
/// let p = benford_first_digit();
/// assert!((p[0] - 0.301030).abs() < 1e-6 && (p[8] - 0.045757).abs() < 1e-6);
/// ```
pub fn benford_first_digit() -> [f64; 9] {
    std::array::from_fn(|i| (1.0 + 1.0 / (i as f64 + 1.0)).log10())
}

/// Benford's second-digit probabilities
/// P(d) = Σ_{k=1..9} log₁₀(1 + 1/(10k + d)), d = 0..9 (Hill 1995, eq. 2).
///
/// # Examples
/// ```
/// use escrutinio::methods::digits::laws::benford_second_digit;
/// let p = benford_second_digit();
/// assert!((p[0] - 0.119679).abs() < 1e-6 && (p[9] - 0.084997).abs() < 1e-6);
/// ```
pub fn benford_second_digit() -> [f64; 10] {
    std::array::from_fn(|d| {
        (1..=9)
            .map(|k| (1.0 + 1.0 / (10.0 * k as f64 + d as f64)).log10())
            .sum()
    })
}

/// The class of a last-two-digit pair: 0 repeated, 1 adjacent (|a − b| = 1
/// or {0, 9}), 2 distant.
pub fn pair_class(last_two: u64) -> usize {
    let a = last_two / 10;
    let b = last_two % 10;
    if a == b {
        0
    } else if a.abs_diff(b) == 1 || a.abs_diff(b) == 9 {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::gof::discrete_moments;

    #[test]
    fn benford_second_digit_to_six_decimals() {
        // Hill (1995), Table 1; Mebane (2006), Table 1.
        let want = [
            0.119679, 0.113890, 0.108821, 0.104330, 0.100308, 0.096677, 0.093375, 0.090352,
            0.087570, 0.084997,
        ];
        let p = benford_second_digit();
        for (d, (&got, want)) in p.iter().zip(want).enumerate() {
            assert!((got - want).abs() < 5e-7, "digit {d}: {got:.7} vs {want}");
        }
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let v: Vec<f64> = (0..10).map(f64::from).collect();
        let (mu, _) = discrete_moments(&v, &p);
        assert!((mu - 4.18739).abs() < 5e-6, "{mu}");
    }

    #[test]
    fn benford_first_digit_mean_and_sum() {
        let p = benford_first_digit();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let v: Vec<f64> = (1..=9).map(f64::from).collect();
        let (mu, _) = discrete_moments(&v, &p);
        assert!((mu - 3.44024).abs() < 5e-6, "{mu}");
    }

    #[test]
    fn pair_classes_count_10_20_70() {
        let mut n = [0; 3];
        for x in 0..100 {
            n[pair_class(x)] += 1;
        }
        assert_eq!(n, [10, 20, 70]);
        assert_eq!(pair_class(33), 0);
        assert_eq!(pair_class(34), 1);
        assert_eq!(pair_class(43), 1);
        assert_eq!(pair_class(90), 1);
        assert_eq!(pair_class(9), 1);
        assert_eq!(pair_class(35), 2);
        for t in ALL_TESTS {
            let e = t.expected();
            assert_eq!(e.len(), t.categories().len(), "{t:?}");
            assert!((e.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{t:?}");
            assert_eq!(DigitTest::from_name(t.name()), Some(t));
        }
    }
}
