"""Keras' serialised forms for make_keras_h5.py: layer and model configs in the Keras 2.2,
tf.keras 2.x and Keras 3 variants, and the HDF5 layout Keras' h5 writers use (see
make_keras_h5.py's docstring).
"""
import json

import h5py
import numpy as np


# ----------------------------------------------------------------------------- Keras configs


def init(cls, style, **cfg):
    d = {"class_name": cls, "config": cfg}
    if style == "k3":
        d = {"module": "keras.initializers", "class_name": cls, "config": cfg, "registered_name": None}
    return d


def layer_config(cls, name, cfg, style):
    """The layer's `config` as Keras writes it (tf.keras 2.x keys; Keras 3 differences)."""
    dtype = "float32"
    if style == "k3":
        dtype = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    base = {"name": name, "trainable": True, "dtype": dtype}
    glorot = init("GlorotUniform", style, seed=None)
    zeros = init("Zeros", style)
    ones = init("Ones", style)
    reg = {"kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
           "kernel_constraint": None, "bias_constraint": None}
    if cls == "Conv2D":
        c = {"filters": cfg["filters"], "kernel_size": list(cfg["kernel_size"]), "strides": list(cfg["strides"]),
             "padding": cfg["padding"], "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
             "activation": cfg["activation"], "use_bias": cfg["use_bias"], "kernel_initializer": glorot,
             "bias_initializer": zeros, **reg}
    elif cls in ("DepthwiseConv2D", "SeparableConv2D"):
        c = {"kernel_size": list(cfg["kernel_size"]), "strides": list(cfg["strides"]), "padding": cfg["padding"],
             "data_format": "channels_last", "dilation_rate": [1, 1], "activation": cfg["activation"],
             "use_bias": cfg["use_bias"], "bias_initializer": zeros, "bias_regularizer": None,
             "activity_regularizer": None, "bias_constraint": None, "depth_multiplier": cfg["depth_multiplier"],
             "depthwise_initializer": glorot, "depthwise_regularizer": None, "depthwise_constraint": None}
        if cls == "SeparableConv2D":
            c.update({"filters": cfg["filters"], "pointwise_initializer": glorot, "pointwise_regularizer": None,
                      "pointwise_constraint": None})
        if style != "k3":
            c["groups"] = 1
    elif cls == "BatchNormalization":
        c = {"axis": [3] if style == "tf2" else (3 if style == "k2" else -1), "momentum": 0.99,
             "epsilon": cfg["epsilon"], "center": True, "scale": True, "beta_initializer": zeros,
             "gamma_initializer": ones, "moving_mean_initializer": zeros, "moving_variance_initializer": ones,
             "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}
        if style == "k3":
            c["synchronized"] = False
    elif cls == "Dense":
        c = {"units": cfg["units"], "activation": cfg["activation"], "use_bias": cfg["use_bias"],
             "kernel_initializer": glorot, "bias_initializer": zeros, **reg}
    elif cls == "Activation":
        c = {"activation": cfg["activation"]}
    elif cls == "ReLU":
        c = {"max_value": cfg.get("max_value"), "negative_slope": 0.0, "threshold": 0.0}
    elif cls == "Dropout":
        c = {"rate": cfg["rate"], "noise_shape": None, "seed": None}
    elif cls in ("MaxPooling2D", "AveragePooling2D"):
        c = {"pool_size": list(cfg["pool_size"]), "padding": cfg["padding"], "strides": list(cfg["strides"]),
             "data_format": "channels_last"}
    elif cls == "GlobalAveragePooling2D":
        c = {"data_format": "channels_last"}
        if style != "k2":
            c["keepdims"] = False
    elif cls == "Flatten":
        c = {"data_format": "channels_last"}
    elif cls == "Add":
        c = {}
    elif cls == "Concatenate":
        c = {"axis": cfg["axis"]}
    else:  # layers the script only writes (unsupported ones)
        c = dict(cfg)
    return {**base, **c}


def wrap(cls, conf, style, extra=None):
    d = {"class_name": cls, "config": conf}
    if style == "k3":
        d = {"module": "keras.layers", "class_name": cls, "config": conf, "registered_name": None}
    if extra:
        d.update(extra)
    return d


def sequential_config(net, style):
    """Keras 2.2 (`k2`): a list of layers, the first with `batch_input_shape`."""
    layers = []
    for i, (name, cls, cfg, _) in enumerate(net.nodes[1:]):
        conf = layer_config(cls, name, cfg, style)
        if i == 0 and style == "k2":
            conf["batch_input_shape"] = [None] + net.input_shape
        layers.append(wrap(cls, conf, style))
    if style == "k2":
        return {"class_name": "Sequential", "config": layers}
    inp = wrap("InputLayer", {"batch_input_shape": [None] + net.input_shape, "dtype": "float32",
                              "sparse": False, "ragged": False, "name": "input_1"}, style)
    return {"class_name": "Sequential", "config": {"name": net.name, "layers": [inp] + layers}}


def functional_config(net, style, shapes):
    layers = []
    for name, cls, cfg, inputs in net.nodes:
        if cls == "InputLayer":
            if style == "k3":
                conf = {"batch_shape": [None] + net.inputs[name], "dtype": "float32", "sparse": False, "name": name}
            else:
                conf = {"batch_input_shape": [None] + net.inputs[name], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": name}
            layers.append(wrap(cls, conf, style, {"name": name, "inbound_nodes": []}))
            continue
        conf = layer_config(cls, name, cfg, style)
        if style == "k3":
            tensors = [{"class_name": "__keras_tensor__",
                        "config": {"shape": shapes[i], "dtype": "float32", "keras_history": [i, 0, 0]}}
                       for i in inputs]
            args = [tensors] if cls in ("Add", "Concatenate") else tensors
            nodes = [{"args": args, "kwargs": {}}]
            extra = {"name": name, "build_config": {"input_shape": shapes[inputs[0]]}, "inbound_nodes": nodes}
        else:
            nodes = [[[i, 0, 0, {}] for i in inputs]]
            extra = {"name": name, "inbound_nodes": nodes}
        layers.append(wrap(cls, conf, style, extra))
    cls = "Model" if style == "k2" else "Functional"
    conf = {"name": net.name, "layers": layers, "input_layers": [[n, 0, 0] for n in net.inputs],
            "output_layers": [[net.output, 0, 0]]}
    if style == "k3":
        conf["trainable"] = True
        if len(net.inputs) == 1:
            conf["input_layers"] = ["input_1", 0, 0]
        conf["output_layers"] = [net.output, 0, 0]
        return {"module": "keras", "class_name": cls, "config": conf, "registered_name": "Functional",
                "build_config": {"input_shape": None}}
    return {"class_name": cls, "config": conf}


# ----------------------------------------------------------------------------- HDF5 writing


def str_attr(group, name, values, vlen):
    """A list of names: numpy `S` (fixed length, Keras' way) or h5py variable-length strings."""
    if not values:
        group.attrs[name] = np.asarray([])  # what Keras writes for a weightless layer
    elif vlen:
        group.attrs.create(name, values, dtype=h5py.string_dtype("utf-8"))
    else:
        group.attrs[name] = np.array([v.encode("utf8") for v in values])


def weight_name(layer, var, style, scope):
    if style == "k3":
        return f"{layer}/{var}"
    if scope:
        return f"{scope}/{layer}/{var}:0"
    return f"{layer}/{var}:0"


def write_weights(g, net, style, vlen=False, scope=None, version="2.9.0", corrupt=None, with_input=True):
    """`model.layers` of a Functional model includes its InputLayer, of a Sequential one not."""
    names = [n for n, *_ in (net.nodes if with_input else net.nodes[1:])]
    str_attr(g, "layer_names", names, vlen)
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = version.encode("utf8")
    for layer in names:
        lg = g.create_group(layer)
        ws = net.weights.get(layer, [])
        wn = [weight_name(layer, v, style, scope) for v, _ in ws]
        str_attr(lg, "weight_names", wn, vlen)
        for n, (_, a) in zip(wn, ws):
            if corrupt == (layer, n):
                a = a[..., :-1] if a.ndim > 0 else a
            lg.create_dataset(n, data=a)


def write_model(path, net, config, style, version, vlen=False, scope=None, corrupt=None,
                model_config=True, config_text=None):
    with_input = config["class_name"] != "Sequential"
    with h5py.File(path, "w") as f:
        if style == "k3":
            f.attrs["keras_version"] = version
            f.attrs["backend"] = "tensorflow"
        else:
            f.attrs["keras_version"] = version.encode("utf8")
            f.attrs["backend"] = b"tensorflow"
        if model_config:
            text = config_text if config_text is not None else json.dumps(config)
            f.attrs["model_config"] = text.encode("utf8")
        f.attrs["training_config"] = json.dumps({"loss": "categorical_crossentropy", "metrics": ["accuracy"],
                                                 "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.001}}}).encode("utf8")
        write_weights(f.create_group("model_weights"), net, style, vlen, scope, version, corrupt, with_input)
