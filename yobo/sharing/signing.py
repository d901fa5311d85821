"""SSH public keys of staff members and the allowed-signers file git verifies against."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError

KEY_LINE = re.compile(r"^((?:sk-)?(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521))(?:@openssh\.com)?) "
                      r"([A-Za-z0-9+/]+=*)(?:\s.*)?$")


def parse_public_key(text: str, source: str) -> str:
    """``type base64`` of an OpenSSH public key line; its comment (often a name or an
    e-mail address) is dropped so no personal data is copied into the casebook."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    found = KEY_LINE.match(line)
    if found is None:
        raise InputError(f"{source}: SSH 公開鍵（ssh-ed25519 AAAA… の一行）ではありません。"
                         "秘密鍵ではなく .pub のファイルを指定してください", field="--ssh-key")
    return f"{found.group(1)} {found.group(2)}"


def read_public_key(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: 読み込めません（{getattr(exc, 'strerror', None) or exc}）", field="--ssh-key") from None
    return parse_public_key(text, str(path))


def principal(staff_id: str, party: str) -> str:
    """The name a key is allowed to sign as: the staff member's opaque id and party."""
    return f"{staff_id}@{party}.yobo"


def allowed_signers(staff) -> str:
    """The text of an allowed-signers file (ssh-keygen ALLOWED SIGNERS) for ``staff``
    (registrations with a key), restricted to git commit signatures."""
    lines = [f'{principal(s.id, s.party)} namespaces="git" {s.ssh_key}' for s in staff if s.id and s.ssh_key]
    return "\n".join(lines) + ("\n" if lines else "")
