//! `impl nn::Network`: the batched forward pass, the loss and the backward pass over a node
//! arena (node 0 is the input, node i+1 the output of layer i).

use super::{input_len, layer, lit, meta, output_len, rt};
use crate::ir::{element_count, Loss, Network};
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
    let loss_kind = match net.loss {
        Loss::MeanSquaredError => quote!(MeanSquaredError),
        Loss::SoftmaxCrossEntropy => quote!(SoftmaxCrossEntropy),
        Loss::SigmoidBinaryCrossEntropy => quote!(SigmoidBinaryCrossEntropy),
        Loss::MeanAbsoluteError => quote!(MeanAbsoluteError),
        Loss::Huber { delta } => {
            let delta = proc_macro2::Literal::f32_suffixed(delta);
            quote!(Huber { delta: #delta })
        }
    };
    let widths = std::iter::once(&net.input_shape)
        .chain(net.layers.iter().map(|l| &l.output_shape))
        .map(|s| lit(element_count(s)));
    let tensors = meta::tensors(net);
    let layers = meta::layers(net);
    let forward = net
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| layer::batch_forward(i, l));
    let aux_width = lit(net.layers.iter().map(|l| l.aux_width).sum());
    let updates: Vec<TokenStream> = net.layers.iter().filter_map(layer::update_state).collect();
    let update_state = (!updates.is_empty()).then(|| {
        quote! {
            fn update_state(&mut self, nodes: &[#f32], batch: #usize) {
                const WIDTHS: &[#usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #(#updates)*
            }
        }
    });
    let loss = loss(net);
    let backward = backward(net);
    let infer = infer(net);
    let type_name = name.to_string();

    quote! {
        #(#attrs)*
        impl #rt::Network for #name {
            const INPUT_LEN: #usize = #in_len;
            const OUTPUT_LEN: #usize = #out_len;
            const PARAM_COUNT: #usize = #n;
            const LOSS: #rt::LossKind = #rt::LossKind::#loss_kind;
            const NODE_WIDTHS: &'static [#usize] = &[#(#widths),*];
            const AUX_WIDTH: #usize = #aux_width;
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

            #[allow(unused_variables)]
            fn forward_batch(&self, nodes: &mut [#f32], batch: #usize, mode: #rt::Mode, rng: &mut #rt::Rng) {
                const WIDTHS: &[#usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #infer
                #(#forward)*
            }

            fn loss_batch(nodes: &[#f32], targets: &[#f32], batch: #usize, node_grads: #core::option::Option<&mut [#f32]>) -> #f32 {
                const WIDTHS: &[#usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #loss
            }

            #[allow(unused_variables)]
            fn backward_batch(&self, nodes: &mut [#f32], node_grads: &mut [#f32], batch: #usize, param_grads: &mut [#f32]) {
                const WIDTHS: &[#usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #backward
            }

            #update_state
        }
    }
}

/// The loss reads the logits below the final activation when it is fused with it.
fn loss(net: &Network) -> TokenStream {
    let rt = rt();
    let last = net.layers.len();
    let (node, function) = match net.loss {
        Loss::MeanSquaredError => (last, quote!(mean_squared_error)),
        Loss::SoftmaxCrossEntropy => (last - 1, quote!(softmax_cross_entropy)),
        Loss::SigmoidBinaryCrossEntropy => (last - 1, quote!(sigmoid_binary_cross_entropy)),
        Loss::MeanAbsoluteError => (last, quote!(mean_absolute_error)),
        Loss::Huber { .. } => (last, quote!(huber)),
    };
    let node = lit(node);
    // The argument between the targets and the gradient, for the kernels that take one.
    let setting = match net.loss {
        Loss::SoftmaxCrossEntropy => {
            let classes = lit(output_len(net));
            Some(quote!(#classes,))
        }
        Loss::Huber { delta } => {
            let delta = proc_macro2::Literal::f32_suffixed(delta);
            Some(quote!(#delta,))
        }
        _ => None,
    };
    quote! {
        let values = #rt::node(nodes, WIDTHS, #node, batch);
        let grads = node_grads.map(|g| #rt::node_mut(g, WIDTHS, #node, batch));
        #rt::#function(values, targets, #setting grads)
    }
}

/// Layers from the last one the loss did not absorb, down to the first one with parameters;
/// nothing below that needs a gradient.
fn backward(net: &Network) -> TokenStream {
    let absorbed = usize::from(net.loss.fused_with_last_layer());
    let Some(first) = net.layers.iter().position(|l| !l.tensors.is_empty()) else {
        return quote!();
    };
    let top = net.layers.len() - absorbed;
    let steps = (first..top)
        .rev()
        .map(|index| layer::batch_backward(index, &net.layers[index], index > first));
    quote!(#(#steps)*)
}

/// Chains of at least two consecutive layers that batched inference runs one sample at a
/// time, as `first..=last` layer indices. The last layer never belongs to one, so the output
/// node and the node below it (which a fused loss reads) are always written whole.
fn per_sample_chains(net: &Network) -> Vec<(usize, usize)> {
    let mut chains = Vec::new();
    let candidates = net.layers.len().saturating_sub(1);
    let mut index = 0;
    while index < candidates {
        let start = index;
        while index < candidates && layer::runs_per_sample(&net.layers[index]) {
            index += 1;
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
                let layer_index = lit(i);
                let op = layer::infer_sample(&net.layers[i]);
                quote! {{
                    let (x, y) = #rt::layer_io_slots(nodes, WIDTHS, #layer_index, batch, #in_slot, #out_slot);
                    #op
                }}
            });
            steps.push(quote!(for sample in 0..batch { #(#body)* }));
            index = last + 1;
        } else {
            steps.push(layer::batch_forward(index, &net.layers[index]));
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
