"""``sharekeeper key rotate-master``: where the new key comes from, and what the command says
it did. The rotation itself is ``services.master_key``'s."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sharekeeper.auth.secrets import InvalidMasterKey, decode_master_key
from sharekeeper.services.master_key import Rotation

NEW_KEY_VARIABLE = "SHAREKEEPER_NEW_MASTER_KEY"
MAKE_A_KEY = (
    "(umask 077; python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
    " > PATH)"
)


def new_master_key(path: Path | None, env: Mapping[str, str]) -> tuple[bytes, str]:
    """The new key and where it was read: from a file or a variable, never from the command
    line itself (where other users see it in the process list and it stays in the history)."""
    given = env.get(NEW_KEY_VARIABLE) or None
    if path is not None and given is not None:
        raise InvalidMasterKey(
            f"both --new-key-file and {NEW_KEY_VARIABLE} are given: give the new key once"
        )
    if path is not None:
        try:
            text = path.read_text("ascii", errors="replace")
        except OSError as error:
            raise InvalidMasterKey(f"cannot read {path} ({error.strerror})") from None
        return decode_master_key(text, str(path)), str(path)
    if given is None:
        raise InvalidMasterKey(
            f"give the new master key in a file (--new-key-file PATH) or in {NEW_KEY_VARIABLE};"
            f" make one with: {MAKE_A_KEY}"
        )
    return decode_master_key(given, NEW_KEY_VARIABLE), NEW_KEY_VARIABLE


def rotation_report(rotation: Rotation, key_file: Path | None, source: str) -> str:
    lines = [
        f"re-sealed {rotation.resealed} secrets under the new master key (fingerprint "
        f"{rotation.fingerprint[:12]}); ended {rotation.operator_sessions_ended} operator "
        "console sessions"
    ]
    if rotation.unreadable:
        lines.append(
            f"left {len(rotation.unreadable)} access keys that no key opens, as unusable as "
            f"before: {', '.join(rotation.unreadable)} (revoke them; issue new ones)"
        )
    if key_file is not None:
        lines.append(
            f"{key_file} now holds the new key: copy it to every host that serves this "
            "database, then restart every server"
        )
    else:
        lines.append(
            f"set SHAREKEEPER_MASTER_KEY to the new key (from {source}) wherever ShareKeeper "
            "runs, then restart every server"
        )
    return "\n".join(lines)
