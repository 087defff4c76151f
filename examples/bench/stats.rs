//! Medians with their spread, and numbers printed with thousands separated.

/// Median and extremes of some measurements.
#[derive(Clone, Copy)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(mut values: Vec<f64>) -> Summary {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Summary {
            median,
            min: values[0],
            max: values[n - 1],
        }
    }

    /// `median (min–max)` with `decimals` digits after the point, thousands separated.
    pub fn show(&self, decimals: usize) -> String {
        format!(
            "{} ({}–{})",
            group(self.median, decimals),
            group(self.min, decimals),
            group(self.max, decimals)
        )
    }
}

/// `x` with `decimals` digits and a comma between thousands.
pub fn group(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// One measured figure as a tab-separated `result` line (`--results`), the format that
/// `scripts/bench_peers.py` prints too and `scripts/bench_side_by_side.py` reads.
pub fn result_line(workload: &str, model: &str, metric: &str, summary: &Summary) -> String {
    format!(
        "result\tnn\t{workload}\t{model}\t{metric}\t{}\t{}\t{}",
        summary.median, summary.min, summary.max
    )
}
