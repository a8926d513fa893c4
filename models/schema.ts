/**
 * The model schema: for each architecture, every config key (type, range, default) and every tensor
 * name and shape derived from a config. Checkpoints, random weights, the PyTorch trainer and every
 * backend follow this one file.
 *
 * @module
 */

/** The architectures the harness runs. */
export const ARCHITECTURES = ["ramba", "transformer", "mamba2", "swa_hsa"] as const;
/** An architecture name. */
export type Architecture = typeof ARCHITECTURES[number];

/** One config key. */
export interface KeySpec {
  type: "int" | "float" | "bool" | "enum";
  /** Value when absent; undefined = required. */
  default?: number | boolean | string;
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Allowed values for enums (and the only allowed value for a bool that is fixed). */
  values?: readonly (string | boolean)[];
  doc: string;
}

/** A resolved config: every key of the architecture with its value. */
export type ModelConfig = Record<string, number | boolean | string> & { architecture: Architecture };

const common: Record<string, KeySpec> = {
  vocab_size: { type: "int", default: 256, min: 2, max: 1 << 20, doc: "rows of the embedding / LM head" },
  hidden_size: { type: "int", min: 8, max: 65536, doc: "model width d" },
  tie_word_embeddings: { type: "bool", default: true, values: [true], doc: "LM head = embedding (required)" },
  initializer_range: { type: "float", default: 0.02, min: 0, max: 1, doc: "std of random init" },
};

const mamba: Record<string, KeySpec> = {
  expand: { type: "int", default: 2, min: 1, max: 8, doc: "d_in = expand·hidden_size" },
  head_dim: { type: "int", default: 64, min: 1, max: 1024, doc: "Mamba head dim P" },
  state_size: { type: "int", default: 128, min: 1, max: 1024, doc: "SSM state size N_s" },
  n_groups: { type: "int", default: 1, min: 1, max: 64, doc: "B/C groups g" },
  conv_kernel: { type: "int", default: 4, min: 2, max: 16, doc: "causal conv width k_c" },
  use_conv_bias: { type: "bool", default: true, values: [true], doc: "conv1d has a bias (required)" },
  use_bias: { type: "bool", default: false, values: [false], doc: "linear biases (unsupported)" },
  mamba_chunk_size: { type: "int", default: 256, min: 1, max: 65536, doc: "SSD chunk Q (speed only)" },
  layer_norm_epsilon: { type: "float", default: 1e-5, min: 0, max: 1, doc: "eps of Mamba-side RMSNorms" },
};

const hsa: Record<string, KeySpec> = {
  chunk_size: { type: "int", default: 64, min: 1, max: 4096, doc: "HSA chunk size S" },
  chunk_topk: { type: "int", default: 8, min: 1, max: 256, doc: "chunks retrieved per token K" },
  num_attention_heads: { type: "int", min: 1, max: 256, doc: "HSA query heads H_q (D_h = d/H_q)" },
  num_kv_heads: { type: "int", default: 1, min: 1, max: 64, doc: "HSA K/V (= retrieval) heads H_kv" },
  retrieval_dim: { type: "int", min: 1, max: 8192, doc: "landmark / retrieval query width d_r" },
  num_upper_groups: { type: "int", default: 1, min: 1, max: 64, doc: "retrieval groups" },
  chunk_weighting: {
    type: "enum",
    default: "stick_breaking",
    values: ["stick_breaking", "softmax"],
    doc: "how slot scores become chunk weights (spec §5.4)",
  },
  enable_softmax1: { type: "bool", default: false, doc: "softmax off by one inside chunks" },
  hsa_norm_epsilon: { type: "float", default: 1e-6, min: 0, max: 1, doc: "eps of HSA-side RMSNorms" },
  encoder_layers: { type: "int", default: 0, min: 0, max: 0, doc: "chunk encoder depth (only 0)" },
};

const attention: Record<string, KeySpec> = {
  num_attention_heads: { type: "int", min: 1, max: 256, doc: "attention query heads" },
  num_key_value_heads: { type: "int", min: 1, max: 256, doc: "attention KV heads (GQA)" },
  head_dim: { type: "int", min: 2, max: 1024, doc: "attention head dim (even)" },
  intermediate_size: { type: "int", min: 1, max: 1 << 20, doc: "SwiGLU width" },
  rope_theta: { type: "float", default: 10000, min: 1, max: 1e12, doc: "RoPE base" },
  rms_norm_eps: { type: "float", default: 1e-6, min: 0, max: 1, doc: "eps of decoder RMSNorms" },
  qk_norm: { type: "bool", default: true, doc: "per-head RMSNorm on q and k before RoPE" },
  attention_bias: { type: "bool", default: false, values: [false], doc: "q/k/v/o biases (unsupported)" },
};

const architecture: KeySpec = { type: "enum", values: ARCHITECTURES, doc: "which architecture" };

/** Config keys per architecture. */
export const CONFIG_KEYS: Record<Architecture, Record<string, KeySpec>> = {
  ramba: {
    architecture,
    ...common,
    ...mamba,
    ...hsa,
    num_lower_layers: { type: "int", min: 0, max: 1024, doc: "Mamba2 blocks before the chunking layer" },
    num_upper_layers: { type: "int", min: 1, max: 1024, doc: "Mamba2 blocks after it (all groups)" },
    num_mamba_per_gca: { type: "int", default: 1, min: 1, max: 1024, doc: "Mamba2 blocks after each HSA" },
  },
  mamba2: {
    architecture,
    ...common,
    ...mamba,
    num_hidden_layers: { type: "int", min: 1, max: 1024, doc: "Mamba2 blocks" },
  },
  transformer: {
    architecture,
    ...common,
    ...attention,
    num_hidden_layers: { type: "int", min: 1, max: 1024, doc: "decoder layers" },
  },
  swa_hsa: {
    architecture,
    ...common,
    ...attention,
    ...hsa,
    num_attention_heads: { type: "int", min: 1, max: 256, doc: "SWA and HSA query heads" },
    num_lower_layers: { type: "int", min: 0, max: 1024, doc: "SWA layers before the chunking layer" },
    num_upper_layers: { type: "int", min: 1, max: 1024, doc: "SWA layers after it (all groups)" },
    sliding_window: { type: "int", min: 1, max: 1 << 24, doc: "SWA window W (query sees W+1 keys)" },
    mask_slide_window: { type: "bool", default: false, doc: "retrieval skips chunks inside the window" },
    reset_hsa_residual: { type: "bool", default: false, doc: "add the HSA output to the residual too" },
  },
};

/** Validates a raw config object and fills defaults. Errors name the key and the file. */
export function resolveConfig(raw: unknown, source: string): ModelConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: config must be a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const arch = obj.architecture;
  if (typeof arch !== "string" || !(ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new Error(
      `${source}: key "architecture" is ${JSON.stringify(arch)}, expected one of ${ARCHITECTURES.join(", ")}`,
    );
  }
  const keys = CONFIG_KEYS[arch as Architecture];
  for (const k of Object.keys(obj)) {
    if (k.startsWith("_")) continue; // comments and provenance, e.g. "_comment", "_training"
    if (!(k in keys)) throw new Error(`${source}: unknown key "${k}" for architecture ${arch}`);
  }
  const out: Record<string, number | boolean | string> = {};
  for (const [k, spec] of Object.entries(keys)) {
    const v = obj[k] ?? spec.default;
    if (v === undefined) throw new Error(`${source}: missing required key "${k}" (${spec.doc})`);
    out[k] = checkValue(k, v, spec, source);
  }
  const cfg = out as ModelConfig;
  checkRelations(cfg, source);
  return cfg;
}

function checkValue(key: string, v: unknown, spec: KeySpec, source: string): number | boolean | string {
  const bad = (want: string) =>
    new Error(`${source}: key "${key}" is ${JSON.stringify(v)}, expected ${want}`);
  if (spec.type === "bool") {
    if (typeof v !== "boolean") throw bad("true or false");
    if (spec.values && !spec.values.includes(v)) throw bad(`${spec.values.join(" or ")} (${spec.doc})`);
    return v;
  }
  if (spec.type === "enum") {
    if (typeof v !== "string" || !spec.values!.includes(v)) throw bad(`one of ${spec.values!.join(", ")}`);
    return v;
  }
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw bad(`a finite ${spec.type === "int" ? "integer" : "number"}`);
  }
  if (spec.type === "int" && !Number.isInteger(v)) throw bad("an integer");
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
    throw bad(`a value in [${spec.min}, ${spec.max}] (${spec.doc})`);
  }
  return v;
}

function checkRelations(c: ModelConfig, source: string): void {
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`${source}: impossible config: ${what}`);
  };
  const n = (k: string) => c[k] as number;
  if (c.architecture === "ramba" || c.architecture === "mamba2") {
    const dIn = n("expand") * n("hidden_size");
    need(dIn % n("head_dim") === 0, `expand·hidden_size (${dIn}) must be a multiple of head_dim`);
    need((dIn / n("head_dim")) % n("n_groups") === 0, `Mamba heads must be a multiple of n_groups`);
  }
  if (c.architecture === "transformer" || c.architecture === "swa_hsa") {
    need(n("head_dim") % 2 === 0, `head_dim (${n("head_dim")}) must be even for RoPE`);
    need(
      n("num_attention_heads") % n("num_key_value_heads") === 0,
      `num_attention_heads must be a multiple of num_key_value_heads`,
    );
  }
  if (c.architecture === "ramba" || c.architecture === "swa_hsa") {
    need(
      n("hidden_size") % n("num_attention_heads") === 0,
      `hidden_size must be a multiple of num_attention_heads`,
    );
    need(
      n("num_attention_heads") % n("num_kv_heads") === 0,
      `num_attention_heads must be a multiple of num_kv_heads`,
    );
    need(n("retrieval_dim") % n("num_kv_heads") === 0, `retrieval_dim must be a multiple of num_kv_heads`);
    need(
      n("num_upper_layers") % n("num_upper_groups") === 0,
      `num_upper_layers must divide into num_upper_groups`,
    );
  }
  if (c.architecture === "ramba") {
    const perGroup = n("num_upper_layers") / n("num_upper_groups");
    need(
      perGroup % n("num_mamba_per_gca") === 0,
      `upper layers per group must be a multiple of num_mamba_per_gca`,
    );
  }
}

/** Derived sizes used by the forward code. */
export interface Dims {
  d: number;
  vocab: number;
  /** Mamba: d_in, heads, head dim, state, groups, conv channels, in_proj rows. */
  dIn: number;
  mHeads: number;
  mHeadDim: number;
  stateSize: number;
  groups: number;
  convDim: number;
  inProj: number;
  /** HSA: query heads, kv heads, head dim, retrieval dim. */
  hHeads: number;
  hKvHeads: number;
  hHeadDim: number;
  retrievalDim: number;
}

/** Derives the sizes an architecture's tensors and ops need. */
export function dims(c: ModelConfig): Dims {
  const n = (k: string) => (c[k] as number | undefined) ?? 0;
  const d = n("hidden_size");
  const dIn = n("expand") * d;
  const mHeadDim = c.architecture === "ramba" || c.architecture === "mamba2" ? n("head_dim") : 0;
  const mHeads = mHeadDim ? dIn / mHeadDim : 0;
  const gN = n("n_groups") * n("state_size");
  const hHeads = c.architecture === "ramba" || c.architecture === "swa_hsa" ? n("num_attention_heads") : 0;
  return {
    d,
    vocab: n("vocab_size"),
    dIn,
    mHeads,
    mHeadDim,
    stateSize: n("state_size"),
    groups: n("n_groups"),
    convDim: dIn + 2 * gN,
    inProj: 2 * dIn + 2 * gN + mHeads,
    hHeads,
    hKvHeads: n("num_kv_heads"),
    hHeadDim: hHeads ? d / hHeads : 0,
    retrievalDim: n("retrieval_dim"),
  };
}

/** The kinds of module in a model's module list. */
export type ModuleKind = "mamba" | "chunking" | "retrieval" | "hsa" | "hsa_mlp" | "decoder";

/** One entry of the module list: its kind and its tensor-name prefix. */
export interface ModuleEntry {
  kind: ModuleKind;
  prefix: string;
  /** Retrieval group for retrieval/HSA modules. */
  group: number;
}

/** The module sequence of a config (spec §2.1, §9), with each module's tensor prefix. */
export function moduleList(c: ModelConfig): ModuleEntry[] {
  const n = (k: string) => c[k] as number;
  const out: ModuleEntry[] = [];
  const hf = c.architecture === "ramba" || c.architecture === "mamba2";
  const root = hf ? "backbone.layers" : "model.layers";
  const add = (kind: ModuleKind, group = -1) => out.push({ kind, prefix: `${root}.${out.length}`, group });
  switch (c.architecture) {
    case "mamba2":
      for (let i = 0; i < n("num_hidden_layers"); i++) add("mamba");
      break;
    case "transformer":
      for (let i = 0; i < n("num_hidden_layers"); i++) add("decoder");
      break;
    case "ramba": {
      for (let i = 0; i < n("num_lower_layers"); i++) add("mamba");
      add("chunking");
      const groups = n("num_upper_groups");
      const inner = n("num_upper_layers") / groups / n("num_mamba_per_gca");
      for (let g = 0; g < groups; g++) {
        add("retrieval", g);
        for (let i = 0; i < inner; i++) {
          add("hsa", g);
          for (let j = 0; j < n("num_mamba_per_gca"); j++) add("mamba");
        }
      }
      break;
    }
    case "swa_hsa": {
      for (let i = 0; i < n("num_lower_layers"); i++) add("decoder");
      add("chunking");
      const groups = n("num_upper_groups");
      for (let g = 0; g < groups; g++) {
        add("retrieval", g);
        add("hsa_mlp", g);
        for (let i = 0; i < n("num_upper_layers") / groups; i++) add("decoder");
      }
      break;
    }
  }
  return out;
}

/** An expected tensor: name and shape (HF layout). */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/** Every tensor of a config, in module order. */
export function tensorSpecs(c: ModelConfig): TensorSpec[] {
  const k = dims(c);
  const n = (key: string) => c[key] as number;
  const hf = c.architecture === "ramba" || c.architecture === "mamba2";
  const out: TensorSpec[] = [{
    name: hf ? "backbone.embeddings.weight" : "model.embed_tokens.weight",
    shape: [k.vocab, k.d],
  }];
  const t = (name: string, ...shape: number[]) => out.push({ name, shape });
  const swiglu = (p: string) => {
    t(`${p}.mlp.gate_proj.weight`, n("intermediate_size"), k.d);
    t(`${p}.mlp.up_proj.weight`, n("intermediate_size"), k.d);
    t(`${p}.mlp.down_proj.weight`, k.d, n("intermediate_size"));
  };
  for (const m of moduleList(c)) {
    const p = m.prefix;
    switch (m.kind) {
      case "mamba":
        t(`${p}.norm.weight`, k.d);
        t(`${p}.mixer.in_proj.weight`, k.inProj, k.d);
        t(`${p}.mixer.conv1d.weight`, k.convDim, 1, n("conv_kernel"));
        t(`${p}.mixer.conv1d.bias`, k.convDim);
        t(`${p}.mixer.dt_bias`, k.mHeads);
        t(`${p}.mixer.A_log`, k.mHeads);
        t(`${p}.mixer.D`, k.mHeads);
        t(`${p}.mixer.norm.weight`, k.dIn);
        t(`${p}.mixer.out_proj.weight`, k.d, k.dIn);
        break;
      case "chunking":
        t(`${p}.norm.weight`, k.d);
        t(`${p}.proj_k.weight`, k.hKvHeads * k.hHeadDim, k.d);
        t(`${p}.proj_v.weight`, k.hKvHeads * k.hHeadDim, k.d);
        t(`${p}.lmk_ln.weight`, k.retrievalDim, k.d);
        break;
      case "retrieval":
        t(`${p}.pre_norm.weight`, k.d);
        t(`${p}.ln.weight`, k.retrievalDim, k.d);
        break;
      case "hsa":
      case "hsa_mlp":
        t(`${p}.pre_norm.weight`, k.d);
        t(`${p}.q_proj.weight`, k.d, k.d);
        t(`${p}.o_proj.weight`, k.d, k.d);
        if (m.kind === "hsa_mlp") {
          t(`${p}.post_attention_layernorm.weight`, k.d);
          swiglu(p);
        }
        break;
      case "decoder": {
        const hd = n("head_dim");
        t(`${p}.input_layernorm.weight`, k.d);
        t(`${p}.self_attn.q_proj.weight`, n("num_attention_heads") * hd, k.d);
        t(`${p}.self_attn.k_proj.weight`, n("num_key_value_heads") * hd, k.d);
        t(`${p}.self_attn.v_proj.weight`, n("num_key_value_heads") * hd, k.d);
        t(`${p}.self_attn.o_proj.weight`, k.d, n("num_attention_heads") * hd);
        if (c.qk_norm) {
          t(`${p}.self_attn.q_norm.weight`, hd);
          t(`${p}.self_attn.k_norm.weight`, hd);
        }
        t(`${p}.post_attention_layernorm.weight`, k.d);
        swiglu(p);
        break;
      }
    }
  }
  t(hf ? "backbone.norm_f.weight" : "model.norm.weight", k.d);
  return out;
}

/** Total parameter count (the tied LM head counted once). */
export function parameterCount(c: ModelConfig): number {
  return tensorSpecs(c).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
}
