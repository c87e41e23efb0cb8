//! Excess votes for the winner above what the low-turnout stations'
//! behaviour predicts, after Sergey Shpilkin's method (Shpilkin 2009–2011,
//! popularised in Kobak, Shpilkin & Pshenichnikov, *Significance* 13(4):
//! 20–23, 2016).
//!
//! # Method
//! 1. Bin the stations by turnout (1-point bins by default) and sum the
//!    ballots per bin. The *clean peak* τ* is the bin with the most ballots
//!    (after a 3-bin moving average) among the bins up to the overall
//!    turnout (or the `peak` option, in percent).
//! 2. The clean winner's share L* is the winner's share of the valid votes
//!    summed over the stations with turnout below the top of the peak bin.
//! 3. Above the peak (stations with turnout ≥ τ*) the winner is expected to
//!    keep that share of the valid votes: expected = others · L*/(1 − L*),
//!    with others the valid votes for everybody else. The excess is
//!    Σ (winner − expected) over those stations, negative terms included
//!    (a clean election gives about 0).
//! 4. The excess is split into *stuffing*, Σ (ballots − τ*·electorate) over
//!    the stations above the peak (the turnout above the clean peak), and
//!    *switching*, the rest (excess − stuffing).
//!
//! 5. *Sloped line* (`sloped_estimate`, a sensitivity of step 3, not in
//!    Shpilkin's method): the clean share as a linear function of turnout,
//!    ℓ(t) = L* + b(t − t̄), b the valid-vote-weighted least-squares slope
//!    of the winner's share on turnout over the same below-peak stations
//!    (t̄ their weighted mean turnout; with b = 0 it is step 3 exactly),
//!    extrapolated above the peak: Σ (winner − others · ℓ/(1 − ℓ)), ℓ
//!    clamped to [0, 0.99]. Where support genuinely rises with turnout
//!    (urban versus rural) the constant line reads the gradient as excess
//!    and the sloped one does not; stuffing that leaves stations below the
//!    peak tilts b upwards, so on fraud it is the smaller of the two. It is
//!    reported, not used by the verdict: on Russia 2011 the regions'
//!    sloped lines sum to −9.6 million, the below-peak gradient explaining
//!    all the excess, so it cannot tell a clean gradient from fraud that
//!    rises with turnout.
//!
//! # Uncertainty and sensitivity
//! A nonparametric bootstrap over stations (the whole procedure, peak
//! included, is redone on each resample; replicate r uses stream (seed, r));
//! percentile intervals. Because the answer moves with the peak, the excess
//! is also reported with the peak moved by −3 … +3 points.
//!
//! # Assumptions
//! The low-turnout stations are clean and the winner's share would not
//! rise with turnout without fraud (false where turnout and support are
//! genuinely correlated, for example urban versus rural); the other
//! contestants' votes are not inflated. Stuffing counts all turnout above
//! the peak, so on a clean election it measures the natural spread of
//! turnout, not fraud: read it only beside the excess.

use rayon::prelude::*;
use serde::Serialize;

use crate::election::Election;
use crate::inputs::Inputs;
use crate::methods::family::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
};
use crate::rng::{IndexDraws, Purpose};
use crate::stats::bootstrap::Estimate;
use crate::stats::cell_bootstrap::CellBootstrap;

/// Options.
#[derive(Debug, Clone, Serialize)]
pub struct ExcessOptions {
    /// Turnout bin width in percentage points (1).
    pub bin_width: f64,
    /// Fixed clean peak, in percent (`None`: found from the data).
    pub peak: Option<f64>,
    pub bootstrap: usize,
    /// How a bootstrap replicate is drawn: `cells` (default, the station
    /// bootstrap carried out on per-cell sums) or `stations` (every station
    /// drawn).
    pub resampling: Resampling,
    pub ci_level: f64,
    /// Also estimate per region (regions with at least `min_region_stations`).
    pub regions: bool,
    pub min_region_stations: usize,
}

impl Default for ExcessOptions {
    fn default() -> Self {
        ExcessOptions {
            bin_width: 1.0,
            peak: None,
            bootstrap: 1000,
            resampling: Resampling::Cells,
            ci_level: 0.95,
            regions: true,
            min_region_stations: 50,
        }
    }
}

impl ExcessOptions {
    pub fn check(&self) -> Result<(), String> {
        if !(self.bin_width > 0.0 && self.bin_width <= 10.0) {
            return Err(format!(
                "excess-vote bin width must lie in (0, 10] points, not {}",
                self.bin_width
            ));
        }
        if let Some(p) = self.peak {
            if !(0.0..100.0).contains(&p) {
                return Err(format!("the clean peak must lie in [0, 100), not {p}"));
            }
        }
        if !(self.ci_level > 0.0 && self.ci_level < 1.0) {
            return Err(format!(
                "ci level must lie in (0, 1), not {}",
                self.ci_level
            ));
        }
        Ok(())
    }
}

/// How a replicate is drawn. The estimator reads the stations only through
/// per-cell sums (a cell is the stations sharing a turnout bin and a
/// below-peak class, see `StationBins`) of ballots, electorate, winner and
/// other votes, so `Cells` ([`crate::stats::cell_bootstrap`]) gives the
/// station bootstrap at O(cells) per replicate; a test compares it with
/// `Stations`.
pub use crate::stats::cell_bootstrap::{Resampling, EXACT_CELL_DRAWS};

/// One estimate of the excess.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ExcessPoint {
    /// Clean peak τ* (lower edge of the peak bin), as a proportion.
    pub peak_turnout: f64,
    /// Clean winner's share L*.
    pub clean_share: f64,
    /// Winner's votes above the clean-share line, stations at or above τ*.
    pub excess: f64,
    /// Ballots above τ*·electorate at those stations.
    pub stuffing: f64,
    /// excess − stuffing.
    pub switching: f64,
    /// Stations at or above the peak.
    pub stations_above: usize,
}

/// The excess with its intervals.
#[derive(Debug, Clone, Serialize)]
pub struct ExcessEstimate {
    pub stations: usize,
    /// Stations without turnout or valid votes (left out).
    pub excluded: usize,
    pub peak_turnout: f64,
    pub clean_share: f64,
    pub estimate: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub stuffing: f64,
    pub switching: f64,
    /// Share of the winner's votes that are excess.
    pub excess_share_of_winner: f64,
    pub stations_above: usize,
    /// Bootstrap interval of the peak itself.
    pub peak_ci_low: Option<f64>,
    pub peak_ci_high: Option<f64>,
    /// The excess with the peak moved by −3 … +3 bins.
    pub sensitivity: Vec<ExcessPoint>,
    /// The excess above a clean share linear in turnout fitted below the
    /// peak (module doc, step 5); `None` with fewer than
    /// [`SLOPE_MIN_STATIONS`] stations below the peak or no spread of
    /// their turnout.
    pub sloped_estimate: Option<f64>,
}

impl ExcessEstimate {
    /// `sloped_estimate`, or the constant line's `estimate` where the slope
    /// could not be fitted (the sloped line with slope 0).
    pub fn sloped_or_constant(&self) -> f64 {
        self.sloped_estimate.unwrap_or(self.estimate)
    }
}

impl ExcessFinding {
    /// The regions' sloped lines summed ([`ExcessEstimate::sloped_or_constant`]
    /// per region); `None` without regional estimates.
    pub fn regions_sloped(&self) -> Option<f64> {
        (!self.regions.is_empty()).then(|| {
            self.regions
                .iter()
                .map(|g| g.estimate.sloped_or_constant())
                .sum()
        })
    }
}

/// Fewest stations below the peak to fit the sloped line's slope.
pub const SLOPE_MIN_STATIONS: usize = 30;

/// The finding: national and per region.
#[derive(Debug, Clone, Serialize)]
pub struct ExcessFinding {
    pub options: Recorded<ExcessOptions>,
    pub winner: String,
    #[serde(flatten)]
    pub national: ExcessEstimate,
    pub regions: Vec<RegionExcess>,
    /// Plain-words reading.
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionExcess {
    pub region: String,
    #[serde(flatten)]
    pub estimate: ExcessEstimate,
}

/// Per-station inputs (stations with defined turnout and valid votes).
#[derive(Clone, Copy)]
struct Row {
    turnout: f64,
    electorate: f64,
    ballots: f64,
    winner: f64,
    others: f64,
}

impl Row {
    /// The per-cell sums this station contributes: ballots, electorate,
    /// winner and other votes.
    fn sums(&self) -> [f64; 4] {
        [self.ballots, self.electorate, self.winner, self.others]
    }

    /// Station `i`, when it has a turnout and valid votes (and the winner
    /// no more votes than are valid).
    fn of(e: &Election, i: usize) -> Option<Row> {
        let (t, valid, w) = (e.turnout[i], e.share_denominator[i], e.winner_votes()[i]);
        let electorate = e.electorate.as_deref()?;
        (t.is_finite() && valid > 0 && w <= valid).then(|| Row {
            turnout: t,
            electorate: electorate[i] as f64,
            ballots: e.ballots[i] as f64,
            winner: w as f64,
            others: (valid - w) as f64,
        })
    }
}

fn rows(e: &Election, pick: impl Fn(usize) -> bool) -> (Vec<Row>, usize) {
    let mut out = Vec::new();
    let mut excluded = 0;
    for i in (0..e.len()).filter(|&i| pick(i)) {
        match Row::of(e, i) {
            Some(r) => out.push(r),
            None => excluded += 1,
        }
    }
    (out, excluded)
}

/// The turnout bin of a value (bins of `width` points, the last one
/// closed; turnouts above 100 % go to the last bin).
fn bin(t: f64, width: f64) -> usize {
    let nb = (100.0 / width).ceil() as usize;
    ((t.max(0.0) * 100.0 / width) as usize).min(nb - 1)
}

/// The clean peak bin: the 3-bin moving average of ballots per bin,
/// maximised over the bins up to the overall turnout's.
fn peak_bin(rows: &[Row], width: f64) -> Option<usize> {
    let nb = (100.0 / width).ceil() as usize;
    let mut ballots = vec![0.0; nb];
    let (mut b, mut e) = (0.0, 0.0);
    for r in rows {
        ballots[bin(r.turnout, width)] += r.ballots;
        b += r.ballots;
        e += r.electorate;
    }
    if e == 0.0 {
        return None;
    }
    peak_of(&ballots, b / e, width)
}

/// The peak bin of ballots per bin: the 3-bin moving average maximised over
/// the bins up to the overall turnout's (`turnout`); ties of the smoothed
/// count go to the larger raw count, then to the lower bin.
fn peak_of(ballots: &[f64], turnout: f64, width: f64) -> Option<usize> {
    let nb = ballots.len();
    let limit = bin(turnout, width);
    (0..=limit)
        .map(|k| {
            let lo = k.saturating_sub(1);
            let hi = (k + 1).min(nb - 1);
            let s: f64 = ballots[lo..=hi].iter().sum();
            (k, s / (hi - lo + 1) as f64, ballots[k])
        })
        .filter(|&(_, s, _)| s > 0.0)
        .max_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then(a.2.total_cmp(&b.2))
                .then(b.0.cmp(&a.0))
        })
        .map(|(k, _, _)| k)
}

/// The clean share L* = w/(w + o) of the winner's votes `w` against the
/// others' `o` below the peak, and the line's slope L*/(1 − L*) (`None`
/// when undefined or when L* is 1).
fn clean_line(w: f64, o: f64) -> Option<(f64, f64)> {
    if w + o == 0.0 {
        return None;
    }
    let l = w / (w + o);
    (l < 1.0).then(|| (l, l / (1.0 - l)))
}

/// The excess for a given peak bin (`None` if the clean share is undefined
/// or 1).
fn excess_at(rows: &[Row], width: f64, peak: usize) -> Option<ExcessPoint> {
    let tau = peak as f64 * width / 100.0;
    let top = (peak + 1) as f64 * width / 100.0;
    let (mut w, mut o) = (0.0, 0.0);
    for r in rows.iter().filter(|r| r.turnout < top) {
        w += r.winner;
        o += r.others;
    }
    let (l, ratio) = clean_line(w, o)?;
    let (mut excess, mut stuffing, mut above) = (0.0, 0.0, 0usize);
    for r in rows.iter().filter(|r| bin(r.turnout, width) >= peak) {
        excess += r.winner - r.others * ratio;
        stuffing += r.ballots - tau * r.electorate;
        above += 1;
    }
    Some(ExcessPoint {
        peak_turnout: tau,
        clean_share: l,
        excess,
        stuffing,
        switching: excess - stuffing,
        stations_above: above,
    })
}

/// The sloped-line excess at peak bin `peak` (module doc, step 5).
fn sloped_excess_at(rows: &[Row], width: f64, peak: usize) -> Option<f64> {
    let top = (peak + 1) as f64 * width / 100.0;
    // Valid-vote-weighted sums over the below-peak stations.
    let (mut sv, mut st, mut stt, mut sw, mut stw, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0, 0);
    for r in rows.iter().filter(|r| r.turnout < top) {
        let v = r.winner + r.others;
        sv += v;
        st += v * r.turnout;
        stt += v * r.turnout * r.turnout;
        sw += r.winner;
        stw += r.turnout * r.winner;
        n += 1;
    }
    if n < SLOPE_MIN_STATIONS || sv == 0.0 {
        return None;
    }
    let (mt, ms) = (st / sv, sw / sv);
    let var = stt / sv - mt * mt;
    if var <= 1e-12 {
        return None;
    }
    let slope = (stw / sv - mt * ms) / var;
    Some(
        rows.iter()
            .filter(|r| bin(r.turnout, width) >= peak)
            .map(|r| {
                let l = (ms + slope * (r.turnout - mt)).clamp(0.0, 0.99);
                r.winner - r.others * l / (1.0 - l)
            })
            .sum(),
    )
}

fn estimate_one(
    rows: &[Row],
    opts: &ExcessOptions,
    fixed_peak: Option<usize>,
) -> Option<ExcessPoint> {
    let peak = fixed_peak.or_else(|| peak_bin(rows, opts.bin_width))?;
    excess_at(rows, opts.bin_width, peak)
}

/// A resample's sufficient statistics: the estimator reads the stations only
/// through per-bin sums, so a bootstrap replicate accumulates the drawn
/// stations into these tables instead of copying them.
///
/// `bin` is a station's turnout bin ([`bin`]); `below` the first peak bin
/// whose upper edge its turnout lies under (the stations [`excess_at`]
/// counts in the clean share when the peak is at or above `below`; beyond
/// the last bin for turnouts above 100 %).
struct BinTables {
    ballots: Vec<f64>,
    electorate: Vec<f64>,
    winner: Vec<f64>,
    others: Vec<f64>,
    winner_below: Vec<f64>,
    others_below: Vec<f64>,
}

/// Per-station bin indices for [`BinTables`].
struct StationBins {
    bin: Vec<usize>,
    below: Vec<usize>,
    bins: usize,
}

impl StationBins {
    fn of(rows: &[Row], width: f64) -> StationBins {
        let bins = (100.0 / width).ceil() as usize;
        // The first k with t < (k + 1)·width/100, evaluated exactly as
        // `excess_at` does; `bins` when there is none.
        let below = |t: f64| {
            let top = |k: usize| (k + 1) as f64 * width / 100.0;
            let mut k = bin(t, width);
            while k > 0 && t < top(k - 1) {
                k -= 1;
            }
            while k < bins && t >= top(k) {
                k += 1;
            }
            k
        };
        StationBins {
            bin: rows.iter().map(|r| bin(r.turnout, width)).collect(),
            below: rows.iter().map(|r| below(r.turnout)).collect(),
            bins,
        }
    }
}

impl BinTables {
    fn new(bins: usize) -> BinTables {
        BinTables {
            ballots: vec![0.0; bins],
            electorate: vec![0.0; bins],
            winner: vec![0.0; bins],
            others: vec![0.0; bins],
            winner_below: vec![0.0; bins + 1],
            others_below: vec![0.0; bins + 1],
        }
    }

    fn add(&mut self, r: &Row, sb: &StationBins, i: usize) {
        self.add_at(sb.bin[i], sb.below[i], r.sums());
    }

    /// Adds `[ballots, electorate, winner, others]` to turnout bin `b` and
    /// below-peak class `l`.
    fn add_at(&mut self, b: usize, l: usize, [ballots, electorate, winner, others]: [f64; 4]) {
        self.ballots[b] += ballots;
        self.electorate[b] += electorate;
        self.winner[b] += winner;
        self.others[b] += others;
        self.winner_below[l] += winner;
        self.others_below[l] += others;
    }

    /// [`peak_bin`] on the tables.
    fn peak_bin(&self, width: f64) -> Option<usize> {
        let b: f64 = self.ballots.iter().sum();
        let e: f64 = self.electorate.iter().sum();
        if e == 0.0 {
            return None;
        }
        peak_of(&self.ballots, b / e, width)
    }

    /// [`excess_at`] on the tables: (excess, peak turnout).
    fn excess_at(&self, width: f64, peak: usize) -> Option<(f64, f64)> {
        let tau = peak as f64 * width / 100.0;
        let w: f64 = self.winner_below[..=peak].iter().sum();
        let o: f64 = self.others_below[..=peak].iter().sum();
        let (_, ratio) = clean_line(w, o)?;
        let above = |v: &[f64]| v[peak..].iter().sum::<f64>();
        Some((above(&self.winner) - ratio * above(&self.others), tau))
    }
}

fn estimate(
    rows: &[Row],
    excluded: usize,
    opts: &ExcessOptions,
    stream: u64,
    ctx: &Context,
) -> Option<ExcessEstimate> {
    let fixed = opts.peak.map(|p| bin(p / 100.0, opts.bin_width));
    let point = estimate_one(rows, opts, fixed)?;
    let n = rows.len();
    let sb = StationBins::of(rows, opts.bin_width);
    // A cell: a turnout bin and a below-peak class (key bin·(bins + 1) +
    // class, in the order of the pairs).
    let key = |i: usize| sb.bin[i] * (sb.bins + 1) + sb.below[i];
    let cells = CellBootstrap::<4>::new(rows.len(), key, |i| rows[i].sums());
    let reps: Vec<(f64, f64)> = (0..opts.bootstrap)
        .into_par_iter()
        .filter_map(|r| {
            let mut g = ctx.stream(Purpose::ExcessBootstrap, (stream << 32) | r as u64);
            let mut t = BinTables::new(sb.bins);
            match opts.resampling {
                // n stations with replacement, accumulated into the
                // estimator's per-bin sums (no copied resample).
                Resampling::Stations => {
                    let mut draws = IndexDraws::from_stream(&mut g);
                    for _ in 0..n {
                        let i = draws.below(n);
                        t.add(&rows[i], &sb, i);
                    }
                }
                Resampling::Cells => cells.draw(
                    &mut g,
                    |i| rows[i].sums(),
                    true,
                    |k, sums| t.add_at(k / (sb.bins + 1), k % (sb.bins + 1), sums),
                ),
            }
            let peak = fixed.or_else(|| t.peak_bin(opts.bin_width))?;
            t.excess_at(opts.bin_width, peak)
        })
        .collect();
    let excess_ci = Estimate::percentile(
        point.excess,
        reps.iter().map(|r| r.0).collect(),
        opts.ci_level,
    );
    let peak_ci = Estimate::percentile(
        point.peak_turnout,
        reps.iter().map(|r| r.1).collect(),
        opts.ci_level,
    );
    let peak = bin(point.peak_turnout + 1e-12, opts.bin_width);
    let sensitivity = (-3i64..=3)
        .filter_map(|d| {
            let k = peak as i64 + d;
            (k >= 0).then(|| excess_at(rows, opts.bin_width, k as usize))?
        })
        .collect();
    let winner_total: f64 = rows.iter().map(|r| r.winner).sum();
    let sloped_estimate = sloped_excess_at(rows, opts.bin_width, peak);
    Some(ExcessEstimate {
        stations: n,
        excluded,
        peak_turnout: point.peak_turnout,
        clean_share: point.clean_share,
        estimate: point.excess,
        ci_low: excess_ci.ci_low,
        ci_high: excess_ci.ci_high,
        stuffing: point.stuffing,
        switching: point.switching,
        excess_share_of_winner: if winner_total > 0.0 {
            point.excess / winner_total
        } else {
            0.0
        },
        stations_above: point.stations_above,
        peak_ci_low: peak_ci.ci_low,
        peak_ci_high: peak_ci.ci_high,
        sensitivity,
        sloped_estimate,
    })
}

/// Runs the estimate nationally and per region.
pub fn analyse(
    e: &Election,
    opts: &Checked<ExcessOptions>,
    ctx: &Context,
) -> Result<ExcessFinding, String> {
    let (all, excluded) = rows(e, |_| true);
    let national = estimate(&all, excluded, opts, 0, ctx).ok_or(
        "the excess-vote estimate is undefined: no stations with turnout and valid votes, or the winner has every vote",
    )?;
    let level = e.regions();
    let regions = if opts.regions && level.labels.len() > 1 {
        (0..level.labels.len())
            .filter_map(|r| {
                let (rs, ex) = rows(e, |i| level.codes[i] as usize == r);
                if rs.len() < opts.min_region_stations {
                    return None;
                }
                estimate(&rs, ex, opts, r as u64 + 1, ctx).map(|estimate| RegionExcess {
                    region: level.labels[r].clone(),
                    estimate,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let n = &national;
    let verdict = match (n.ci_low, n.ci_high) {
        (Some(lo), Some(hi)) if lo > 0.0 => format!(
            "{:.0} votes for the winner above the clean-peak line ({:.0}–{:.0}; {:.1} % of the winner's votes), with the clean peak at {:.0} % turnout.",
            n.estimate, lo, hi, 100.0 * n.excess_share_of_winner, 100.0 * n.peak_turnout
        ),
        (Some(lo), Some(hi)) if hi < 0.0 => format!(
            "No excess votes: the winner's share falls as turnout rises ({:.0}, interval {:.0} to {:.0}); the method's premise of a constant clean share does not hold here, and nothing points to votes added at high turnout (clean peak at {:.0} % turnout).",
            n.estimate, lo, hi, 100.0 * n.peak_turnout
        ),
        (Some(lo), Some(hi)) => format!(
            "No excess votes: the interval {:.0} to {:.0} includes zero (clean peak at {:.0} % turnout).",
            lo, hi, 100.0 * n.peak_turnout
        ),
        _ => format!(
            "{:.0} votes for the winner above the clean-peak line (no interval).",
            n.estimate
        ),
    };
    Ok(ExcessFinding {
        verdict,
        options: Recorded::new(&**opts, ctx),
        winner: e.contestants[e.winner].name.clone(),
        national,
        regions,
    })
}

/// Shpilkin-style excess votes as a family (see [`crate::methods::Family`]).
pub struct ExcessVotes;

impl Family for ExcessVotes {
    const NAME: &'static str = "excess_votes";
    type Options = ExcessOptions;
    type Finding = ExcessFinding;

    /// No bootstrap (the estimate and the regions' own lines stay).
    fn without_intervals(o: &ExcessOptions) -> ExcessOptions {
        ExcessOptions {
            bootstrap: 0,
            ..o.clone()
        }
    }

    fn check(options: &ExcessOptions) -> Result<(), OptionsError> {
        OptionsError::lift(Self::NAME, options.check())
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<ExcessOptions>,
        ctx: &Context,
    ) -> Result<ExcessFinding, Skip> {
        let e = inputs.station_table()?;
        e.electorate()?;
        analyse(e, options, ctx).map_err(Skip::from)
    }

    fn station_columns(inputs: &Inputs, finding: &ExcessFinding) -> Vec<StationColumn> {
        inputs.election().map_or_else(Vec::new, |e| {
            vec![StationColumn {
                name: "excess_votes".into(),
                values: ColumnValues::Float(per_station(e, finding)),
            }]
        })
    }
}

/// Per-station excess votes under the national estimate (winner − others ·
/// L*/(1 − L*) at stations at or above the peak, 0 below it; `None` where
/// undefined).
pub fn per_station(e: &Election, f: &ExcessFinding) -> Vec<Option<f64>> {
    per_station_under(e, f, |_| &f.national)
}

/// Per-station excess votes under the station's region's own estimate
/// (its own clean peak and share; the national one for regions without an
/// estimate of their own).
pub fn per_station_regional(e: &Election, f: &ExcessFinding) -> Vec<Option<f64>> {
    let level = e.regions();
    let own: Vec<Option<&ExcessEstimate>> = level
        .labels
        .iter()
        .map(|l| {
            f.regions
                .iter()
                .find(|r| &r.region == l)
                .map(|r| &r.estimate)
        })
        .collect();
    per_station_under(e, f, |i| {
        own[level.codes[i] as usize].unwrap_or(&f.national)
    })
}

fn per_station_under<'a>(
    e: &Election,
    f: &'a ExcessFinding,
    estimate: impl Fn(usize) -> &'a ExcessEstimate,
) -> Vec<Option<f64>> {
    let width = f.options.bin_width;
    (0..e.len())
        .map(|i| {
            let est = estimate(i);
            let l = est.clean_share;
            let ratio = l / (1.0 - l);
            let peak = bin(est.peak_turnout + 1e-12, width);
            Row::of(e, i).map(|r| {
                if bin(r.turnout, width) >= peak {
                    r.winner - r.others * ratio
                } else {
                    0.0
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_tables_reproduce_the_row_estimator() {
        // Turnouts on and around bin edges (0.53 is not exactly 53/100 in
        // binary), above 100 %, and a rising share: the tables must give
        // the row functions' peak and excess.
        let mut g = crate::rng::stream(3, 0, 0);
        use rand::Rng as _;
        let mut rows = Vec::new();
        for i in 0..3000 {
            let t = match i % 5 {
                0 => (30 + i % 60) as f64 / 100.0,
                1 => 1.02,
                _ => g.random_range(0.2..0.99),
            };
            rows.push(row(t, g.random_range(200.0..3000.0), 0.3 + 0.4 * t));
        }
        for width in [1.0, 0.5, 2.0] {
            let sb = StationBins::of(&rows, width);
            let mut t = BinTables::new(sb.bins);
            for (i, r) in rows.iter().enumerate() {
                t.add(r, &sb, i);
            }
            let peak = peak_bin(&rows, width).unwrap();
            assert_eq!(t.peak_bin(width), Some(peak), "width {width}");
            for k in [peak, 10, 40, sb.bins - 1] {
                let want = excess_at(&rows, width, k).map(|p| (p.excess, p.peak_turnout));
                let got = t.excess_at(width, k);
                match (want, got) {
                    (Some(a), Some(b)) => {
                        assert!(
                            (a.0 - b.0).abs() <= 1e-9 * a.0.abs().max(1.0),
                            "{a:?} {b:?}"
                        );
                        assert_eq!(a.1, b.1);
                    }
                    (a, b) => assert_eq!(a.is_none(), b.is_none(), "width {width} bin {k}"),
                }
            }
        }
    }

    fn row(t: f64, e: f64, share: f64) -> Row {
        let ballots = t * e;
        Row {
            turnout: t,
            electorate: e,
            ballots,
            winner: ballots * share,
            others: ballots * (1.0 - share),
        }
    }

    #[test]
    fn hand_computed_excess() {
        // Peak at 50 % (most ballots), clean share 0.5 below/at the peak;
        // one station at 80 % with share 0.75: expected winner = others = 200,
        // excess = 600 − 200 = 400; stuffing = 800 − 0.5·1000 = 300.
        let mut rows = vec![row(0.505, 1000.0, 0.5); 10];
        rows.push(row(0.305, 1000.0, 0.5));
        rows.push(row(0.80, 1000.0, 0.75));
        let p = excess_at(&rows, 1.0, 50).unwrap();
        assert!((p.clean_share - 0.5).abs() < 1e-12);
        let above_peak_clean: f64 = 10.0 * (505.0 * 0.5 - 505.0 * 0.5);
        assert!(
            (p.excess - (400.0 + above_peak_clean)).abs() < 1e-9,
            "{p:?}"
        );
        let stuffing = 10.0 * (505.0 - 500.0) + 300.0;
        assert!((p.stuffing - stuffing).abs() < 1e-9);
        assert_eq!(peak_bin(&rows, 1.0), Some(50));
    }

    /// The sloped line equals the constant one when the share does not
    /// change with turnout below the peak, and reads a clean linear
    /// gradient (support rising with turnout, no fraud) as no excess, where
    /// the constant line reads it as excess.
    #[test]
    fn sloped_line_follows_a_clean_gradient() {
        let width = 1.0;
        // Flat share below the peak; one stuffed station above.
        let mut flat: Vec<Row> = (0..60)
            .map(|k| row(0.30 + 0.004 * k as f64, 1000.0, 0.5))
            .collect();
        flat.extend(vec![row(0.505, 1000.0, 0.5); 40]);
        flat.push(row(0.80, 1000.0, 0.75));
        let peak = peak_bin(&flat, width).unwrap();
        let constant = excess_at(&flat, width, peak).unwrap().excess;
        let sloped = sloped_excess_at(&flat, width, peak).unwrap();
        assert!((sloped - constant).abs() < 1e-6, "{sloped} vs {constant}");
        assert!(constant > 300.0);
        // Share = 0.3 + 0.4·t at every station, 30 % to 90 % turnout, most
        // ballots at 50 %: clean, but rising with turnout.
        let share = |t: f64| 0.3 + 0.4 * t;
        let mut rows: Vec<Row> = (0..150)
            .map(|k| {
                let t = 0.30 + 0.004 * k as f64;
                row(t, 1000.0, share(t))
            })
            .collect();
        rows.extend((0..60).map(|_| row(0.505, 1000.0, share(0.505))));
        let peak = peak_bin(&rows, width).unwrap();
        let constant = excess_at(&rows, width, peak).unwrap().excess;
        let sloped = sloped_excess_at(&rows, width, peak).unwrap();
        assert!(constant > 1000.0, "{constant}");
        assert!(sloped.abs() < 1e-6 * constant, "{sloped}");
        // Too few stations below the peak: no slope.
        assert_eq!(sloped_excess_at(&rows[..20], width, 0), None);
    }
}
