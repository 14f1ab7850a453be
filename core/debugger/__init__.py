"""The backprop debugger's engine side (Qt-free): breakpoints, watch expressions, training health.

    breakpoints   Breakpoint kinds, BreakpointSet, run_until_break (Run that stops at a hit)
    watch         a small, safely evaluated expression language and a WatchList with history
    health        per-layer saturated/dead fractions, update-to-weight ratios, norms
"""
