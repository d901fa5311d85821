"""git's file-system monitor (fsmonitor) for a casebook: turned on, off, and asked about.

Without a monitor, every ``git status`` — and so every ``monitor due``, ``case list``
and ``validate``, which all start with one — looks at each of the casebook's files
(0.55 s at 10,000 cases, issue 16).  With one, git asks the monitor which paths changed
since its last look and checks only those (0.10 s measured beside it).  Two monitors
serve git:

* git's own daemon (``core.fsmonitor=true``, git ≥ 2.36) — on Windows and macOS only;
  git 2.39 on Linux answers ``fsmonitor--daemon not supported on this platform``;
* watchman (https://facebook.github.io/watchman/), through the hook git ships as
  ``fsmonitor-watchman.sample`` (protocol version 2): copied into the git folder's
  ``hooks/`` and named in ``core.fsmonitor``.

``core.untrackedCache=true`` goes with either (git then also remembers which folders
hold no new files).  Everything is set in the clone's own ``.git/config`` — never in a
committed file — and what was set, with the values it replaced, is written to
``yobo-watch.json`` in the git folder, so that turning the monitor off removes exactly
that and nothing someone else set.

Correctness does not depend on the monitor: when the hook fails (watchman gone, not
answering, or *poisoned*), git prints the hook's complaint and looks at every file as
it would without one.  Watchman answers each query only after a "cookie" file it
creates in the folder has come back through the kernel's event queue, so a change
made before the query — even milliseconds before — is in its answer
(tests/test_watcher.py edits a file immediately before each command).

On Linux watchman needs one inotify watch per folder (115,207 folders at 10,000
cases).  When the user's limit (``/proc/sys/fs/inotify/max_user_watches``, shared by
every program of the user) runs out, watchman cannot watch the rest and stops
answering every query ("A non-recoverable condition has triggered … All requests will
continue to fail … until you resolve the underlying problem"); git then falls back to
looking at every file, each time printing the hook's error — no change is missed, but
nothing is faster.  The cure is a higher limit (``sysctl fs.inotify.max_user_watches``)
and a restart of watchman (``watchman shutdown-server``).  The limit is the user's, not
the folder's: every folder watchman (or an editor) watches already takes its share, and
the one watchman process serves every folder of the user, so crossing the limit for one
casebook stops the answers for all of them (seen here: a second 10,000-case clone
watched beside a first one).  So ``watch on`` refuses, and ``watch status`` warns, when
the casebook's folders do not fit in what is left under the limit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import gitstore
from .errors import YoboError

#: The file in the git folder recording what ``turn_on`` set (and the values it replaced).
STATE_FILE = "yobo-watch.json"
#: The hook's name in the git folder's ``hooks/`` (git's sample without ``.sample``).
HOOK = "fsmonitor-watchman"
SAMPLE = HOOK + ".sample"
#: git's built-in daemon: the first release that has it, on the platforms it supports.
BUILTIN_SINCE = (2, 36)
BUILTIN_PLATFORMS = ("darwin", "win32")
#: The kinds of monitor, as ``watch status --json`` names them.
KINDS = {"builtin": "git の組み込みの監視（fsmonitor--daemon）", "watchman": "watchman（git のフック経由）"}
#: Where Linux keeps the user's inotify watch limit.
INOTIFY_LIMIT = Path("/proc/sys/fs/inotify/max_user_watches")
#: How long ``turn_on`` lets watchman read the whole casebook before giving up (ms): 10,000
#: cases take ≈ 4 s; 100,000 several times that on a busy machine.
CRAWL_TIMEOUT_MS = 600_000
#: The Japanese advice for a too-low inotify limit (also the README's).
LIMIT_ADVICE = ("上限を上げてください（管理者権限で /etc/sysctl.d/ に fs.inotify.max_user_watches=524288 の一行を書き、"
                "sudo sysctl --system）。そのあと watchman shutdown-server で watchman を再起動してください")


@dataclass(frozen=True)
class Support:
    """What this machine offers: ``kind`` ("builtin", "watchman" or None) and, when
    None, ``reason``, one Japanese sentence saying what is missing."""

    kind: str | None
    reason: str = ""
    sample: Path | None = None  # the hook git ships (watchman only)


@dataclass
class Status:
    """The monitor of one casebook, as ``watch status`` shows it."""

    on: bool
    kind: str | None  # the monitor in use ("builtin" / "watchman"), or None
    by_yobo: bool  # set by ``yobo watch on`` (``off`` can remove it)
    fsmonitor: str | None  # core.fsmonitor as configured
    untracked_cache: str | None  # core.untrackedCache as configured
    available: str | None  # what ``on`` would choose here
    unavailable: str  # why nothing is available ("" when something is)
    watching: bool | None  # watchman watches the folder (None: not watchman)
    folders: int | None  # folders of the work tree (what inotify needs one watch each for)
    limit: int | None  # the user's inotify watch limit (None: not Linux)
    problems: list[str] = field(default_factory=list)  # Japanese sentences
    messages: list[str] = field(default_factory=list)  # what ``on`` / ``off`` did (Japanese)

    def to_json(self) -> dict:
        return {"on": self.on, "kind": self.kind, "by_yobo": self.by_yobo, "fsmonitor": self.fsmonitor,
                "untracked_cache": self.untracked_cache, "available": self.available,
                "unavailable": self.unavailable or None, "watching": self.watching, "folders": self.folders,
                "inotify_limit": self.limit, "problems": list(self.problems),
                "messages": list(self.messages)}


def _run(args: list[str], cwd: Path | None = None, *, data: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, cwd=cwd, input=data, capture_output=True, text=True, encoding="utf-8",
                              errors="replace")
    except FileNotFoundError:
        return subprocess.CompletedProcess(args, 127, "", f"{args[0]} が見つかりません")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return _run(["git", *args], root)


def _config(root: Path, key: str) -> str | None:
    value = _git(root, "config", "--local", "--get", key).stdout.strip()
    return value or None


def _set_config(root: Path, key: str, value: str | None) -> None:
    args = ["config", "--local", key, value] if value is not None else ["config", "--local", "--unset-all", key]
    proc = _git(root, *args)
    if proc.returncode not in (0, 5) or (proc.returncode == 5 and value is not None):  # 5: nothing to unset
        raise YoboError(f"git config {key} を変えられませんでした（{proc.stderr.strip() or proc.returncode}）")


def git_version(root: Path | None = None) -> tuple[int, ...]:
    """git's version as numbers, e.g. (2, 39, 5); () when git cannot be run."""
    out = _run(["git", "version"], root).stdout.split()
    numbers = []
    for part in (out[2].split(".") if len(out) > 2 else []):
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers)


def _git_dir(root: Path) -> Path:
    """The git folder shared by the clone's work trees (config and hooks live there)."""
    proc = _git(root, "rev-parse", "--path-format=absolute", "--git-common-dir")
    if proc.returncode != 0 or not proc.stdout.strip():
        raise YoboError(f"{root} は git のリポジトリではありません")
    return Path(proc.stdout.strip())


def _top(root: Path) -> Path:
    return gitstore.toplevel(root) or root.resolve()


def _builtin_supported(root: Path, platform: str) -> bool:
    """git's daemon is there: a new enough git on Windows or macOS that does not say the
    platform (or this folder's file system) is unsupported (exit 128)."""
    if platform not in BUILTIN_PLATFORMS or git_version(root) < BUILTIN_SINCE:
        return False
    return _git(root, "fsmonitor--daemon", "status").returncode != 128


def find_sample(root: Path) -> Path | None:
    """git's ``fsmonitor-watchman.sample``: in the clone's hooks (git copies its templates
    there at init and clone), in ``init.templateDir``, or in the templates installed
    beside git itself (``<exec-path>/../../share/git-core/templates``; Debian's
    ``/usr/share/git-core/templates``)."""
    places = [_git_dir(root) / "hooks"]
    template = _git(root, "config", "--get", "init.templateDir").stdout.strip()
    if template:
        places.append(Path(os.path.expanduser(template)) / "hooks")
    exec_path = _run(["git", "--exec-path"], root).stdout.strip()
    if exec_path:
        places.append(Path(exec_path).parent.parent / "share" / "git-core" / "templates" / "hooks")
    places.append(Path("/usr/share/git-core/templates/hooks"))
    return next((place / SAMPLE for place in places if (place / SAMPLE).is_file()), None)


def detect(root: Path, platform: str = sys.platform) -> Support:
    """The monitor this machine can give git for ``root``: git's own daemon where git has
    one for this platform, else watchman through git's hook, else None and why."""
    if _builtin_supported(root, platform):
        return Support("builtin")
    if shutil.which("watchman") is None:
        version = ".".join(map(str, git_version(root))) or "不明"
        builtin = ("git の組み込みの監視はこの OS では使えず" if platform not in BUILTIN_PLATFORMS
                   else f"git の組み込みの監視には git {'.'.join(map(str, BUILTIN_SINCE))} 以上が必要で（今は {version}）")
        return Support(None, f"{builtin}、watchman も見つかりません（watchman をインストールしてください。"
                             "Debian・Ubuntu では sudo apt install watchman）")
    if platform != "win32" and shutil.which("perl") is None:  # git's hook is a perl script
        return Support(None, "watchman はありますが、git のフック（fsmonitor-watchman）を動かす perl が見つかりません"
                             "（perl をインストールしてください）")
    sample = find_sample(root)
    if sample is None:
        return Support(None, f"watchman はありますが、git が添えるフックの見本（{SAMPLE}）が見つかりません"
                             "（git を入れ直すか、git init で作ったリポジトリの .git/hooks/ から写してください）")
    return Support("watchman", sample=sample)


# -- folders and inotify -------------------------------------------------------------------------


def count_folders(root: Path) -> int:
    """Folders of the work tree outside ``.git`` (the top one included): what watchman
    on Linux needs one inotify watch each for."""
    count, stack = 0, [str(root)]
    while stack:
        folder = stack.pop()
        count += 1
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name != ".git" and entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return count


def inotify_limit(path: Path = INOTIFY_LIMIT) -> int | None:
    """The user's inotify watch limit, or None where there is none to read (not Linux)."""
    try:
        return int(path.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def inotify_in_use(proc: Path = Path("/proc")) -> int | None:
    """inotify watches the user's programs hold now (every watchman root, editors, …),
    counted from ``/proc/<pid>/fdinfo``; None where there is no ``/proc``."""
    if not hasattr(os, "getuid") or not (proc / "self" / "fdinfo").is_dir():  # Windows: no inotify
        return None
    uid, total = _uid(), 0
    for pid in os.listdir(proc):
        if not pid.isdigit():
            continue
        try:
            if (proc / pid).stat().st_uid != uid:
                continue
            fds = os.listdir(proc / pid / "fd")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        for fd in fds:
            try:
                if os.readlink(proc / pid / "fd" / fd) != "anon_inode:inotify":
                    continue
                total += (proc / pid / "fdinfo" / fd).read_bytes().count(b"inotify wd:")
            except OSError:
                continue
    return total


def _uid() -> int | None:
    if hasattr(os, "getuid"):
        return os.getuid()
    return None


def limit_problem(folders: int, limit: int | None, in_use: int = 0) -> str | None:
    """The Japanese warning when the casebook's folders, with the watches the user's
    programs hold already (``in_use``), are more than inotify may watch."""
    if limit is None or folders + in_use <= limit:
        return None
    others = f"（ほかのプログラム・ほかの監視中のフォルダがすでに {in_use:,} 個を使っています）" if in_use else ""
    return (f"このケースブックのフォルダは {folders:,} 個で、inotify で監視できる上限"
            f"（fs.inotify.max_user_watches）の {limit:,} に収まりません{others}。watchman は全部を監視できず、"
            "すべての問い合わせにエラーを返すようになります（git はそのたびにエラーを表示して全ファイルを調べ直すので、"
            f"変更を見落とすことはありませんが、速くもなりません。ほかのフォルダの監視も止まります）。{LIMIT_ADVICE}")


# -- watchman ------------------------------------------------------------------------------------


def _watchman(*command, timeout_ms: int | None = None) -> dict:
    """One watchman command (JSON in, JSON out); its answer, or {"error": …}."""
    request = list(command)
    if timeout_ms is not None:
        request.append({"sync_timeout": timeout_ms})
    proc = _run(["watchman", "-j", "--no-pretty"], data=json.dumps(request))
    try:
        answer = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except ValueError:
        answer = {}
    if proc.returncode != 0 and "error" not in answer:
        answer["error"] = (proc.stderr.strip() or proc.stdout.strip() or f"watchman の終了コード {proc.returncode}")
    return answer


def watched(top: Path) -> bool:
    """Whether watchman watches the folder ``top`` (asking never starts a watch)."""
    if shutil.which("watchman") is None:
        return False
    roots = _watchman("watch-list").get("roots") or []
    return str(top) in {str(Path(r).resolve()) for r in roots}


def watch(top: Path) -> None:
    """Make watchman watch ``top`` and wait until it has read the whole folder once (a
    query with a sync timeout is answered only after the first crawl), so that the
    first command after ``watch on`` is not the one that pays for it."""
    started = _watchman("watch", str(top))
    if "error" in started:
        raise YoboError(f"watchman が {top} を監視できませんでした（{_first_line(started['error'])}）")
    clock = _watchman("clock", str(top), timeout_ms=CRAWL_TIMEOUT_MS)
    if "error" in clock:
        raise YoboError(f"watchman が {top} を読み終えませんでした（{_first_line(clock['error'])}）")


def unwatch(top: Path) -> None:
    """Stop watchman watching ``top`` (nothing if it does not)."""
    if shutil.which("watchman") is not None:
        _watchman("watch-del", str(top))


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return lines[0].strip() if lines else str(text)


# -- on, off, status -----------------------------------------------------------------------------


def _state(git_dir: Path) -> dict | None:
    try:
        return json.loads((git_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_state(git_dir: Path, state: dict) -> None:
    path = git_dir / STATE_FILE
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(json.dumps(state, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def _hook_value(top: Path, hook: Path) -> str:
    """``core.fsmonitor`` for the hook: relative to the work tree (git runs the hook
    there) when the git folder is inside it, so the setting survives moving the folder."""
    try:
        return hook.relative_to(top).as_posix()
    except ValueError:
        return str(hook)


def turn_on(root: Path, support: Support | None = None, *, check_limit: bool = True) -> tuple[Status, list[str]]:
    """Turn the monitor on for ``root``'s clone; the status after, and what was done (Japanese
    lines).  Raises :class:`YoboError` (exit 2) when nothing is available, when the inotify
    limit is too low, or when someone else's ``core.fsmonitor`` is in the way."""
    git_dir, top = _git_dir(root), _top(root)
    support = support or detect(root)
    state = _state(git_dir)
    if (state is not None and state.get("kind") == support.kind
            and _config(root, "core.fsmonitor") == (state.get("set") or {}).get("core.fsmonitor")):
        done = ["すでに有効です（yobo watch on で設定済み）"]
        if support.kind == "watchman" and not watched(top):
            watch(top)
            # this folder's watch is yobo's now (a copied or moved casebook brings the
            # record of another folder's): ``off`` stops it
            _write_state(git_dir, {**state, "watch_added": True, "folder": str(top)})
            done.append("watchman の監視を始め直しました")
        return status(root, support), done
    if support.kind is None:
        raise YoboError(f"ファイルの変更の監視を使えません: {support.reason}")
    if state is not None:  # set by yobo for another kind of monitor (e.g. a newer git), or changed by hand
        turn_off(root)
    current = _config(root, "core.fsmonitor")
    if current is not None:
        raise YoboError(f"core.fsmonitor はすでに {current} に設定されています（yobo が設定したものではないので変えません。"
                        "git config --unset core.fsmonitor で外してから、もう一度実行してください）")
    if support.kind == "watchman" and check_limit and not watched(top):
        # watchman adds the folders one by one; past the limit it stops answering anyone,
        # so the room is checked before it starts (the user's other watches count too)
        problem = limit_problem(count_folders(top), inotify_limit(), inotify_in_use() or 0)
        if problem is not None:
            raise YoboError(problem)
    wanted = {"core.untrackedcache": "true"}
    hook_written = False
    if support.kind == "builtin":
        wanted["core.fsmonitor"] = "true"
    else:
        hook = git_dir / "hooks" / HOOK
        sample = support.sample.read_bytes()
        if hook.exists() and hook.read_bytes() != sample:
            raise YoboError(f"{hook} に別の内容のファイルがあります（yobo は上書きしません。移すか消してから、もう一度実行してください）")
        if not hook.exists():
            hook.parent.mkdir(parents=True, exist_ok=True)
            scratch = hook.with_name(hook.name + ".tmp")
            scratch.write_bytes(sample)
            scratch.chmod(0o755)
            os.replace(scratch, hook)
            hook_written = True
        wanted["core.fsmonitor"] = _hook_value(top, hook)
        wanted["core.fsmonitorhookversion"] = "2"
    previous = {key: _config(root, key) for key in wanted}
    was_watched = support.kind == "watchman" and watched(top)
    # the record first: a run stopped half-way is undone by ``off`` like a finished one
    _write_state(git_dir, {"kind": support.kind, "set": wanted, "previous": previous,
                           "hook": HOOK if hook_written else None,
                           "hook_sha256": hashlib.sha256(sample).hexdigest() if hook_written else None,
                           "watch_added": not was_watched,
                           "folder": str(top)})
    try:
        for key, value in wanted.items():
            if previous[key] != value:
                _set_config(root, key, value)
        done = [f"{KINDS[support.kind]}を有効にしました（このクローンの .git/config。コミットはしません）"]
        if support.kind == "watchman":
            if not was_watched:
                watch(top)
                done.append("watchman がケースブックを読み終えました")
        else:
            started = _git(root, "fsmonitor--daemon", "start")
            if started.returncode != 0:
                detail = (started.stderr or started.stdout).strip().splitlines()
                raise YoboError(f"git の監視デーモンを起動できませんでした（{detail[-1] if detail else started.returncode}）")
    except YoboError:
        turn_off(root)  # a monitor that does not answer would make every git status complain
        raise
    # one git status now writes the monitor's token and the untracked cache into git's
    # index, so the next command starts from them
    _git(root, "status", "--porcelain", "-z", "--untracked-files=normal")
    return status(root, support), done


def turn_off(root: Path) -> tuple[bool, list[str]]:
    """Remove what ``turn_on`` set: (whether anything was, Japanese lines of what was
    done or left).  A setting changed by hand since is left as it is, and said so."""
    git_dir, top = _git_dir(root), _top(root)
    state = _state(git_dir)
    if state is None:
        current = _config(root, "core.fsmonitor")
        if current is not None:
            raise YoboError(f"core.fsmonitor={current} は yobo が設定したものではないので変えません"
                            "（外すには git config --unset core.fsmonitor）")
        return False, ["監視は有効になっていません"]
    done = []
    if state.get("kind") == "builtin":
        _git(root, "fsmonitor--daemon", "stop")
    for key, value in (state.get("set") or {}).items():
        now = _config(root, key)
        before = (state.get("previous") or {}).get(key)
        if now == value:
            if before != value:
                _set_config(root, key, before)
        elif now != before:
            done.append(f"{key} は yobo が設定したあとで変えられているので、そのままにしました（今は {now}）")
    if state.get("hook"):
        hook = git_dir / "hooks" / state["hook"]
        if hook.exists() and _as_written(hook, state, root):
            hook.unlink()
        elif hook.exists():
            done.append(f"{hook} は yobo が写したあとで変えられているので、消さずに残しました")
    if state.get("watch_added"):
        unwatch(top)  # this folder: a record copied or moved with the casebook names another
    (git_dir / STATE_FILE).unlink(missing_ok=True)
    return True, ["ファイルの変更の監視を止め、yobo が設定したものを外しました", *done]


def _as_written(hook: Path, state: dict, root: Path) -> bool:
    """Whether the hook is still the file ``turn_on`` wrote (its digest, kept in the
    record; a record of an earlier yobo without one: git's sample, if it can be found)."""
    data = hook.read_bytes()
    if type(state.get("hook_sha256")) is str:
        return hashlib.sha256(data).hexdigest() == state["hook_sha256"]
    sample = find_sample(root)
    return sample is not None and data == sample.read_bytes()


def status(root: Path, support: Support | None = None) -> Status:
    """The monitor of ``root``'s clone, what this machine offers, and what is wrong."""
    git_dir, top = _git_dir(root), _top(root)
    support = support or detect(root)
    state = _state(git_dir)
    fsmonitor = _config(root, "core.fsmonitor")
    untracked = _config(root, "core.untrackedcache")
    kind = None
    if fsmonitor is not None and fsmonitor.lower() not in ("false", "no", "off", "0"):
        kind = "builtin" if fsmonitor.lower() in ("true", "yes", "on", "1") else "watchman"
    problems = []
    watching = None
    folders = limit = None
    if kind == "watchman":
        watching = watched(top)
        hook = Path(fsmonitor) if Path(fsmonitor).is_absolute() else top / fsmonitor
        if not hook.is_file():
            problems.append(f"core.fsmonitor のフック {fsmonitor} がありません（git はエラーを出して全ファイルを調べます。"
                            "yobo watch off のあと yobo watch on で設定し直してください）")
        if shutil.which("watchman") is None:
            problems.append("watchman が見つかりません（git は全ファイルを調べるので速くなりません。watchman をインストール"
                            "するか、yobo watch off で監視をやめてください）")
        elif not watching:
            problems.append("watchman はまだこのケースブックを監視していません（次の git status で始まり、最初の一回は"
                            "全フォルダを読むので遅くなります。yobo watch on で今すぐ始められます）")
        else:
            poisoned = _watchman("clock", str(top))
            if "error" in poisoned:
                problems.append(f"watchman が答えません（{_first_line(poisoned['error'])}）。git は全ファイルを調べるので"
                                "速くなりません")
    if kind == "builtin" and support.kind != "builtin":
        problems.append("core.fsmonitor=true ですが、この git ではこの OS の組み込みの監視を使えません（効果がありません）")
    if kind == "watchman" or (kind is None and support.kind == "watchman"):
        limit = inotify_limit()
        if limit is not None:
            folders = count_folders(top)
            # a folder watched already holds its own watches among those in use
            in_use = 0 if watching else (inotify_in_use() or 0)
            problem = limit_problem(folders, limit, in_use)
            if problem is not None:
                problems.append(problem)
    return Status(on=kind is not None, kind=kind, by_yobo=state is not None, fsmonitor=fsmonitor,
                  untracked_cache=untracked, available=support.kind, unavailable=support.reason,
                  watching=watching, folders=folders, limit=limit, problems=problems)
