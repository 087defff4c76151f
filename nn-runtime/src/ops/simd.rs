//! Which instruction set the single-sample kernels use, chosen once at run time.
//!
//! With `std` on x86-64, kernels that have an AVX2 + FMA variant take it when the CPU has
//! both; everywhere else (and without `std`, where the check is unavailable) they run their
//! portable code, which the compiler vectorizes for whatever the target guarantees.

/// True when the AVX2 + FMA variants of the kernels may run on this CPU.
#[inline]
pub fn avx2_fma() -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        // The standard library caches the CPUID answer, so this is a load and a test.
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    {
        false
    }
}

/// A one-line description of the kernel variants in use, for benchmark reports.
pub fn describe() -> &'static str {
    if avx2_fma() {
        "single-sample kernels: AVX2+FMA"
    } else {
        "single-sample kernels: portable"
    }
}
