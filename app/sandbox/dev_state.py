"""What `make dev` keeps across restarts, in a directory git ignores (.dev-state/).

- The embedded AWS: moto's own recorder appends every request the moto server answers to
  `moto-recording.jsonl` as it arrives (so a crash loses nothing), and the next start replays
  them into a fresh server (`recorder.replay_recording`). Reads are dropped from the file
  first: they change nothing, and the replay stays short however long the stack ran. The
  accounts, the invites and the app secret (its admin token and signing key) come back so.
- The X sandbox: its apps, accounts, access tokens and posts, written to `x-sandbox.json`
  after every request that may change them, so tokens stored in the secrets still work.

moto takes the recording's path from the environment when it is imported: `prepare_recording`
sets it before the launcher imports moto.
"""

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR = REPOSITORY / ".dev-state"
# Actions that only read (by their X-Amz-Target or Action name): not replayed.
_READ_PREFIXES = ("Get", "Describe", "List", "BatchGet", "Scan", "Query")


@dataclass(frozen=True)
class DevState:
    directory: Path

    @property
    def recording(self) -> Path:
        return self.directory / "moto-recording.jsonl"

    @property
    def x_sandbox(self) -> Path:
        return self.directory / "x-sandbox.json"

    def kept(self) -> bool:
        """Whether an earlier run left state to restore."""
        return self.recording.is_file() and self.recording.stat().st_size > 0

    def wipe(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def prepare_recording(self) -> int:
        """Point moto's recorder at our file (before moto is imported), dropping the reads of
        earlier runs from it; returns how many requests are left to replay."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.environ["MOTO_RECORDER_FILEPATH"] = str(self.recording)
        os.environ["MOTO_ENABLE_RECORDING"] = "true"
        if not self.recording.is_file():
            return 0
        kept = [line for line in self.recording.read_text().splitlines() if _changes(line)]
        temporary = self.recording.with_suffix(".tmp")
        temporary.write_text("".join(f"{line}\n" for line in kept))
        temporary.replace(self.recording)
        return len(kept)

    def load_x_sandbox(self) -> dict[str, Any] | None:
        if not self.x_sandbox.is_file():
            return None
        loaded: dict[str, Any] = json.loads(self.x_sandbox.read_text())
        return loaded

    def save_x_sandbox(self, snapshot: dict[str, Any]) -> None:
        """Written whole, then moved into place: a crash mid-write leaves the last one."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.x_sandbox.with_suffix(".tmp")
        temporary.write_text(json.dumps(snapshot))
        temporary.replace(self.x_sandbox)


def replay(endpoint: str) -> None:
    """Replay the recording into the (fresh) moto server at `endpoint`."""
    from moto.moto_api import recorder

    recorder.replay_recording(target_host=endpoint)


def _changes(line: str) -> bool:
    """Whether a recorded request may have changed something (a write, or one we can't name)."""
    if not line.strip():
        return False
    entry = json.loads(line)
    headers = {key.lower(): value for key, value in entry.get("headers", {}).items()}
    action = headers.get("x-amz-target", "").rpartition(".")[2]
    return not action.startswith(_READ_PREFIXES)
