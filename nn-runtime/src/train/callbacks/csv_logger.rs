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
    text: String,
}

impl CsvLogger {
    /// Logs to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CsvLogger {
            path: path.into(),
            text: String::new(),
        }
    }

    fn write(&self) -> Result<(), String> {
        crate::io::write_atomically(&self.path, |file| file.write_all(self.text.as_bytes()))
            .map_err(|error| format!("{}: {error}", self.path.display()))
    }
}

impl Callback for CsvLogger {
    fn name(&self) -> &str {
        "csv_logger"
    }

    fn on_train_begin(&mut self, control: &mut Control<'_>) -> Result<(), String> {
        self.text = csv_header();
        if control.resumed_from() > 0 {
            let old = std::fs::read_to_string(&self.path).unwrap_or_default();
            let kept = old.lines().skip(1).filter(|line| {
                let epoch = line.split(',').next().and_then(|e| e.parse::<usize>().ok());
                epoch.is_some_and(|epoch| epoch <= control.resumed_from())
            });
            for line in kept {
                self.text.push_str(line);
                self.text.push('\n');
            }
        }
        self.write()
    }

    fn on_epoch_end(
        &mut self,
        stats: &EpochStats,
        _control: &mut Control<'_>,
    ) -> Result<(), String> {
        self.text.push_str(&csv_row(stats));
        self.write()
    }
}
