//! `impl nn::Network`: the batched forward pass, the loss and the backward pass over a node
//! arena (node 0 is the input, node i+1 the output of layer i).

use super::{activation, input_len, lit, meta, output_len, rt, tensor};
use crate::ir::{element_count, Layer, LayerKind, Loss, Network};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

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
        .map(|(i, layer)| forward_layer(i, layer));
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
            fn backward_batch(&self, nodes: &[f32], node_grads: &mut [f32], batch: usize, param_grads: &mut [f32]) {
                const WIDTHS: &[usize] = <#name as #rt::Network>::NODE_WIDTHS;
                #backward
            }
        }
    }
}

fn forward_layer(index: usize, layer: &Layer) -> TokenStream {
    let rt = rt();
    let i = lit(index);
    let op = if let Some(act) = activation(layer) {
        quote!(#rt::Activation::forward(&#act, x, y);)
    } else if let LayerKind::Dense { .. } = layer.kind {
        let (w, b) = (tensor(layer, 0), tensor(layer, 1));
        quote!(#rt::dense_forward_batch(&#w, &#b, x, y, batch);)
    } else {
        quote!(y.copy_from_slice(x);)
    };
    quote_spanned! {layer.span=>
        {
            let (x, y) = #rt::layer_io(nodes, WIDTHS, #i, batch);
            #op
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
    let rt = rt();
    let absorbed = usize::from(net.loss.fused_with_last_layer());
    let Some(first) = net.layers.iter().position(|l| !l.tensors.is_empty()) else {
        return quote!();
    };
    let top = net.layers.len() - absorbed;
    let steps = (first..top).rev().map(|index| {
        let layer = &net.layers[index];
        let i = lit(index);
        let next = lit(index + 1);
        let step = match layer.kind {
            LayerKind::Dense { .. } => {
                let w = tensor(layer, 0);
                let (w_start, w_len) = (lit(layer.tensors[0].offset), element_count(&layer.tensors[0].shape));
                let end = lit(layer.tensors[1].offset + element_count(&layer.tensors[1].shape));
                let w_len = lit(w_len);
                let grads = quote! {
                    let (weight_grad, bias_grad) = param_grads[#w_start..#end].split_at_mut(#w_len);
                };
                if index == first {
                    quote! {
                        let dy = #rt::node(node_grads, WIDTHS, #next, batch);
                        #grads
                        #rt::dense_backward_batch(&#w, x, dy, ::core::option::Option::None, weight_grad, bias_grad, batch);
                    }
                } else {
                    quote! {
                        let (dx, dy) = #rt::layer_grads(node_grads, WIDTHS, #i, batch);
                        #grads
                        #rt::dense_backward_batch(&#w, x, dy, ::core::option::Option::Some(dx), weight_grad, bias_grad, batch);
                    }
                }
            }
            LayerKind::Flatten => quote! {
                let (dx, dy) = #rt::layer_grads(node_grads, WIDTHS, #i, batch);
                dx.copy_from_slice(dy);
            },
            _ => {
                let act = activation(layer);
                quote! {
                    let y = #rt::node(nodes, WIDTHS, #next, batch);
                    let (dx, dy) = #rt::layer_grads(node_grads, WIDTHS, #i, batch);
                    #rt::Activation::backward(&#act, x, y, dy, dx);
                }
            }
        };
        quote_spanned! {layer.span=>
            {
                let x = #rt::node(nodes, WIDTHS, #i, batch);
                #step
            }
        }
    });
    quote!(#(#steps)*)
}
