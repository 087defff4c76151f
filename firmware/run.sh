#!/usr/bin/env bash
# Builds the firmware and runs it on a Cortex-M4 (mps2-an386) under QEMU; exits with the
# firmware's status: 0 when every prediction matches the host's, 1 otherwise.
# Installs the Rust target and QEMU first if they are missing. Extra arguments go to cargo
# (e.g. `./run.sh --no-default-features --features mlp`).
set -euo pipefail
cd "$(dirname "$0")"

target=thumbv7em-none-eabihf
if ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target"
fi
if ! command -v qemu-system-arm >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update
    $sudo apt-get install -y qemu-system-arm
fi

# `cargo run` uses the QEMU runner of .cargo/config.toml and returns QEMU's exit status,
# which is the status the firmware passed to semihosting's exit.
exec cargo run --release "$@"
