"""The lecture's chapters as data: ``resources/lecture/*.md``, one file per video (Qt-free).

A teacher edits the words and the formulas there; the code supplies the numbers. The format is a
small, strict Markdown::

    # 12.3 The loss and the nine steps            <- the chapter (one per file; files sort by name)

    ## k5: Softmax and cross-entropy, K = 5       <- a step: id (unique in the lecture), title
    figure: softmax_example                       <- key: value lines right under the heading
    needs: loss

    A paragraph of text with inline maths $\\hat{y} - y$, **bold** and *italic*.

    $$ L = - \\sum_{i=1}^K y_i \\log(\\hat{y}_i) $$   <- a display formula (LaTeX), typeset

    > A remark: shown as a call-out.

    - A list item: one paragraph each, with a bullet.

``@name`` in text or formulas is a value the code fills in for the network and moment in view
(``@pixels``, ``@z``, ``@W`` …: see core.lecture.plan). Keys a figure reads (``box1:``,
``chain:``…) hold text or LaTeX like the paragraphs. ``load_lecture`` raises LectureError naming
the file and line of anything it cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import BackstepError

ROOT = Path(__file__).resolve().parents[2]
LECTURE_DIR = ROOT / "resources" / "lecture"
PLACEHOLDER = re.compile(r"@([A-Za-z][A-Za-z0-9]*)")
_META = re.compile(r"^([a-z][a-z0-9_]*):\s*(.*)$")
_STEP = re.compile(r"^##\s+([a-z0-9][a-z0-9_-]*)\s*:\s*(.+)$")


class LectureError(BackstepError):
    """A chapter file that cannot be read: the message names the file and the line."""


@dataclass(frozen=True)
class Block:
    """One piece of a step's text: ``kind`` "text", "math" (display LaTeX) or "note" (a call-out)."""

    kind: str
    source: str


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    meta: dict = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()
    where: str = ""  # "file:line", for messages

    @property
    def figure(self) -> str:
        return self.meta.get("figure", "none")

    def placeholders(self) -> set[str]:
        """Every @name used in this step's text, formulas and keys."""
        texts = [b.source for b in self.blocks] + [v for k, v in self.meta.items() if k != "figure"]
        return {m.group(1) for t in texts for m in PLACEHOLDER.finditer(t)}


@dataclass(frozen=True)
class Chapter:
    id: str  # e.g. "12.3"
    title: str
    steps: tuple[Step, ...]
    source: str = ""


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with every @name replaced by ``values[name]`` (unknown names are left as they are)."""
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


class _Parser:
    """Line by line: the chapter heading, step headings, key lines, paragraphs and $$ formulas."""

    def __init__(self, source: str):
        self.source = source
        self.title: str | None = None
        self.steps: list[dict] = []
        self.cur: dict | None = None
        self.para: list[str] = []
        self.math: list[str] | None = None

    def end_paragraph(self) -> None:
        if self.para and self.cur is not None:
            joined = " ".join(s.strip() for s in self.para)
            if joined.startswith(">"):
                self.cur["blocks"].append(Block("note", joined.lstrip("> ").strip()))
            else:
                self.cur["blocks"].append(Block("text", joined))
        self.para.clear()

    def line(self, line: str, where: str) -> None:
        if self.math is not None:  # inside $$ … $$
            if line.strip().endswith("$$"):
                self.math.append(line.strip()[:-2])
                self.cur["blocks"].append(Block("math", "\n".join(self.math).strip()))
                self.math = None
            else:
                self.math.append(line)
        elif line.startswith("# "):
            if self.title is not None:
                raise LectureError(f"{where}: a second chapter heading; one chapter per file")
            self.title = line[2:].strip()
        elif line.startswith("## "):
            self.heading(line, where)
        elif self.cur is None:
            if line.strip():
                raise LectureError(f"{where}: text before the first step ('## id: Title')")
        else:
            self.body(line)

    def heading(self, line: str, where: str) -> None:
        self.end_paragraph()
        m = _STEP.match(line)
        if not m:
            raise LectureError(f"{where}: a step heading is '## id: Title' (id in lower case, digits, - and _)")
        self.cur = {"id": m.group(1), "title": m.group(2).strip(), "meta": {}, "blocks": [], "where": where,
                    "in_meta": True}
        self.steps.append(self.cur)

    def body(self, line: str) -> None:
        cur = self.cur
        if cur["in_meta"]:
            m = _META.match(line)
            if m and not self.para:
                cur["meta"][m.group(1)] = m.group(2).strip()
                return
            cur["in_meta"] = False
        stripped = line.strip()
        if not stripped:
            self.end_paragraph()
        elif stripped.startswith("$$"):
            self.end_paragraph()
            rest = stripped[2:]
            if rest.endswith("$$") and len(rest) >= 2:
                cur["blocks"].append(Block("math", rest[:-2].strip()))
            else:
                self.math = [rest]
        elif stripped.startswith("- "):  # a list item: a paragraph of its own, with its bullet
            self.end_paragraph()
            self.para.append("• " + stripped[2:])
        else:
            self.para.append(line)

    def chapter(self) -> Chapter:
        if self.math is not None:
            raise LectureError(f"{self.source}: a formula opened with $$ is never closed")
        self.end_paragraph()
        if self.title is None:
            raise LectureError(f"{self.source}: no chapter heading ('# 12.1 Title')")
        chapter_id, _, chapter_title = self.title.partition(" ")
        steps = tuple(Step(s["id"], s["title"], dict(s["meta"]), tuple(s["blocks"]), s["where"]) for s in self.steps)
        return Chapter(chapter_id, chapter_title.strip() or chapter_id, steps, self.source)


def parse_chapter(text: str, source: str = "<text>") -> Chapter:
    """One chapter file's text -> Chapter (LectureError on anything malformed)."""
    parser = _Parser(source)
    for n, raw in enumerate(text.splitlines(), 1):
        parser.line(raw.rstrip(), f"{source}:{n}")
    return parser.chapter()


def load_lecture(folder: Path | str = LECTURE_DIR) -> tuple[Chapter, ...]:
    """Every ``*.md`` of ``folder`` in name order, checked: step ids unique, every step with text."""
    folder = Path(folder)
    files = sorted(folder.glob("*.md"))
    if not files:
        raise LectureError(f"{folder}: no chapter files (*.md)")
    chapters, seen = [], {}
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LectureError(f"{f}: cannot be read ({exc})") from None
        ch = parse_chapter(text, str(f.relative_to(folder.parent) if folder.parent in f.parents else f))
        for s in ch.steps:
            if s.id in seen:
                raise LectureError(f"{s.where}: step id {s.id!r} is used already at {seen[s.id]}")
            seen[s.id] = s.where
            if not s.blocks:
                raise LectureError(f"{s.where}: step {s.id!r} has no text")
        chapters.append(ch)
    return tuple(chapters)
