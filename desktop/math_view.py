"""Typeset mathematics: LaTeX -> SVG (ziamath, pure Python, offline) -> QtSvg, cached.

One renderer for the whole app: the Lecture workspace, the Equations panel and the formula view.
ziamath lays out LaTeX maths (fractions, sub- and superscripts, \\boxed, matrices, cases) with the
STIX Two Math font it ships, and writes SVG; Qt draws that SVG with QtSvg. Symbols take their
colours from core.lecture.colours (``colourise``) unless ``coloured=False``.

    svg = math_svg(r"\\frac{\\partial L}{\\partial z^{(4)}} = \\hat{y} - y", size=20)   # bytes, cached
    image = math_image(latex, size=20)                          # QImage, cached (e.g. for a QTextDocument)
    view = MathView(latex, size=22); view.set_latex(other)     # a widget, shrinks to fit its width

A formula ziamath cannot read is shown as its source in red, and ``render_errors()`` lists it, so
a typo in a chapter file shows on screen and fails the tests instead of crashing the window.
"""

from __future__ import annotations

import functools
import hashlib

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt, QUrl
from PySide6.QtGui import QImage, QPainter, QPalette, QTextDocument
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.lecture.colours import foreground
from core.lecture.latex import colourise, strip_macros

try:  # the renderer is a dependency (requirements.txt); without it formulas show as their source
    import ziamath as _zm

    _zm.config.svg2 = False  # SVG 1.1 (<use xlink:href>), which QtSvg draws; SVG 2's plain href it does not
except ImportError:  # pragma: no cover - the dependency is installed with the app
    _zm = None

_ERRORS: dict[str, str] = {}


def render_errors() -> dict[str, str]:
    """LaTeX that could not be typeset -> why (for tests and the status line)."""
    return dict(_ERRORS)


def is_dark(widget: QWidget | None = None) -> bool:
    """The widget's (or the application's) background is dark."""
    from PySide6.QtWidgets import QApplication

    pal = widget.palette() if widget is not None else QApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def prepare(latex: str, dark: bool = False, coloured: bool = True) -> str:
    """The LaTeX that is typeset: symbols coloured (or our macros stripped)."""
    return colourise(latex, dark) if coloured else strip_macros(latex)


@functools.lru_cache(maxsize=2048)
def _svg(tex: str, size: float, colour: str) -> bytes:
    if _zm is None:
        raise RuntimeError("ziamath is not installed")
    return _zm.Latex(tex, size=size, color=colour).svg().encode()


def _escape_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def math_svg(latex: str, size: float = 20, dark: bool = False, coloured: bool = True,
             colour: str | None = None) -> bytes:
    """SVG of ``latex`` (display maths) at ``size`` px; the source in red if it cannot be typeset."""
    tex = prepare(latex, dark, coloured)
    try:
        return _svg(tex, float(size), colour or foreground(dark))
    except Exception as exc:  # noqa: BLE001 - any parse error of the renderer: show the source, say why
        _ERRORS[latex] = f"{type(exc).__name__}: {exc}"
        w = max(40, int(len(latex) * size * 0.55))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{int(size * 1.5)}">'
                f'<text x="0" y="{size}" font-family="monospace" font-size="{size * 0.8}" fill="#d32f2f">'
                f"{_escape_text(latex)}</text></svg>").encode()


@functools.lru_cache(maxsize=512)
def _renderer(svg: bytes) -> QSvgRenderer:
    return QSvgRenderer(QByteArray(svg))


def math_size(latex: str, size: float = 20, dark: bool = False, coloured: bool = True) -> QSize:
    """The natural size (px) of the typeset formula."""
    return _renderer(math_svg(latex, size, dark, coloured)).defaultSize()


@functools.lru_cache(maxsize=1024)
def _image(svg: bytes, scale: float) -> QImage:
    r = _renderer(svg)
    s = r.defaultSize()
    img = QImage(max(1, round(s.width() * scale)), max(1, round(s.height() * scale)),
                 QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    r.render(p, QRectF(0, 0, img.width(), img.height()))
    p.end()
    img.setDevicePixelRatio(scale)
    return img


def math_image(latex: str, size: float = 20, dark: bool = False, coloured: bool = True, scale: float = 1.0) -> QImage:
    """The typeset formula as a transparent QImage (``scale``: the screen's device pixel ratio)."""
    return _image(math_svg(latex, size, dark, coloured), float(scale))


def image_url(latex: str, size: float = 20, dark: bool = False) -> str:
    """The resource name under which ``add_to_document`` puts this formula."""
    return "math:" + hashlib.sha1(f"{latex}|{size}|{dark}".encode()).hexdigest()[:16]


def image_tag(latex: str, size: float = 20, dark: bool = False) -> str:
    """The ``<img>`` tag that shows the formula once ``add_to_document`` has put it into a document."""
    s = math_size(latex, size, dark)
    return f'<img src="{image_url(latex, size, dark)}" width="{s.width()}" height="{s.height()}">'


def add_to_document(doc: QTextDocument, latex: str, size: float = 20, dark: bool = False) -> str:
    """Put the formula into ``doc`` as an image resource; returns the ``<img>`` tag that shows it."""
    img = math_image(latex, size, dark, scale=2.0)  # drawn at twice the size: crisp on a HiDPI screen too
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(image_url(latex, size, dark)), img)
    return image_tag(latex, size, dark)


class MathView(QWidget):
    """One typeset formula. Shrinks (never grows past ``size``) to fit the width it is given."""

    def __init__(self, latex: str = "", size: float = 20, coloured: bool = True, align=Qt.AlignmentFlag.AlignLeft,
                 parent=None):
        super().__init__(parent)
        self._latex, self._size, self._coloured, self._align = "", float(size), coloured, align
        self._renderer: QSvgRenderer | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_latex(latex)

    def latex(self) -> str:
        """The formula shown, as written (before colouring)."""
        return self._latex

    def set_latex(self, latex: str, size: float | None = None) -> None:
        if size is not None:
            self._size = float(size)
        if latex == self._latex and self._renderer is not None and size is None:
            return
        self._latex = latex
        self._renderer = _renderer(math_svg(latex, self._size, is_dark(self), self._coloured)) if latex else None
        self.setToolTip(latex)
        self.updateGeometry()
        self.update()

    def natural_size(self) -> QSize:
        return self._renderer.defaultSize() if self._renderer is not None else QSize(0, 0)

    def sizeHint(self) -> QSize:
        s = self.natural_size()
        return QSize(s.width() + 4, s.height() + 6)

    def minimumSizeHint(self) -> QSize:
        s = self.natural_size()
        return QSize(min(s.width(), 120), s.height() + 6)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, w: int) -> int:
        s = self.natural_size()
        if s.width() <= 0:
            return 0
        return int(s.height() * min(1.0, max(w - 4, 1) / s.width())) + 6

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self._latex:  # a theme switch: colours for it
            latex, self._latex = self._latex, ""
            self.set_latex(latex)

    def paintEvent(self, event) -> None:
        if self._renderer is None:
            return
        s = self.natural_size()
        k = min(1.0, (self.width() - 4) / max(s.width(), 1), (self.height() - 4) / max(s.height(), 1))
        w, h = s.width() * k, s.height() * k
        if self._align & Qt.AlignmentFlag.AlignHCenter:
            x = (self.width() - w) / 2
        elif self._align & Qt.AlignmentFlag.AlignRight:
            x = self.width() - w - 2
        else:
            x = 2
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(p, QRectF(x, (self.height() - h) / 2, w, h))
        p.end()
