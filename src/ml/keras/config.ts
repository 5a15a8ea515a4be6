/**
 * Keras model configs → the form tfjs-layers deserialises (`tf.models.modelFromJSON`). tfjs
 * reads tf.keras 2.x configs; this fills the gaps of the other variants:
 *
 * - Keras 2.2 `Sequential` configs as a bare list of layers, `Model` and `Functional` classes;
 * - Keras 3: `module` / `registered_name` / `build_config` keys, `batch_shape` for
 *   `batch_input_shape`, dtype policies as dicts, inbound nodes as `{args, kwargs}` holding
 *   `__keras_tensor__` entries, `input_layers` / `output_layers` as one flat triple;
 * - options inference does not need (initializers, regularizers, constraints) are dropped, so an
 *   initializer tfjs does not know cannot block a model whose weights come from the file.
 *
 * Only the layers bragg has checked against its own numpy reference pass (SUPPORTED_LAYERS) and
 * nested models of them are accepted; any other layer is an UnsupportedError naming its class
 * and name, and an option that would change the numbers (grouped convolutions, `keepdims`,
 * leaky/thresholded ReLU, multi-axis BatchNormalization) is refused the same way.
 */
import { FormatError, UnsupportedError } from '../../core/errors.js';
import { KERAS_FORMAT } from './read.js';

/** Keras layer classes the import supports (plus Sequential / Model / Functional nesting). */
export const SUPPORTED_LAYERS = [
  'InputLayer',
  'Conv2D',
  'SeparableConv2D',
  'DepthwiseConv2D',
  'BatchNormalization',
  'Dense',
  'Dropout',
  'Activation',
  'ReLU',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Add',
  'Concatenate',
] as const;

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

/**
 * Keras names of activations tfjs computes the same way (`hard_sigmoid` is not: Keras 3 changed
 * it from 0.2·x + 0.5 to relu6(x + 3)/6; `gelu` is the exact, erf form in both).
 */
const ACTIVATIONS = new Set([
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
  'softsign',
  'elu',
  'selu',
  'swish',
  'gelu',
  'mish',
]);
/** Keras names of the same function under another name in tfjs. */
const ACTIVATION_ALIASES: Record<string, string> = { silu: 'swish' };

/** Old Keras aliases of supported classes. */
const ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D',
  SeparableConvolution2D: 'SeparableConv2D',
  DepthwiseConvolution2D: 'DepthwiseConv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
};

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

class Ctx {
  constructor(readonly file: string) {}
  bad(what: string, path: string, expected?: string): FormatError {
    return new FormatError(KERAS_FORMAT, what, {
      file: this.file,
      path: `model_config ${path}`,
      ...(expected === undefined ? {} : { expected }),
    });
  }
}

function unsupported(layer: string, cls: string, what: string): UnsupportedError {
  return new UnsupportedError(`Keras layer '${layer}' (${cls}): ${what}`, { feature: cls });
}

/**
 * A model config (`{class_name, config}`, as in the `model_config` attribute or
 * `model.to_json()`) in the form tfjs-layers reads.
 */
export function normalizeModelConfig(raw: unknown, file: string): Json {
  const ctx = new Ctx(file);
  if (!isObject(raw)) throw ctx.bad('the model config is not a JSON object', '(root)');
  return normModel(raw, ctx, '(root)');
}

function normModel(node: Json, ctx: Ctx, path: string): Json {
  const cls = node.class_name;
  if (typeof cls !== 'string' || !MODEL_CLASSES.has(cls)) {
    throw ctx.bad(
      `the model class is ${JSON.stringify(cls)}`,
      `${path}.class_name`,
      'Sequential, Model or Functional (subclassed models have no config to import)',
    );
  }
  const cfg = node.config;
  if (cls === 'Sequential') {
    const layers = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
    if (!Array.isArray(layers)) {
      throw ctx.bad('a Sequential config without layers', `${path}.config`, 'a list of layers');
    }
    const name = isObject(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential';
    const out = layers.map((l, i) => normLayer(l, ctx, `${path}.config.layers[${i}]`, false));
    return { class_name: 'Sequential', config: { name, layers: out } };
  }
  if (!isObject(cfg) || !Array.isArray(cfg.layers)) {
    throw ctx.bad(`a ${cls} config without layers`, `${path}.config`, 'a list of layers');
  }
  const layers = cfg.layers.map((l, i) => normLayer(l, ctx, `${path}.config.layers[${i}]`, true));
  return {
    class_name: 'Model',
    config: {
      name: typeof cfg.name === 'string' ? cfg.name : 'model',
      layers,
      input_layers: endpoints(cfg.input_layers, ctx, `${path}.config.input_layers`),
      output_layers: endpoints(cfg.output_layers, ctx, `${path}.config.output_layers`),
    },
  };
}

/** `[name, node, tensor]` triples; Keras 3 writes a single one flat. */
function endpoints(v: unknown, ctx: Ctx, path: string): unknown[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw ctx.bad('missing model inputs or outputs', path, 'a list of [layer, node, tensor]');
  }
  const list = typeof v[0] === 'string' ? [v] : v;
  return list.map((e, i) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string') {
      throw ctx.bad('not a [layer, node, tensor] entry', `${path}[${i}]`);
    }
    return [e[0], Number(e[1] ?? 0), Number(e[2] ?? 0)];
  });
}

/** Inbound nodes in the tf.keras 2.x form `[[[layer, node, tensor, kwargs], …], …]`. */
function inboundNodes(v: unknown, ctx: Ctx, path: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw ctx.bad('inbound_nodes is not a list', path);
  return v.map((node, i) => {
    if (Array.isArray(node)) {
      return node.map((e, j) => {
        if (!Array.isArray(e) || typeof e[0] !== 'string') {
          throw ctx.bad('not a [layer, node, tensor, kwargs] entry', `${path}[${i}][${j}]`);
        }
        return [e[0], Number(e[1] ?? 0), Number(e[2] ?? 0), isObject(e[3]) ? e[3] : {}];
      });
    }
    if (isObject(node) && Array.isArray(node.args)) {
      const found: unknown[] = [];
      collectTensors(node.args, found);
      if (found.length === 0)
        throw ctx.bad('an inbound node without input tensors', `${path}[${i}]`);
      return found;
    }
    throw ctx.bad('an inbound node in an unknown form', `${path}[${i}]`);
  });
}

/** Keras 3 `__keras_tensor__` references anywhere in a node's args, in order. */
function collectTensors(v: unknown, out: unknown[]): void {
  if (Array.isArray(v)) {
    for (const x of v) collectTensors(x, out);
    return;
  }
  if (!isObject(v)) return;
  if (v.class_name === '__keras_tensor__' && isObject(v.config)) {
    const h = v.config.keras_history;
    if (Array.isArray(h) && typeof h[0] === 'string') {
      out.push([h[0], Number(h[1] ?? 0), Number(h[2] ?? 0), {}]);
    }
  }
}

function dtypeName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && isObject(v.config) && typeof v.config.name === 'string') return v.config.name;
  return undefined;
}

function normLayer(raw: unknown, ctx: Ctx, path: string, functional: boolean): Json {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    throw ctx.bad('a layer without class_name and config', path);
  }
  const cls = ALIASES[raw.class_name] ?? raw.class_name;
  const name = typeof raw.config.name === 'string' ? raw.config.name : String(raw.name ?? '?');
  let out: Json;
  if (MODEL_CLASSES.has(cls)) {
    out = normModel({ class_name: cls, config: raw.config }, ctx, path);
  } else if ((SUPPORTED_LAYERS as readonly string[]).includes(cls)) {
    out = { class_name: cls, config: layerConfig(cls, name, raw.config) };
  } else {
    throw unsupported(
      name,
      cls,
      `layer class not supported by bragg's Keras import (supported: ${SUPPORTED_LAYERS.join(', ')}, and nested Sequential/Functional models)`,
    );
  }
  if (functional) {
    out.name = typeof raw.name === 'string' ? raw.name : name;
    out.inbound_nodes = inboundNodes(raw.inbound_nodes, ctx, `${path}.inbound_nodes`);
  }
  return out;
}

const DROPPED_KEYS = [
  'module',
  'registered_name',
  'build_config',
  'synchronized',
  'fused',
  'ragged',
  'optional',
  'renorm_clipping',
  'renorm_momentum',
  'virtual_batch_size',
  'adjustment',
  'noise_shape',
  'seed',
];

function layerConfig(cls: string, name: string, raw: Json): Json {
  const c: Json = { ...raw };
  for (const k of Object.keys(c)) {
    // Weights come from the file: initializers, regularizers and constraints are not needed.
    if (/_(initializer|regularizer|constraint)$/.test(k)) delete c[k];
    if (/_initializer$/.test(k)) c[k] = { class_name: 'Zeros', config: {} };
  }
  for (const k of DROPPED_KEYS) delete c[k];
  const dtype = dtypeName(c.dtype);
  if (dtype !== undefined && !/^(float(16|32|64)|mixed_(b)?float16|bfloat16)$/.test(dtype)) {
    throw unsupported(name, cls, `dtype ${dtype} (floating-point models only)`);
  }
  c.dtype = 'float32';
  if (c.batch_shape !== undefined) {
    c.batch_input_shape = c.batch_shape;
    delete c.batch_shape;
  }
  if (cls === 'InputLayer' && c.sparse === true) throw unsupported(name, cls, 'sparse inputs');
  if (typeof c.activation === 'string')
    c.activation = ACTIVATION_ALIASES[c.activation] ?? c.activation;
  if (typeof c.activation === 'string' && !ACTIVATIONS.has(c.activation)) {
    throw unsupported(name, cls, `activation '${c.activation}'`);
  }
  if (c.activation !== undefined && typeof c.activation !== 'string') {
    throw unsupported(name, cls, `activation given as ${JSON.stringify(c.activation)}`);
  }
  if (c.groups !== undefined) {
    if (c.groups !== 1)
      throw unsupported(name, cls, `grouped convolution (groups ${String(c.groups)})`);
    delete c.groups;
  }
  if (cls === 'BatchNormalization') {
    if (Array.isArray(c.axis)) {
      if (c.axis.length !== 1) throw unsupported(name, cls, `axis ${JSON.stringify(c.axis)}`);
      c.axis = c.axis[0];
    }
    if (c.renorm === true) throw unsupported(name, cls, 'batch renormalization');
    delete c.renorm;
  }
  if (cls === 'ReLU') {
    for (const k of ['negative_slope', 'threshold'] as const) {
      if (c[k] !== undefined && c[k] !== null && c[k] !== 0) {
        throw unsupported(name, cls, `${k} ${String(c[k])} (only plain or capped ReLU)`);
      }
      delete c[k];
    }
    if (c.max_value === null) delete c.max_value;
  }
  if (cls === 'GlobalAveragePooling2D') {
    if (c.keepdims === true) throw unsupported(name, cls, 'keepdims');
    delete c.keepdims;
  }
  return c;
}
