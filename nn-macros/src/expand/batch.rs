//! `impl nn::Network` (what users call) and `impl nn::__private::Arena`: the batched
//! forward pass, the loss and the backward pass over a node arena (node 0 is the input,
//! node i+1 the output of layer i, which reads earlier nodes).

use super::{input_len, layer, lit, meta, output_len, rt};
use crate::ir::{element_count, Loss, Network, Term};
use crate::tensors::node_shape;
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(net: &Network) -> TokenStream {
    let (rt, core) = (rt(), super::core());
    let super::Primitives {
        f32, usize, u64, ..
    } = super::primitives();
    let attrs = super::impl_attrs(net);
    let name = &net.name;
    let (in_len, out_len, n) = (
        lit(input_len(net)),
        lit(output_len(net)),
        lit(net.param_count),
    );
    let (loss_kind, loss_node) = match net.loss.single() {
        Some((loss, reads)) => (loss_kind(loss), reads),
        None => (quote!(WeightedSum), net.layers.len()),
    };
    let loss_node = lit(loss_node);
    let widths = std::iter::once(&net.input_shape)
        .chain(net.layers.iter().map(|l| &l.output_shape))
        .map(|s| lit(element_count(s)));
    let tensors = meta::tensors(net);
    let layers = meta::layers(net);
    let forward = (0..net.layers.len()).map(|i| layer::batch_forward(net, i));
    let plan = backward_plan(net);
    let layer_aux: usize = net.layers.iter().map(|l| l.aux_width).sum();
    let aux_width = lit(layer_aux.max(plan.staging));
    let updates: Vec<TokenStream> = (0..net.layers.len())
        .filter_map(|i| layer::update_state(net, i))
        .collect();
    let update_state = (!updates.is_empty()).then(|| {
        quote! {
            fn update_state(&mut self, nodes: &[#f32], batch: #usize) {
                const WIDTHS: &[#usize] = <#name as #rt::Arena>::NODE_WIDTHS;
                #(#updates)*
            }
        }
    });
    let loss = loss(net);
    let backward = plan.steps;
    let infer = infer(net);
    let type_name = name.to_string();
    let consts = layer::consts(net);

    quote! {
        #consts

        #(#attrs)*
        impl #rt::Network for #name {
            const INPUT_LEN: #usize = #in_len;
            const OUTPUT_LEN: #usize = #out_len;
            const PARAM_COUNT: #usize = #n;
            const LOSS: #rt::LossKind = #rt::LossKind::#loss_kind;
            const TENSORS: &'static [#rt::TensorInfo] = &[#(#tensors),*];
            const LAYERS: &'static [#rt::LayerInfo] = &[#(#layers),*];

            fn params(&self) -> &[#f32] {
                &self.params
            }

            fn params_mut(&mut self) -> &mut [#f32] {
                &mut self.params
            }

            fn init(&mut self, seed: #u64) {
                self.init_params(seed);
            }

            fn forward_sample(&self, input: &[#f32], output: &mut [#f32]) {
                let (#core::result::Result::Ok(input), #core::result::Result::Ok(output)) = (
                    <&[#f32; #in_len] as #core::convert::TryFrom<&[#f32]>>::try_from(input),
                    <&mut [#f32; #out_len] as #core::convert::TryFrom<&mut [#f32]>>::try_from(output),
                ) else {
                    #core::panic!("{}::forward_sample takes {} inputs and {} outputs", #type_name, #in_len, #out_len);
                };
                let mut scratch = [0.0f32; Self::SCRATCH_LEN];
                self.forward_into(input, &mut scratch, output);
            }
        }

        #(#attrs)*
        impl #rt::Arena for #name {
            const NODE_WIDTHS: &'static [#usize] = &[#(#widths),*];
            const AUX_WIDTH: #usize = #aux_width;
            const LOSS_NODE: #usize = #loss_node;

            #[allow(unused_variables)]
            fn forward_batch(&self, nodes: &mut [#f32], batch: #usize, mode: #rt::Mode, rng: &mut #rt::Rng) {
                const WIDTHS: &[#usize] = <#name as #rt::Arena>::NODE_WIDTHS;
                #infer
                #(#forward)*
            }

            #[allow(unused_mut)]
            fn loss_batch(nodes: &[#f32], targets: &[#f32], batch: #usize, mut node_grads: #core::option::Option<&mut [#f32]>) -> #f32 {
                const WIDTHS: &[#usize] = <#name as #rt::Arena>::NODE_WIDTHS;
                #loss
            }

            #[allow(unused_variables)]
            fn backward_batch(&self, nodes: &mut [#f32], node_grads: &mut [#f32], batch: #usize, param_grads: &mut [#f32]) {
                const WIDTHS: &[#usize] = <#name as #rt::Arena>::NODE_WIDTHS;
                #(#backward)*
            }

            #update_state
        }
    }
}

fn loss_kind(loss: Loss) -> TokenStream {
    match loss {
        Loss::MeanSquaredError => quote!(MeanSquaredError),
        Loss::SoftmaxCrossEntropy => quote!(SoftmaxCrossEntropy),
        Loss::SigmoidBinaryCrossEntropy => quote!(SigmoidBinaryCrossEntropy),
        Loss::MeanAbsoluteError => quote!(MeanAbsoluteError),
        Loss::Huber { delta } => {
            let delta = proc_macro2::Literal::f32_suffixed(delta);
            quote!(Huber { delta: #delta })
        }
    }
}

/// The argument between the targets and the gradient, for the kernels that take one: the
/// classes of a softmax over `width` values, a Huber loss's delta.
fn loss_setting(loss: Loss, width: usize) -> Option<TokenStream> {
    match loss {
        Loss::SoftmaxCrossEntropy => {
            let classes = lit(width);
            Some(quote!(#classes,))
        }
        Loss::Huber { delta } => {
            let delta = proc_macro2::Literal::f32_suffixed(delta);
            Some(quote!(#delta,))
        }
        _ => None,
    }
}

fn loss_function(loss: Loss) -> TokenStream {
    match loss {
        Loss::MeanSquaredError => quote!(mean_squared_error),
        Loss::SoftmaxCrossEntropy => quote!(softmax_cross_entropy),
        Loss::SigmoidBinaryCrossEntropy => quote!(sigmoid_binary_cross_entropy),
        Loss::MeanAbsoluteError => quote!(mean_absolute_error),
        Loss::Huber { .. } => quote!(huber),
    }
}

/// The loss: a chain's one loss over the whole batch, as it always was; or each term of a
/// weighted sum, every output's loss taken row by row from its slice of the targets.
fn loss(net: &Network) -> TokenStream {
    let rt = rt();
    if let Some((loss, reads)) = net.loss.single() {
        let node = lit(reads);
        let function = loss_function(loss);
        let classes = loss_setting(loss, output_len(net));
        return quote! {
            let values = #rt::node(nodes, WIDTHS, #node, batch);
            let grads = node_grads.map(|g| #rt::node_mut(g, WIDTHS, #node, batch));
            #rt::#function(values, targets, #classes grads)
        };
    }
    let target_len = lit(output_len(net));
    let terms = net.loss.terms.iter().map(|term| match term {
        Term::Output { loss, output, reads, weight } => {
            let node = net.outputs[*output];
            let width = element_count(node_shape(net, node));
            let offset: usize = net.outputs[..*output]
                .iter()
                .map(|&o| element_count(node_shape(net, o)))
                .sum();
            let function = loss_function(*loss);
            let classes = loss_setting(*loss, width);
            let (reads, width, offset, weight) = (lit(*reads), lit(width), lit(offset), *weight);
            quote! {{
                let values = #rt::node(nodes, WIDTHS, #reads, batch);
                let mut grads = node_grads.as_deref_mut().map(|g| #rt::node_mut(g, WIDTHS, #reads, batch));
                let mut sum = 0.0f64;
                for sample in 0..batch {
                    let row = sample * #width..(sample + 1) * #width;
                    let target = &targets[sample * #target_len + #offset..][..#width];
                    let grad = grads.as_deref_mut().map(|g| &mut g[row.clone()]);
                    sum += f64::from(#rt::#function(&values[row], target, #classes grad));
                }
                if let Some(grads) = grads {
                    let scale = #weight / batch as f32;
                    grads.iter_mut().for_each(|g| *g *= scale);
                }
                total += #weight as f64 * sum / batch.max(1) as f64;
            }}
        }
        Term::Kl { mean, log_var, weight } => {
            let width = lit(element_count(node_shape(net, *mean)));
            let (mean, log_var) = (lit(*mean), lit(*log_var));
            quote! {{
                let grads = node_grads.as_deref_mut().map(|g| #rt::two_nodes_mut(g, WIDTHS, (#mean, #log_var), batch));
                let kl = #rt::kl_divergence_standard_normal(
                    #rt::node(nodes, WIDTHS, #mean, batch),
                    #rt::node(nodes, WIDTHS, #log_var, batch),
                    #width,
                    grads,
                );
                if let Some(g) = node_grads.as_deref_mut() {
                    #rt::scale_node(g, WIDTHS, #mean, batch, #weight);
                    #rt::scale_node(g, WIDTHS, #log_var, batch, #weight);
                }
                total += #weight as f64 * kl as f64;
            }}
        }
    });
    quote! {
        let mut total = 0.0f64;
        #(#terms)*
        total as f32
    }
}

/// The backward pass as a list of steps, and the widest gradient it stages to add.
struct BackwardPlan {
    steps: Vec<TokenStream>,
    staging: usize,
}

/// Layers in reverse order, from the loss's gradients: each passes its output's gradient to
/// the inputs that need one (a node needs one when a layer with parameters produced it or
/// a node it depends on). The first gradient a node receives is written, later ones added.
fn backward_plan(net: &Network) -> BackwardPlan {
    let nodes = net.layers.len() + 1;
    let mut needs = vec![false; nodes];
    for (index, layer) in net.layers.iter().enumerate() {
        needs[index + 1] = !layer.tensors.is_empty() || layer.inputs.iter().any(|&n| needs[n]);
    }
    let mut written = vec![false; nodes];
    for term in &net.loss.terms {
        match term {
            Term::Output { reads, .. } => written[*reads] = true,
            Term::Kl { mean, log_var, .. } => {
                written[*mean] = true;
                written[*log_var] = true;
            }
        }
    }
    let mut plan = BackwardPlan {
        steps: Vec::new(),
        staging: 0,
    };
    for (index, layer) in net.layers.iter().enumerate().rev() {
        // No gradient reaches a layer whose output feeds no loss (a softmax the loss
        // absorbs, the internal join of several outputs), and none is needed below one
        // that neither has parameters nor feeds one that has.
        if !written[index + 1] || !needs[index + 1] {
            continue;
        }
        let mut grads = Vec::new();
        for &input in &layer.inputs {
            let grad = if !needs[input] {
                layer::InputGrad::Skip
            } else if written[input] {
                plan.staging = plan.staging.max(element_count(node_shape(net, input)));
                layer::InputGrad::Add
            } else {
                written[input] = true;
                layer::InputGrad::Write
            };
            grads.push(grad);
        }
        plan.steps.push(layer::batch_backward(net, index, &grads));
    }
    plan
}

/// Readers of each node: layers, and the loss terms and outputs that read it whole.
fn readers(net: &Network) -> Vec<usize> {
    let mut readers = vec![0; net.layers.len() + 1];
    for layer in &net.layers {
        for &input in &layer.inputs {
            readers[input] += 1;
        }
    }
    for term in &net.loss.terms {
        match term {
            Term::Output { reads, .. } => readers[*reads] += 1,
            Term::Kl { mean, log_var, .. } => {
                readers[*mean] += 1;
                readers[*log_var] += 1;
            }
        }
    }
    readers
}

/// Chains of at least two consecutive layers that batched inference runs one sample at a
/// time, as `first..=last` layer indices. Inside a chain each layer reads the one before,
/// which nothing else reads; the last layer never belongs to one, so the output node and
/// every node a loss reads are always written whole.
fn per_sample_chains(net: &Network) -> Vec<(usize, usize)> {
    let readers = readers(net);
    let links = |index: usize| {
        let layer = &net.layers[index];
        layer.inputs == [index] && readers[index] == 1 && layer::runs_per_sample(layer)
    };
    let mut chains = Vec::new();
    let candidates = net.layers.len().saturating_sub(1);
    let mut index = 0;
    while index < candidates {
        let start = index;
        if layer::runs_per_sample(&net.layers[index]) {
            index += 1;
            while index < candidates && links(index) {
                index += 1;
            }
        }
        if index - start >= 2 {
            chains.push((start, index - 1));
        }
        index = index.max(start + 1);
    }
    chains
}

/// The inference pass when it differs from the training pass's layer order: each chain of
/// per-sample layers runs sample by sample, its inner nodes used only at slot 0 so a
/// sample's intermediate values stay in cache instead of streaming a whole batch of them
/// through memory. Other layers run batched as in training. Inner nodes are left holding
/// scratch, which nothing reads after an inference pass.
fn infer(net: &Network) -> TokenStream {
    let rt = rt();
    let chains = per_sample_chains(net);
    if chains.is_empty() {
        return quote!();
    }
    let mut steps = Vec::new();
    let mut index = 0;
    while index < net.layers.len() {
        if let Some(&(first, last)) = chains.iter().find(|(first, _)| *first == index) {
            let body = (first..=last).map(|i| {
                let (in_slot, out_slot) = match (i == first, i == last) {
                    (true, _) => (quote!(sample), quote!(0)),
                    (false, true) => (quote!(0), quote!(sample)),
                    (false, false) => (quote!(0), quote!(0)),
                };
                let (layer_index, input) = (lit(i), lit(net.layers[i].inputs[0]));
                let op = layer::infer_sample(&net.layers[i], &layer::reference(net, i));
                quote! {{
                    let (x, y) = #rt::layer_io_slots(nodes, WIDTHS, #input, #layer_index, batch, #in_slot, #out_slot);
                    #op
                }}
            });
            steps.push(quote!(for sample in 0..batch { #(#body)* }));
            index = last + 1;
        } else {
            steps.push(layer::batch_forward(net, index));
            index += 1;
        }
    }
    quote! {
        if mode == #rt::Mode::Infer {
            #(#steps)*
            return;
        }
    }
}
