"""Legacy Word 97-2003 .doc through Debian's antiword (catdoc as fallback), run with a timeout.

antiword draws tables as ``|cell |cell |`` lines; they are reshaped like the .docx reader's output:
tables of one or two columns (the header and signature layouts) column by column, wider ones one
row per line with cells joined by a TAB. antiword drops automatic numbering ("I.", "1.").

>>> untable("x\\n|A   |C  |\\n|B   |   |\\ny")
'x\\nA\\nB\\nC\\ny'
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from kg.errors import UnreadableFileError

_LAYOUT_COLUMNS = 2

DOC_TOOLS = ("antiword", "catdoc")
_COMMANDS = {
    "antiword": ["-m", "UTF-8.txt", "-w", "0"],  # -w 0: one line per paragraph, no re-wrapping
    "catdoc": ["-d", "utf-8", "-w"],  # -w: no re-wrapping
}


def doc_text(path: Path, timeout: float = 60.0, tools: Sequence[str] = DOC_TOOLS) -> str:
    """Text of the .doc at ``path`` from the first of ``tools`` that is installed and succeeds."""
    failures: list[str] = []
    for tool in tools:
        exe = shutil.which(tool)
        if exe is None:
            continue
        try:
            proc = subprocess.run(
                [exe, *_COMMANDS.get(tool, []), str(path)], capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            failures.append(f"{tool}: quá {timeout:g} giây (timed out)")
            continue
        except OSError as exc:
            failures.append(f"{tool}: {exc.strerror}")
            continue
        text = proc.stdout.decode("utf-8", errors="replace")
        if proc.returncode == 0 and text.strip():
            return untable(text) if tool == "antiword" else text
        message = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        failures.append(f"{tool}: {message[-1][:160] if message else 'no text'}")
    if not failures:
        raise UnreadableFileError(
            path,
            "chưa cài công cụ đọc .doc, hãy chạy: apt-get install antiword (hoặc catdoc)"
            f" (no .doc reader installed: tried {', '.join(tools)})",
        )
    raise UnreadableFileError(
        path, f"không đọc được tệp Word 97-2003 (.doc), hãy lưu lại thành .docx ({'; '.join(failures)})"
    )


def _emit(rows: list[list[str]], out: list[str]) -> None:
    if max(len(r) for r in rows) <= _LAYOUT_COLUMNS:
        out.extend(r[c] for c in range(_LAYOUT_COLUMNS) for r in rows if c < len(r) and r[c])
    else:
        out.extend("\t".join(r) for r in rows)


def untable(text: str) -> str:
    """Turn antiword's ``|a |b |`` table lines into the reader's table shape (see the module docstring)."""
    out: list[str] = []
    rows: list[list[str]] = []
    for line in text.split("\n"):
        if len(line) > 1 and line.startswith("|") and line.rstrip().endswith("|"):
            rows.append([cell.strip() for cell in line.rstrip()[1:-1].split("|")])
            continue
        if rows:
            _emit(rows, out)
            rows = []
        out.append(line)
    if rows:
        _emit(rows, out)
    return "\n".join(out)
