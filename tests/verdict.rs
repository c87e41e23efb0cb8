//! The verdict (issue 16): no false accusation on clean elections with
//! regional structure, inflation found where it was injected and in the
//! Russian elections the literature documents, none in Spain 2019.

use crate::common;

use escrutinio::analyze::build_report;
use escrutinio::inputs::{InputFiles, Inputs};
use escrutinio::methods::registry::Plan;
use escrutinio::simulate::{simulate, SimParams};
use escrutinio::verdict::{Evidence, Verdict};

/// The report of `analyze` (every default family) on `files`.
fn report_of(files: &InputFiles) -> escrutinio::report::json::Report {
    let inputs = Inputs::load(files).expect("loads");
    let plan = Plan::default().check().expect("default options");
    build_report(&inputs, &plan, 1).expect("runs")
}

/// The verdict of `analyze` (every default family) on `files`.
fn verdict_of(files: &InputFiles) -> Verdict {
    report_of(files).verdict
}

/// The station file of simulation `p` rewritten by `edit` (its text in,
/// the new text out), in a temporary directory kept alive by the guard.
fn edited_simulation(
    p: &SimParams,
    edit: impl Fn(&str) -> String,
) -> (tempfile::TempDir, InputFiles) {
    let sim = simulate(p).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.csv");
    sim.write_files(&f).unwrap();
    let g = dir.path().join("edited.csv");
    std::fs::write(&g, edit(&std::fs::read_to_string(&f).unwrap())).unwrap();
    let files = InputFiles {
        stations: Some(g),
        ..InputFiles::default()
    };
    (dir, files)
}

/// A simulated election with strong regional structure: 40 regions whose
/// clean turnout and winner share spread with sd 0.08, a regional party in
/// about 30 % of them; fraud (if any) in about half of the regions.
fn regional(seed: u64, fraud: bool) -> SimParams {
    SimParams {
        stations: 20_000,
        seed,
        regions: 40,
        region_turnout_sd: 0.08,
        region_share_sd: 0.08,
        regional_party_regions: 0.3,
        fraud_incremental: if fraud { 0.1 } else { 0.0 },
        fraud_extreme: if fraud { 0.02 } else { 0.0 },
        theta: 0.4,
        fraud_regions: 0.5,
        ..SimParams::default()
    }
}

fn simulated_verdict(p: &SimParams) -> (Verdict, escrutinio::simulate::Simulation) {
    let sim = simulate(p).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.csv");
    sim.write_files(&f).unwrap();
    let v = verdict_of(&InputFiles {
        stations: Some(f),
        ..InputFiles::default()
    });
    (v, sim)
}

fn line(v: &Verdict) -> String {
    v.national
        .iter()
        .map(|n| {
            format!(
                "{} {:.0} [{:?}, {:?}] adequate {}",
                n.family, n.estimate, n.ci_low, n.ci_high, n.adequate
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Clean elections with two to four regions whose clean turnout and share
/// differ (sd 0.08 between regions), fraud-free. With the national
/// excess-vote line in the verdict (as it was below five regions), 2 of 5
/// such elections with three regions were called inflated (234,302 and
/// 423,593 winner votes above the line, intervals wholly above the
/// threshold); the regions' own lines now stand for the country from two
/// regions on.
#[test]
fn clean_elections_with_few_regions_are_not_accused() {
    let n = common::size(10u64, 2);
    let (mut accused, mut total) = (0, 0);
    for regions in 2..=4 {
        for seed in 1..=n {
            let p = SimParams {
                stations: 20_000,
                seed,
                regions,
                region_turnout_sd: 0.08,
                region_share_sd: 0.08,
                ..SimParams::default()
            };
            let (v, _) = simulated_verdict(&p);
            eprintln!(
                "{regions} regions, clean seed {seed}: {:?}: {}",
                v.evidence,
                line(&v)
            );
            accused += usize::from(v.evidence == Evidence::Inflation);
            total += 1;
        }
    }
    // Studies tier: at most 1 of 30 (a 95 % rate is 1.5); fast tier: none
    // of 6.
    assert!(
        accused <= common::size(1, 0),
        "{accused} of {total} accused"
    );
}

/// The same clean regional elections with their region column removed: a
/// national model cannot tell the hidden regions from fraud, so no
/// estimate is adequate and the verdict is inconclusive, saying why. (When
/// the national line was adequate without regions, it called seeds 4 and 5
/// inflated: 241,330 and 360,639 winner votes, 2.0 % and 3.0 % of the
/// ballots.)
#[test]
fn without_regions_the_national_models_do_not_accuse() {
    use escrutinio::verdict::NO_REGIONS;
    let without_regions = |text: &str| -> String {
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let col = header
            .iter()
            .position(|h| *h == "region")
            .expect("a region column");
        text.lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells.remove(col);
                cells.join(",") + "\n"
            })
            .collect()
    };
    for seed in [4, 5] {
        let (_dir, files) = edited_simulation(&regional(seed, false), without_regions);
        let v = verdict_of(&files);
        eprintln!(
            "seed {seed} without regions: {:?}: {}",
            v.evidence,
            line(&v)
        );
        assert_eq!(v.evidence, Evidence::Inconclusive, "{}", v.summary);
        assert!(v.summary.contains("they name no regions"), "{}", v.summary);
        for family in ["fingerprint.klimek", "excess_votes"] {
            let n = v
                .national
                .iter()
                .find(|n| n.family == family)
                .expect(family);
            assert!(!n.adequate, "{family}");
            if family == "excess_votes" {
                assert_eq!(n.reason.as_deref(), Some(NO_REGIONS));
            }
        }
    }
}

/// `text` (a simulated station file) with the winner's share moved by
/// `beta`·(turnout − the region's turnout) at every station, the other
/// contestants scaled to keep the valid votes: support that rises with
/// turnout within regions (urban versus rural), without fraud.
fn with_turnout_gradient(text: &str, beta: f64) -> String {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (region, electorate, ballots, valid, winner) = (
        col("region"),
        col("electorate"),
        col("ballots"),
        col("valid"),
        col("winner"),
    );
    let parties: Vec<usize> = (winner + 1..header.len()).collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let num = |r: &Vec<String>, c: usize| r[c].parse::<f64>().unwrap();
    let mut by_region = std::collections::HashMap::<String, (f64, f64)>::new();
    for r in &rows {
        let e = by_region.entry(r[region].clone()).or_default();
        e.0 += num(r, ballots);
        e.1 += num(r, electorate);
    }
    let mut out = header.join(",") + "\n";
    for mut r in rows {
        let (v, w) = (num(&r, valid), num(&r, winner));
        if v > 0.0 {
            let (b, e) = by_region[&r[region]];
            let t = num(&r, ballots) / num(&r, electorate);
            let share = (w / v + beta * (t - b / e)).clamp(0.01, 0.99);
            let w2 = (share * v).round();
            let others: f64 = parties.iter().map(|&c| num(&r, c)).sum();
            let mut left = v - w2;
            for (k, &c) in parties.iter().enumerate() {
                let x = if k + 1 == parties.len() {
                    left
                } else if others > 0.0 {
                    (num(&r, c) * (v - w2) / others).floor()
                } else {
                    0.0
                };
                left -= x;
                r[c] = format!("{x}");
            }
            r[winner] = format!("{w2}");
        }
        out += &(r.join(",") + "\n");
    }
    out
}

/// Clean regional elections whose winner gains 1 or 2 share points per 10
/// points of turnout within every region (urban versus rural support, no
/// fraud). The constant clean-share line reads the gradient as excess —
/// the verdict calls these elections inflated (a limitation documented in
/// docs/methods.md: the premise check's ±5 points let a gradient of 1–3
/// points through) — while the sloped line (`sloped_estimate`) does not.
/// It is not used by the verdict: on Russia 2011 the regions' sloped lines
/// sum to −9.6 million, the below-peak gradient explaining all the excess,
/// so this method alone cannot tell a clean gradient from fraud that rises
/// with turnout.
#[test]
fn a_clean_turnout_gradient_is_excess_for_the_constant_line_only() {
    let n = common::size(6u64, 1);
    for seed in 1..=n {
        for beta in [0.1, 0.2] {
            let (_dir, files) = edited_simulation(&regional(seed, false), |text| {
                with_turnout_gradient(text, beta)
            });
            let report = report_of(&files);
            let x = report.findings.excess_votes.as_ref().expect("excess votes");
            let ballots = report.verdict.ballots as f64;
            let constant: f64 = x.regions.iter().map(|r| r.estimate.estimate).sum();
            let sloped: f64 = x
                .regions
                .iter()
                .map(|r| r.estimate.sloped_estimate.expect("a slope"))
                .sum();
            eprintln!(
                "seed {seed}, gradient {beta}: constant {constant:.0} ({:.2} % of the ballots), sloped {sloped:.0}; verdict {:?}",
                100.0 * constant / ballots,
                report.verdict.evidence
            );
            assert!(constant > 0.01 * ballots, "{constant}");
            assert!(sloped < 0.005 * ballots, "{sloped}");
        }
    }
}

#[test]
fn clean_regional_elections_are_not_accused() {
    // Studies tier: 40 clean elections, at least 38 (95 %) without
    // evidence; fast tier: 4, at least 3. (The national excess-vote line
    // alone called 2 of the first 6 such elections inflated, by 1.6 % and
    // 2.5 % of the ballots.)
    let n = common::size(40u64, 4);
    let mut clean = 0;
    for seed in 1..=n {
        let (v, _) = simulated_verdict(&regional(seed, false));
        eprintln!("clean seed {seed}: {:?}: {}", v.evidence, line(&v));
        clean += usize::from(v.evidence != Evidence::Inflation);
    }
    eprintln!("clean regional elections without evidence: {clean}/{n}");
    assert!(clean as u64 >= common::size(38, 3), "{clean}/{n}");
}

#[test]
fn injected_fraud_is_found_and_sized() {
    // Fraud at 10 % incremental (θ 0.4) and 2 % extreme stations in about
    // half of the regions: inflation is found, and the regions' excess-vote
    // sum lies within 35 % of its estimand (stuffed ballots plus stolen
    // votes, which count 1 + L*/(1 − L*) in this estimand; L* ≈ 0.5 here, so
    // 2 each).
    for seed in common::size(&[101u64, 102, 103, 104, 105][..], &[101][..]) {
        let (v, sim) = simulated_verdict(&regional(*seed, true));
        let t = sim.truth().totals;
        let estimand = t.stuffed as f64 + 2.0 * t.stolen as f64;
        let within = v
            .national
            .iter()
            .find(|n| n.family == "excess_votes.regions")
            .expect("regional estimates");
        eprintln!(
            "fraud seed {seed}: {:?}; stuffed {} stolen {} estimand {estimand}: {}",
            v.evidence,
            t.stuffed,
            t.stolen,
            line(&v)
        );
        assert_eq!(v.evidence, Evidence::Inflation);
        // The paragraph says the figure counts votes, not ballots (stolen
        // votes count about twice here).
        assert!(
            v.summary.contains("These are votes, not ballots"),
            "{}",
            v.summary
        );
        assert!(
            (within.estimate / estimand - 1.0).abs() < 0.35,
            "{} vs {estimand}",
            within.estimate
        );
    }
}

#[test]
fn spain_2019_shows_no_evidence() {
    let Some(path) = common::shared("spain-2019/spain-congress-2019-11.csv.gz") else {
        return;
    };
    let v = verdict_of(&InputFiles {
        stations: Some(path),
        schema: Some(common::schema("spain-2019.toml")),
        ..InputFiles::default()
    });
    eprintln!("Spain 2019: {:?}: {}", v.evidence, line(&v));
    assert_eq!(v.evidence, Evidence::NoEvidence, "{}", v.summary);
    assert!(!v.summary.contains("not ballots"), "{}", v.summary);
}

#[test]
fn russia_shows_inflation_in_the_regions_the_literature_names() {
    // The North Caucasus republics and the regions Kobak, Shpilkin &
    // Pshenichnikov (2016) and others single out.
    const NAMED: [&str; 10] = [
        "Чеченская",
        "Дагестан",
        "Ингушетия",
        "Кабардино-Балкарская",
        "Карачаево-Черкесская",
        "Татарстан",
        "Башкортостан",
        "Мордовия",
        "Тыва",
        "Кемеровская",
    ];
    for year in ["2011", "2012", "2018"] {
        let Some(path) = common::shared(&format!("russia/{year}.csv.gz")) else {
            return;
        };
        let v = verdict_of(&InputFiles {
            stations: Some(path),
            schema: Some(common::schema(&format!("russia-{year}.toml"))),
            ..InputFiles::default()
        });
        let named = v
            .top_regions
            .iter()
            .filter(|r| NAMED.iter().any(|n| r.region.contains(n)))
            .count();
        let top: Vec<&str> = v.top_regions.iter().map(|r| r.region.as_str()).collect();
        eprintln!(
            "Russia {year}: {:?}: {}; top regions {top:?} ({named} named)",
            v.evidence,
            line(&v)
        );
        assert_eq!(v.evidence, Evidence::Inflation, "{year}");
        assert!(named >= 5, "{year}: {named} of the top 10 named: {top:?}");
    }
}

#[test]
fn regions_table_has_the_documented_columns_and_ranks() {
    let sim = simulate(&regional(7, true)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.csv");
    sim.write_files(&f).unwrap();
    let out = dir.path().join("out");
    let opts = escrutinio::analyze::AnalyzeOptions {
        files: InputFiles {
            stations: Some(f),
            ..InputFiles::default()
        },
        out_dir: out.clone(),
        seed: 1,
        plan: Plan::default(),
        outputs: escrutinio::report::Outputs {
            plots: false,
            ..Default::default()
        },
        calibration: None,
    };
    let (_, report) = escrutinio::analyze::analyze(&opts).unwrap();
    let text = std::fs::read_to_string(out.join("regions.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "level,region,stations,electorate,ballots,inflated_ballots,inflated_low,inflated_high,inflated_per_voter,inflated_share,rank"
    );
    assert_eq!(lines.count(), report.verdict.regions.len());
    assert!(out.join("regions.parquet").exists());
    // Ranks are a permutation within the level, ordered by inflated
    // ballots per voter (the simulation has one level).
    let mut rows = report.verdict.regions.clone();
    assert!(rows.iter().all(|r| r.level == "region"));
    rows.sort_by_key(|r| r.rank);
    assert!(rows.iter().enumerate().all(|(k, r)| r.rank == k + 1));
    assert!(rows
        .windows(2)
        .all(|w| w[0].inflated_per_voter >= w[1].inflated_per_voter));
    assert_eq!(report.verdict.top_regions.len(), 10.min(rows.len()));
    // The JSON opens with the verdict after the version and the tool.
    let json = report.to_json();
    let v = json.find("\"verdict\"").unwrap();
    assert!(v < json.find("\"input\"").unwrap());
}

#[test]
fn within_region_premise_check_ignores_differences_between_regions() {
    // Clean regional simulations have no slope of share on turnout inside
    // a region: the within-region drift is small (under 1 point) whatever
    // the national one.
    for seed in [1u64, 4] {
        let sim = simulate(&regional(seed, false)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("e.csv");
        sim.write_files(&f).unwrap();
        let inputs = Inputs::load(&InputFiles {
            stations: Some(f),
            ..InputFiles::default()
        })
        .unwrap();
        let plan = Plan::default().check().unwrap();
        let report = build_report(&inputs, &plan, 1).unwrap();
        let e = inputs.election().unwrap();
        let x = report.findings.excess_votes.as_ref().unwrap();
        let within = escrutinio::verdict::within_region_drift(e, x).unwrap();
        let national = escrutinio::verdict::clean_share_drift(e, x.national.peak_turnout).unwrap();
        eprintln!("seed {seed}: drift within regions {within:+.2}, national {national:+.2} points");
        assert!(within.abs() < 1.0, "{within}");
    }
}

#[test]
fn finer_levels_decompose_their_regions() {
    // Russia 2011 names territorial commissions (`tik`) under its regions:
    // their rows sum to the regions' total, and each level is ranked on
    // its own.
    let Some(path) = common::shared("russia/2011.csv.gz") else {
        return;
    };
    let v = verdict_of(&InputFiles {
        stations: Some(path),
        schema: Some(common::schema("russia-2011.toml")),
        ..InputFiles::default()
    });
    let total = |level: &str| -> f64 {
        v.regions
            .iter()
            .filter(|r| r.level == level)
            .map(|r| r.inflated_ballots)
            .sum()
    };
    let (regions, tiks) = (total("region"), total("tik"));
    eprintln!("Russia 2011: regions {regions:.0}, territorial commissions {tiks:.0}");
    assert!((regions - tiks).abs() < 1e-6 * regions.abs().max(1.0));
    for level in ["region", "tik"] {
        let mut ranks: Vec<usize> = v
            .regions
            .iter()
            .filter(|r| r.level == level)
            .map(|r| r.rank)
            .collect();
        ranks.sort_unstable();
        assert!(
            ranks.iter().enumerate().all(|(k, &r)| r == k + 1),
            "{level}"
        );
    }
    assert!(v
        .regions
        .iter()
        .filter(|r| r.level == "tik" && r.stations >= 2)
        .all(|r| r.inflated_low.is_some() && r.inflated_high.is_some()));
    // No interval passes what a unit could hold: votes above the line are
    // at most the unit's ballots.
    for r in &v.regions {
        if let Some(hi) = r.inflated_high {
            assert!(
                hi <= r.ballots as f64,
                "{} {}: {hi} > {}",
                r.level,
                r.region,
                r.ballots
            );
        }
    }
}
