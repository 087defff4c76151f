//! Numeric CSV files as a [`Dataset`]: one sample per row, chosen columns as targets.

use std::path::{Path, PathBuf};

use csv::{ReaderBuilder, StringRecord, Trim};

use super::csv_options::{CsvColumn, CsvData, CsvOptions, CsvTarget};
use super::transform::check_classes;
use super::{DataError, Dataset};

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
        Ok(Dataset::read_csv(path, options)?.dataset)
    }

    /// [`Dataset::from_csv`], keeping what the file names: its header row and, for
    /// [`CsvTarget::TextLabels`], the class names.
    ///
    /// # Errors
    /// Those of [`Dataset::from_csv`], and [`DataError::CsvNoSuchColumnName`] for a target
    /// named but not in the header (or without one).
    pub fn read_csv(path: impl AsRef<Path>, options: CsvOptions) -> Result<CsvData, DataError> {
        let path = path.as_ref();
        if let CsvTarget::Column {
            classes: Some(classes),
            ..
        }
        | CsvTarget::Named {
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
        let first = records.next().transpose().map_err(csv_error)?;
        if let Some(first) = &first {
            check_line_breaks(path, first)?;
        }
        let header = match &first {
            Some(first) if is_header(first, &options) => Some(
                first
                    .iter()
                    .map(|cell| cell.trim().to_string())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        let target = resolve(path, &options.target, header.as_deref())?;
        // The first row, header or data, fixes the width every other row must have.
        let mut layout: Option<Layout> = match (&header, &first) {
            (Some(_), Some(first)) => Some(Layout::new(path, &target, first.len())?),
            _ => None,
        };
        let data_rows = first
            .filter(|_| header.is_none())
            .map(Ok)
            .into_iter()
            .chain(records);
        let mut rows = 0;
        let mut inputs = Vec::new();
        let mut targets = Vec::new();
        let mut label_texts = Vec::new();
        for record in data_rows {
            let record = record.map_err(csv_error)?;
            rows += 1;
            let line = record.position().map_or(0, |p| p.line());
            check_line_breaks(path, &record)?;
            let layout = match &mut layout {
                Some(layout) => layout,
                None => layout.insert(Layout::new(path, &target, record.len())?),
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
                _ if layout.text_labels => {
                    label_texts.push(cell.text(layout.targets[0]).to_string());
                }
                Some(classes) => {
                    let label = cell.class(layout.targets[0], classes)?;
                    push_one_hot(&mut targets, label, classes, rows)?;
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
        let (target_len, class_names) = if layout.text_labels {
            let mut names = label_texts.clone();
            names.sort_unstable();
            names.dedup();
            check_classes(names.len())?;
            for (row, text) in label_texts.iter().enumerate() {
                let label = names.binary_search(text).unwrap_or(0);
                push_one_hot(&mut targets, label, names.len(), row + 1)?;
            }
            (names.len(), Some(names))
        } else {
            (layout.classes.unwrap_or(layout.targets.len()), None)
        };
        let dataset = Dataset::new(inputs, targets, layout.inputs.len(), target_len)?;
        Ok(CsvData {
            dataset,
            header,
            class_names,
        })
    }
}

/// Appends the one-hot row of `label` among `classes`, or fails if memory runs out.
fn push_one_hot(
    targets: &mut Vec<f32>,
    label: usize,
    classes: usize,
    rows: usize,
) -> Result<(), DataError> {
    targets
        .try_reserve(classes)
        .map_err(|_| DataError::TooLarge {
            what: "one-hot targets",
            rows,
            row_len: classes,
        })?;
    targets.extend((0..classes).map(|c| if c == label { 1.0 } else { 0.0 }));
    Ok(())
}

/// Whether the first row is a header: declared, or detected as a row with a cell that is
/// not a number (a text-label column by index aside, whose cells never are).
fn is_header(first: &StringRecord, options: &CsvOptions) -> bool {
    if options.has_header {
        return true;
    }
    if !options.detect_header {
        return false;
    }
    let label_column = match &options.target {
        CsvTarget::TextLabels(CsvColumn::Index(column)) => Some(*column),
        _ => None,
    };
    first
        .iter()
        .enumerate()
        .filter(|&(column, _)| Some(column) != label_column)
        .any(|(_, cell)| cell.trim().parse::<f32>().is_err())
}

/// The target with names looked up in `header`.
fn resolve(
    path: &Path,
    target: &CsvTarget,
    header: Option<&[String]>,
) -> Result<CsvTarget, DataError> {
    let index_of = |name: &str| {
        let header = header.unwrap_or(&[]);
        header
            .iter()
            .position(|column| column == name)
            .ok_or_else(|| DataError::CsvNoSuchColumnName {
                path: path.to_owned(),
                name: name.to_string(),
                header: header.to_vec(),
            })
    };
    Ok(match target {
        CsvTarget::Named { name, classes } => CsvTarget::Column {
            index: index_of(name)?,
            classes: *classes,
        },
        CsvTarget::TextLabels(CsvColumn::Name(name)) => {
            CsvTarget::TextLabels(CsvColumn::Index(index_of(name)?))
        }
        other => other.clone(),
    })
}

/// Which columns are inputs and which targets, fixed by the first data row.
struct Layout {
    width: usize,
    inputs: Vec<usize>,
    targets: Vec<usize>,
    classes: Option<usize>,
    /// Whether the one target column holds class names.
    text_labels: bool,
}

impl Layout {
    fn new(path: &Path, target: &CsvTarget, width: usize) -> Result<Layout, DataError> {
        let (mut targets, classes, text_labels) = match target {
            CsvTarget::Column { index, classes } => (vec![*index], *classes, false),
            CsvTarget::Columns(indices) => (indices.clone(), None, false),
            CsvTarget::TextLabels(CsvColumn::Index(index)) => (vec![*index], None, true),
            // `resolve` has turned every name into an index.
            CsvTarget::Named { name, .. } | CsvTarget::TextLabels(CsvColumn::Name(name)) => {
                return Err(DataError::CsvNoSuchColumnName {
                    path: path.to_owned(),
                    name: name.clone(),
                    header: Vec::new(),
                })
            }
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
            text_labels,
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
