"""The CSV form of the standard: MS932, CRLF, quoting, file names and the ファイル連番.

Rules from the layout's header of every file (ケアプランデータ連携標準仕様 v4.1 別紙) and
本文 4.2–4.3: CSV separated by ``,``; Shift-JIS (MS932) only — 外字 and characters
outside MS932 are not allowed, the sender converts them; フリーテキスト in ``"…"`` with
line breaks and commas kept and ``"`` written ``""``.  File names follow the
ファイル名規約 ``PREFIX_送信元事業所番号(10)_送信元サービス種類(2)_送信先事業所番号(10)_
送信先サービス種類(2)_YYYYMMDDHHMMSS(14).CSV``; the 14 digits are the ファイル連番
that the files of one set share (3.4) and receivers process in order (3.5).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from ..errors import InputError

ENCODING = "cp932"  # Python's name for MS932 (Microsoft's Shift-JIS with the NEC/IBM extensions)
OFFICE_NUMBER = re.compile(r"^[0-9]{10}$")
SERVICE_KIND = re.compile(r"^[0-9A-Z]{2}$")
SERIAL = re.compile(r"^[0-9]{14}$")
#: The prefixes of the 介護予防 files, longest first so UPKIHON_SUB1 is not read as UPKIHON.
_PREFIXES = ("UPKIHON_SUB1", "UPKIHON_SUB2", "UPKIHON", "UPYOBO_SUB", "UPYOBO", "DLTKIHON", "DLTYOBO")
#: The spec's own 3.4 example writes UPKIHON with a 年月 part (``UPKIHON_000000_…``) that the
#: layout's 規約 has not: written without it, read either way.
_NAME = re.compile(r"^(?P<prefix>" + "|".join(_PREFIXES) + r")_(?:(?P<month>[0-9]{6})_)?(?P<from_no>[0-9]{10})_"
                   r"(?P<from_kind>[0-9A-Z]{2})_(?P<to_no>[0-9]{10})_(?P<to_kind>[0-9A-Z]{2})_(?P<serial>[0-9]{14})"
                   r"\.CSV$", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    """Who sends a set to whom (the four middle parts of a file name)."""

    from_no: str
    from_kind: str
    to_no: str
    to_kind: str


@dataclass(frozen=True)
class FileName:
    prefix: str
    route: Route
    serial: str

    def __str__(self) -> str:
        r = self.route
        return f"{self.prefix}_{r.from_no}_{r.from_kind}_{r.to_no}_{r.to_kind}_{self.serial}.CSV"


#: Any file of the standard (居宅 files too: UPPLAN, UP1KYO …), to tell "not ours" from "not a name".
_ANY_NAME = re.compile(r"^(UP|DLT)[0-9A-Z_]*_(?:[0-9]{6}_)?[0-9]{10}_[0-9A-Z]{2}_[0-9]{10}_[0-9A-Z]{2}_[0-9]{14}"
                       r"(?:_[0-9]{4})?\.(CSV|JPG|JPEG)$", re.IGNORECASE)


def is_other_standard_file(name: str) -> bool:
    """A file of the standard that is not one of the 介護予防 CSV files read here."""
    return parse_file_name(name) is None and bool(_ANY_NAME.match(name))


def parse_file_name(name: str) -> FileName | None:
    found = _NAME.match(name)
    if not found:
        return None
    g = found.groupdict()
    return FileName(g["prefix"].upper(), Route(g["from_no"], g["from_kind"].upper(), g["to_no"], g["to_kind"].upper()),
                    g["serial"])


def check_route(route: Route) -> None:
    if not route.from_no:
        raise InputError("送信元の事業所番号がありません（yobo.yaml の office に number: '1234567890' を書いてください）",
                         field="yobo.yaml office.number")
    for value, field, what in ((route.from_no, "yobo.yaml office.number", "送信元の事業所番号"),
                               (route.to_no, "--to-office", "送信先の事業所番号")):
        if not OFFICE_NUMBER.match(value or ""):
            raise InputError(f"{what} '{value or ''}' は10桁の数字ではありません", field=field)
    for value, field, what in ((route.from_kind, "--from-service", "送信元のサービス種類"),
                               (route.to_kind, "--to-service", "送信先のサービス種類")):
        if not SERVICE_KIND.match(value or ""):
            raise InputError(f"{what} '{value or ''}' はサービス種類コード（2桁、例: 46、A5）ではありません", field=field)


def make_serial(day: date, time: str | None, taken: set[str]) -> str:
    """The ファイル連番 YYYYMMDDHHMMSS of a new set.

    The day is the injected today; the time is ``time`` (HHMMSS, given by the caller —
    the CLI's ``--time`` or its clock) or, without one, 000000.  A 連番 already
    ``taken`` (a set in the output folder) moves on a second at a time, so two sets
    written the same day never share one and a later set always sorts after an
    earlier one — the order the receiver processes them in (本文 3.5).
    """
    hms = time or "000000"
    if not re.fullmatch(r"([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]", hms):
        raise InputError(f"'{hms}' は時刻 HHMMSS ではありません", field="--time")
    seconds = int(hms[:2]) * 3600 + int(hms[2:4]) * 60 + int(hms[4:])
    prefix = day.strftime("%Y%m%d")
    later = [int(s[8:]) for s in taken if s.startswith(prefix)]
    while True:
        serial = f"{prefix}{seconds // 3600:02d}{seconds % 3600 // 60:02d}{seconds % 60:02d}"
        if serial not in taken and not any(_secs(t) >= seconds for t in later):
            return serial
        seconds += 1
        if seconds >= 86400:
            raise InputError(f"{day} のファイル連番を使い切りました（出力先のフォルダを分けてください）", field="--time")


def _secs(hhmmss: int) -> int:
    return hhmmss // 10000 * 3600 + hhmmss // 100 % 100 * 60 + hhmmss % 100


# -- characters --------------------------------------------------------------------------------------


def outside_ms932(text: str) -> list[str]:
    """The characters of ``text`` MS932 cannot encode (外字 and the rest of Unicode)."""
    bad = []
    for ch in text:
        try:
            ch.encode(ENCODING)
        except UnicodeEncodeError:
            if ch not in bad:
                bad.append(ch)
    return bad


def describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"「{ch}」(U+{ord(ch):04X}{' ' + name if name else ''})"


def load_replacements(table: dict, where: str) -> dict[str, str]:
    """A ``--replace`` table: each key one character outside MS932, each value its MS932 stand-in."""
    out = {}
    for key, value in table.items():
        key, value = str(key), "" if value is None else str(value)
        if len(key) != 1:
            raise InputError(f"置き換える文字 '{key}' は1文字で書いてください", field=where)
        bad = outside_ms932(value)
        if bad:
            raise InputError(f"'{key}' の置き換え先 '{value}' にも MS932 にない文字 {describe_char(bad[0])} があります",
                             field=where)
        out[key] = value
    return out


# -- records -----------------------------------------------------------------------------------------


def quote(text: str) -> str:
    """フリーテキスト: in ``"…"``, ``"`` doubled, line breaks kept (as CRLF, the file's own)."""
    return '"' + text.replace("\r\n", "\n").replace("\n", "\r\n").replace('"', '""') + '"'


def encode_file(lines: list[str]) -> bytes:
    """The file's bytes: one record a line, CRLF after each (MS932 checked by the caller)."""
    return "".join(line + "\r\n" for line in lines).encode(ENCODING)


def read_records(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    """(line of the record's start, fields) of every record of a file; blank lines skipped."""
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{line}行目: MS932（Shift-JIS）として読めないバイトがあります", field=name) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    start = 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                records.append((start, [f.replace("\r\n", "\n") for f in fields]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{start}行目: CSV として読めません（{exc}）", field=name) from None
    return records
