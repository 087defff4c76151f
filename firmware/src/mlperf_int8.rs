//! The four MLPerf Tiny models in int8 (features `kws-int8`, `vww-int8`, `ic-int8`,
//! `ad-int8`): the types the declarations of `models/mlperf/` generate with `quantized:`,
//! their parameter images decoded at compile time into statics in flash, run heap-free on
//! seeded int8 inputs (and all −128, all 127) and compared byte for byte with the host's
//! outputs (`build/mlperf_int8.rs`), which are TFLite's.

#[cfg(feature = "kws-int8")]
crate::int8_model!(
    kws_int8,
    "kws-int8",
    "../../models/mlperf/kws.rs",
    KwsInt8,
    "NN_INT8_KWS_MACS"
);
#[cfg(feature = "vww-int8")]
crate::int8_model!(
    vww_int8,
    "vww-int8",
    "../../models/mlperf/vww.rs",
    VwwInt8,
    "NN_INT8_VWW_MACS"
);
#[cfg(feature = "ic-int8")]
crate::int8_model!(
    ic_int8,
    "ic-int8",
    "../../models/mlperf/ic.rs",
    IcInt8,
    "NN_INT8_IC_MACS"
);
#[cfg(feature = "ad-int8")]
crate::int8_model!(
    ad_int8,
    "ad-int8",
    "../../models/mlperf/ad.rs",
    AdInt8,
    "NN_INT8_AD_MACS"
);

/// Runs every int8 model the image carries; tells whether all their outputs are the host's.
pub fn evaluate_all() -> bool {
    let mut all_match = true;
    #[cfg(feature = "kws-int8")]
    {
        all_match &= kws_int8::evaluate();
    }
    #[cfg(feature = "vww-int8")]
    {
        all_match &= vww_int8::evaluate();
    }
    #[cfg(feature = "ic-int8")]
    {
        all_match &= ic_int8::evaluate();
    }
    #[cfg(feature = "ad-int8")]
    {
        all_match &= ad_int8::evaluate();
    }
    all_match
}
