#!/usr/bin/env python3
"""Where the emulated Cortex-M4 spends its instructions, per function.

Runs a firmware ELF under QEMU with every executed translation block logged
(`-d in_asm,exec,nochain`: each block's instructions once, then one line per execution),
and prints the instructions executed in each function (its generic instances together),
most first; with `--range LO HI` (hexadecimal addresses), also each instruction in that
range with its count. The counts are exact: QEMU executes what `size.sh` counts.

    ./run.sh --no-default-features --features vww-int8     # builds the image
    python3 profile.py target/thumbv7em-none-eabihf/release/nn-firmware
    python3 profile.py ELF --range 0x9f10 0x9f60            # one function's loop

The log is large (1–2 GB for visual wake words' seven inferences) and goes to a temporary
file that is deleted afterwards.
"""

import argparse
import collections
import os
import subprocess
import sys
import tempfile


def run_logged(elf, log):
    """Runs `elf` under QEMU, logging every executed block to `log`."""
    command = [
        "qemu-system-arm", "-cpu", "cortex-m4", "-machine", "mps2-an386", "-nographic",
        "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
        "-kernel", elf, "-d", "in_asm,exec,nochain", "-D", log,
    ]
    subprocess.run(command, stdout=subprocess.DEVNULL, check=False)


def parse(log):
    """The blocks (first address -> [(address, text)]), their functions and execution counts."""
    blocks, names = {}, {}
    executed = collections.Counter()
    current = None
    with open(log, errors="replace") as lines:
        for line in lines:
            if line.startswith("IN:"):
                name, current = line[3:].strip(), []
            elif line.startswith("0x") and current is not None:
                address = int(line[:10], 16)
                if not current:
                    blocks[address], names[address] = current, name
                current.append((address, line[12:].strip()))
            elif line.startswith("Trace"):
                current = None
                # "Trace 0: 0x... [0000/00001234/...]": the block's first address.
                executed[int(line.split("[")[1].split("/")[1], 16)] += 1
    return blocks, names, executed


def demangle(name):
    """A legacy-mangled Rust symbol (`_ZN10nn_runtime4int8…17h<hash>E`) as `nn_runtime::int8::…`
    (hash dropped, `$LT$`-style escapes left as they are); other names unchanged."""
    if not (name.startswith("_ZN") and name.endswith("E")):
        return name
    parts, rest = [], name[3:-1]
    while rest and rest[0].isdigit():
        digits = len(rest) - len(rest.lstrip("0123456789"))
        length = int(rest[:digits])
        parts.append(rest[digits:digits + length])
        rest = rest[digits + length:]
    if parts and parts[-1].startswith("h") and len(parts[-1]) == 17:
        parts.pop()
    return "::".join(parts) if parts else name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("elf")
    parser.add_argument("--range", nargs=2, metavar=("LO", "HI"))
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        log = os.path.join(scratch, "qemu.log")
        run_logged(args.elf, log)
        blocks, names, executed = parse(log)
    if not executed:
        sys.exit("no executed blocks logged: is qemu-system-arm installed and the ELF a firmware?")
    per_function = collections.Counter()
    per_instruction = collections.Counter()
    text = {}
    for first, times in executed.items():
        block = blocks.get(first, [])
        # Instances of one generic function (one per requantizer, say) add up.
        per_function[demangle(names.get(first, "?"))] += times * len(block)
        for address, instruction in block:
            per_instruction[address] += times
            text[address] = instruction
    total = sum(per_function.values())
    print(f"{total} instructions executed")
    for name, count in per_function.most_common(args.top):
        print(f"{100 * count / total:6.2f}% {count:>12} {name[:110]}")
    if args.range:
        low, high = (int(bound, 16) for bound in args.range)
        for address in sorted(a for a in per_instruction if low <= a < high):
            print(f"{address:08x} {per_instruction[address]:>10} {text[address]}")


if __name__ == "__main__":
    main()
