//! `impl nn::Network`: the batched forward pass, the loss and the backward pass over a node
//! arena (node 0 is the input, node i+1 the output of layer i).

use super::{input_len, layer, lit, meta, output_len, rt};
use crate::ir::{element_count, Loss, Network};
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(net: &Network) -> TokenStream {
    let rt = rt();
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
            fn update_state(&mut self, nodes: &[f32], batch: usize) {
                const WIDTHS: &[usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #(#updates)*
            }
        }
    });
    let loss = loss(net);
    let backward = backward(net);
    let type_name = name.to_string();

    quote! {
        impl #rt::Network for #name {
            const INPUT_LEN: usize = #in_len;
            const OUTPUT_LEN: usize = #out_len;
            const PARAM_COUNT: usize = #n;
            const LOSS: #rt::LossKind = #rt::LossKind::#loss_kind;
            const NODE_WIDTHS: &'static [usize] = &[#(#widths),*];
            const AUX_WIDTH: usize = #aux_width;
            const TENSORS: &'static [#rt::TensorInfo] = &[#(#tensors),*];
            const LAYERS: &'static [#rt::LayerInfo] = &[#(#layers),*];

            fn params(&self) -> &[f32] {
                &self.params
            }

            fn params_mut(&mut self) -> &mut [f32] {
                &mut self.params
            }

            fn init(&mut self, seed: u64) {
                self.init_params(seed);
            }

            fn forward_sample(&self, input: &[f32], output: &mut [f32]) {
                let (Ok(input), Ok(output)) = (<&[f32; #in_len]>::try_from(input), <&mut [f32; #out_len]>::try_from(output)) else {
                    panic!("{}::forward_sample takes {} inputs and {} outputs", #type_name, #in_len, #out_len);
                };
                let mut scratch = [0.0f32; Self::SCRATCH_LEN];
                self.forward_into(input, &mut scratch, output);
            }

            #[allow(unused_variables)]
            fn forward_batch(&self, nodes: &mut [f32], batch: usize, mode: #rt::Mode, rng: &mut #rt::Rng) {
                const WIDTHS: &[usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #(#forward)*
            }

            fn loss_batch(nodes: &[f32], targets: &[f32], batch: usize, node_grads: ::core::option::Option<&mut [f32]>) -> f32 {
                const WIDTHS: &[usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #loss
            }

            #[allow(unused_variables)]
            fn backward_batch(&self, nodes: &mut [f32], node_grads: &mut [f32], batch: usize, param_grads: &mut [f32]) {
                const WIDTHS: &[usize] = <#name as #rt::Network>::NODE_WIDTHS;
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
    };
    let node = lit(node);
    let classes = (net.loss == Loss::SoftmaxCrossEntropy).then(|| {
        let classes = lit(output_len(net));
        quote!(#classes,)
    });
    quote! {
        let values = #rt::node(nodes, WIDTHS, #node, batch);
        let grads = node_grads.map(|g| #rt::node_mut(g, WIDTHS, #node, batch));
        #rt::#function(values, targets, #classes grads)
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
