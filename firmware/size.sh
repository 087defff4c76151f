#!/usr/bin/env bash
# Prints, as Markdown tables, the flash and RAM of the firmware with the MLP, with the CNN,
# with the LSTM, with the residual CNN, with all four, and of a baseline with none (the same harness and test digits, a stub for
# the network), and the instructions per inference of each under QEMU; then the same for each
# MLPerf Tiny model alone, float and int8 (needs the reference models, see build/mlperf.rs).
#
# - weights: the size of the `static` model (symbol `nn_firmware::models::MLP` / `CNN` / `LSTM`);
#   test data: the digits, labels and host predictions (symbols `nn_firmware::mnist::TEST_*`).
# - network code: `.vector_table` + `.text` of the build minus that of the baseline, i.e.
#   the runtime kernels and generated wiring the network pulls in, measured by difference.
# - stack: high-water mark of the whole run, measured by painting (see src/stack.rs).
#
# Needs llvm-tools (`rustup component add llvm-tools`, installed here if missing); runs the
# builds under qemu-system-arm when it is installed (./run.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"

tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
[ -x "$tools/llvm-size" ] || rustup component add llvm-tools >&2
elf=target/thumbv7em-none-eabihf/release/nn-firmware
out=target/size
mkdir -p "$out"

# Bytes of section $2 in ELF $1 (0 when absent).
section() {
    "$tools/llvm-size" -A "$1" | awk -v name="$2" '$1 == name { n = $2 } END { print n + 0 }'
}

# Total bytes of the symbols of ELF $1 whose demangled name starts with $2.
symbols() {
    local total=0 size
    for size in $("$tools/llvm-nm" -S -C "$1" | awk -v p="$2" 'index($4, p) == 1 { print $2 }'); do
        total=$((total + 16#$size))
    done
    echo "$total"
}

# Runs ELF $1 under QEMU and prints "MLP-instructions CNN-instructions LSTM-instructions
# ResNet-instructions stack-bytes" ("–" for what it does not report).
run() {
    local log=""
    if command -v qemu-system-arm >/dev/null; then
        log=$(qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
            -semihosting-config enable=on,target=native -icount shift=0 -kernel "$1" || true)
    fi
    local mlp cnn lstm resnet stack
    mlp=$(echo "$log" | sed -n 's/^MLP cost per inference: \([0-9]*\) .*/\1/p')
    cnn=$(echo "$log" | sed -n 's/^CNN cost per inference: \([0-9]*\) .*/\1/p')
    lstm=$(echo "$log" | sed -n 's/^LSTM cost per inference: \([0-9]*\) .*/\1/p')
    resnet=$(echo "$log" | sed -n 's/^ResNet cost per inference: \([0-9]*\) .*/\1/p')
    stack=$(echo "$log" | sed -n 's/^stack high-water mark: \([0-9]*\) bytes/\1/p')
    echo "${mlp:-–} ${cnn:-–} ${lstm:-–} ${resnet:-–} ${stack:-–}"
}

variants=(none mlp cnn lstm resnet "mlp cnn lstm resnet")
for variant in "${variants[@]}"; do
    features=()
    [ "$variant" = none ] || features=(--features "${variant// /,}")
    cargo build --release --quiet --no-default-features "${features[@]}"
    cp "$elf" "$out/${variant// /-}.elf"
done

code() { echo $(( $(section "$1" .vector_table) + $(section "$1" .text) )); }
base_code=$(code "$out/none.elf")

echo "| firmware | code (.vector_table + .text) | network code (Δ vs baseline) | weights | test data | other .rodata | .data | .bss | stack high-water | MLP instructions / inference | CNN instructions / inference | LSTM instructions / inference | ResNet instructions / inference |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for variant in "${variants[@]}"; do
    e="$out/${variant// /-}.elf"
    text=$(code "$e")
    rodata=$(section "$e" .rodata)
    weights=$(( $(symbols "$e" nn_firmware::models::MLP) + $(symbols "$e" nn_firmware::models::CNN) + $(symbols "$e" nn_firmware::models::LSTM) + $(symbols "$e" nn_firmware::models::RESNET) ))
    test_data=$(symbols "$e" nn_firmware::mnist::TEST_)
    read -r mlp cnn lstm resnet stack <<<"$(run "$e")"
    case $variant in
        none) name="baseline (stub, no network)"; delta="–" ;;
        *) name="${variant// / + }"; name="${name^^}"; name="${name//RESNET/ResNet}"; delta=$((text - base_code)) ;;
    esac
    echo "| $name | $text | $delta | $weights | $test_data | $((rodata - weights - test_data)) | $(section "$e" .data) | $(section "$e" .bss) | $stack | $mlp | $cnn | $lstm | $resnet |"
done
echo
echo "Bytes; flash holds code, .rodata and .data, RAM .data, .bss and the stack. Instructions are"
echo "counted under QEMU -icount shift=0 (timer ticks × 40), not cycles on silicon."

# The MLPerf Tiny models, one image each (their weights are imported at build time from the
# reference files, see build/mlperf.rs), against the same baseline.
echo
echo "| model | network code (Δ vs baseline) | weights | test inputs and host outputs | SCRATCH_BYTES | stack high-water | instructions / inference | MACs | instructions / MAC |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for model in kws vww ic ad; do
    cargo build --release --quiet --no-default-features --features "$model"
    e="$out/$model.elf"
    cp "$elf" "$e"
    delta=$(( $(code "$e") - base_code ))
    weights=$(symbols "$e" "nn_firmware::mlperf::$model::NETWORK")
    test_data=$(( $(symbols "$e" "nn_firmware::mlperf::$model::INPUTS") + $(symbols "$e" "nn_firmware::mlperf::$model::HOST_OUTPUTS") ))
    line=""
    if command -v qemu-system-arm >/dev/null; then
        line=$(qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
            -semihosting-config enable=on,target=native -icount shift=0 -kernel "$e" | grep "^$model: " || true)
    fi
    # "<model>: N instructions per inference, P per MAC (M MACs); scratch S bytes; stack high-water H bytes; …"
    read -r instructions per_mac macs scratch stack <<<"$(echo "$line" | sed -n \
        's/^[a-z]*: \([0-9]*\) instructions per inference, \([0-9.]*\) per MAC (\([0-9]*\) MACs); scratch \([0-9]*\) bytes; stack high-water \([0-9]*\) bytes.*/\1 \2 \3 \4 \5/p')"
    echo "| $model | $delta | $weights | $test_data | ${scratch:-–} | ${stack:-–} | ${instructions:-–} | ${macs:-–} | ${per_mac:-–} |"
done

# The same models in int8 (src/mlperf_int8.rs): parameter images from the int8 reference
# files, decoded into statics; then the MNIST MLP and CNN quantized at build time
# (src/mnist_int8.rs). The outputs must be the host's byte for byte.
echo
echo "| int8 model | network code (Δ vs baseline) | parameters | test inputs and host outputs | SCRATCH_BYTES | inference stack (scratch + frames) | stack high-water | instructions / inference | MACs | instructions / MAC |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for model in kws vww ic ad mlp cnn; do
    cargo build --release --quiet --no-default-features --features "$model-int8"
    e="$out/$model-int8.elf"
    cp "$elf" "$e"
    delta=$(( $(code "$e") - base_code ))
    module=mlperf_int8
    case $model in mlp | cnn) module=mnist_int8 ;; esac
    weights=$(symbols "$e" "nn_firmware::$module::${model}_int8::NETWORK")
    test_data=$(( $(symbols "$e" "nn_firmware::$module::${model}_int8::INPUTS") + $(symbols "$e" "nn_firmware::$module::${model}_int8::HOST_OUTPUTS") ))
    line=""
    if command -v qemu-system-arm >/dev/null; then
        line=$(qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
            -semihosting-config enable=on,target=native -icount shift=0 -kernel "$e" | grep "^$model-int8: " || true)
    fi
    # "…; stack high-water H bytes; inference stack F bytes, scratch + E; …"
    read -r instructions per_mac macs scratch stack inference extra <<<"$(echo "$line" | sed -n \
        's/^[a-z0-9-]*: \([0-9]*\) instructions per inference, \([0-9.]*\) per MAC (\([0-9]*\) MACs); scratch \([0-9]*\) bytes; stack high-water \([0-9]*\) bytes; inference stack \([0-9]*\) bytes, scratch + \([0-9]*\);.*/\1 \2 \3 \4 \5 \6 \7/p')"
    echo "| $model-int8 | $delta | $weights | $test_data | ${scratch:-–} | ${inference:-–} (+${extra:-–}) | ${stack:-–} | ${instructions:-–} | ${macs:-–} | ${per_mac:-–} |"
done
