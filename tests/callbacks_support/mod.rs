//! Shared by the callback tests: a small classifier with dropout, its data as class indices,
//! the run settings, and scratch directories.

// Each test file uses part of this.
#![allow(dead_code)]

use nn::{Dataset, FitConfig, Rng};
use std::path::PathBuf;

nn::network! {
    pub struct Mlp { input: [6], dense(12), relu, dropout(0.2), dense(3), softmax }
}

/// 60 samples of 3 classes as class indices: the argmax of a linear map of 6 inputs.
pub fn data() -> Dataset {
    let mut rng = Rng::new(8);
    let (mut inputs, mut labels) = (Vec::new(), Vec::new());
    for _ in 0..60 {
        let x: Vec<f32> = (0..6).map(|_| rng.uniform(1.0)).collect();
        let score = |c: usize| -> f32 {
            x.iter()
                .enumerate()
                .map(|(i, v)| v * ((i + 2 * c) % 4) as f32)
                .sum()
        };
        labels.push((0..3).fold(0, |best, c| if score(c) > score(best) { c } else { best }));
        inputs.extend(x);
    }
    Dataset::with_class_indices(inputs, 6, &labels).unwrap()
}

pub fn config(epochs: usize) -> FitConfig {
    FitConfig::new(epochs, 8)
        .seed(3)
        .quiet()
        .validation_split(0.2)
}

pub fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// A fresh, empty directory for the test `name` of the file `suite`.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
