//! The Keras-style `SUMMARY` table, built at expansion time into a string constant.

use crate::ir::{element_count, format_shape, Network, Term};

pub fn summary(net: &Network) -> String {
    // A graph shows what each layer reads; a chain's layers each read the one above.
    let is_graph = net
        .layers
        .iter()
        .enumerate()
        .any(|(index, layer)| layer.inputs != [index]);
    let node_name = |node: usize| match node {
        0 => "input".to_string(),
        n => net.layers[n - 1].name.clone(),
    };
    let mut rows = vec![[
        "Layer".to_string(),
        "Output shape".into(),
        "Params".into(),
        "FLOPs".into(),
        if is_graph {
            "Reads".into()
        } else {
            String::new()
        },
    ]];
    rows.push([
        "input".into(),
        shape_text(&net.input_shape, net.input_is_sequence),
        "0".into(),
        "0".into(),
        String::new(),
    ]);
    for layer in &net.layers {
        let params: usize = layer.tensors.iter().map(|t| element_count(&t.shape)).sum();
        let reads: Vec<String> = layer.inputs.iter().map(|&n| node_name(n)).collect();
        rows.push([
            layer.name.clone(),
            shape_text(&layer.output_shape, layer.output_is_sequence),
            grouped(params as u64),
            grouped(layer.flops()),
            if is_graph {
                reads.join(", ")
            } else {
                String::new()
            },
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let columns = if is_graph { 5 } else { 4 };
    let rule = "─".repeat(widths[..columns].iter().sum::<usize>() + 3 * (columns - 1));
    let mut out = format!("{}\n{rule}\n", net.name);
    for (index, row) in rows.iter().enumerate() {
        let reads = if is_graph {
            format!("   {}", row[4])
        } else {
            String::new()
        };
        let line = format!(
            "{:<w0$}   {:<w1$}   {:>w2$}   {:>w3$}{reads}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
        out += line.trim_end();
        out += "\n";
        if index == 0 {
            out += &format!("{rule}\n");
        }
    }
    let flops: u64 = net.flops();
    out += &format!("{rule}\n");
    out += &format!(
        "Parameters: {} ({} bytes)\n",
        grouped(net.param_count as u64),
        grouped((net.param_count as u64).saturating_mul(4))
    );
    let frozen: usize = net
        .layers
        .iter()
        .flat_map(|l| &l.tensors)
        .filter(|t| !t.trainable)
        .map(|t| element_count(&t.shape))
        .sum();
    if frozen > 0 {
        let trainable = (net.param_count - frozen) as u64;
        out += &format!(
            "  trainable: {}, non-trainable: {}\n",
            grouped(trainable),
            grouped(frozen as u64)
        );
    }
    out += &format!("FLOPs per sample: {}\n", grouped(flops));
    out += &format!("Loss: {}\n", loss_text(net));
    out
}

/// The loss as written: `cross_entropy`, or the weighted sum of its terms.
fn loss_text(net: &Network) -> String {
    if let Some((loss, _)) = net.loss.single() {
        return loss.keyword().to_string();
    }
    let node_name = |node: usize| match node {
        0 => "input".to_string(),
        n => net.layers[n - 1].name.clone(),
    };
    let terms: Vec<String> = net
        .loss
        .terms
        .iter()
        .map(|term| match term {
            Term::Output {
                loss,
                output,
                weight,
                ..
            } => format!(
                "{weight} * {}({})",
                loss.keyword(),
                node_name(net.outputs[*output])
            ),
            Term::Kl {
                mean,
                log_var,
                weight,
            } => format!(
                "{weight} * kl({}, {})",
                node_name(*mean),
                node_name(*log_var)
            ),
        })
        .collect();
    terms.join(" + ")
}

/// `109386` → `109,386`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `[28 steps, 64]` for a sequence, the plain shape otherwise.
fn shape_text(shape: &[usize], is_sequence: bool) -> String {
    match shape {
        [steps, rest @ ..] if is_sequence => {
            let rest: String = rest.iter().map(|d| format!(", {d}")).collect();
            format!("[{steps} steps{rest}]")
        }
        _ => format_shape(shape),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(109_386), "109,386");
        assert_eq!(super::grouped(1_000_000), "1,000,000");
    }
}
