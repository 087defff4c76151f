//! Which instruction set the kernels use: a report of the kernel table ([`super::kernels`]).

/// A one-line description of the kernel variant in use, for benchmark reports.
pub fn describe() -> &'static str {
    match super::kernels::active_variant() {
        super::kernels::Variant::Avx512 => "kernels: AVX-512F (NN_KERNELS=avx512)",
        super::kernels::Variant::Avx2 => "kernels: AVX2+FMA (NN_KERNELS=avx2)",
        super::kernels::Variant::ScalarFpu => "kernels: scalar FPU (NN_KERNELS=scalar-fpu)",
        super::kernels::Variant::Neon => "kernels: NEON (NN_KERNELS=neon)",
        _ => "kernels: portable (NN_KERNELS=portable)",
    }
}
