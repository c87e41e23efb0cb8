//! `escrutinio._native`: the Python extension over the escrutinio library.
//!
//! Thin on purpose: every function takes a command line in the CLI's own
//! vocabulary (parsed by `escrutinio::cli`, so options, defaults and checks
//! are those of `escrutinio analyze --help`), calls the library, and hands
//! back the report as the same JSON text `report.json` holds and the tables
//! as Arrow C streams (`__arrow_c_stream__`, the Arrow PyCapsule interface),
//! which polars and pyarrow import column by column without copying rows.
//! The Python package (`python/escrutinio/__init__.py`) turns kwargs into
//! the command line and wraps the results.

use polars::prelude::{CompatLevel, DataFrame, PolarsResult};
use polars_arrow::array::{Array, StructArray};
use polars_arrow::datatypes::{ArrowDataType, Field as ArrowField};
use polars_arrow::ffi::{export_iterator, ArrowArrayStream, ArrowArrayStreamReader};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use escrutinio::cli::Command;
use escrutinio::io::table::RawTable;
use escrutinio::Error;

create_exception!(
    _native,
    EscrutinioError,
    PyException,
    "Base class of every escrutinio error; the message is the command line's."
);
create_exception!(
    _native,
    InputError,
    EscrutinioError,
    "An input file (or table) cannot be used: unreadable, malformed, wrong encoding; names the file, row and column."
);
create_exception!(
    _native,
    SchemaError,
    InputError,
    "The schema file is malformed or does not fit the data."
);
create_exception!(
    _native,
    InvalidRowsError,
    InputError,
    "invalid_rows='fail' met an invalid row, or no valid row remains."
);
create_exception!(
    _native,
    OutputError,
    EscrutinioError,
    "An output could not be written."
);
create_exception!(
    _native,
    OptionsError,
    EscrutinioError,
    "An option is unknown or out of its domain (the command line's message)."
);

/// The Python exception of a library error, with the CLI's message.
fn py_err(e: Error) -> PyErr {
    let m = e.to_string();
    match e {
        Error::Io { .. } | Error::Input { .. } => InputError::new_err(m),
        Error::Schema { .. } => SchemaError::new_err(m),
        Error::InvalidRows { .. } => InvalidRowsError::new_err(m),
        Error::Output { .. } => OutputError::new_err(m),
        Error::Options(_) => OptionsError::new_err(m),
    }
}

fn polars_err(e: polars::prelude::PolarsError) -> PyErr {
    EscrutinioError::new_err(format!("table conversion: {e}"))
}

/// Parses `argv` (subcommand first) as the command line would.
fn parse(argv: Vec<String>) -> PyResult<Command> {
    escrutinio::cli::parse_command(argv)
        .map_err(|m| OptionsError::new_err(m.trim_end().to_string()))
}

/// Runs `f` without the GIL, on a pool of `threads` workers when given
/// (results do not depend on it).
fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> PyResult<T> + Send,
) -> PyResult<T> {
    match threads {
        None => py.detach(f),
        Some(0) => Err(OptionsError::new_err("threads must be at least 1")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| OptionsError::new_err(format!("threads={n}: {e}")))?;
            py.detach(|| pool.install(f))
        }
    }
}

/// A table exported through the Arrow C stream interface.
#[pyclass(module = "escrutinio._native", frozen)]
struct Table {
    df: DataFrame,
}

#[pymethods]
impl Table {
    /// The Arrow PyCapsule interface: a stream of record batches
    /// (`pl.DataFrame(table)`, `pyarrow.table(table)`). The requested schema
    /// is ignored, as the protocol allows.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let stream = export(&self.df).map_err(polars_err)?;
        PyCapsule::new(py, stream, Some(c"arrow_array_stream".to_owned()))
    }

    fn __len__(&self) -> usize {
        self.df.height()
    }

    /// Column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.df
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect()
    }
}

/// The frame's record batches as an Arrow C stream of struct arrays
/// (large strings: the oldest compatibility level, which every Arrow
/// consumer reads).
fn export(df: &DataFrame) -> PolarsResult<ArrowArrayStream> {
    let mut df = df.clone();
    df.rechunk_mut();
    let level = CompatLevel::oldest();
    let fields: Vec<ArrowField> = df
        .columns()
        .iter()
        .map(|c| c.field().to_arrow(level))
        .collect();
    let dtype = ArrowDataType::Struct(fields);
    let batches: Vec<PolarsResult<Box<dyn Array>>> = df
        .iter_chunks(level, false)
        .map(|batch| {
            let len = batch.len();
            let arrays = batch.into_arrays();
            Ok(Box::new(StructArray::new(dtype.clone(), len, arrays, None)) as Box<dyn Array>)
        })
        .collect();
    Ok(export_iterator(
        Box::new(batches.into_iter()),
        ArrowField::new("".into(), dtype, false),
    ))
}

/// Imports an object with `__arrow_c_stream__` (a polars or pandas data
/// frame, a pyarrow table) as a polars frame.
fn import(obj: &Bound<'_, PyAny>) -> PyResult<DataFrame> {
    let capsule = obj
        .getattr("__arrow_c_stream__")
        .map_err(|_| {
            OptionsError::new_err(
                "a table must be a path or support the Arrow PyCapsule interface \
                 (__arrow_c_stream__: polars, pandas >= 2.2, pyarrow)",
            )
        })?
        .call0()?;
    let capsule = capsule.cast_into::<PyCapsule>()?;
    let ptr = capsule
        .pointer_checked(Some(c"arrow_array_stream"))?
        .cast::<ArrowArrayStream>();
    // Take the stream out of the capsule: the capsule keeps a released
    // (empty) one, so that its destructor does nothing.
    let stream = unsafe { std::ptr::replace(ptr.as_ptr(), ArrowArrayStream::empty()) };
    let mut reader =
        unsafe { ArrowArrayStreamReader::try_new(Box::new(stream)) }.map_err(polars_err)?;
    let fields = match reader.field().dtype() {
        ArrowDataType::Struct(f) => f.clone(),
        other => {
            return Err(OptionsError::new_err(format!(
                "the Arrow stream holds {other:?}, not a table (struct) of columns"
            )))
        }
    };
    let mut chunks: Vec<Vec<Box<dyn Array>>> = vec![Vec::new(); fields.len()];
    let mut height = 0;
    while let Some(batch) = unsafe { reader.next() } {
        let batch = batch.map_err(polars_err)?;
        let s = batch
            .as_any()
            .downcast_ref::<StructArray>()
            .ok_or_else(|| OptionsError::new_err("an Arrow batch is not a struct array"))?;
        height += s.len();
        for (k, v) in s.values().iter().enumerate() {
            chunks[k].push(v.clone());
        }
    }
    let columns = fields
        .iter()
        .zip(chunks)
        .map(|(f, arrays)| {
            polars::prelude::Series::from_arrow_chunks(f.name.clone(), arrays).map(Into::into)
        })
        .collect::<PolarsResult<Vec<polars::prelude::Column>>>()
        .map_err(polars_err)?;
    DataFrame::new(height, columns).map_err(polars_err)
}

/// The station table given to a function: a path in `argv`, or a frame.
fn table(name: &str, frame: Option<&Bound<'_, PyAny>>) -> PyResult<Option<RawTable>> {
    match frame {
        None => Ok(None),
        Some(f) => {
            let df = import(f)?;
            RawTable::from_frame(name, df).map(Some).map_err(py_err)
        }
    }
}

/// `analyze`: returns (report.json text, text report, the verdict's text,
/// stations, regions or None, curves or None). `argv` is `["analyze", FILE, flags...]`; with a
/// frame, FILE is the name it goes by. Writes the output files only with
/// `write` (into `--out`).
#[pyfunction]
#[pyo3(signature = (argv, frame=None, write=false, threads=None))]
#[allow(clippy::type_complexity)]
fn analyze(
    py: Python<'_>,
    argv: Vec<String>,
    frame: Option<Bound<'_, PyAny>>,
    write: bool,
    threads: Option<usize>,
) -> PyResult<(String, String, String, Table, Option<Table>, Option<Table>)> {
    let Command::Analyze(args) = parse(argv)? else {
        return Err(OptionsError::new_err("argv must start with `analyze`"));
    };
    let max_memory = args.max_memory;
    let mut opts = args.options().map_err(py_err)?;
    if frame.is_none() {
        // As the CLI: stop before loading a file estimated not to fit.
        escrutinio::memory::check_files(&opts.files, max_memory).map_err(py_err)?;
    }
    let name = opts
        .files
        .stations
        .clone()
        .unwrap_or_default()
        .display()
        .to_string();
    let stations = table(&name, frame.as_ref())?;
    if stations.is_some() {
        opts.files.stations = None;
    }
    run(py, threads, move || {
        let (inputs, report) = escrutinio::analyze::compute(&opts, stations).map_err(py_err)?;
        if write {
            escrutinio::report::write_outputs(&inputs, &report, &opts.out_dir, opts.outputs)
                .map_err(py_err)?;
        }
        let election = inputs.require_election().map_err(py_err)?;
        use escrutinio::report::stations as tables;
        let stations =
            tables::station_frame(election, &report.station_columns).map_err(polars_err)?;
        let regions = if report.verdict.regions.is_empty() {
            None
        } else {
            Some(tables::regions_frame(&report.verdict.regions).map_err(polars_err)?)
        };
        let curves = match &report.findings.hourly {
            Some(h) => tables::curves_frame(election, h)
                .transpose()
                .map_err(polars_err)?,
            None => None,
        };
        Ok((
            report.to_json(),
            escrutinio::report::text::report(&report),
            escrutinio::report::text::verdict(&report.verdict),
            Table { df: stations },
            regions.map(|df| Table { df }),
            curves.map(|df| Table { df }),
        ))
    })
}

/// `load`: returns (input facts JSON, schema JSON, data-quality JSON,
/// validated stations, the `validate` text). `argv` is
/// `["validate", FILE, flags...]`.
#[pyfunction]
#[pyo3(signature = (argv, frame=None))]
fn load(
    py: Python<'_>,
    argv: Vec<String>,
    frame: Option<Bound<'_, PyAny>>,
) -> PyResult<(String, String, String, Option<Table>, String)> {
    let Command::Validate(args) = parse(argv)? else {
        return Err(OptionsError::new_err("argv must start with `validate`"));
    };
    let name = args.file.display().to_string();
    let stations = table(&name, frame.as_ref())?;
    run(py, None, move || {
        let schema = match &args.schema {
            Some(p) => escrutinio::io::Schema::from_file(p).map_err(py_err)?,
            None => escrutinio::io::Schema::standard(),
        };
        let policy = escrutinio::io::InvalidRows::Exclude;
        use escrutinio::io::load::{load_table, load_with_table};
        let (loaded, _) = match stations {
            Some(t) => load_table(t, &schema, policy),
            None => load_with_table(&args.file, &schema, policy),
        }
        .map_err(py_err)?;
        let stations = match &loaded.election {
            Some(e) => Some(Table {
                df: escrutinio::report::stations::station_frame(e, &[]).map_err(polars_err)?,
            }),
            None => None,
        };
        Ok((
            serde_json::to_string(&loaded.input).expect("serialises"),
            serde_json::to_string(&loaded.schema).expect("serialises"),
            serde_json::to_string(&loaded.quality).expect("serialises"),
            stations,
            escrutinio::report::text::data_quality(&name, &loaded.quality)
                + &escrutinio::report::text::schema_warnings(&loaded.schema.resolved.warnings),
        ))
    })
}

/// `simulate`: writes the election as `escrutinio simulate` does and returns
/// the path of its truth file. `argv` is
/// `["simulate", flags..., "--out", FILE]`.
#[pyfunction]
fn simulate(py: Python<'_>, argv: Vec<String>) -> PyResult<String> {
    let Command::Simulate(args) = parse(argv)? else {
        return Err(OptionsError::new_err("argv must start with `simulate`"));
    };
    run(py, None, move || {
        let sim = escrutinio::simulate::simulate(&args.params()).map_err(|m| {
            py_err(Error::Input {
                path: "simulate".into(),
                message: m,
            })
        })?;
        let truth_path = sim.write_files(&args.out).map_err(py_err)?;
        Ok(truth_path.display().to_string())
    })
}

/// `check`: returns (check.json text, the text answer, whether the claim
/// holds). `argv` is `["check", [FILE], --claim ..., flags...]`; writes
/// check.json/.html/_grid.svg only with `--out`.
#[pyfunction]
#[pyo3(signature = (argv, threads=None))]
fn check(
    py: Python<'_>,
    argv: Vec<String>,
    threads: Option<usize>,
) -> PyResult<(String, String, bool)> {
    let Command::Check(args) = parse(argv)? else {
        return Err(OptionsError::new_err("argv must start with `check`"));
    };
    run(py, threads, move || {
        let c = escrutinio::cli::check::evaluate(&args).map_err(py_err)?;
        if let Some(dir) = &args.out {
            escrutinio::cli::check::write_outputs(&c, dir).map_err(py_err)?;
        }
        let json = serde_json::to_string_pretty(&c).expect("check serialises");
        Ok((
            escrutinio::report::json::inline_scalar_arrays(&json),
            escrutinio::report::check::text(&c),
            c.holds,
        ))
    })
}

/// The report format's version (`schema_version` of report.json).
#[pyfunction]
fn schema_version() -> &'static str {
    escrutinio::SCHEMA_VERSION
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("EscrutinioError", py.get_type::<EscrutinioError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("SchemaError", py.get_type::<SchemaError>())?;
    m.add("InvalidRowsError", py.get_type::<InvalidRowsError>())?;
    m.add("OutputError", py.get_type::<OutputError>())?;
    m.add("OptionsError", py.get_type::<OptionsError>())?;
    m.add_class::<Table>()?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(schema_version, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
