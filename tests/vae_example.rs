//! The variational autoencoder example end to end, shortened to one epoch: it prints its
//! test loss, and both pictures it writes decode as 224×224 grayscale PNGs that show
//! digits (bright strokes on a dark ground), not a blank or uniform image.

use std::process::Command;

mod support;

#[test]
fn one_epoch_prints_its_loss_and_writes_both_pictures() {
    let out = std::env::temp_dir().join(format!("nn-vae-example-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let run = Command::new(support::example_binary("07-mnist-vae"))
        .args([data, out.to_str().unwrap(), "1"])
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("test loss: "))
        .expect("a test loss line");
    let nats: f64 = line["test loss: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // After one epoch PyTorch's model is near 140 nats per digit; an untrained one is
    // above 540 (784 · ln 2 for outputs of one half).
    assert!(nats > 50.0 && nats < 200.0, "{line}");

    for name in ["vae-samples.png", "vae-reconstructions.png"] {
        let picture = image::open(out.join(name)).expect(name).to_luma8();
        assert_eq!(picture.dimensions(), (224, 224), "{name}");
        let pixels: Vec<f64> = picture.pixels().map(|p| f64::from(p.0[0])).collect();
        let mean = pixels.iter().sum::<f64>() / pixels.len() as f64;
        let spread =
            (pixels.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / pixels.len() as f64).sqrt();
        let bright = pixels.iter().filter(|&&p| p > 128.0).count() as f64 / pixels.len() as f64;
        // MNIST digits cover about a fifth of their square, mostly dark ground.
        assert!(mean > 10.0 && mean < 120.0, "{name}: mean shade {mean}");
        assert!(spread > 30.0, "{name}: shades spread only {spread}");
        assert!(
            bright > 0.03 && bright < 0.5,
            "{name}: {bright} of the pixels are bright"
        );
    }
    std::fs::remove_dir_all(&out).unwrap();
}
