//! Regenerates `data/reference/late_pace_ratios.csv`, the clean reference
//! of late-to-early pace ratios (`escrutinio::claim::pace_reference`), from
//! Spain's 2019 general election in `../shared/data/`:
//!
//! ```sh
//! cargo run --release --example late_pace_reference
//! ```

use std::path::PathBuf;

use escrutinio::claim::pace_reference;
use escrutinio::inputs::{InputFiles, Inputs};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let inputs = Inputs::load(&InputFiles {
        stations: Some(root.join("../shared/data/spain-2019/spain-congress-2019-11.csv.gz")),
        schema: Some(root.join("data/schemas/spain-2019.toml")),
        ..InputFiles::default()
    })?;
    let rows = pace_reference::ratios(
        &inputs,
        "spain-2019-11",
        &pace_reference::SPAIN_LOCAL_OFFSETS,
    )
    .ok_or("no participation reports")?;
    let out = root.join("data/reference/late_pace_ratios.csv");
    std::fs::write(&out, pace_reference::to_csv(&rows))?;
    let r = pace_reference::summarise(&rows);
    println!(
        "{}: {} scopes, national {:.3}, median {:.3}, max {:.3}",
        out.display(),
        r.scopes,
        r.national.unwrap_or(f64::NAN),
        r.median,
        r.max
    );
    Ok(())
}
