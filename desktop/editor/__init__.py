"""The network editor: a palette of layer types, the network as a chain of blocks, a property form."""

from desktop.editor.network_editor import NetworkEditor

__all__ = ["NetworkEditor"]
