"""Built-in layer plugins: one module per layer, loaded through the same path as third-party ones.

Memory layout: every array is indexed batch-first, ``(N, C, H, W)`` or ``(N, F)``, as the contract
says, but it need not be C-contiguous. The convolution keeps feature maps in ``(C, H, W, N)``
memory order (batch innermost) because that makes its im2col copies and col2im sums run over long
contiguous rows; activations and pooling keep whatever memory order they are given. Code that
needs plain C order calls ``np.ascontiguousarray`` (one copy).
"""
