"""12.2's forward pass as equations, built from the network (Qt-free).

For the lecture's network ``equations`` gives exactly its four::

    1. a⁽¹⁾ = pool(f(g⁽¹⁾ * x))    2. a⁽²⁾ = pool(f(g⁽²⁾ * a⁽¹⁾))    3. a⁽³⁾ = f(W⁽¹⁾ a⁽²⁾)    4. ŷ = softmax(W⁽²⁾ a⁽³⁾)

and for any other network one per block (core.lecture.roles.Roles.blocks), in the same words.
"""

from __future__ import annotations

import math

from core.lecture.roles import Roles


def block_equation(roles: Roles, k: int) -> str:
    """LaTeX of block k (1-based; the last one ends in the softmax)."""
    blocks = roles.blocks()
    nodes = roles.nodes
    block = blocks[k - 1]
    expr = "x" if k == 1 else roles.symbol(blocks[k - 2][-1])
    for i in block:
        node = nodes[i]
        cat = node.layer.spec.category
        if node.layer.weighted:
            expr = f"{roles.weight(i)} * {expr}" if cat == "Convolution" else f"{roles.weight(i)} {expr}"
        elif cat == "Reshape":
            continue
        elif node.layer.init:
            expr = f"f({expr})"
        elif cat == "Pooling":
            expr = rf"\text{{pool}}({expr})"
        else:
            expr = rf"\text{{{node.name}}}({expr})"
    if k == len(blocks):
        return rf"\hat{{y}} = \text{{softmax}}({expr})"
    return f"{roles.symbol(block[-1])} = {expr}"


def equations(roles: Roles) -> list[str]:
    return [block_equation(roles, k) for k in range(1, len(roles.blocks()) + 1)]


def block_phases(roles: Roles, k: int) -> list[str]:
    """The phases block k's equation names: its layers' forward, and the loss for the last block."""
    blocks = roles.blocks()
    phases = [roles.phase("forward", i) for i in blocks[k - 1]]
    return phases + (["loss"] if k == len(blocks) else [])


def table_count(pixels: int, levels: int = 256) -> tuple[float, int]:
    """levels ** pixels as (mantissa, exponent): 256⁵⁴ = (1.1, 130) · 10^exponent."""
    e = pixels * math.log10(levels)
    exponent = math.floor(e)
    return 10 ** (e - exponent), exponent


def humans_seen() -> float:
    """The lecture's count of images seen by all humans ever: 10 billion people × 1000 generations ×
    100 years × 356 days (the slide's number) × 24 h × 60 min × 60 s × 30 frames per second."""
    return 10e9 * 1000 * 100 * 356 * 24 * 60 * 60 * 30
