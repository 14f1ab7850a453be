"""Per-user folders: where downloads are cached and where user data and plugins live.

Nothing here creates a folder; callers create what they write into. Environment variables win,
so tests and portable installs can redirect everything:

=====================  ==========================  ===========================================
function               override                    default
=====================  ==========================  ===========================================
``user_data_dir()``    ``BACKSTEP_DATA_DIR``       ``$XDG_DATA_HOME/backstep`` or ``~/.local/share/backstep``
``user_cache_dir()``   ``BACKSTEP_CACHE_DIR``      ``$XDG_CACHE_HOME/backstep`` or ``~/.cache/backstep``
``user_plugin_dir()``  (follows the data dir)      ``user_data_dir() / "plugins"``
=====================  ==========================  ===========================================

The defaults are Linux's (XDG). On Windows both live under ``%LOCALAPPDATA%\\backstep`` (the
cache in its ``cache`` folder); on macOS under ``~/Library/Application Support/backstep`` and
``~/Library/Caches/backstep``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "backstep"


def _from_env(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser() if value else None


def _xdg(variable: str, fallback: str) -> Path:
    # The XDG spec says relative values are invalid and must be ignored.
    value = os.environ.get(variable, "").strip()
    if value and Path(value).is_absolute():
        return Path(value) / APP_NAME
    return Path.home() / fallback / APP_NAME


def _windows_base() -> Path:
    value = os.environ.get("LOCALAPPDATA", "").strip()
    return (Path(value) if value else Path.home() / "AppData" / "Local") / APP_NAME


def user_data_dir() -> Path:
    """Folder for the user's own data (plugins, datasets of their own): ``BACKSTEP_DATA_DIR`` or
    the platform's place."""
    env = _from_env("BACKSTEP_DATA_DIR")
    if env:
        return env
    if sys.platform == "win32":
        return _windows_base()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    return _xdg("XDG_DATA_HOME", ".local/share")


def user_cache_dir() -> Path:
    """Folder for things that can be fetched again (downloaded datasets): ``BACKSTEP_CACHE_DIR``
    or the platform's place."""
    env = _from_env("BACKSTEP_CACHE_DIR")
    if env:
        return env
    if sys.platform == "win32":
        return _windows_base() / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP_NAME
    return _xdg("XDG_CACHE_HOME", ".cache")


def user_plugin_dir() -> Path:
    """Per-user layer plugin folder, ``user_data_dir() / "plugins"``."""
    return user_data_dir() / "plugins"
