"""The Lecture workspace (issue #11): videos 12.1–12.5 step by step on the live network.

``LectureWorkspace(workspace, bridge)`` is the widget the window shows; its figures are one class
per file here, the maths behind them Qt-free in core.lecture.
"""

from desktop.lecture.lecture_workspace import LectureWorkspace

__all__ = ["LectureWorkspace"]
