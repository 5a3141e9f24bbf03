"""Deterministic random streams: one numpy Generator per (seed, purpose, key...).

Each chunk of work (a province, a month, a file) draws from its own stream, so a chunk's output does not
depend on the order chunks run in or on how many other chunks there are.
"""

from __future__ import annotations

import zlib

import numpy as np


def rng(seed: int, purpose: str, *keys: int | str) -> np.random.Generator:
    # crc32 is stable across runs and platforms (Python's hash() of a str is not).
    words = [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, zlib.crc32(purpose.encode())]
    words += [k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def choose_weighted(
    generator: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, k: int
) -> np.ndarray:
    """``k`` distinct candidates drawn without replacement with probability proportional to ``weights``
    (Efraimidis-Spirakis keys, vectorised: O(n)). Returns them in candidate order."""
    if k <= 0 or len(candidates) == 0:
        return candidates[:0]
    if k >= len(candidates):
        return candidates
    keys = np.log(generator.random(len(candidates))) / np.maximum(weights, 1e-12)
    chosen = np.argpartition(keys, len(candidates) - k)[len(candidates) - k :]
    return candidates[np.sort(chosen)]


def choose(generator: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct candidates, uniformly, in candidate order."""
    if k <= 0 or len(candidates) == 0:
        return candidates[:0]
    if k >= len(candidates):
        return candidates
    # argpartition of uniform keys: O(n), unlike choice(replace=False) on large pools
    return candidates[np.sort(np.argpartition(generator.random(len(candidates)), k)[:k])]


def uniform(generator: np.random.Generator, n: int) -> np.ndarray:
    """Uniform [0, 1) draws in single precision: plenty for probabilities, half the time and memory."""
    return generator.random(n, dtype=np.float32)


def lookup_table(probabilities: np.ndarray, resolution: int = 1 << 14) -> np.ndarray:
    """A table in which outcome i fills ≈ p_i × resolution slots (largest remainder), so that drawing from
    a small discrete distribution is one random integer and one lookup. Probabilities are rounded to
    1/resolution (1/16384): far below any sampling noise that matters here."""
    p = np.asarray(probabilities, dtype=float) / np.sum(probabilities)
    quota = p * resolution
    slots = np.floor(quota).astype(np.int64)
    slots[np.argsort(-(quota - slots), kind="stable")[: resolution - slots.sum()]] += 1
    return np.repeat(np.arange(len(p), dtype=np.int32), slots)


def draw(generator: np.random.Generator, table: np.ndarray, n: int) -> np.ndarray:
    return table[generator.integers(0, len(table), n, dtype=np.int32)]


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as an (n, width) matrix of ASCII bytes, four
    digits at a time from a lookup table (three integer divisions for ten digits)."""
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64, copy=True)
    for end in range(width, 0, -4):
        start = max(end - 4, 0)
        out[:, start:end] = _FOUR_DIGITS[rest % 10_000][:, 4 - (end - start) :]
        rest //= 10_000
    return out


_FOUR_DIGITS = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)
