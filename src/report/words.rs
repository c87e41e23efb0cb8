//! Wording shared by the text and HTML reports.

/// "1 issuing point per station", or, when the data give machines, "the
/// data's machines (N stations; else 1 issuing point)".
pub fn issuing_points(booths: u64, stations_with_machines: usize) -> String {
    let default = match booths {
        1 => "1 issuing point".to_string(),
        n => format!("{n} issuing points"),
    };
    if stations_with_machines > 0 {
        format!("the data's machines at {stations_with_machines} stations, else {default}")
    } else {
        format!("{default} per station")
    }
}
