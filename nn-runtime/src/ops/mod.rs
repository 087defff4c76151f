//! Kernels, one file per op family. Every kernel works on plain slices with explicit
//! dimensions and is tested against a naive reference and, for gradients, finite differences.

pub mod activation;
pub mod conv;
pub mod dense;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod dense_avx2;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod dense_avx512;
#[cfg(all(test, feature = "std"))]
mod dense_batch_tests;
#[cfg(all(feature = "std", target_arch = "aarch64"))]
mod dense_neon;
#[cfg(feature = "std")]
mod dense_packed;
pub mod depthwise_conv;
pub mod dropout;
pub mod gemm;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod gemm_rows_avx512;
#[cfg(feature = "std")]
pub(crate) mod gemm_split;
pub mod global_pool;
pub mod init;
pub mod kernels;
pub mod loss;
pub(crate) mod math;
pub mod matrix;
mod matvec;
pub mod normalization;
pub mod pool;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod pool_avx2;
pub mod recurrent;
pub mod simd;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod transpose_avx2;

#[cfg(test)]
pub(crate) mod test_support;
