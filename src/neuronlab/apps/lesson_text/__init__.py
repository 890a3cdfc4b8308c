"""The lesson's words: one Markdown file per chapter, the single source of lesson.md and of the page's Lesson tab.

Each ``<chapter>.md`` is plain Markdown with ``{name}`` fields the engine fills (``nl.lesson.numbers()``), so no
number is typed by hand, and four additions:

    !figure NAME          where lesson.md shows figure NAME (the page has its own interactive picture there)
    !answer               where lesson.md puts the exercise's answer (``--reveal``) or says how to see it
    :::theorem ... :::    a boxed statement (a quote in lesson.md, ``data-testid=theorem`` on the page)
    :::check ... :::      the chapter's "check yourself" question: its text, then either choices
                          ``* right | why`` and ``- wrong | why``, or a number ``= 0.5 ± 0.01 | why`` with
                          ``! why not`` for any other answer

``blocks(name, numbers)`` parses a chapter; ``markdown`` and ``html`` render the blocks; ``fragments`` gives every
chapter as HTML fragments keyed by chapter (what the server puts into index.html, and what a static page can
reuse); ``embed`` fills a page's ``<!-- lesson:NAME -->`` and ``<!-- check:NAME -->`` placeholders.

    >>> [b["kind"] for b in parse("## 1. Title\\n\\nSome **bold** text.\\n\\n!figure decide")]
    ['heading', 'paragraph', 'figure']
    >>> inline("a `b<c` and **d**")
    'a <code>b&lt;c</code> and <b>d</b>'
"""

from __future__ import annotations

import html as _html
import re
from importlib import resources

CHAPTERS = ("hook", "decide", "xor", "neuron", "pair", "bumps", "bend", "descent", "step", "activations", "backprop")
EXTRAS = ("answer",)  # texts that are no chapter: the exercise's answer


def source(name: str) -> str:
    """The raw text of ``name``.md, its ``{fields}`` unfilled."""
    if name not in CHAPTERS + EXTRAS:
        raise ValueError(f"no lesson text {name!r}; the chapters are {', '.join(CHAPTERS)}")
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def fields(text: str) -> set[str]:
    """The ``{name}`` fields a text asks for (format specs such as ``{lr:.3f}`` count by name)."""
    return {match.split(":")[0].split("!")[0] for match in re.findall(r"\{([^{}]+)\}", text)}


def parse(text: str) -> list[dict]:
    """Markdown blocks: heading, paragraph, recap, list, table, code, figure, answer, theorem, check."""
    lines, out, i = text.strip("\n").split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = lines.index("```", i + 1)
            out.append({"kind": "code", "language": line[3:].strip(), "text": "\n".join(lines[i + 1 : end])})
            i = end + 1
        elif line.startswith(":::"):
            end = lines.index(":::", i + 1)
            body = "\n".join(lines[i + 1 : end])
            kind = line[3:].strip()
            if kind == "theorem":
                out.append({"kind": "theorem", "blocks": parse(body)})
            elif kind == "check":
                out.append(_check(body))
            else:
                raise ValueError(f"unknown box :::{kind}")
            i = end + 1
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append({"kind": "heading", "level": level, "text": line[level:].strip()})
            i += 1
        elif line.startswith("!figure "):
            out.append({"kind": "figure", "name": line.split()[1]})
            i += 1
        elif line.strip() == "!answer":
            out.append({"kind": "answer"})
            i += 1
        else:
            block = []
            while (
                i < len(lines)
                and lines[i].strip()
                and not lines[i].startswith(("```", ":::", "#", "!figure", "!answer"))
            ):
                block.append(lines[i])
                i += 1
            out.append(_block(block))
    return out


def _block(lines: list[str]) -> dict:
    if all(line.startswith("|") for line in lines):
        rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
        return {"kind": "table", "header": rows[0], "rows": [r for r in rows[2:]]}
    if lines[0].startswith("- "):
        items = []
        for line in lines:
            if line.startswith("- "):
                items.append(line[2:])
            else:
                items[-1] += " " + line.strip()
        return {"kind": "list", "items": items}
    text = " ".join(line.strip() for line in lines)
    return {"kind": "recap" if text.startswith("**In one line:**") else "paragraph", "text": text}


def _check(body: str) -> dict:
    question, options, number, wrong = [], [], None, ""
    for line in body.strip().split("\n"):
        if line[:2] in ("* ", "- "):
            label, why = (part.strip() for part in line[2:].split("|", 1))
            options.append({"label": label, "right": line[0] == "*", "why": why})
        elif line.startswith("= "):
            value, why = (part.strip() for part in line[2:].split("|", 1))
            answer, tolerance = (float(v) for v in value.split("±"))
            number = {"answer": answer, "tolerance": tolerance, "why": why}
        elif line.startswith("! "):
            wrong = line[2:].strip()
        else:
            question.append(line.strip())
    if bool(options) == bool(number):
        raise ValueError("a check has either choices (* and -) or a number (=), not both or neither")
    if options and sum(o["right"] for o in options) != 1:
        raise ValueError("a check with choices has exactly one right choice (*)")
    if number and not wrong:
        raise ValueError("a number check says why a wrong number is wrong (! ...)")
    return {"kind": "check", "question": " ".join(question), "options": options, "number": number, "wrong": wrong}


def blocks(name: str, numbers: dict) -> list[dict]:
    """Chapter ``name`` with its fields filled from ``numbers``, parsed."""
    return parse(source(name).format_map(numbers))


# ---------------------------------------------------------------- Markdown (lesson.md)


def plain(text: str) -> str:
    """Inline Markdown as plain text: **bold** and `code` marks dropped."""
    return re.sub(r"\*\*(.+?)\*\*|`([^`\n]+)`", lambda m: m.group(1) or m.group(2), text)


def markdown(
    chapter: list[dict], figure=lambda name: f"![{name}]({name}.png)", answer=lambda: "", check_number: str = ""
) -> tuple[str, str]:
    """A chapter as Markdown, and its check's answer (for the answers at the end of lesson.md).

    ``figure(name)`` and ``answer()`` return the Markdown that stands for a figure and for the exercise's answer.
    """
    parts, solution = [], ""
    for b in chapter:
        kind = b["kind"]
        if kind == "heading":
            parts.append("#" * b["level"] + " " + b["text"])
        elif kind in ("paragraph", "recap"):
            parts.append(b["text"])
        elif kind == "list":
            parts.append("\n".join(f"- {item}" for item in b["items"]))
        elif kind == "table":
            rows = [b["header"], ["---"] * len(b["header"]), *b["rows"]]
            parts.append("\n".join("| " + " | ".join(r) + " |" for r in rows))
        elif kind == "code":
            parts.append(f"```{b['language']}\n{b['text']}\n```")
        elif kind == "figure":
            parts.append(figure(b["name"]))
        elif kind == "answer":
            parts.append(answer())
        elif kind == "theorem":
            inner, _ = markdown(b["blocks"])
            parts.append("\n".join("> " + line if line else ">" for line in inner.split("\n")))
        elif kind == "check":
            lines = [f"**Check yourself{check_number}.** {b['question']}"]
            if b["options"]:
                letters = "abcdefgh"
                lines += ["", *(f"- ({letters[k]}) {o['label']}" for k, o in enumerate(b["options"]))]
                k, right = next((k, o) for k, o in enumerate(b["options"]) if o["right"])
                solution = f"({letters[k]}) {right['label'].rstrip('.')}. {right['why']}"
            else:
                solution = f"{_number(b['number']['answer'])}. {b['number']['why']}"
            parts.append("\n".join(lines))
    return "\n\n".join(p for p in parts if p), solution


def _number(value: float) -> str:
    return f"{value:g}".replace("-", "−")


# ---------------------------------------------------------------- HTML (the page)


def inline(text: str) -> str:
    """Inline Markdown to HTML: the text escaped, then `code` and **bold**."""
    pieces = re.split(r"(`[^`]+`)", text)
    out = []
    for piece in pieces:
        if piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            out.append(f"<code>{_html.escape(piece[1:-1])}</code>")
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", _html.escape(piece, quote=False)))
    return "".join(out)


def html(chapter: list[dict], name: str = "") -> str:
    """A chapter's text as HTML; figures, the answer marker and the check are left out (see ``check_html``)."""
    parts = []
    for b in chapter:
        kind = b["kind"]
        if kind == "heading":
            level = min(6, b["level"])
            parts.append(f"<h{level}>{inline(b['text'])}</h{level}>")
        elif kind == "paragraph":
            parts.append(f"<p>{inline(b['text'])}</p>")
        elif kind == "recap":
            parts.append(f'<p class="recap">{inline(b["text"])}</p>')
        elif kind == "list":
            parts.append("<ul>" + "".join(f"<li>{inline(item)}</li>" for item in b["items"]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{inline(c)}</th>" for c in b["header"])
            rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in b["rows"])
            parts.append(f'<table class="lesson-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
        elif kind == "code":
            parts.append(f"<pre><code>{_html.escape(b['text'])}</code></pre>")
        elif kind == "theorem":
            parts.append(f'<aside class="theorem" data-testid="theorem">{html(b["blocks"])}</aside>')
    return "\n".join(parts)


def check_html(chapter: list[dict], name: str) -> str:
    """The chapter's check-yourself question as HTML (``data-testid=check-NAME``); lesson.js makes it answer."""
    found = [b for b in chapter if b["kind"] == "check"]
    if not found:
        return ""
    b = found[0]
    attr = lambda text: _html.escape(text, quote=True)
    head = (
        f'<div class="check" data-testid="check-{name}" data-check="{name}" role="group" '
        f'aria-labelledby="check-{name}-q"><p id="check-{name}-q"><b>Check yourself.</b> {inline(b["question"])}</p>'
    )
    if b["options"]:
        body = (
            '<div class="check-choices">'
            + "".join(
                f'<button type="button" data-right="{str(o["right"]).lower()}" data-why="{attr(inline(o["why"]))}">'
                f"{inline(o['label'])}</button>"
                for o in b["options"]
            )
            + "</div>"
        )
    else:
        n = b["number"]
        body = (
            f'<div class="check-number"><input type="text" inputmode="decimal" aria-label="your answer" '
            f'data-answer="{n["answer"]!r}" data-tolerance="{n["tolerance"]!r}" data-why="{attr(inline(n["why"]))}" '
            f'data-wrong="{attr(inline(b["wrong"]))}"><button type="button">check</button></div>'
        )
    return head + body + '<p class="check-feedback" role="status" aria-live="polite"></p></div>'


def fragments(numbers: dict) -> dict:
    """Every chapter as HTML fragments keyed by chapter: {name: {"text": html, "check": html}}; the extras
    (the exercise's answer) as {"text": html}."""
    out = {}
    for name in CHAPTERS + EXTRAS:
        chapter = blocks(name, numbers)
        out[name] = {"text": html(chapter, name), "check": check_html(chapter, name)}
    return out


PLACEHOLDER = re.compile(r"<!-- (lesson|check):([a-z]+) -->")


def embed(page: str, numbers: dict) -> str:
    """``page`` with each ``<!-- lesson:NAME -->`` replaced by chapter NAME's text and each ``<!-- check:NAME -->``
    by its question. An unknown NAME is an error (a typo would silently drop a chapter)."""
    texts = fragments(numbers)

    def fill(match):
        what, name = match.groups()
        if name not in texts:
            raise ValueError(f"the page asks for lesson text {name!r}, which does not exist")
        if what == "check":
            return texts[name]["check"]
        return f'<div class="lesson-text" data-chapter="{name}">{texts[name]["text"]}</div>'

    return PLACEHOLDER.sub(fill, page)
