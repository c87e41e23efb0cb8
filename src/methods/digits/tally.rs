//! One pass over a count column: the digit frequencies of every test, per
//! region, in integer arithmetic (no floating-point logarithms, so a digit
//! is never misread at a power of ten).

use rayon::prelude::*;

use super::laws::pair_class;
use super::Eligibility;

const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Digit frequencies of one column over one scope (a region or all stations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitTally {
    /// Stations in the scope.
    pub stations: u64,
    /// First digits 1..9 (index d − 1) of counts ≥ `eligibility.first_digit`.
    pub first: [u64; 9],
    /// Second digits of counts ≥ `eligibility.second_digit` (≥ 10).
    pub second: [u64; 10],
    /// Last digits of counts ≥ `eligibility.last_digit`.
    pub last: [u64; 10],
    /// Last two digits of counts ≥ `eligibility.last_two_digits` (≥ 10).
    pub last_two: [u64; 100],
    /// Repeated / adjacent / distant last-two-digit pairs of counts ≥
    /// `eligibility.digit_pairs` (≥ 10).
    pub pairs: [u64; 3],
    /// Number of digits − 1 (the decade) of the counts in `first`.
    pub decades: [u64; 20],
    /// Counts in `last`, by window of 10 (x / 10 < [`WINDOWS`]): the count
    /// distribution's shape at the scale of the last digit.
    pub win_last: [u64; WINDOWS],
    /// Counts in `last_two`, by window of 100.
    pub win_last_two: [u64; WINDOWS],
    /// Counts in `pairs`, by window of 10 (a pair's class depends on both
    /// digits, so the shape matters at the scale of 10).
    pub win_pairs: [u64; WINDOWS],
}

/// Windows kept of the count distribution (counts beyond 10·WINDOWS, resp.
/// 100·WINDOWS, are so large that the distribution is flat at digit scale).
pub const WINDOWS: usize = 200;

impl Default for DigitTally {
    fn default() -> Self {
        DigitTally {
            stations: 0,
            first: [0; 9],
            second: [0; 10],
            last: [0; 10],
            last_two: [0; 100],
            pairs: [0; 3],
            decades: [0; 20],
            win_last: [0; WINDOWS],
            win_last_two: [0; WINDOWS],
            win_pairs: [0; WINDOWS],
        }
    }
}

impl DigitTally {
    /// Adds one station's count.
    ///
    /// # Examples
    /// ```
    /// use escrutinio::methods::digits::{tally::DigitTally, Eligibility};
    /// let mut t = DigitTally::default();
    /// t.add(4087, &Eligibility::default());
    /// assert_eq!(t.first[3], 1);      // first digit 4
    /// assert_eq!(t.second[0], 1);     // second digit 0
    /// assert_eq!(t.last[7], 1);       // last digit 7
    /// assert_eq!(t.last_two[87], 1);  // last two digits 87
    /// assert_eq!(t.pairs, [0, 1, 0]); // 8 and 7 are adjacent
    /// ```
    #[inline]
    pub fn add(&mut self, x: u64, e: &Eligibility) {
        self.stations += 1;
        if x == 0 {
            // Zero has no significant digit; its last digit counts only
            // when the last-digit threshold is 0.
            if e.last_digit == 0 {
                self.last[0] += 1;
                self.win_last[0] += 1;
            }
            return;
        }
        let d = x.ilog10() as usize;
        if x >= e.first_digit {
            self.first[(x / POW10[d]) as usize - 1] += 1;
            self.decades[d] += 1;
        }
        if x >= e.second_digit {
            self.second[((x / POW10[d - 1]) % 10) as usize] += 1;
        }
        if x >= e.last_digit {
            self.last[(x % 10) as usize] += 1;
            if x < 10 * WINDOWS as u64 {
                self.win_last[(x / 10) as usize] += 1;
            }
        }
        let l2 = x % 100;
        let w100 = x / 100;
        if x >= e.last_two_digits {
            self.last_two[l2 as usize] += 1;
            if w100 < WINDOWS as u64 {
                self.win_last_two[w100 as usize] += 1;
            }
        }
        if x >= e.digit_pairs {
            self.pairs[pair_class(l2)] += 1;
            if x < 10 * WINDOWS as u64 {
                self.win_pairs[(x / 10) as usize] += 1;
            }
        }
    }

    /// Adds another tally (integer sums: the order does not matter).
    pub fn merge(&mut self, o: &DigitTally) {
        self.stations += o.stations;
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.first, &o.first);
        add(&mut self.second, &o.second);
        add(&mut self.last, &o.last);
        add(&mut self.last_two, &o.last_two);
        add(&mut self.pairs, &o.pairs);
        add(&mut self.decades, &o.decades);
        add(&mut self.win_last, &o.win_last);
        add(&mut self.win_last_two, &o.win_last_two);
        add(&mut self.win_pairs, &o.win_pairs);
    }
}

/// Tallies one column per region (`codes[i]` is station i's region, below
/// `regions`), in parallel over chunks of stations.
pub fn tally_by_region(
    values: &[u64],
    codes: &[u32],
    regions: usize,
    e: &Eligibility,
) -> Vec<DigitTally> {
    const CHUNK: usize = 1 << 16;
    values
        .par_chunks(CHUNK)
        .zip(codes.par_chunks(CHUNK))
        .fold(
            || vec![DigitTally::default(); regions],
            |mut acc, (v, c)| {
                for (&x, &r) in v.iter().zip(c) {
                    acc[r as usize].add(x, e);
                }
                acc
            },
        )
        .reduce(
            || vec![DigitTally::default(); regions],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| x.merge(y));
                a
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eligibility_thresholds_apply_per_test() {
        let e = Eligibility::default();
        let mut t = DigitTally::default();
        for x in [0, 7, 10, 99, 100, 1000, 123_456_789] {
            t.add(x, &e);
        }
        assert_eq!(t.stations, 7);
        // First digit: every positive count (7, 1, 9, 1, 1, 1).
        assert_eq!(t.first, [4, 0, 0, 0, 0, 0, 1, 0, 1]);
        // Second digit: counts ≥ 10: 10→0, 99→9, 100→0, 1000→0, 123456789→2.
        assert_eq!(t.second, [3, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
        // Last digit: counts ≥ 10: 0, 9, 0, 0, 9.
        assert_eq!(t.last[0], 3);
        assert_eq!(t.last[9], 2);
        // Last two digits: counts ≥ 100: 00, 00, 89.
        assert_eq!(t.last_two[0], 2);
        assert_eq!(t.last_two[89], 1);
        assert_eq!(t.last_two.iter().sum::<u64>(), 3);
        // Pairs: counts ≥ 10: 10 adjacent, 99 repeated, 00 ×2 repeated, 89 adjacent.
        assert_eq!(t.pairs, [3, 2, 0]);
        assert_eq!(t.decades[0..4], [1, 2, 1, 1]);
        assert_eq!(t.decades[8], 1);
    }

    #[test]
    fn powers_of_ten_and_u64_extremes() {
        let e = Eligibility::default();
        let mut t = DigitTally::default();
        for p in &POW10[1..] {
            t.add(*p, &e);
            t.add(*p - 1, &e);
        }
        t.add(u64::MAX, &e); // 18446744073709551615
        assert_eq!(t.first[0], 20);
        assert_eq!(t.first[8], 19);
        assert_eq!(t.second[0], 19);
        assert_eq!(t.second[8], 1);
        assert_eq!(t.second[9], 18);
    }

    #[test]
    fn parallel_tally_equals_sequential() {
        let e = Eligibility::default();
        let n = 300_000;
        let values: Vec<u64> = (0..n as u64)
            .map(|i| (i * 2_654_435_761) % 50_000)
            .collect();
        let codes: Vec<u32> = (0..n as u32).map(|i| i % 7).collect();
        let par = tally_by_region(&values, &codes, 7, &e);
        let mut seq = vec![DigitTally::default(); 7];
        for (&x, &r) in values.iter().zip(&codes) {
            seq[r as usize].add(x, &e);
        }
        assert_eq!(par, seq);
    }
}
