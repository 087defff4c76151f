//! Numeric CSV files as a [`Dataset`]: one sample per row, chosen columns as targets.

use std::path::{Path, PathBuf};

use csv::{ReaderBuilder, StringRecord, Trim};

use super::transform::check_classes;
use super::{DataError, Dataset};

/// How to read a CSV file: which row and columns mean what. Columns count from 0.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CsvOptions {
    /// Whether the first row holds column names (and is skipped).
    pub has_header: bool,
    /// The byte between fields; `b','` unless told otherwise.
    pub delimiter: u8,
    /// Which column(s) hold the targets; all others are inputs, in file order.
    pub target: CsvTarget,
}

/// Which column(s) of a CSV file hold the targets.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsvTarget {
    /// One column. With `classes: Some(k)` it holds integer class labels in `0..k`, one-hot
    /// encoded into `k` targets; with `None` its numbers are used as they are (regression).
    Column {
        /// The column (0-based).
        index: usize,
        /// Number of classes, for a classification target.
        classes: Option<usize>,
    },
    /// Several columns of numbers used as they are (regression with several outputs), in the
    /// order given; a column listed twice is used once.
    Columns(Vec<usize>),
}

impl CsvOptions {
    /// Column `index` holds class labels in `0..classes`; no header row, comma-separated.
    pub fn classes(index: usize, classes: usize) -> CsvOptions {
        CsvOptions::new(CsvTarget::Column {
            index,
            classes: Some(classes),
        })
    }

    /// Column `index` holds a number to predict; no header row, comma-separated.
    pub fn regression(index: usize) -> CsvOptions {
        CsvOptions::new(CsvTarget::Column {
            index,
            classes: None,
        })
    }

    /// The given targets; no header row, comma-separated.
    pub fn new(target: CsvTarget) -> CsvOptions {
        CsvOptions {
            has_header: false,
            delimiter: b',',
            target,
        }
    }

    /// The same options, with or without a header row.
    pub fn with_header(mut self, has_header: bool) -> CsvOptions {
        self.has_header = has_header;
        self
    }

    /// The same options, with another field delimiter (for instance `b';'` or `b'\t'`).
    pub fn with_delimiter(mut self, delimiter: u8) -> CsvOptions {
        self.delimiter = delimiter;
        self
    }
}

impl Dataset {
    /// Reads a CSV file of numbers: every row a sample, the target column(s) chosen by
    /// `options`, every other column an input. Cells may be padded with spaces.
    ///
    /// Fails, naming the line and column, on a cell that is not a finite number (or, in a
    /// class column, not a label in `0..classes`; a long cell is quoted by its first 40
    /// characters and its length), on a quoted cell whose closing quote is missing (it would
    /// run over a line break), on a row with a different number of fields than the first, and
    /// on a file without data rows. A class count of 0 or above
    /// [`MAX_CLASSES`](super::MAX_CLASSES) fails before the file is opened.
    pub fn from_csv(path: impl AsRef<Path>, options: CsvOptions) -> Result<Dataset, DataError> {
        let path = path.as_ref();
        if let CsvTarget::Column {
            classes: Some(classes),
            ..
        } = options.target
        {
            check_classes(classes)?;
        }
        let csv_error = |err: csv::Error| csv_to_data_error(path, err);
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            // Cells are trimmed when read (`Cell::text`), so that a line break a missing
            // closing quote swallowed is still there to be found.
            .trim(Trim::None)
            .delimiter(options.delimiter)
            .from_path(path)
            .map_err(csv_error)?;
        let mut records = reader.records();
        // The first row, header or data, fixes the width every other row must have.
        let mut layout: Option<Layout> = None;
        if options.has_header {
            if let Some(header) = records.next().transpose().map_err(csv_error)? {
                check_line_breaks(path, &header)?;
                layout = Some(Layout::new(path, &options.target, header.len())?);
            }
        }
        let mut rows = 0;
        let mut inputs = Vec::new();
        let mut targets = Vec::new();
        for record in records {
            let record = record.map_err(csv_error)?;
            rows += 1;
            let line = record.position().map_or(0, |p| p.line());
            check_line_breaks(path, &record)?;
            let layout = match &mut layout {
                Some(layout) => layout,
                None => layout.insert(Layout::new(path, &options.target, record.len())?),
            };
            if record.len() != layout.width {
                return Err(DataError::CsvRagged {
                    path: path.to_owned(),
                    line,
                    expected: layout.width,
                    found: record.len(),
                });
            }
            let cell = Cell {
                path,
                line,
                record: &record,
            };
            for &column in &layout.inputs {
                inputs.push(cell.number(column)?);
            }
            match layout.classes {
                Some(classes) => {
                    let label = cell.class(layout.targets[0], classes)?;
                    targets
                        .try_reserve(classes)
                        .map_err(|_| DataError::TooLarge {
                            what: "one-hot targets",
                            rows,
                            row_len: classes,
                        })?;
                    targets.extend((0..classes).map(|c| if c == label { 1.0 } else { 0.0 }));
                }
                None => {
                    for &column in &layout.targets {
                        targets.push(cell.number(column)?);
                    }
                }
            }
        }
        let layout = match layout {
            Some(layout) if rows > 0 => layout,
            _ => {
                return Err(DataError::EmptyDataset {
                    path: path.to_owned(),
                })
            }
        };
        let target_len = layout.classes.unwrap_or(layout.targets.len());
        Dataset::new(inputs, targets, layout.inputs.len(), target_len)
    }
}

/// Which columns are inputs and which targets, fixed by the first data row.
struct Layout {
    width: usize,
    inputs: Vec<usize>,
    targets: Vec<usize>,
    classes: Option<usize>,
}

impl Layout {
    fn new(path: &Path, target: &CsvTarget, width: usize) -> Result<Layout, DataError> {
        let (mut targets, classes) = match target {
            CsvTarget::Column { index, classes } => (vec![*index], *classes),
            CsvTarget::Columns(indices) => (indices.clone(), None),
        };
        if let Some(classes) = classes {
            check_classes(classes)?;
        }
        let mut seen = vec![false; width];
        targets.retain(|&column| column >= width || !std::mem::replace(&mut seen[column], true));
        if let Some(&column) = targets.iter().find(|&&column| column >= width) {
            return Err(DataError::CsvNoSuchColumn {
                path: path.to_owned(),
                column,
                columns: width,
            });
        }
        let inputs: Vec<usize> = (0..width).filter(|&column| !seen[column]).collect();
        if inputs.is_empty() {
            return Err(DataError::CsvNoInputColumns {
                path: path.to_owned(),
                columns: width,
            });
        }
        Ok(Layout {
            width,
            inputs,
            targets,
            classes,
        })
    }
}

/// One row of a CSV file, to read cells from with errors that say where they are.
struct Cell<'a> {
    path: &'a Path,
    line: u64,
    record: &'a StringRecord,
}

impl Cell<'_> {
    fn text(&self, column: usize) -> &str {
        self.record.get(column).unwrap_or("").trim()
    }

    /// The finite number in `column`.
    fn number(&self, column: usize) -> Result<f32, DataError> {
        let text = self.text(column);
        match text.parse::<f32>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(DataError::CsvNotANumber {
                path: self.path.to_owned(),
                line: self.line,
                column,
                cell: preview(text),
                cell_bytes: text.len(),
            }),
        }
    }

    /// The class label in `column`: an integer in `0..classes`, written `3` or `3.0`.
    fn class(&self, column: usize, classes: usize) -> Result<usize, DataError> {
        let text = self.text(column);
        let label = text.parse::<usize>().ok().or_else(|| {
            let x = text.parse::<f64>().ok()?;
            (x >= 0.0 && x.fract() == 0.0 && x < classes as f64).then_some(x as usize)
        });
        match label {
            Some(label) if label < classes => Ok(label),
            _ => Err(DataError::CsvBadClass {
                path: self.path.to_owned(),
                line: self.line,
                column,
                cell: preview(text),
                cell_bytes: text.len(),
                classes,
            }),
        }
    }
}

/// Characters of a bad cell that an error message quotes.
const PREVIEW_CHARS: usize = 40;

/// The first [`PREVIEW_CHARS`] characters of `text`: an error quotes no more of a cell, which
/// may be megabytes long.
fn preview(text: &str) -> String {
    text.chars().take(PREVIEW_CHARS).collect()
}

/// Fails on a cell holding a line break. No number contains one, so such a cell is a quoted
/// one whose closing quote is missing: the parser ran on to the next quote, or to the end of
/// the file, and left the row short of fields.
fn check_line_breaks(path: &Path, record: &StringRecord) -> Result<(), DataError> {
    match record.iter().position(|cell| cell.contains(['\n', '\r'])) {
        Some(column) => Err(DataError::CsvUnclosedQuote {
            path: path.to_owned(),
            line: record.position().map_or(0, |p| p.line()),
            column,
        }),
        None => Ok(()),
    }
}

/// An error of the `csv` crate as a [`DataError`] about `path`.
fn csv_to_data_error(path: &Path, err: csv::Error) -> DataError {
    let line = err.position().map(|p| p.line());
    let message = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io {
            path: PathBuf::from(path),
            source,
        },
        _ => DataError::CsvParse {
            path: PathBuf::from(path),
            line,
            message,
        },
    }
}
