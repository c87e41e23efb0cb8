//! Participation curves: national and regional cumulative participation,
//! the typical daily shape, and how far each station's curve lies from its
//! region's.
//!
//! - Cumulative participation at each report time sums the stations that
//!   reported at that time, as a count and as shares of those stations'
//!   electorate and final count; the close is the station table's final
//!   counts.
//! - The typical shape is the distribution over stations of the normalised
//!   curve `C(t)/F` (share of the station's final count reached by `t`):
//!   median and the 10/25/75/90 % quantiles, nationally and per region
//!   (regional medians).
//! - The shape score of a station is the largest robust z over report times
//!   of `logit(C(t)/F)` (empirical logit, `ln((C + ½)/(F − C + ½))`) against
//!   its region's median and scaled MAD at that time. It ranks stations whose
//!   day looks unlike their neighbours' (too early, too late, flat then
//!   jumping) for the list of most anomalous stations; it is a descriptive
//!   ranking, not a test, and carries no p-value.

use serde::Serialize;

use crate::io::hourly::Participation;
use crate::stats::bootstrap::quantile_sorted;
use crate::stats::MAD_TO_SD;
use crate::Election;

/// One point of a cumulative curve.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    pub time: String,
    pub stations_reporting: usize,
    pub voters: u64,
    /// Of the reporting stations' electorate (`null` without registered
    /// voters in the data).
    pub share_of_electorate: f64,
    /// Of the reporting stations' final count.
    pub share_of_final: f64,
}

/// The quantiles (type 7) of normalised curves at one report time (`null`
/// when no station with a final count reported then).
#[derive(Debug, Clone, Serialize)]
pub struct ShapePoint {
    pub time: String,
    pub stations: usize,
    pub q10: Option<f64>,
    pub q25: Option<f64>,
    pub median: Option<f64>,
    pub q75: Option<f64>,
    pub q90: Option<f64>,
}

impl ShapePoint {
    /// The quantiles of `sorted` shares.
    fn of(time: String, sorted: &[f64]) -> ShapePoint {
        let q = |x| (!sorted.is_empty()).then(|| quantile_sorted(sorted, x));
        ShapePoint {
            time,
            stations: sorted.len(),
            q10: q(0.1),
            q25: q(0.25),
            median: q(0.5),
            q75: q(0.75),
            q90: q(0.9),
        }
    }
}

/// A region's curve and median shape.
#[derive(Debug, Clone, Serialize)]
pub struct RegionCurve {
    pub region: String,
    pub stations: usize,
    pub points: Vec<CurvePoint>,
    /// The region's typical shape: quantiles of `C(t)/F` at each report time.
    pub shape: Vec<ShapePoint>,
}

/// The curves finding (`hourly.curves`).
#[derive(Debug, Clone, Serialize)]
pub struct Curves {
    pub national: Vec<CurvePoint>,
    pub typical_shape: Vec<ShapePoint>,
    pub regions: Vec<RegionCurve>,
    /// Per station, the shape score and the report time where it peaks.
    #[serde(skip)]
    pub shape_score: Vec<Option<(f64, usize)>>,
}

fn point(
    e: &Election,
    time: String,
    members: &[usize],
    at: impl Fn(usize) -> Option<u64>,
) -> CurvePoint {
    let (mut n, mut v, mut el, mut fin) = (0usize, 0u64, 0u64, 0u64);
    for &i in members {
        if let Some(c) = at(i) {
            n += 1;
            v = v.saturating_add(c);
            el = el.saturating_add(e.electorate.as_ref().map_or(0, |v| v[i]));
            fin = fin.saturating_add(e.ballots[i]);
        }
    }
    CurvePoint {
        time,
        stations_reporting: n,
        voters: v,
        share_of_electorate: if e.electorate.is_some() {
            v as f64 / el.max(1) as f64
        } else {
            f64::NAN
        },
        share_of_final: v as f64 / fin.max(1) as f64,
    }
}

/// `C(t)/F` of the given stations at report `t`, sorted (stations without a
/// report or with a zero final count left out).
fn normalised(
    e: &Election,
    p: &Participation,
    t: usize,
    stations: impl Iterator<Item = usize>,
) -> Vec<f64> {
    let mut v: Vec<f64> = stations
        .filter_map(|i| {
            let f = e.ballots[i];
            p.reports[t][i]
                .filter(|_| f > 0)
                .map(|c| c as f64 / f as f64)
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

fn logit_share(c: u64, f: u64) -> Option<f64> {
    (f > 0 && c <= f).then(|| ((c as f64 + 0.5) / ((f - c) as f64 + 0.5)).ln())
}

/// Builds the curves and the shape scores.
pub fn curves(e: &Election, p: &Participation) -> Curves {
    let n = e.stations.len();
    let region = &e.levels[0];
    let all: Vec<usize> = (0..n).collect();
    let mut national: Vec<CurvePoint> = (0..p.times.len())
        .map(|t| point(e, p.labels[t].clone(), &all, |i| p.reports[t][i]))
        .collect();
    national.push(point(e, "close".into(), &all, |i| Some(e.ballots[i])));
    let typical_shape = (0..p.times.len())
        .map(|t| ShapePoint::of(p.labels[t].clone(), &normalised(e, p, t, 0..n)))
        .collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); region.labels.len()];
    for i in 0..n {
        members[region.codes[i] as usize].push(i);
    }
    // Regional centre and scale of logit(C/F) at each time, for the shape score.
    let mut centre = vec![vec![None; p.times.len()]; members.len()];
    let mut regions = Vec::with_capacity(members.len());
    for (r, m) in members.iter().enumerate() {
        let mut pts: Vec<CurvePoint> = (0..p.times.len())
            .map(|t| point(e, p.labels[t].clone(), m, |i| p.reports[t][i]))
            .collect();
        pts.push(point(e, "close".into(), m, |i| Some(e.ballots[i])));
        let mut shape = Vec::with_capacity(p.times.len());
        for (t, slot) in centre[r].iter_mut().enumerate() {
            let shares = normalised(e, p, t, m.iter().copied());
            shape.push(ShapePoint::of(p.labels[t].clone(), &shares));
            let mut l: Vec<f64> = m
                .iter()
                .filter_map(|&i| p.reports[t][i].and_then(|c| logit_share(c, e.ballots[i])))
                .collect();
            if l.len() >= 10 {
                l.sort_by(f64::total_cmp);
                let med = quantile_sorted(&l, 0.5);
                let mut dev: Vec<f64> = l.iter().map(|x| (x - med).abs()).collect();
                dev.sort_by(f64::total_cmp);
                let s = MAD_TO_SD * quantile_sorted(&dev, 0.5);
                if s > 0.0 {
                    *slot = Some((med, s));
                }
            }
        }
        regions.push(RegionCurve {
            region: region.labels[r].clone(),
            stations: m.len(),
            points: pts,
            shape,
        });
    }
    let shape_score = (0..n)
        .map(|i| {
            let r = region.codes[i] as usize;
            (0..p.times.len())
                .filter_map(|t| {
                    let (med, s) = centre[r][t]?;
                    let l = logit_share(p.reports[t][i]?, e.ballots[i])?;
                    Some(((l - med) / s, t))
                })
                .max_by(|a, b| a.0.abs().total_cmp(&b.0.abs()))
        })
        .collect();
    Curves {
        national,
        typical_shape,
        regions,
        shape_score,
    }
}
