//! Every station-results set in ../shared/data loads through its schema file and
//! its national totals equal those stated in ../shared/data/README.md.

use crate::common;

use escrutinio::io::validate::ProblemKind;
use escrutinio::io::{load, load_with_schema, InvalidRows, Loaded, Schema};
use escrutinio::methods::summary::summarize;

fn load_set(rel: &str, schema: &str) -> Option<Loaded> {
    let path = common::shared(rel)?;
    Some(load(&path, Some(&common::schema(schema)), InvalidRows::Exclude).expect("loads"))
}

fn votes(l: &Loaded, column: &str) -> u64 {
    let e = l.election.as_ref().unwrap();
    e.contestants
        .iter()
        .find(|c| c.column == column)
        .unwrap_or_else(|| panic!("no contestant {column}"))
        .votes
        .iter()
        .sum()
}

struct Russia {
    year: &'static str,
    rows: usize,
    electorate: u64,
    boxes: u64,
    valid: Option<u64>,
    invalid: u64,
    leader: (&'static str, u64),
    second: (&'static str, u64),
}

const RUSSIA: [Russia; 8] = [
    Russia {
        year: "2004",
        rows: 95_779,
        electorate: 108_064_342,
        boxes: 69_504_278,
        valid: Some(68_925_431),
        invalid: 578_847,
        leader: ("Путин Владимир Владимирович", 49_563_020),
        second: ("Харитонов Николай Михайлович", 9_514_224),
    },
    Russia {
        year: "2007",
        rows: 96_193,
        electorate: 109_148_196,
        boxes: 69_537_065,
        valid: Some(68_777_136),
        invalid: 759_929,
        leader: (
            "10.Всероссийская политическая партия «ЕДИНАЯ РОССИЯ»",
            44_714_241,
        ),
        second: (
            "4.Политическая партия «Коммунистическая партия Российской Федерации»",
            8_046_886,
        ),
    },
    Russia {
        year: "2008",
        rows: 96_612,
        electorate: 107_222_016,
        boxes: 74_746_649,
        valid: Some(73_731_116),
        invalid: 1_015_533,
        leader: ("Медведев Дмитрий Анатольевич", 52_530_712),
        second: ("Зюганов Геннадий Андреевич", 13_243_550),
    },
    Russia {
        year: "2011",
        rows: 95_225,
        electorate: 109_229_337,
        boxes: 65_648_690,
        valid: Some(64_615_252),
        invalid: 1_033_438,
        leader: (
            "6. Всероссийская политическая партия \"ЕДИНАЯ РОССИЯ\"",
            32_371_737,
        ),
        second: (
            "4. Политическая партия \"Коммунистическая партия Российской Федерации\"",
            12_599_420,
        ),
    },
    Russia {
        year: "2012",
        rows: 95_415,
        electorate: 109_860_331,
        boxes: 71_701_665,
        valid: Some(70_864_974),
        invalid: 836_691,
        leader: ("Путин Владимир Владимирович", 45_602_075),
        second: ("Зюганов Геннадий Андреевич", 12_318_353),
    },
    Russia {
        year: "2018",
        rows: 97_699,
        electorate: 109_008_428,
        boxes: 73_578_992,
        valid: Some(72_787_734),
        invalid: 791_258,
        leader: ("Путин Владимир Владимирович", 56_430_712),
        second: ("Грудинин Павел Николаевич", 8_659_206),
    },
    Russia {
        year: "2020",
        rows: 96_765,
        electorate: 107_999_611,
        boxes: 73_024_006,
        valid: None,
        invalid: 604_950,
        leader: ("ДА", 57_071_119),
        second: ("НЕТ", 15_347_937),
    },
    Russia {
        year: "2024",
        rows: 94_214,
        electorate: 99_764_974,
        boxes: 75_157_438,
        valid: Some(73_980_307),
        invalid: 1_177_131,
        leader: ("Путин Владимир Владимирович", 65_246_672),
        second: ("Харитонов Николай Михайлович", 3_447_709),
    },
];

#[test]
fn russia_totals_match_the_readme() {
    for r in &RUSSIA {
        let Some(l) = load_set(
            &format!("russia/{}.csv.gz", r.year),
            &format!("russia-{}.toml", r.year),
        ) else {
            return;
        };
        let e = l.election().unwrap();
        let s = summarize(e);
        assert_eq!(l.quality.rows_read, r.rows, "{} rows", r.year);
        assert_eq!(s.electorate, Some(r.electorate), "{} electorate", r.year);
        assert_eq!(
            s.ballots_in_boxes,
            Some(r.boxes),
            "{} ballots in boxes",
            r.year
        );
        assert_eq!(s.valid, r.valid, "{} valid", r.year);
        assert_eq!(s.invalid, Some(r.invalid), "{} invalid", r.year);
        assert_eq!(votes(&l, r.leader.0), r.leader.1, "{} leader", r.year);
        assert_eq!(votes(&l, r.second.0), r.second.1, "{} second", r.year);
        // The leader is the winner, and the ranking agrees.
        assert_eq!(e.contestants[e.winner].column, r.leader.0);
        assert_eq!(s.contestants[0].column, r.leader.0);
        assert_eq!(s.contestants[1].column, r.second.0);
        // Every row is accounted for.
        let q = &l.quality;
        assert_eq!(
            q.rows_used + q.rows_excluded_invalid + q.rows_excluded_filtered,
            q.rows_read
        );
        assert_eq!(s.stations, q.rows_used);
        if r.year == "2024" {
            // Known defects (README): 2,268 rows with empty counts, 7 stations with zero electorate.
            assert_eq!(q.rows_excluded_invalid, 2_268);
            assert_eq!(q.excluded_rows.len(), 2_268);
            assert_eq!(q.rows_with(ProblemKind::MissingValue), 2_268);
            assert_eq!(q.rows_with(ProblemKind::ZeroElectorate), 7);
            assert_eq!(s.stations, 91_946);
        } else {
            assert_eq!(q.rows_excluded_invalid, 0, "{}", r.year);
        }
    }
}

#[test]
fn spain_totals_match_the_readme() {
    let Some(path) = common::shared("spain-2019/spain-congress-2019-11.csv.gz") else {
        return;
    };
    let schema_path = common::schema("spain-2019.toml");
    let l = load(&path, Some(&schema_path), InvalidRows::Exclude).unwrap();
    let s = summarize(l.election().unwrap());
    // Resident tables: the 52 CERA pseudo-tables are filtered by the schema, and counted.
    assert_eq!(l.quality.rows_read, 59_607);
    assert_eq!(l.quality.rows_excluded_filtered, 52);
    assert_eq!(l.quality.filters[0].rows, 52);
    assert_eq!(s.stations, 59_555);
    assert_eq!(s.electorate, Some(34_871_714));
    assert_eq!(s.ballots, 24_361_807);
    assert_eq!(s.winner, "PSOE");
    // All rows (filter removed): the README's national totals.
    let mut all = Schema::from_file(&schema_path).unwrap();
    all.filter.clear();
    let l = load_with_schema(&path, &all, InvalidRows::Exclude).unwrap();
    let s = summarize(l.election().unwrap());
    assert_eq!(s.stations, 59_607);
    assert_eq!(s.electorate, Some(37_002_468));
    assert_eq!(s.ballots, 24_507_715);
    assert_eq!(votes(&l, "PSOE_000094"), 6_792_199);
    assert_eq!(votes(&l, "PP_000083"), 5_047_040);
    assert_eq!(votes(&l, "VOX_000116"), 3_656_979);
    assert_eq!(l.quality.rows_excluded_invalid, 0);
}

#[test]
fn venezuela_2024_totals_match_the_readme() {
    let Some(l) = load_set("venezuela-2024/actas-v1.csv", "venezuela-2024.toml") else {
        return;
    };
    assert!(l.input.bom, "the file starts with a UTF-8 BOM");
    let s = summarize(l.election().unwrap());
    assert_eq!(s.stations, 24_532);
    assert_eq!(s.electorate, Some(17_745_239));
    assert_eq!(s.valid, Some(10_659_128));
    assert_eq!(s.invalid, Some(1_139));
    assert_eq!(
        s.ballots, 10_660_267,
        "the opposition's published voter count"
    );
    assert_eq!(votes(&l, "EG"), 7_156_462);
    assert_eq!(votes(&l, "NM"), 3_241_461);
    assert_eq!(s.winner, "Edmundo González");
}

#[test]
fn st_petersburg_totals_match_the_readme() {
    let Some(l) = load_set(
        "st-petersburg-2021/spb-2021-duma-party-list.csv",
        "st-petersburg-2021.toml",
    ) else {
        return;
    };
    let s = summarize(l.election().unwrap());
    assert_eq!(l.quality.rows_read, 2_053);
    // 10 of the 11 `empty` stations have no counts at all: invalid, excluded, listed.
    assert_eq!(l.quality.rows_excluded_invalid, 10);
    assert_eq!(s.stations, 2_043);
    assert_eq!(s.electorate, Some(3_931_555));
    assert_eq!(s.valid, Some(1_430_296));
    assert_eq!(s.invalid, Some(36_297));
    assert_eq!(votes(&l, "p5"), 513_120);
    assert_eq!(s.winner, "Единая Россия");
}
