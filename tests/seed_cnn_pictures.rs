//! The pictures `examples/08-seed-cnn.rs` writes, decoded: `.ci/run` runs the example in a
//! scratch folder, then this test on that folder, whose path it passes in
//! `NN_SEED_CNN_OUTPUT` (the training takes minutes, too long for every `cargo test`):
//!
//! ```text
//! NN_SEED_CNN_OUTPUT=/path/to/folder cargo test --test seed_cnn_pictures -- --ignored
//! ```

use std::path::PathBuf;

/// Pixels of `image` within 12 of `color` in every channel.
fn pixels_near(image: &image::RgbImage, color: [u8; 3]) -> usize {
    image
        .pixels()
        .filter(|p| (0..3).all(|c| p.0[c].abs_diff(color[c]) <= 12))
        .count()
}

fn output(name: &str) -> image::RgbImage {
    let dir = std::env::var_os("NN_SEED_CNN_OUTPUT")
        .expect("NN_SEED_CNN_OUTPUT names the folder the seed CNN example wrote its pictures to");
    let path = PathBuf::from(dir).join(name);
    image::open(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .to_rgb8()
}

#[test]
#[ignore = "reads the pictures of a run of examples/08-seed-cnn.rs; see the module docs"]
fn the_seed_cnn_curves_and_confusion_matrix_are_pictures() {
    let curves = output("curves.png");
    assert_eq!(curves.dimensions(), (900, 640), "loss and accuracy panels");
    let training = pixels_near(&curves, [31, 119, 180]);
    let validation = pixels_near(&curves, [255, 127, 14]);
    assert!(training > 500, "training curve pixels: {training}");
    assert!(validation > 500, "validation curve pixels: {validation}");

    let confusion = output("confusion.png");
    let (width, height) = confusion.dimensions();
    assert!(width == height && width >= 400, "{width}×{height}");
    let distinct: std::collections::HashSet<[u8; 3]> = confusion.pixels().map(|p| p.0).collect();
    assert!(
        distinct.len() > 20,
        "a blank picture: {} colours",
        distinct.len()
    );
    // Ten classes at about 97 %: the diagonal is the darkest blue, ten cells of it.
    let darkest = pixels_near(&confusion, [8, 48, 107]);
    assert!(darkest > 10 * 1_000, "darkest cell pixels: {darkest}");
}
