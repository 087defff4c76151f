//! The history, one row per epoch, in a CSV file kept up to date, as Keras' `CSVLogger`.

use std::path::PathBuf;

use super::{Callback, Control};
use crate::train::history::{csv_header, csv_row};
use crate::train::EpochStats;

/// Rewrites the CSV file at its path after every epoch with the rows so far, in
/// [`History::to_csv`](crate::History::to_csv)'s columns, crash-safely. A resumed run keeps
/// the rows of the epochs its checkpoint completed and drops any later ones (of epochs the
/// interrupted run finished after its last checkpoint).
#[derive(Clone, Debug)]
pub struct CsvLogger {
    path: PathBuf,
    /// The rows so far, without the header (which names the metrics of the first row).
    rows: String,
    header: String,
}

impl CsvLogger {
    /// Logs to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CsvLogger {
            path: path.into(),
            rows: String::new(),
            header: csv_header(None),
        }
    }

    fn write(&self) -> Result<(), String> {
        let text = format!("{}{}", self.header, self.rows);
        crate::io::write_atomically(&self.path, |file| file.write_all(text.as_bytes()))
            .map_err(|error| format!("{}: {error}", self.path.display()))
    }
}

impl Callback for CsvLogger {
    fn name(&self) -> &str {
        "csv_logger"
    }

    fn on_train_begin(&mut self, control: &mut Control<'_>) -> Result<(), String> {
        self.rows.clear();
        self.header = csv_header(None);
        if control.resumed_from() > 0 {
            let old = std::fs::read_to_string(&self.path).unwrap_or_default();
            if let Some(header) = old.lines().next() {
                self.header = format!("{header}\n");
            }
            let kept = old.lines().skip(1).filter(|line| {
                let epoch = line.split(',').next().and_then(|e| e.parse::<usize>().ok());
                epoch.is_some_and(|epoch| epoch <= control.resumed_from())
            });
            for line in kept {
                self.rows.push_str(line);
                self.rows.push('\n');
            }
        }
        self.write()
    }

    fn on_epoch_end(
        &mut self,
        stats: &EpochStats,
        _control: &mut Control<'_>,
    ) -> Result<(), String> {
        if self.rows.is_empty() {
            self.header = csv_header(Some(stats));
        }
        self.rows.push_str(&csv_row(stats));
        self.write()
    }
}
