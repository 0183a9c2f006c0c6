#!/usr/bin/env python3
"""Compare regenerated parity cases (generate.py --out DIR) with the committed ones.

    python compare.py --regen /tmp/regen [--ref tests/parity] [--case unet_sdxl_tiny ...] [--quiet]

For every case found under --regen (or given with --case) it compares, tensor by
tensor, io.safetensors and the weights file (diffusion_pytorch_model.safetensors),
then config.json / scheduler_config.json and meta.json, and prints the max abs diff
of each tensor with PASS/FAIL under README.md's "Suggested tolerances":

    UNet / VAE outputs and intermediates         max abs diff <= 1e-4
    scheduler timesteps                          exact
    scheduler sigmas, init_noise_sigma, train.*  allclose(rtol=1e-6, atol=1e-8)
    scheduler latents/model_input/eps/final      allclose(rtol=1e-5, atol=1e-5)
    parameter names / shapes / counts            exact

Tensors that are seeded random draws rather than computations (input.*, the
euler_ancestral noise, the weight values) are required to be bit-identical.
"bitwise" marks tensors whose bytes are identical.  Exit status 1 if anything fails.
Needs only numpy (the safetensors files are read directly).
"""

import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "BOOL": np.bool_,
          "F16": np.float16, "U8": np.uint8}
CASES = ["unet_sdxl_tiny", "vae_sdxl_tiny", "schedulers/ddim", "schedulers/euler",
         "schedulers/euler_ancestral", "schedulers/dpmpp_2m_karras", "idefics2_tiny"]
WEIGHT_FILES = ["diffusion_pytorch_model.safetensors", "model.safetensors"]


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None)
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[base + b:base + e], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = (info["dtype"], arr)
    return out, meta


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def rule_for(case, fname, name):
    """(kind, params): kind in exact | atol | allclose."""
    if fname in WEIGHT_FILES:
        return "exact", None
    if name.startswith("input."):
        return "exact", None
    if case.startswith("schedulers/"):
        leaf = name.split(".", 1)[1] if "." in name else name
        if name.startswith("train.") or leaf in ("sigmas", "init_noise_sigma"):
            return "allclose", (1e-6, 1e-8)
        if leaf == "timesteps" or leaf == "noise":
            return "exact", None
        return "allclose", (1e-5, 1e-5)
    if case == "idefics2_tiny":
        if name.startswith("text.") or name == "output.last_hidden_state":
            return "atol", 2e-4
        return "atol", 1e-4
    return "atol", 1e-4


def compare_file(case, fname, ref_path, new_path, quiet):
    ok = True
    ref, ref_meta = read_safetensors(ref_path)
    new, new_meta = read_safetensors(new_path)
    worst = 0.0
    n_bitwise = 0
    for name in sorted(set(ref) | set(new)):
        if name not in new:
            print("  FAIL %-48s missing in regenerated file" % name)
            ok = False
            continue
        if name not in ref:
            print("  FAIL %-48s not in committed file" % name)
            ok = False
            continue
        (rd, ra), (nd, na) = ref[name], new[name]
        if rd != nd or ra.shape != na.shape:
            print("  FAIL %-48s dtype/shape %s%s vs committed %s%s" % (name, nd, list(na.shape), rd, list(ra.shape)))
            ok = False
            continue
        bitwise = ra.tobytes() == na.tobytes()
        n_bitwise += bitwise
        a = ra.astype(np.float64)
        b = na.astype(np.float64)
        diff = float(np.max(np.abs(a - b))) if a.size else 0.0
        worst = max(worst, diff)
        kind, p = rule_for(case, fname, name)
        if kind == "exact":
            passed, tol = bitwise, "exact"
        elif kind == "atol":
            passed, tol = diff <= p, "atol %g" % p
        else:
            rtol, atol = p
            passed, tol = bool(np.all(np.abs(b - a) <= atol + rtol * np.abs(a))), "rtol %g atol %g" % p
        ok &= passed
        if not quiet or not passed:
            print("  %s %-48s max abs diff %.3e  [%s]%s" % ("PASS" if passed else "FAIL", name, diff, tol,
                                                           "  bitwise" if bitwise else ""))
    if ref_meta != new_meta:
        print("  NOTE header __metadata__ differs: %s vs committed %s" % (new_meta, ref_meta))
    same_bytes = sha256(ref_path) == sha256(new_path)
    print("  %s: %d tensors, %d bitwise identical, max abs diff %.3e, file bytes %s -> %s"
          % (fname, len(ref), n_bitwise, worst, "identical" if same_bytes else "differ",
             "PASS" if ok else "FAIL"))
    return ok, worst, n_bitwise == len(ref) == len(new)


# meta.json statistics of the run itself (float64 re-run noise, output magnitude):
# reported when they differ, but not failed, since they move with the last bits.
META_INFO_KEYS = ("float64_rerun_max_abs_diff", "float64_rerun_max_abs_diff_output", "output_abs_max", "output_std")


def compare_json(fname, ref_path, new_path, ignore=(), info=()):
    with open(ref_path) as f:
        ref = json.load(f)
    with open(new_path) as f:
        new = json.load(f)
    ok = True
    for k in sorted(set(ref) | set(new)):
        if k in ignore:
            continue
        if ref.get(k, "<missing>") != new.get(k, "<missing>"):
            tag = "NOTE" if k in info else "FAIL"
            print("  %s %s key %r: %r vs committed %r" % (tag, fname, k, new.get(k, "<missing>"), ref.get(k, "<missing>")))
            ok &= k in info
    print("  %s: %s%s" % (fname, "PASS" if ok else "FAIL",
                          (" (ignoring %s)" % ", ".join(ignore)) if ignore else ""))
    return ok


def compare_case(case, ref_dir, new_dir, quiet):
    print("== %s" % case)
    r, n = os.path.join(ref_dir, case), os.path.join(new_dir, case)
    if not os.path.isdir(n):
        print("  FAIL not regenerated (%s missing)" % n)
        return False, (None, False)
    ok, worst, bitwise = True, 0.0, True
    for fname in ["io.safetensors"] + WEIGHT_FILES:
        if os.path.exists(os.path.join(r, fname)):
            if not os.path.exists(os.path.join(n, fname)):
                print("  FAIL %s missing" % fname)
                ok = False
                bitwise = False
                continue
            o, w, b = compare_file(case, fname, os.path.join(r, fname), os.path.join(n, fname), quiet)
            ok &= o
            bitwise &= b
            worst = max(worst, w)
    for fname in ["config.json", "scheduler_config.json"]:
        if os.path.exists(os.path.join(r, fname)):
            if not os.path.exists(os.path.join(n, fname)):
                print("  FAIL %s missing" % fname)
                ok = False
            else:
                ok &= compare_json(fname, os.path.join(r, fname), os.path.join(n, fname))
    if os.path.exists(os.path.join(n, "meta.json")):
        # versions: the committed file describes the provenance in words, the
        # regenerated one records the running versions.
        ok &= compare_json("meta.json", os.path.join(r, "meta.json"), os.path.join(n, "meta.json"),
                           ignore=("versions",), info=META_INFO_KEYS)
    print("  => %s (max abs diff %.3e%s)" % ("PASS" if ok else "FAIL", worst,
                                           ", every tensor bit for bit" if bitwise else ""))
    return ok, (worst, bitwise)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regen", required=True, help="folder written by generate.py --out")
    ap.add_argument("--ref", default=HERE, help="committed parity folder (default: this script's folder)")
    ap.add_argument("--case", action="append", default=[], help="case(s) to compare (default: all found in --regen)")
    ap.add_argument("--quiet", action="store_true", help="print only failing tensors and per-file summaries")
    args = ap.parse_args(argv)

    cases = args.case or [c for c in CASES if os.path.isdir(os.path.join(args.regen, c))]
    if not cases:
        print("no cases found under %s" % args.regen)
        return 1
    results = {}
    for c in cases:
        results[c] = compare_case(c.strip("/"), args.ref, args.regen, args.quiet)
    print("\nSummary")
    for c, (ok, (worst, bitwise)) in results.items():
        print("  %-28s %s  max abs diff %s%s" % (c, "PASS" if ok else "FAIL",
                                                 "n/a" if worst is None else "%.3e" % worst,
                                                 "  (bit for bit)" if bitwise else ""))
    return 0 if all(ok for ok, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
