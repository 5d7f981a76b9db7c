"""A cascade corpus made from the seeds: each seed re-issued by ten committees.

Every copy gets its own committee (header and place line), number and date; one bullet line in
``every`` gets a sentence naming the committee, as districts adapt their province's plan. The rest
is copied word for word, as real plans copy their parent. ``python benchmarks/cascade_corpus.py OUT``
writes the 40 files and prints the share of embedded pieces that are unique text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "seeds"
COMMITTEES = ("Tam Đường", "Sìn Hồ", "Mường Tè", "Than Uyên", "Tân Uyên", "Nậm Nhùn", "Bát Xát", "Mường Khương",
              "Bắc Hà", "Si Ma Cai")
_NUMBER = re.compile(r"Số\s*:?\s*(\d+)-KH/(ThU|HU)")
_PLACE_DATE = re.compile(r"^(\s*)(TP\. Lai Châu|Phong Thổ), ngày (\d+) tháng (\d+) năm (\d{4})", re.MULTILINE)
_HEADER_COMMITTEE = re.compile(r"^(\s*)(THÀNH ỦY LAI CHÂU|HUYỆN ỦY PHONG THỔ)\s*$", re.MULTILINE)
_BULLET = re.compile(r"^(- .{40,}?)\s*$", re.MULTILINE)


def reissue(text: str, seed_no: int, committee_no: int, every: int) -> str:
    """The seed's text as committee ``committee_no`` would issue it."""
    name = COMMITTEES[committee_no]
    number = 300 + 10 * committee_no + seed_no
    text = _NUMBER.sub(f"Số {number}-KH/HU", text, count=1)
    text = _HEADER_COMMITTEE.sub(lambda m: f"{m.group(1)}HUYỆN ỦY {name.upper()}", text, count=1)
    text = _PLACE_DATE.sub(lambda m: f"{m.group(1)}{name}, ngày {1 + (int(m.group(3)) + committee_no) % 27} "
                                     f"tháng {m.group(4)} năm {m.group(5)}", text, count=1)
    count = 0

    def adapt(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        if (count + committee_no) % every:
            return match.group(0)
        return f"{match.group(1)} Văn phòng Huyện ủy {name} theo dõi, tổng hợp."

    return _BULLET.sub(adapt, text)


def make_corpus(out: Path, copies: int = 10, every: int = 6) -> list[Path]:
    """Write ``copies`` re-issues of every seed under ``out``; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for seed_no, seed in enumerate(sorted(SEEDS.glob("*.txt"))):
        text = seed.read_text(encoding="utf-8")
        for committee_no in range(copies):
            target = out / f"{seed.stem}_{committee_no:02d}.txt"
            target.write_text(reissue(text, seed_no, committee_no, every), encoding="utf-8")
            files.append(target)
    return files


def unique_share(files: list[Path]) -> tuple[int, int]:
    """``(distinct pieces, pieces)`` the search index embeds for these files."""
    from ingest.pipeline import extract_file
    from ingest.registry import Registry
    from search.passages import chunk_texts

    registry = Registry.load(ROOT / "data" / "central_documents.json")
    pieces = []
    for path in files:
        for provision in extract_file(path, registry)["provisions"]:
            text = (provision.get("text") or "").strip()
            if text:
                pieces += chunk_texts(text, provision.get("path") or [])
    return len(set(pieces)), len(pieces)


if __name__ == "__main__":
    made = make_corpus(Path(sys.argv[1]))
    distinct, total = unique_share(made)
    print(f"{len(made)} files, {total} pieces, {distinct} distinct ({distinct / total:.0%})")
