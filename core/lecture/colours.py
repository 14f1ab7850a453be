"""One colour per symbol of the lecture, everywhere: text, typeset formula and map frame (Qt-free).

3Blue1Brown's habit: the learner follows a symbol by its colour, so x is the same green in a
sentence, in ∂L/∂g⁽¹⁾ = sum(x ⊙ ∂L/∂z⁽¹⁾) and round the digit it names. Each role has a colour for
light and one for dark backgrounds (the app has both themes).

Roles: "x" the input (and the image f of 12.1's h = f ⊗ g), "z" a weighted layer's output, "a" an
activation f(z) or a pooled a, "g" conv filters, "W" dense weights, "yhat" ŷ, "y" the label, "L"
the loss and every error ∂L/∂·, "alpha" the learning rate.
"""

from __future__ import annotations

ROLES: dict[str, tuple[str, str]] = {  # role -> (on light, on dark)
    "x": ("#2e7d32", "#81c784"),
    "z": ("#1565c0", "#64b5f6"),
    "a": ("#7b1fa2", "#ce93d8"),
    "g": ("#e65100", "#ffb74d"),
    "W": ("#bf360c", "#ff8a65"),
    "yhat": ("#00838f", "#4dd0e1"),
    "y": ("#827717", "#dce775"),
    "L": ("#c62828", "#ef9a9a"),
    "alpha": ("#5d4037", "#bcaaa4"),
}
BOX = ("#d08000", "#ffca28")  # the frame of the factor the slide boxes, and of the map it fills
FOREGROUND = ("#202020", "#e6e6e6")

# The letters (and LaTeX commands) that name each role in the lecture's formulas.
LETTERS: dict[str, str] = {"x": "x", "z": "z", "a": "a", "f": "a", "g": "g", "W": "W", "y": "y", "L": "L"}
COMMANDS: dict[str, str] = {r"\alpha": "alpha", r"\hat{y}": "yhat", r"\hat y": "yhat"}


def colour(role: str, dark: bool = False) -> str:
    """The colour of ``role`` (a key of ROLES) as '#rrggbb'."""
    light, night = ROLES[role]
    return night if dark else light


def box_colour(dark: bool = False) -> str:
    return BOX[1] if dark else BOX[0]


def foreground(dark: bool = False) -> str:
    return FOREGROUND[1] if dark else FOREGROUND[0]


def role_of(symbol: str) -> str | None:
    """The role of a symbol as the app writes it in text: 'z⁽³⁾' -> 'z', 'f(z⁽¹⁾)' -> 'a',
    'ŷ' -> 'yhat', '∂L/∂W⁽²⁾' -> 'L', 'α' -> 'alpha'; None for anything else."""
    s = symbol.strip()
    if not s:
        return None
    if s.startswith("∂L") or s == "L":
        return "L"
    if s.startswith("ŷ"):
        return "yhat"
    if s.startswith("α"):
        return "alpha"
    if s.startswith("f("):
        return "a"
    return LETTERS.get(s[0])
