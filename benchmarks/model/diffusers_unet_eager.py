#!/usr/bin/env python3
"""The peer of bench_diffusion's BM_UnetSdxl: diffusers' UNet2DConditionModel in PyTorch eager mode, same config,
random weights, batch 2 (one classifier-free-guidance step), the same latent side and thread count.

Run with the project's libtorch (PyTorch's wheel in .venv) after `.venv/bin/pip install diffusers==0.35.2`:
  OMP_NUM_THREADS=2 .venv/bin/python benchmarks/model/diffusers_unet_eager.py CONFIG.json [--side 64]
      [--iterations 2] [--device cpu|cuda] [--dtype float32|bfloat16] [--channels-last] [--sdpa|--no-sdpa]
Prints one JSON line: mean seconds per call, peak RSS (and peak GPU memory on CUDA).
"""
import argparse
import json
import resource
import time

import importlib.abc
import importlib.machinery
import sys
import types

import torch


class _AbsentModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """On a bare GPU machine (torch only), Pillow and numpy may be missing: diffusers imports them at start-up but
    the UNet call never uses them. Consulted last, so installed modules always win; says which it stood in for."""

    roots = ("PIL", "numpy")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in self.roots:
            return None
        print(f"note: {name} is not installed; a stand-in is used (the UNet call does not touch it)", file=sys.stderr)
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__version__ = "0"

        def attr(name):
            if name.startswith("__"):
                raise AttributeError(name)
            # A class (type hints take it), callable with anything (import-time defaults such as np.sqrt(2.0)).
            return type(name, (), {"__new__": lambda cls, *a, **k: None})

        module.__getattr__ = attr
        return module

    def exec_module(self, module):
        pass


sys.meta_path.append(_AbsentModules())
try:  # diffusers checks the versions of numpy and requests through their metadata: skipped where they are absent
    import importlib.metadata as _metadata
    _metadata.version("numpy"), _metadata.version("requests")
except _metadata.PackageNotFoundError:
    _check = types.ModuleType("diffusers.dependency_versions_check")
    _check.dep_version_check = lambda pkg, hint=None: None
    sys.modules[_check.__name__] = _check

from diffusers import UNet2DConditionModel  # noqa: E402
from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--side", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--no-sdpa", action="store_true", help="diffusers' unfused AttnProcessor instead of SDPA")
    a = ap.parse_args()
    threads = torch.get_num_threads()
    dtype = getattr(torch, a.dtype)
    torch.manual_seed(0)
    unet = UNet2DConditionModel.from_config(UNet2DConditionModel.load_config(a.config)).eval()
    unet.set_attn_processor(AttnProcessor() if a.no_sdpa else AttnProcessor2_0())
    unet.to(a.device, dtype)
    if a.channels_last:
        unet.to(memory_format=torch.channels_last)
    c = unet.config
    batch, px = 2, float(a.side * 8)
    sample = torch.randn(batch, c.in_channels, a.side, a.side, device=a.device, dtype=dtype)
    if a.channels_last:
        sample = sample.contiguous(memory_format=torch.channels_last)
    context = torch.randn(batch, 77, c.cross_attention_dim, device=a.device, dtype=dtype)
    pooled = c.projection_class_embeddings_input_dim - 6 * c.addition_time_embed_dim
    cond = {"text_embeds": torch.randn(batch, pooled, device=a.device, dtype=dtype),
            "time_ids": torch.tensor([[px, px, 0, 0, px, px]] * batch, device=a.device, dtype=dtype)}
    t = torch.full((batch,), 500.0, device=a.device)

    def step():
        out = unet(sample, t, encoder_hidden_states=context, added_cond_kwargs=cond).sample
        if a.device.startswith("cuda"):
            torch.cuda.synchronize()
        return out

    with torch.inference_mode():
        step()  # warm-up, as bench_diffusion
        times = []
        for _ in range(a.iterations):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
    out = {"peer": "diffusers " + __import__("diffusers").__version__ + " eager", "torch": torch.__version__,
           "device": a.device, "dtype": a.dtype, "side": a.side, "threads": threads,
           "channels_last": a.channels_last, "attention": "AttnProcessor" if a.no_sdpa else "AttnProcessor2_0 (SDPA)",
           "seconds": sum(times) / len(times), "times": times,
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if a.device.startswith("cuda"):
        out["gpu_peak_mib"] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps(out))


if __name__ == "__main__":
    main()
