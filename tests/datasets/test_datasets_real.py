"""The real MNIST files in ../shared/data, loaded as a plain IDX folder (skipped when absent)."""

import numpy as np

from core.datasets import load_dataset, load_mnist5k, read_idx


def test_mnist_as_an_idx_folder(shared_mnist):
    ds = load_dataset(str(shared_mnist))
    assert (ds.n_train, ds.n_test) == (60000, 10000)
    assert ds.input_shape == (1, 28, 28) and ds.classes == tuple("0123456789")
    assert ds.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # MNIST's well-known first labels
    assert np.bincount(ds.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0


def test_mnist5k_digits_are_real_mnist_training_digits(shared_mnist):
    images = read_idx(shared_mnist / "train-images-idx3-ubyte.gz")[:6000]
    labels = read_idx(shared_mnist / "train-labels-idx1-ubyte.gz")[:6000]
    lookup = {img.tobytes(): int(label) for img, label in zip(images, labels)}
    small = load_mnist5k()
    for x, y in ((small.x_train, small.y_train), (small.x_test, small.y_test)):
        pixels = np.rint(x[:, 0] * 255).astype(np.uint8)
        assert [lookup.get(img.tobytes()) for img in pixels] == y.tolist()
