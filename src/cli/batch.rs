//! `escrutinio batch MANIFEST --out DIR [--jobs N] [--shard i/n]` and
//! `escrutinio atlas DIR... [--out DIR]`.
//!
//! `batch` analyses every election of a TOML manifest into `DIR/<label>/`
//! (resumable: complete and current elections are not redone), then writes
//! the atlas of `DIR` (not with `--shard`: run `atlas` on the combined
//! folder). Exit code 0 when every election is complete, 1 when some
//! failed (the others are still written), 2 on an unusable manifest.

use std::path::PathBuf;

use super::emit;

use escrutinio::batch::{self, Manifest, Outcome, Shard};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The manifest (TOML: [options] and [[election]] tables).
    pub manifest: PathBuf,
    /// Output folder (one folder per election, atlas.csv, atlas.parquet).
    #[arg(long, default_value = "out/batch")]
    pub out: PathBuf,
    /// Elections analysed at once (default 1: each analysis already uses
    /// every core).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Run one slice of the manifest: elections k with k mod n = i − 1.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<Shard>,
    /// Start an election only while the estimated memory of those running
    /// stays within this budget (e.g. 4G; estimates from input sizes).
    #[arg(long, value_name = "SIZE", value_parser = batch::parse_memory)]
    pub max_memory: Option<u64>,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let m = Manifest::from_file(&a.manifest)?;
    let outcomes = batch::run(&m, &a.out, a.jobs, a.shard, a.max_memory)?;
    let mut failed = 0;
    let mut out = String::new();
    for (label, o) in &outcomes {
        let line = match o {
            Outcome::Current => "complete and current (not redone)".to_string(),
            Outcome::Done => "analysed".to_string(),
            Outcome::Failed(e) => {
                failed += 1;
                format!("FAILED: {e}")
            }
        };
        out.push_str(&format!("{label}: {line}\n"));
    }
    if a.shard.is_none() {
        let folders = escrutinio::atlas::load(std::slice::from_ref(&a.out))?;
        let rows = escrutinio::atlas::write(&folders, &a.out)?;
        out.push_str(&format!(
            "atlas: {} rows in {}\n",
            rows.len(),
            a.out.join("atlas.csv").display()
        ));
    }
    emit(&out);
    Ok(if failed > 0 { 1 } else { 0 })
}

#[derive(Debug, clap::Args)]
pub struct AtlasArgs {
    /// Batch output folders (their completed elections are combined).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where atlas.csv and atlas.parquet are written (default: the first folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run_atlas(a: AtlasArgs) -> escrutinio::Result<i32> {
    let folders = escrutinio::atlas::load(&a.dirs)?;
    let out = a.out.unwrap_or_else(|| a.dirs[0].clone());
    let rows = escrutinio::atlas::write(&folders, &out)?;
    emit(&format!(
        "atlas: {} rows from {} elections in {}\n",
        rows.len(),
        folders.len(),
        out.join("atlas.csv").display()
    ));
    Ok(0)
}
