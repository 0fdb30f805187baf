"""Checkpoints of bootstrap distributions: finished blocks on disk, resumable.

A long bootstrap is cut into blocks of ``BLOCK_SIZE`` resamples, block b
seeded by child b of ``SeedSequence(seed)`` (see ``eval_toolkit._engine``).
A block is therefore a pure function of the inputs, the parameters and b:
once computed it never needs computing again.  A checkpoint directory keeps
each finished block in its own file, written atomically (temporary file,
fsync, ``os.replace``), so a run that is interrupted (Ctrl-C, SIGKILL, a
dead worker, a power cut) loses at most the blocks in flight, and a rerun
reads the saved blocks and computes only the missing ones.  Resumed and
uninterrupted runs are bit-identical.

Safety rules:

* the directory is keyed by a SHA-256 fingerprint of everything that
  determines the blocks (labels, scores, groups, metric, kernel options,
  stratification, seed, ``BLOCK_SIZE``); a directory holding a different
  computation is refused with a message naming what differs, never mixed in;
* ``n_resamples`` is not part of the key (blocks do not depend on it), so a
  rerun with more resamples reuses the blocks it has;
* each block file carries a SHA-256 checksum of the key and its bytes; a
  corrupt or truncated file is detected, reported with a
  :class:`CheckpointWarning` and recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import param_error
from ._warnings import warn

__all__ = ["CheckpointWarning"]

#: Bump when the meaning or the layout of a block changes: old checkpoints are refused.
FORMAT_VERSION = 1
MANIFEST = "checkpoint.json"
_MAGIC = b"ETKBLK1\n"


class CheckpointWarning(UserWarning):
    """A checkpoint file was unreadable (corrupt or truncated) and is recomputed."""


def _digest_array(array: np.ndarray) -> str:
    array = np.ascontiguousarray(array)
    h = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    if array.dtype.hasobject:
        h.update(repr(array.tolist()).encode())
    else:
        h.update(array.tobytes())
    return h.hexdigest()


def _digest(value: Any) -> str:
    """Stable digest of one input: arrays by content, callables by name and code."""
    if isinstance(value, np.ndarray):
        return _digest_array(value)
    if isinstance(value, np.random.SeedSequence):
        text = f"SeedSequence({value.entropy!r}, spawn_key={value.spawn_key!r})"
    elif callable(value) and hasattr(value, "__qualname__"):
        code = getattr(value, "__code__", None)
        body = hashlib.sha256(code.co_code).hexdigest() if code is not None else ""
        text = f"{getattr(value, '__module__', '')}.{value.__qualname__}:{body}"
    elif isinstance(value, (tuple, list)):
        text = "[" + ",".join(_digest(v) for v in value) + "]"
    else:
        text = repr(value)
    return hashlib.sha256(text.encode()).hexdigest()


def _write_atomic(path: Path, data: bytes, *, sync_dir: bool = False) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, whole.

    ``sync_dir`` also makes the rename itself durable across a power cut; a
    block whose rename is lost is only recomputed, so blocks skip that cost.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not sync_dir:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)


def _refusal(func: str, param: str, path: Any, why: str) -> str:
    # The parameter template, without its shortening: a path must stay whole.
    return (
        f"The '{param}' parameter of {func} must be a directory holding no checkpoint or a "
        f"checkpoint of this same computation (blocks of different computations are never "
        f"mixed). Got {str(path)!r} instead: {why}. Use another directory, or delete this "
        "one to start afresh."
    )


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint directory, bound to one computation (its key)."""

    directory: Path
    key: str

    @classmethod
    def open(
        cls, path: Any, func: str, parts: dict[str, Any], param: str = "checkpoint"
    ) -> Checkpoint:
        """Bind ``path`` to the computation described by ``parts``; refuse another's.

        ``parts`` maps a name the user knows ("y_true", "seed", ...) to the
        value that determines the blocks.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(param_error(func, param, "a path to a directory (str or Path)", path))
        directory = Path(path)
        digests = {name: _digest(value) for name, value in parts.items()}
        digests["format"] = str(FORMAT_VERSION)
        key = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            probe = directory / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ValueError(
                param_error(func, param, "a directory that can be created and written",
                            f"{str(path)!r} ({exc.strerror or exc})")
            ) from None
        manifest = directory / MANIFEST
        if manifest.exists():
            cls._check_manifest(manifest, func, param, path, key, digests)
        else:
            body = {"format": FORMAT_VERSION, "key": key, "parts": digests}
            _write_atomic(manifest, json.dumps(body, indent=1).encode(), sync_dir=True)
        return cls(directory, key)

    @staticmethod
    def _check_manifest(manifest: Path, func, param, path, key: str, digests: dict) -> None:
        try:
            stored = json.loads(manifest.read_text())
            stored_key, stored_parts = stored["key"], stored["parts"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ValueError(
                _refusal(func, param, path, f"its {MANIFEST} is unreadable")
            ) from None
        if stored_key == key:
            return
        differ = sorted(
            k for k in digests.keys() | stored_parts.keys() if digests.get(k) != stored_parts.get(k)
        )
        raise ValueError(
            _refusal(func, param, path, f"it holds a checkpoint whose {', '.join(differ)} differ")
        )

    def _file(self, block: int) -> Path:
        return self.directory / f"block_{block:07d}.npy"

    def load(self, block: int, rows: int) -> np.ndarray | None:
        """The saved values of ``block`` (``rows`` resamples), or None to compute them."""
        file = self._file(block)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            return None
        head = len(_MAGIC) + 32
        payload = data[head:]
        expected = hashlib.sha256(self.key.encode() + payload).digest()
        if data[: len(_MAGIC)] != _MAGIC or data[len(_MAGIC) : head] != expected:
            warn(
                f"checkpoint file {file} is corrupt or truncated (checksum mismatch); "
                "recomputing that block.",
                CheckpointWarning,
            )
            return None
        values = np.load(io.BytesIO(payload), allow_pickle=False)
        # The last block is shorter when n_resamples is not a multiple of BLOCK_SIZE.
        return values if values.shape[0] == rows else None

    def save(self, block: int, values: np.ndarray) -> None:
        buffer = io.BytesIO()
        np.save(buffer, values, allow_pickle=False)
        payload = buffer.getvalue()
        digest = hashlib.sha256(self.key.encode() + payload).digest()
        _write_atomic(self._file(block), _MAGIC + digest + payload)

    def saver(self, blocks: list[int]) -> Callable[[int, np.ndarray], None]:
        """``on_result`` for parallel_map: item i of the work is block ``blocks[i]``."""

        def save(index: int, values: np.ndarray) -> None:
            self.save(blocks[index], values)

        return save
