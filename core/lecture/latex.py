"""The lecture's formulas as text: LaTeX coloured by symbol, inline LaTeX as HTML, Unicode as LaTeX.

``colourise`` puts every symbol of a LaTeX formula in its colour (core.lecture.colours): the
letters x, z, a, f, g, W, y, L and \\hat{y}, \\alpha, each with the sub- and superscripts that
follow it (z_i^{(4)} is one blue group). Words (\\text{…}, \\operatorname{…}, runs of two or more
letters) and commands (\\exp, \\partial) are left alone. Two macros of our own steer it:
``\\as{role}{…}`` colours its argument as ``role`` (12.1's image f is coloured as the input x) and
``\\nc{…}`` leaves its argument uncoloured.

``inline_html`` turns the short inline formulas of the chapters' text ($z^{(1)}$, $\\alpha$) into
HTML with the same colours; display formulas are typeset (desktop.math_view).

``unicode_to_latex`` reads the layers' formulas (core.api.Formula, written in Unicode:
"∂L/∂a⁽ˡ⁾ᵢⱼ = Σₘ Σₙ g⁽ˡ⁾ₘₙ …") as LaTeX, so that one renderer typesets both.
"""

from __future__ import annotations

import html
import re

from core.lecture.colours import COMMANDS, LETTERS, ROLES, colour

__all__ = ["colourise", "inline_html", "latex_plain", "strip_macros", "text_html", "unicode_to_latex"]

_VERBATIM = (r"\text", r"\mathrm", r"\operatorname", r"\begin", r"\end", r"\color", r"\textbf", r"\mathbf")


def _group(s: str, i: int) -> int:
    """The index just past the brace group that starts at s[i] == '{' (or past one character)."""
    if i >= len(s):
        return i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", s[i:])
            return i + len(m.group(0))
        return i + 1
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(s)


def _scripts(s: str, i: int) -> int:
    """Past the sub- and superscripts (_x, ^{…}) that follow position i."""
    while i < len(s):
        j = i
        while j < len(s) and s[j] == " ":
            j += 1
        if j < len(s) and s[j] in "_^":
            k = j + 1
            while k < len(s) and s[k] == " ":
                k += 1
            i = _group(s, k)
        else:
            return i
    return i


def _wrap(role: str, body: str, dark: bool) -> str:
    return "{\\color{" + colour(role, dark) + "}" + body + "}"


def colourise(tex: str, dark: bool = False) -> str:
    """``tex`` with every symbol of the lecture wrapped in ``{\\color{#rrggbb}…}``."""
    out, i, n = [], 0, len(tex)
    while i < n:
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", tex[i:])
            cmd = m.group(0)
            if cmd == r"\as":
                a = _group(tex, i + 3)
                role = tex[i + 4:a - 1]
                b = _group(tex, a)
                body = colourise(tex[a + 1:b - 1], dark) if role not in ROLES else strip_macros(tex[a + 1:b - 1])
                out.append(_wrap(role, body, dark) if role in ROLES else body)
                i = b
                continue
            if cmd == r"\nc":
                b = _group(tex, i + 3)
                out.append("{" + strip_macros(tex[i + 4:b - 1]) + "}")
                i = b
                continue
            hat = re.match(r"\\hat\s*\{\s*y\s*\}|\\hat\s+y", tex[i:])
            if hat or cmd in COMMANDS:
                end = i + (len(hat.group(0)) if hat else len(cmd))
                role = "yhat" if hat else COMMANDS[cmd]
                stop = _scripts(tex, end)
                out.append(_wrap(role, strip_macros(tex[i:stop]), dark))
                i = stop
                continue
            if cmd in _VERBATIM:
                j = i + len(cmd)
                while j < n and tex[j] == "{":
                    j = _group(tex, j)
                out.append(tex[i:j])
                i = j
                continue
            out.append(cmd)
            i += len(cmd)
            continue
        if c.isascii() and c.isalpha():
            j = i
            while j < n and tex[j].isascii() and tex[j].isalpha():
                j += 1
            if j - i == 1 and c in LETTERS:
                stop = _scripts(tex, j)
                inner = tex[j:stop]
                out.append(_wrap(LETTERS[c], c + strip_macros(inner), dark))
                i = stop
            else:
                out.append(tex[i:j])
                i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def strip_macros(tex: str) -> str:
    """``tex`` with our own macros (\\as, \\nc) replaced by their arguments: plain LaTeX."""
    out, i = [], 0
    while i < len(tex):
        if tex.startswith(r"\as{", i):
            a = _group(tex, i + 3)
            b = _group(tex, a)
            out.append("{" + strip_macros(tex[a + 1:b - 1]) + "}")
            i = b
        elif tex.startswith(r"\nc{", i):
            b = _group(tex, i + 3)
            out.append("{" + strip_macros(tex[i + 4:b - 1]) + "}")
            i = b
        else:
            out.append(tex[i])
            i += 1
    return "".join(out)


# --- inline formulas as HTML ------------------------------------------------------------------------

_UNICODE = {r"\partial": "∂", r"\alpha": "α", r"\odot": "⊙", r"\otimes": "⊗", r"\times": "×", r"\cdot": "·",
            r"\approx": "≈", r"\sum": "Σ", r"\to": "→", r"\leftarrow": "←", r"\ldots": "…", r"\dots": "…",
            r"\neq": "≠", r"\le": "≤", r"\ge": "≥", r"\infty": "∞", r"\in": "∈", r"\theta": "θ",
            r"\quad": "&nbsp;&nbsp;", r"\,": "&thinsp;", r"\ ": " ", r"\log": "log", r"\exp": "exp",
            r"\max": "max", r"\{": "{", r"\}": "}", r"\lvert": "|", r"\rvert": "|", r"\mid": "|",
            r"\prime": "′", r"\delta": "δ", r"\pm": "±", r"\sigma": "σ", r"\epsilon": "ε", r"\eta": "η",
            r"\lambda": "λ"}


def _span(role: str, body: str, dark: bool) -> str:
    return f"<span style='color:{colour(role, dark)}'>{body}</span>"


def _inline_command(tex: str, i: int, dark: bool) -> tuple[str, int]:
    """HTML for the command at tex[i] == '\\', and the index past it and its arguments."""
    n = len(tex)
    cmd = re.match(r"\\[A-Za-z]+|\\.", tex[i:]).group(0)
    j = i + len(cmd)
    if cmd in (r"\text", r"\mathrm", r"\operatorname", r"\textbf"):
        k = _group(tex, j)
        return html.escape(tex[j + 1:k - 1]), k
    if cmd == r"\frac":
        a = _group(tex, j)
        b = _group(tex, a)
        return _inline(tex[j + 1:a - 1], dark) + "/" + _inline(tex[a + 1:b - 1], dark), b
    if cmd == r"\as":
        a = _group(tex, j)
        r = tex[j + 1:a - 1]
        b = _group(tex, a)
        body = _inline(tex[a + 1:b - 1], dark, r)
        return (_span(r, body, dark) if r in ROLES else body), b
    if cmd in (r"\hat", r"\boxed", r"\nc"):
        k = _group(tex, j)
        body = tex[j + 1:k - 1] if tex[j:j + 1] == "{" else tex[j:k]
        if cmd == r"\hat" and body.strip() == "y":
            stop = _scripts(tex, k)
            return _span("yhat", "ŷ" + _inline(tex[k:stop], dark, "yhat"), dark), stop
        if cmd == r"\hat":
            return _inline(body, dark) + "\u0302", k
        return ("[" + _inline(body, dark) + "]" if cmd == r"\boxed" else _inline(body, dark, "none")), k
    if cmd in COMMANDS:
        stop = _scripts(tex, j)
        r = COMMANDS[cmd]
        return _span(r, _UNICODE.get(cmd, cmd[1:]) + _inline(tex[j:stop], dark, r), dark), stop
    if cmd == r"\partial":
        while j < n and tex[j] == " ":
            j += 1
    return _UNICODE.get(cmd, html.escape(cmd[1:])), j


def _inline(tex: str, dark: bool, role: str | None = None) -> str:
    out, i, n = [], 0, len(tex)
    while i < n:
        c = tex[i]
        if c in "_^":
            j = _group(tex, i + 1)
            body = tex[i + 2:j - 1] if i + 1 < n and tex[i + 1] == "{" else tex[i + 1:j]
            tag = "sub" if c == "_" else "sup"
            out.append(f"<{tag}>{_inline(body, dark, role)}</{tag}>")
            i = j
        elif c == "{":
            j = _group(tex, i)
            out.append(_inline(tex[i + 1:j - 1], dark, role))
            i = j
        elif c == "\\":
            text, i = _inline_command(tex, i, dark)
            out.append(text)
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and tex[j].isascii() and tex[j].isalpha():
                j += 1
            if j - i == 1 and c in LETTERS and role is None:
                stop = _scripts(tex, j)
                out.append(_span(LETTERS[c], f"<i>{c}</i>{_inline(tex[j:stop], dark, LETTERS[c])}", dark))
                i = stop
            else:
                out.append(f"<i>{tex[i:j]}</i>" if j - i == 1 else tex[i:j])
                i = j
        else:
            out.append({"-": "−", "*": "∗", "<": "&lt;", ">": "&gt;", "&": "&amp;", "~": "&nbsp;"}.get(c, c))
            i += 1
    return "".join(out)


def inline_html(tex: str, dark: bool = False) -> str:
    """A short LaTeX formula as HTML: sub/superscripts, symbols in their colours."""
    return _inline(tex.strip(), dark)


_KEPT_TAGS = re.compile(r"&lt;(/?(?:b|i|br|sub|sup|span)|span style=(?:&#x27;|&quot;)color:#[0-9a-fA-F]{3,6}"
                        r"(?:&#x27;|&quot;))&gt;")


def _keep_tags(t: str) -> str:
    """Restore the few tags a paragraph may use (<b>, <i>, <br>, <sub>, <sup>, <span style='color:…'>)."""
    return _KEPT_TAGS.sub(lambda m: "<" + html.unescape(m.group(1)) + ">", t)


_SUPS = str.maketrans("0123456789()+-−=ijklmnT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻⁻⁼ⁱʲᵏˡᵐⁿᵀ")
_SUBS = str.maketrans("0123456789()+-−=ijklmnuvx", "₀₁₂₃₄₅₆₇₈₉₍₎₊₋₋₌ᵢⱼₖₗₘₙᵤᵥₓ")


def latex_plain(tex: str) -> str:
    """A short formula as plain Unicode text (for a map's title): ∂L/∂z⁽³⁾, ŷ, g⁽¹⁾ₘₙ."""
    h = inline_html(tex)
    h = re.sub(r"<sup>(.*?)</sup>", lambda m: re.sub(r"<[^>]+>", "", m.group(1)).translate(_SUPS), h)
    h = re.sub(r"<sub>(.*?)</sub>", lambda m: re.sub(r"<[^>]+>", "", m.group(1)).translate(_SUBS), h)
    return html.unescape(re.sub(r"<[^>]+>", "", h))


def text_html(text: str, dark: bool = False) -> str:
    """A paragraph of a chapter: ``$…$`` formulas as coloured HTML, **bold**, *italic*, and the tags
    <b> <i> <br> <sub> <sup> <span style='color:#…'>; everything else is shown as written."""
    parts = re.split(r"(\$[^$]+\$)", text)
    out = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(inline_html(part[1:-1], dark))
        else:
            t = _keep_tags(html.escape(part))
            t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
            t = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<i>\1</i>", t)
            out.append(t)
    return "".join(out)


# --- the layers' Unicode formulas as LaTeX ----------------------------------------------------------

_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ˡⁱⁿᵏʲᵐᵀ", "0123456789+-()linkjmT"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ᵢⱼₖₘₙₗₚₛₜᵤᵥₓₐ", "0123456789+-()ijkmnlpstuvxa"))
_SYMBOLS = {"Σ": r"\sum ", "∂": r"\partial ", "ŷ": r"\hat{y}", "·": r"\cdot ", "−": "-", "α": r"\alpha ",
            "θ": r"\theta ", "←": r"\leftarrow ", "→": r"\rightarrow ", "⊙": r"\odot ", "√": r"\sqrt ",
            "ε": r"\epsilon ", "β": r"\beta ", "≈": r"\approx ", "×": r"\times ", "…": r"\ldots ",
            "′": "'", "∗": "*", "⊗": r"\otimes ", "≠": r"\neq ", "≤": r"\le ", "≥": r"\ge ", "∈": r"\in ",
            "η": r"\eta ", "λ": r"\lambda ", "σ": r"\sigma ", "∞": r"\infty ", "ᵀ": "^T", "%": r"\%",
            "#": r"\#", "&": r"\&", "_": r"\_", "{": r"\{", "}": r"\}"}
_FUNCTIONS = {"exp", "log", "max", "min", "sum", "softmax", "pool", "sign", "tanh", "relu", "mean", "vec",
              "reshape"}
_WORDS = re.compile(r"[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,})*")


def _operand_end(s: str, i: int) -> int:
    """The end of a symbol operand starting at i: a word or letter, an optional (…) group, scripts."""
    if i >= len(s):
        return i
    while i < len(s) and (s[i].isalpha() and s[i] not in _SUP and s[i] not in _SUB):
        i += 1
    if i < len(s) and s[i] == "(":
        depth = 0
        for j in range(i, len(s)):
            depth += s[j] == "("
            depth -= s[j] == ")"
            if depth == 0:
                i = j + 1
                break
    while i < len(s) and (s[i] in _SUP or s[i] in _SUB):
        i += 1
    return i


def _fractions(s: str) -> str:
    """'∂A/∂B' as LaTeX '\\frac{∂A}{∂B}', everything converted."""
    out, i, last = [], 0, 0
    while i < len(s):
        if s[i] == "∂":
            a_end = _operand_end(s, i + 1)
            if a_end < len(s) - 1 and s[a_end] == "/" and s[a_end + 1] == "∂":
                b_end = _operand_end(s, a_end + 2)
                out.append(_segment(s[last:i]))
                out.append("\\frac{" + _segment(s[i:a_end]) + "}{" + _segment(s[a_end + 1:b_end]) + "}")
                i = last = b_end
                continue
        i += 1
    out.append(_segment(s[last:]))
    return "".join(out)


def _scripts_to_latex(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        for table, mark in ((_SUP, "^"), (_SUB, "_")):
            if s[i] in table and not (mark == "^" and s[i] == "ᵀ"):
                j = i
                while j < len(s) and s[j] in table:
                    j += 1
                out.append(mark + "{" + "".join(table[c] for c in s[i:j]) + "}")
                i = j
                break
        else:
            out.append(_SYMBOLS.get(s[i], s[i]))
            i += 1
    return "".join(out)


def _segment(s: str) -> str:
    """Unicode maths without fractions: words as \\text, functions upright, scripts, symbols."""
    pieces, last = [], 0
    for w in _WORDS.finditer(s):
        word = w.group(0)
        if word in _FUNCTIONS:
            continue
        pieces.append(_math(s[last:w.start()]))
        pieces.append(r"\text{ " + _text(word) + " }")
        last = w.end()
    pieces.append(_math(s[last:]))
    return "".join(pieces)


def _math(s: str) -> str:
    s = _scripts_to_latex(s)
    for f in _FUNCTIONS:
        s = re.sub(rf"(?<![A-Za-z\\]){f}(?![A-Za-z])", rf"\\operatorname{{{f}}}", s)
    return s


def _text(s: str) -> str:
    return "".join({"\\": r"\backslash ", "{": r"\{", "}": r"\}", "_": r"\_", "%": r"\%", "&": r"\&",
                    "#": r"\#", "$": r"\$"}.get(c, c) for c in s)


def unicode_to_latex(text: str) -> str:
    """A formula written in Unicode (core.api.Formula) as LaTeX. A trailing remark in parentheses
    after two or more spaces, and runs of words, become \\text{…}; wide gaps become \\quad."""
    text = text.strip()
    remark = ""
    m = re.match(r"(.*?\S)\s{2,}(\(.*\))$", text)
    if m:
        text, remark = m.group(1), m.group(2)
    out = [r"\quad " if not part.strip() else _fractions(part) for part in re.split(r"(\s{2,})", text)]
    if remark:
        out.append(r"\quad \text{" + _text(remark) + "}")
    return "".join(out).strip()
