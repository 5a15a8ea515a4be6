"""The numpy reference for make_keras_h5.py: a model graph (`Net`), Keras-shaped random weights
and a float64 forward pass written from the layers' definitions (TensorFlow's `same` padding,
average pooling that does not count padding, batch normalisation in inference form).
"""
import numpy as np


# ----------------------------------------------------------------------------- graph description
# A model is a list of nodes: (name, class_name, config, [input names]); the first is the input.


class Net:
    def __init__(self, name, input_shape):
        self.name = name
        self.input_shape = list(input_shape)
        self.nodes = [("input_1", "InputLayer", {}, [])]
        self.weights = {}  # layer name -> list of (var name, array)
        self.counts = {}
        self.inputs = {"input_1": list(input_shape)}

    def add_input(self, name, shape):
        self.nodes.append((name, "InputLayer", {}, []))
        self.inputs[name] = list(shape)
        return name

    def auto(self, base):
        k = self.counts.get(base, 0)
        self.counts[base] = k + 1
        return base if k == 0 else f"{base}_{k}"

    def add(self, cls, cfg, inputs, name=None, base=None):
        name = name or self.auto(base or snake(cls))
        self.nodes.append((name, cls, cfg, list(inputs)))
        return name

    @property
    def output(self):
        return self.nodes[-1][0]


def snake(cls):
    out = ""
    for i, ch in enumerate(cls):
        if ch.isupper() and i > 0 and not cls[i - 1].isupper():
            out += "_"
        out += ch.lower()
    return out.replace("2_d", "2d").replace("conv2d", "conv2d")


def shape_of(net, rng_shapes, name):
    return rng_shapes[name]


# ----------------------------------------------------------------------------- numpy forward pass


def pad_same(n, k, s, d=1):
    ke = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + ke - n, 0)
    return total // 2, total - total // 2


def pad_input(x, kh, kw, sh, sw, padding, value=0.0, dh=1, dw=1):
    if padding == "valid":
        return x
    ph = pad_same(x.shape[1], kh, sh, dh)
    pw = pad_same(x.shape[2], kw, sw, dw)
    return np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=value)


def windows(x, kh, kw, sh, sw, dh=1, dw=1):
    """Patches [N, OH, OW, KH, KW, C] of a padded NHWC array."""
    n, h, w, c = x.shape
    oh = (h - (kh - 1) * dh - 1) // sh + 1
    ow = (w - (kw - 1) * dw - 1) // sw + 1
    out = np.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, :, i, j, :] = x[
                :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw, :
            ]
    return out


def conv2d(x, k, strides, padding, dilation=(1, 1)):
    kh, kw, _, _ = k.shape
    xp = pad_input(x, kh, kw, strides[0], strides[1], padding, 0.0, dilation[0], dilation[1])
    p = windows(xp, kh, kw, strides[0], strides[1], dilation[0], dilation[1])
    return np.einsum("nhwijc,ijco->nhwo", p, k)


def depthwise(x, k, strides, padding):
    kh, kw, c, m = k.shape
    xp = pad_input(x, kh, kw, strides[0], strides[1], padding)
    p = windows(xp, kh, kw, strides[0], strides[1])
    y = np.einsum("nhwijc,ijcm->nhwcm", p, k)
    return y.reshape(y.shape[0], y.shape[1], y.shape[2], c * m)


def pool(x, size, strides, padding, kind):
    kh, kw = size
    if kind == "max":
        xp = pad_input(x, kh, kw, strides[0], strides[1], padding, -np.inf)
        return windows(xp, kh, kw, strides[0], strides[1]).max(axis=(3, 4))
    # average pooling: padded positions are not counted (TensorFlow's rule)
    xp = pad_input(x, kh, kw, strides[0], strides[1], padding, 0.0)
    ones = pad_input(np.ones_like(x[:1, :, :, :1]), kh, kw, strides[0], strides[1], padding, 0.0)
    s = windows(xp, kh, kw, strides[0], strides[1]).sum(axis=(3, 4))
    cnt = windows(ones, kh, kw, strides[0], strides[1]).sum(axis=(3, 4))
    return s / cnt


def activation(x, name):
    if name == "linear":
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "relu6":
        return np.clip(x, 0, 6)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(name)


def forward(net, x, at=None):
    """`x`: the array of the one input, or a dict input name -> array; `at`: return that layer's
    output instead of the model's."""
    xs = x if isinstance(x, dict) else {"input_1": x}
    vals = {k: v.astype(np.float64) for k, v in xs.items()}
    for name, cls, cfg, inputs in net.nodes:
        if cls == "InputLayer":
            continue
        ins = [vals[i] for i in inputs]
        w = [a.astype(np.float64) for _, a in net.weights.get(name, [])]
        a = ins[0]
        if cls == "Conv2D":
            y = conv2d(a, w[0], cfg["strides"], cfg["padding"], cfg.get("dilation_rate", (1, 1)))
            if cfg["use_bias"]:
                y = y + w[1]
            y = activation(y, cfg["activation"])
        elif cls == "DepthwiseConv2D":
            y = depthwise(a, w[0], cfg["strides"], cfg["padding"])
            if cfg["use_bias"]:
                y = y + w[1]
            y = activation(y, cfg["activation"])
        elif cls == "SeparableConv2D":
            y = depthwise(a, w[0], cfg["strides"], cfg["padding"])
            y = np.einsum("nhwc,co->nhwo", y, w[1][0, 0])
            if cfg["use_bias"]:
                y = y + w[2]
            y = activation(y, cfg["activation"])
        elif cls == "BatchNormalization":
            gamma, beta, mean, var = w
            y = (a - mean) / np.sqrt(var + cfg["epsilon"]) * gamma + beta
        elif cls == "Dense":
            y = a @ w[0]
            if cfg["use_bias"]:
                y = y + w[1]
            y = activation(y, cfg["activation"])
        elif cls == "Activation":
            y = activation(a, cfg["activation"])
        elif cls == "ReLU":
            y = np.maximum(a, 0)
            if cfg.get("max_value") is not None:
                y = np.minimum(y, cfg["max_value"])
        elif cls == "Dropout":
            y = a
        elif cls == "MaxPooling2D":
            y = pool(a, cfg["pool_size"], cfg["strides"], cfg["padding"], "max")
        elif cls == "AveragePooling2D":
            y = pool(a, cfg["pool_size"], cfg["strides"], cfg["padding"], "avg")
        elif cls == "GlobalAveragePooling2D":
            y = a.mean(axis=(1, 2))
        elif cls == "Flatten":
            y = a.reshape(a.shape[0], -1)
        elif cls == "Add":
            y = sum(ins)
        elif cls == "Concatenate":
            y = np.concatenate(ins, axis=cfg["axis"])
        else:
            raise ValueError(f"no numpy forward for {cls}")
        vals[name] = y
    return vals[at or net.output]


# ----------------------------------------------------------------------------- weights


def out_channels(net, shapes, name):
    return shapes[name][-1]


def make_weights(net, rng):
    """Random weights with O(1) activations; shapes follow Keras (kernels HWIO)."""
    shapes = {k: [None] + s for k, s in net.inputs.items()}
    for name, cls, cfg, inputs in net.nodes:
        if cls == "InputLayer":
            continue
        s = shapes[inputs[0]]
        cin = s[-1]
        w = []
        if cls in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
            kh, kw = cfg["kernel_size"]
            sh, sw = cfg["strides"]
            h, wd = s[1], s[2]
            if cfg["padding"] == "same":
                oh, ow = -(-h // sh), -(-wd // sw)
            else:
                oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
            if cls == "Conv2D":
                cout = cfg["filters"]
                w.append(("kernel", rng.normal(0, 1 / np.sqrt(kh * kw * cin), (kh, kw, cin, cout))))
            elif cls == "DepthwiseConv2D":
                m = cfg["depth_multiplier"]
                cout = cin * m
                w.append(("depthwise_kernel", rng.normal(0, 1 / np.sqrt(kh * kw), (kh, kw, cin, m))))
            else:
                m = cfg["depth_multiplier"]
                cout = cfg["filters"]
                w.append(("depthwise_kernel", rng.normal(0, 1 / np.sqrt(kh * kw), (kh, kw, cin, m))))
                w.append(("pointwise_kernel", rng.normal(0, 1 / np.sqrt(cin * m), (1, 1, cin * m, cout))))
            if cfg["use_bias"]:
                w.append(("bias", rng.normal(0, 0.1, (cout,))))
            shapes[name] = [None, oh, ow, cout]
        elif cls == "BatchNormalization":
            w = [
                ("gamma", rng.uniform(0.8, 1.2, (cin,))),
                ("beta", rng.normal(0, 0.1, (cin,))),
                ("moving_mean", rng.normal(0, 0.1, (cin,))),
                ("moving_variance", rng.uniform(0.5, 1.5, (cin,))),
            ]
            shapes[name] = s
        elif cls == "Dense":
            u = cfg["units"]
            w.append(("kernel", rng.normal(0, 1 / np.sqrt(cin), (cin, u))))
            if cfg["use_bias"]:
                w.append(("bias", rng.normal(0, 0.1, (u,))))
            shapes[name] = [None, u]
        elif cls in ("MaxPooling2D", "AveragePooling2D"):
            kh, kw = cfg["pool_size"]
            sh, sw = cfg["strides"]
            h, wd = s[1], s[2]
            if cfg["padding"] == "same":
                shapes[name] = [None, -(-h // sh), -(-wd // sw), cin]
            else:
                shapes[name] = [None, (h - kh) // sh + 1, (wd - kw) // sw + 1, cin]
        elif cls == "GlobalAveragePooling2D":
            shapes[name] = [None, cin]
        elif cls == "Flatten":
            shapes[name] = [None, int(np.prod(s[1:]))]
        elif cls == "Concatenate":
            shapes[name] = s[:-1] + [sum(shapes[i][-1] for i in inputs)]
        else:
            shapes[name] = s
        if w:
            net.weights[name] = [(k, v.astype(np.float32)) for k, v in w]
    return shapes
