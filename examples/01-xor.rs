//! Learns XOR, the classic problem a single linear layer cannot solve.
//!
//! Run with `cargo run --release --example 01-xor`.

use nn::{Adam, Dataset, FitConfig, Model};

nn::network! {
    /// Two inputs, one hidden layer, one probability out.
    pub struct Xor {
        input: [2],
        dense(8), tanh,
        dense(1), sigmoid,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let inputs = vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let targets = vec![0.0, 1.0, 1.0, 0.0];
    let data = Dataset::new(inputs, targets, 2, 1)?;

    print!("{}", Xor::SUMMARY);
    let mut model = Xor::new(7);
    let config = FitConfig {
        epochs: 500,
        batch_size: 4,
        seed: 7,
        shuffle: true,
        progress: false,
        ..FitConfig::default()
    };
    let history = model.fit(&data, None, &mut Adam::new(0.05), &config)?;
    if let Some(last) = history.epochs.last() {
        println!("final loss {:.4}", last.train.loss);
    }

    let mut correct = 0;
    for sample in 0..data.len() {
        let input: [f32; 2] = [data.input(sample)[0], data.input(sample)[1]];
        let [p] = model.forward(&input);
        let predicted = u8::from(p > 0.5);
        let expected = data.target(sample)[0] as u8;
        correct += usize::from(predicted == expected);
        println!("{} xor {} = {predicted}  (p = {p:.3})", input[0], input[1]);
    }
    let accuracy = 100.0 * correct as f32 / data.len() as f32;
    println!("accuracy: {accuracy:.0}%");
    if correct != data.len() {
        return Err("XOR was not learned".into());
    }
    Ok(())
}
