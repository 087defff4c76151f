//! The pictures `examples/08-seed-cnn.rs` writes, decoded. `.ci/run` runs the whole recipe
//! (10 epochs, minutes of training) and names its scratch folder in `NN_SEED_CNN_OUTPUT`;
//! without it, this test runs the example itself for two epochs in a folder of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;

/// Pixels of `image` within 12 of `color` in every channel.
fn pixels_near(image: &image::RgbImage, color: [u8; 3]) -> usize {
    image
        .pixels()
        .filter(|p| (0..3).all(|c| p.0[c].abs_diff(color[c]) <= 12))
        .count()
}

/// The folder holding the pictures: CI's full run, or a short run of the example here.
fn pictures() -> PathBuf {
    if let Some(dir) = std::env::var_os("NN_SEED_CNN_OUTPUT") {
        return PathBuf::from(dir);
    }
    let example = support::example_binary("08-seed-cnn");
    let dir = std::env::temp_dir().join(format!("nn-seed-cnn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = Command::new(example)
        .args([concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"), "2"])
        .current_dir(&dir)
        .output()
        .expect("the example runs");
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    dir
}

fn output(dir: &Path, name: &str) -> image::RgbImage {
    let path = dir.join(name);
    image::open(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .to_rgb8()
}

#[test]
fn the_seed_cnn_curves_and_confusion_matrix_are_pictures() {
    let dir = pictures();
    let curves = output(&dir, "curves.png");
    assert_eq!(curves.dimensions(), (900, 640), "loss and accuracy panels");
    let training = pixels_near(&curves, [31, 119, 180]);
    let validation = pixels_near(&curves, [255, 127, 14]);
    assert!(training > 500, "training curve pixels: {training}");
    assert!(validation > 500, "validation curve pixels: {validation}");

    let confusion = output(&dir, "confusion.png");
    let (width, height) = confusion.dimensions();
    assert!(width == height && width >= 400, "{width}×{height}");
    let distinct: std::collections::HashSet<[u8; 3]> = confusion.pixels().map(|p| p.0).collect();
    assert!(
        distinct.len() > 20,
        "a blank picture: {} colours",
        distinct.len()
    );
    // Ten classes at 96–98 % (two epochs or ten): the diagonal is the darkest blue, ten cells.
    let darkest = pixels_near(&confusion, [8, 48, 107]);
    assert!(darkest > 10 * 1_000, "darkest cell pixels: {darkest}");
    if std::env::var_os("NN_SEED_CNN_OUTPUT").is_none() {
        // The test's own scratch folder; CI's belongs to CI.
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
