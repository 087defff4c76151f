//! How to read a CSV file: its header, delimiter and target columns, and what reading it
//! returns besides the samples.

use super::Dataset;

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
    /// Whether to decide from the first row whether it is a header: it is when one of its
    /// cells is not a number. `has_header` declares one instead.
    pub detect_header: bool,
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
    /// One column found by its name in the header row, as [`CsvTarget::Column`] uses it.
    Named {
        /// The column's name in the header.
        name: String,
        /// Number of classes, for a classification target.
        classes: Option<usize>,
    },
    /// One column of class names (`cat`, `dog`, …), by index or by name, one-hot encoded:
    /// the classes are the distinct names, sorted (as scikit-learn's `LabelEncoder` sorts
    /// them), and [`CsvData::class_names`] keeps them, so class `i` is `class_names[i]`.
    TextLabels(CsvColumn),
}

/// A column of a CSV file: by 0-based index, or by its name in the header row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsvColumn {
    /// The column (0-based).
    Index(usize),
    /// The column's name in the header row.
    Name(String),
}

/// What [`Dataset::read_csv`] read: the data set, and the names the file gave.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub struct CsvData {
    /// The samples.
    pub dataset: Dataset,
    /// The header row's names, when the file has one.
    pub header: Option<Vec<String>>,
    /// For [`CsvTarget::TextLabels`], the class names, sorted: class `i` is `class_names[i]`.
    pub class_names: Option<Vec<String>>,
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
            detect_header: false,
        }
    }

    /// Column `name` (in the header row, which is declared) holds class labels in
    /// `0..classes`.
    pub fn classes_named(name: impl Into<String>, classes: usize) -> CsvOptions {
        CsvOptions::new(CsvTarget::Named {
            name: name.into(),
            classes: Some(classes),
        })
        .with_header(true)
    }

    /// Column `column` holds class names, one-hot encoded in sorted order; a header row is
    /// declared when the column is given by name.
    pub fn text_labels(column: CsvColumn) -> CsvOptions {
        let named = matches!(column, CsvColumn::Name(_));
        CsvOptions::new(CsvTarget::TextLabels(column)).with_header(named)
    }

    /// The same options, deciding from the first row whether it is a header (see
    /// [`CsvOptions::detect_header`]).
    pub fn detect_header(mut self) -> CsvOptions {
        self.detect_header = true;
        self
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
