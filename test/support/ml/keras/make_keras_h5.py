#!/usr/bin/env python3
"""Writes Keras-layout HDF5 model files with h5py (no Keras needed) and their reference outputs.

Usage: make_keras_h5.py OUT_DIR [--xception]

The files are laid out the way Keras writes them (facts from Keras' `hdf5_format.py` /
`legacy_h5_format.py` and its docs):
  - root attributes `keras_version`, `backend`, `model_config` (JSON, bytes -> fixed-length
    string), `training_config`;
  - group `model_weights` with attributes `layer_names` (numpy `S` array, fixed-length strings),
    `backend`, `keras_version`; one group per layer, attribute `weight_names` (an empty float64
    array for a weightless layer, as `np.asarray([])` gives), one dataset per weight at the path
    given by its name (`conv2d/kernel:0` -> `model_weights/conv2d/conv2d/kernel:0`);
  - weights-only files (`save_weights`) carry the same attributes on the root group.
Variants: Keras 2.2 standalone (Sequential config as a list, `batch_input_shape` on the first
layer), tf.keras 2.x (`Functional`, `InputLayer`, old inbound-node lists), Keras 3 (`module` /
`registered_name`, `batch_shape`, dtype policies as dicts, `__keras_tensor__` inbound nodes,
weight names as `layer/var`), tf.keras names under a name scope (`outer/inner/kernel:0`), and
variable-length weight names.

Reference outputs come from this script's own numpy forward pass (float64) over the same graph:
convolution, depthwise and separable convolution, batch normalisation (inference), dense,
max/average/global pooling, flatten, add, concatenate and activations.
"""
import json
import sys

import h5py
import numpy as np

from keras_layout import functional_config, layer_config, sequential_config, str_attr, wrap
from keras_layout import write_model, write_weights
from keras_ref import Net, activation, forward, make_weights


# ----------------------------------------------------------------------------- models


def conv(net, x, filters, k, s=1, padding="same", act="linear", bias=True, name=None):
    return net.add("Conv2D", {"filters": filters, "kernel_size": (k, k), "strides": (s, s), "padding": padding,
                              "activation": act, "use_bias": bias}, [x], name)


def sep(net, x, filters, k=3, act="linear", bias=False, name=None):
    return net.add("SeparableConv2D", {"filters": filters, "kernel_size": (k, k), "strides": (1, 1),
                                       "padding": "same", "activation": act, "use_bias": bias,
                                       "depth_multiplier": 1}, [x], name)


def bn(net, x, name=None):
    return net.add("BatchNormalization", {"epsilon": 1e-3}, [x], name)


def act(net, x, a, name=None):
    return net.add("Activation", {"activation": a}, [x], name)


def maxpool(net, x, k, s, padding="valid", name=None):
    return net.add("MaxPooling2D", {"pool_size": (k, k), "strides": (s, s), "padding": padding}, [x], name)


def seq_net():
    net = Net("sequential", [12, 12, 2])
    x = conv(net, "input_1", 4, 3, act="relu")
    x = maxpool(net, x, 2, 2)
    x = conv(net, x, 6, 3, padding="valid", act="tanh")
    x = net.add("AveragePooling2D", {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}, [x])
    x = net.add("Flatten", {}, [x])
    x = net.add("Dense", {"units": 8, "activation": "relu", "use_bias": True}, [x])
    x = net.add("Dropout", {"rate": 0.3}, [x])
    net.add("Dense", {"units": 3, "activation": "softmax", "use_bias": True}, [x])
    return net


def func_net():
    net = Net("functional", [10, 10, 3])
    x = conv(net, "input_1", 8, 3, s=2, bias=False, name="stem_conv")
    x = bn(net, x, "stem_bn")
    x = net.add("ReLU", {"max_value": 6.0}, [x], "stem_relu")
    r = conv(net, x, 12, 1, bias=False)
    r = bn(net, r)
    y = sep(net, x, 12, name="sep1")
    y = bn(net, y, "sep1_bn")
    y = act(net, y, "relu", "sep1_act")
    y = net.add("DepthwiseConv2D", {"kernel_size": (3, 3), "strides": (1, 1), "padding": "same",
                                    "activation": "linear", "use_bias": True, "depth_multiplier": 1}, [y], "dw1")
    y = net.add("Add", {}, [y, r])
    z = sep(net, y, 4, act="relu", bias=True, name="sep2")
    c = net.add("Concatenate", {"axis": -1}, [y, z])
    c = maxpool(net, c, 3, 2, padding="same", name="pool")
    g = net.add("GlobalAveragePooling2D", {}, [c], "gap")
    net.add("Dense", {"units": 4, "activation": "softmax", "use_bias": True}, [g], "predictions")
    return net


def xception_net(size=71, classes=5):
    """Keras' `applications.Xception(weights=None, input_shape=(size, size, 3), classes=...)`."""
    net = Net("xception", [size, size, 3])
    x = conv(net, "input_1", 32, 3, s=2, padding="valid", bias=False, name="block1_conv1")
    x = bn(net, x, "block1_conv1_bn")
    x = act(net, x, "relu", "block1_conv1_act")
    x = conv(net, x, 64, 3, padding="valid", bias=False, name="block1_conv2")
    x = bn(net, x, "block1_conv2_bn")
    x = act(net, x, "relu", "block1_conv2_act")

    def entry(x, filters, block, first_act):
        r = conv(net, x, filters, 1, s=2, bias=False)
        r = bn(net, r)
        if first_act:
            x = act(net, x, "relu", f"block{block}_sepconv1_act")
        x = sep(net, x, filters, name=f"block{block}_sepconv1")
        x = bn(net, x, f"block{block}_sepconv1_bn")
        x = act(net, x, "relu", f"block{block}_sepconv2_act")
        x = sep(net, x, filters, name=f"block{block}_sepconv2")
        x = bn(net, x, f"block{block}_sepconv2_bn")
        x = maxpool(net, x, 3, 2, padding="same", name=f"block{block}_pool")
        return net.add("Add", {}, [x, r])

    x = entry(x, 128, 2, False)
    x = entry(x, 256, 3, True)
    x = entry(x, 728, 4, True)
    for i in range(8):
        r = x
        p = f"block{i + 5}"
        for j in (1, 2, 3):
            x = act(net, x, "relu", f"{p}_sepconv{j}_act")
            x = sep(net, x, 728, name=f"{p}_sepconv{j}")
            x = bn(net, x, f"{p}_sepconv{j}_bn")
        x = net.add("Add", {}, [x, r])
    r = conv(net, x, 1024, 1, s=2, bias=False)
    r = bn(net, r)
    x = act(net, x, "relu", "block13_sepconv1_act")
    x = sep(net, x, 728, name="block13_sepconv1")
    x = bn(net, x, "block13_sepconv1_bn")
    x = act(net, x, "relu", "block13_sepconv2_act")
    x = sep(net, x, 1024, name="block13_sepconv2")
    x = bn(net, x, "block13_sepconv2_bn")
    x = maxpool(net, x, 3, 2, padding="same", name="block13_pool")
    x = net.add("Add", {}, [x, r])
    x = sep(net, x, 1536, name="block14_sepconv1")
    x = bn(net, x, "block14_sepconv1_bn")
    x = act(net, x, "relu", "block14_sepconv1_act")
    x = sep(net, x, 2048, name="block14_sepconv2")
    x = bn(net, x, "block14_sepconv2_bn")
    x = act(net, x, "relu", "block14_sepconv2_act")
    x = net.add("GlobalAveragePooling2D", {}, [x], "avg_pool")
    net.add("Dense", {"units": classes, "activation": "softmax", "use_bias": True}, [x], "predictions")
    return net


def save_case(out, stem, net, rng, batch=2):
    x = rng.normal(0, 1, [batch] + net.input_shape).astype(np.float32)
    np.save(f"{out}/{stem}.input.npy", x)
    np.save(f"{out}/{stem}.output.npy", forward(net, x).astype(np.float32))


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(20261202)
    manifest = {}

    # 1. Keras 2.2 standalone Sequential: config as a list, fixed-length names, weightless layers.
    net = seq_net()
    make_weights(net, rng)
    cfg = sequential_config(net, "k2")
    write_model(f"{out}/seq.h5", net, cfg, "k2", "2.2.4")
    save_case(out, "seq", net, rng)
    manifest["seq"] = {"file": "seq.h5", "keras": "2.2.4", "layers": len(net.nodes) - 1}
    # weights-only file (save_weights) + the architecture as model.to_json() writes it
    with h5py.File(f"{out}/seq.weights.h5", "w") as f:
        write_weights(f, net, "k2", version="2.2.4", with_input=False)
    with open(f"{out}/seq.json", "w") as fh:
        json.dump({**cfg, "keras_version": "2.2.4", "backend": "tensorflow"}, fh)
    # the tf.keras 2.x Sequential form (dict config, InputLayer) of the same net
    write_model(f"{out}/seq-tf2.h5", net, sequential_config(net, "tf2"), "tf2", "2.9.0", vlen=True)

    # 2. tf.keras 2.x Functional with Add/Concatenate/SeparableConv2D/DepthwiseConv2D/BN/ReLU,
    #    variable-length weight names.
    net = func_net()
    shapes = make_weights(net, rng)
    write_model(f"{out}/func.h5", net, functional_config(net, "tf2", shapes), "tf2", "2.9.0", vlen=True)
    save_case(out, "func", net, rng)
    # 3. the same net with weights under a name scope (tf.keras nested weight paths)
    write_model(f"{out}/func-nested.h5", net, functional_config(net, "tf2", shapes), "tf2", "2.9.0",
                scope="outer")
    # 4. the same net as Keras 3 writes it (legacy h5)
    write_model(f"{out}/func-k3.h5", net, functional_config(net, "k3", shapes), "k3", "3.3.3")
    # 5. Keras 2.x `Model` class name (keras 2.2 functional)
    write_model(f"{out}/func-k2.h5", net, functional_config(net, "k2", shapes), "tf2", "2.2.4")

    # 6. transfer-learning layout: a Functional base nested in a Sequential (tf.keras), the base's
    #    weights in one group, trainable ones first (Keras' `_legacy_weights` order)
    base = func_net()
    base.nodes = [n for n in base.nodes if n[0] != "predictions"]
    base.name = "base"
    bshapes = make_weights(base, rng)
    head = {"units": 3, "activation": "softmax", "use_bias": True}
    hk = rng.normal(0, 1 / np.sqrt(16), (16, 3)).astype(np.float32)
    hb = rng.normal(0, 0.1, (3,)).astype(np.float32)
    inner = functional_config(base, "tf2", bshapes)
    seq_cfg = {"class_name": "Sequential", "config": {"name": "transfer", "layers": [
        wrap("InputLayer", {"batch_input_shape": [None] + base.input_shape, "dtype": "float32",
                            "sparse": False, "ragged": False, "name": "image"}, "tf2"),
        inner,
        wrap("Dense", layer_config("Dense", "head", head, "tf2"), "tf2")]}}
    with h5py.File(f"{out}/nested-model.h5", "w") as f:
        f.attrs["keras_version"] = b"2.9.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(seq_cfg).encode("utf8")
        g = f.create_group("model_weights")
        str_attr(g, "layer_names", ["base", "head"], False)
        bg = g.create_group("base")
        moving = ("moving_mean", "moving_variance")
        ws = [(l, v, a) for l, lw in base.weights.items() for v, a in lw]
        ordered = [w for w in ws if w[1] not in moving] + [w for w in ws if w[1] in moving]
        names = [f"{l}/{v}:0" for l, v, _ in ordered]
        str_attr(bg, "weight_names", names, False)
        for n, (_, _, a) in zip(names, ordered):
            bg.create_dataset(n, data=a)
        hg = g.create_group("head")
        str_attr(hg, "weight_names", ["head/kernel:0", "head/bias:0"], False)
        hg.create_dataset("head/kernel:0", data=hk)
        hg.create_dataset("head/bias:0", data=hb)
    x = rng.normal(0, 1, [2] + base.input_shape).astype(np.float32)
    np.save(f"{out}/nested-model.input.npy", x)
    y = activation(forward(base, x) @ hk.astype(np.float64) + hb, "softmax")
    np.save(f"{out}/nested-model.output.npy", y.astype(np.float32))

    # bad files
    cfg = functional_config(net, "tf2", shapes)
    write_model(f"{out}/bad-mismatch.h5", net, cfg, "tf2", "2.9.0", corrupt=("sep1", "sep1/pointwise_kernel:0"))
    write_model(f"{out}/bad-noconfig.h5", net, cfg, "tf2", "2.9.0", model_config=False)
    write_model(f"{out}/bad-json.h5", net, cfg, "tf2", "2.9.0", config_text='{"class_name": "Functional", "config": {')
    with h5py.File(f"{out}/bad-notkeras.h5", "w") as f:
        f.create_dataset("data", data=np.arange(10, dtype=np.float32))
    with open(f"{out}/func.h5", "rb") as fh:
        data = fh.read()
    with open(f"{out}/bad-truncated.h5", "wb") as fh:
        fh.write(data[: len(data) // 3])

    # 7. the PACBED-CNN layout (seed notebook): image branch + convergence-angle input,
    #    Dense(…, relu) + Dropout twice, concatenated, Dense(n, softmax)
    pnet = Net("pacbed", [12, 12, 3])
    x = conv(pnet, "input_1", 8, 3, s=2, bias=False, name="block1_conv1")
    x = bn(pnet, x, "block1_conv1_bn")
    x = act(pnet, x, "relu", "block1_conv1_act")
    x = pnet.add("GlobalAveragePooling2D", {}, [x], "avg_pool")
    for _ in range(2):
        x = pnet.add("Dense", {"units": 16, "activation": "relu", "use_bias": True}, [x])
        x = pnet.add("Dropout", {"rate": 0.3}, [x])
    a = pnet.add_input("conv_angle", [1])
    x = pnet.add("Concatenate", {"axis": -1}, [x, a])
    pnet.add("Dense", {"units": 5, "activation": "softmax", "use_bias": True}, [x], "predictions")
    shapes = make_weights(pnet, rng)
    write_model(f"{out}/pacbed.h5", pnet, functional_config(pnet, "tf2", shapes), "tf2", "2.9.0", vlen=True)
    xi = rng.normal(0, 1, [3, 12, 12, 3]).astype(np.float32)
    xa = rng.normal(0, 1, [3, 1]).astype(np.float32)
    np.save(f"{out}/pacbed.input.npy", xi)
    np.save(f"{out}/pacbed.conv_angle.npy", xa)
    np.save(f"{out}/pacbed.output.npy", forward(pnet, {"input_1": xi, "conv_angle": xa}).astype(np.float32))

    # 8. an unsupported layer (LSTM named 'lstm_1')
    un = Net("unsupported", [6, 4])
    un.add("LSTM", {"units": 3, "activation": "tanh", "return_sequences": False}, ["input_1"], "lstm_1")
    un.add("Dense", {"units": 2, "activation": "softmax", "use_bias": True}, ["lstm_1"], "dense")
    un.weights["dense"] = [("kernel", np.ones((3, 2), np.float32)), ("bias", np.zeros(2, np.float32))]
    un.weights["lstm_1"] = [("kernel", np.ones((4, 12), np.float32))]
    write_model(f"{out}/bad-unsupported.h5", un, functional_config(un, "tf2", {"input_1": [None, 6, 4], "lstm_1": [None, 3]}),
                "tf2", "2.9.0")

    if "--xception" in sys.argv:
        net = xception_net()
        shapes = make_weights(net, rng)
        write_model(f"{out}/xception.h5", net, functional_config(net, "tf2", shapes), "tf2", "2.9.0")
        save_case(out, "xception", net, rng, batch=1)
        # the last feature map (before pooling and softmax), O(1) values: a stricter check
        x = np.load(f"{out}/xception.input.npy")
        np.save(f"{out}/xception.features.npy", forward(net, x, "block14_sepconv2_act").astype(np.float32))
        manifest["xception"] = {"file": "xception.h5", "layers": len(net.nodes)}
    with open(f"{out}/manifest.json", "w") as fh:
        json.dump(manifest, fh)


if __name__ == "__main__":
    main()
