/**
 * The op set on the CUDA backend: every argument is checked here with the reference backend's messages
 * (naming the op, the tensor and the expected shape), outputs are allocated, and one library symbol runs
 * with a packed params struct. Semantics are those of backends/reference/ (the definition).
 * @module
 */
import type {
  AttentionOptions,
  ChunkWeightOptions,
  HsaAttentionOptions,
  HsaSelectOptions,
  Ops,
  SsmOptions,
  Tensor,
} from "../backend.ts";
import { checkInt, checkShape, fail, type ShapeSpec } from "../reference/check.ts";
import type { CudaBackend, CudaTensor } from "./cuda_backend.ts";
import { deviceBytes } from "./ffi.ts";

/** The ops of `be`. */
export function cudaOps(be: CudaBackend): Ops {
  const F = be.floatCode;

  /** A float tensor of this backend's precision and the expected shape. */
  function fl(op: string, name: string, t: Tensor, expected: ShapeSpec, note = ""): CudaTensor {
    const c = be.own(op, name, t);
    if (c.dtype !== be.precision) fail(op, `${name} has dtype ${c.dtype}, expected ${be.precision}`);
    checkShape(op, name, c, expected, note);
    return c;
  }

  /** An i32 tensor of this backend and the expected shape. */
  function ix(op: string, name: string, t: Tensor, expected: ShapeSpec, note = ""): CudaTensor {
    const c = be.own(op, name, t);
    if (c.dtype !== "i32") fail(op, `${name} has dtype ${c.dtype}, expected i32`);
    checkShape(op, name, c, expected, note);
    return c;
  }

  function numel(shape: readonly number[]): number {
    let n = 1;
    for (const s of shape) n *= s;
    return n;
  }

  function binary(op: "add" | "mul", a: Tensor, b: Tensor): Tensor {
    const at = fl(op, "a", a, a.shape);
    const bt = fl(op, "b", b, a.shape, "= a.shape");
    const y = be.alloc(a.shape);
    be.run(op, { a: at.ptr, b: bt.ptr, out: y.ptr, n: numel(a.shape), dtype: F }, [y]);
    return y;
  }

  function ssm(op: "ssdScan" | "ssmStep", args: Tensor[], opts: SsmOptions): Tensor {
    const [x, dtRaw, aLog, b, c, d, dtBias, state] = args;
    const H = checkInt(op, "opts.heads", opts.heads, 1);
    const P = checkInt(op, "opts.headDim", opts.headDim, 1);
    const G = checkInt(op, "opts.groups", opts.groups, 1);
    const N = checkInt(op, "opts.stateSize", opts.stateSize, 1);
    const chunk = checkInt(op, "opts.chunk", opts.chunk, 1);
    if (H % G !== 0) fail(op, `opts.heads = ${H} is not a multiple of opts.groups = ${G}`);
    const [dtMin, dtMax] = opts.dtLimit;
    if (!(dtMin <= dtMax)) fail(op, `opts.dtLimit = [${dtMin}, ${dtMax}] is not an interval [min, max]`);
    const xt = fl(op, "x", x, [null, H * P], "H*P = opts.heads*opts.headDim");
    const T = x.shape[0];
    const p = {
      x: xt.ptr,
      dt_raw: fl(op, "dtRaw", dtRaw, [T, H], "[T, heads]").ptr,
      a_log: fl(op, "aLog", aLog, [H], "[heads]").ptr,
      b: fl(op, "b", b, [T, G * N], "[T, groups*stateSize]").ptr,
      c: fl(op, "c", c, [T, G * N], "[T, groups*stateSize]").ptr,
      d: fl(op, "d", d, [H], "[heads]").ptr,
      dt_bias: fl(op, "dtBias", dtBias, [H], "[heads]").ptr,
      state: fl(op, "state", state, [H, P * N], "[heads, headDim*stateSize]").ptr,
    };
    const y = be.alloc([T, H * P]);
    be.run(op, {
      ...p,
      out: y.ptr,
      rows: T,
      heads: H,
      head_dim: P,
      groups: G,
      state_size: N,
      chunk,
      dt_min: dtMin,
      dt_max: dtMax,
      dtype: F,
    }, [y]);
    return y;
  }

  return {
    embedding(table, ids) {
      const op = "embedding";
      const tb = fl(op, "table", table, [null, null]);
      if (!(ids instanceof Int32Array)) fail(op, "ids must be an Int32Array");
      const [vocab, d] = table.shape;
      for (let t = 0; t < ids.length; t++) {
        if (ids[t] < 0 || ids[t] >= vocab) {
          fail(op, `ids[${t}] = ${ids[t]} is outside [0, ${vocab}) (V = table.shape[0])`);
        }
      }
      const y = be.alloc([ids.length, d]);
      if (ids.length === 0 || d === 0) return y;
      let idt: CudaTensor;
      try {
        idt = be.upload(ids, [ids.length], "i32");
      } catch (e) {
        be.dispose(y);
        throw e;
      }
      try {
        be.run(op, { table: tb.ptr, ids: idt.ptr, out: y.ptr, rows: ids.length, dim: d, vocab, dtype: F }, [
          y,
        ]);
      } finally {
        be.dispose(idt); // stream-ordered: the kernel has read it before the memory is reused
      }
      return y;
    },

    rmsNorm(x, w, eps) {
      const op = "rmsNorm";
      const xt = fl(op, "x", x, [null, null]);
      const [rows, cols] = x.shape;
      const wt = fl(op, "w", w, [null]);
      const G = w.shape[0];
      if (G === 0 ? cols !== 0 : cols % G !== 0) {
        fail(op, `w has shape [${G}], expected [G] with G dividing C = ${cols} (x.shape[1])`);
      }
      const y = be.alloc([rows, cols]);
      be.run(op, { x: xt.ptr, w: wt.ptr, out: y.ptr, rows, cols, group: G, eps, dtype: F }, [y]);
      return y;
    },

    gatedRmsNorm(x, z, w, eps) {
      const op = "gatedRmsNorm";
      const xt = fl(op, "x", x, [null, null]);
      const [rows, cols] = x.shape;
      const zt = fl(op, "z", z, [rows, cols], "= x.shape");
      const wt = fl(op, "w", w, [cols], "C = x.shape[1]");
      const y = be.alloc([rows, cols]);
      be.run(op, { x: xt.ptr, z: zt.ptr, w: wt.ptr, out: y.ptr, rows, cols, eps, dtype: F }, [y]);
      return y;
    },

    linear(x, w, bias) {
      const op = "linear";
      const xt = fl(op, "x", x, [null, null]);
      const [rows, inDim] = x.shape;
      const wt = fl(op, "w", w, [null, inDim], "in = x.shape[1]");
      const outDim = w.shape[0];
      const bt = bias === undefined ? null : fl(op, "bias", bias, [outDim], "out = w.shape[0]");
      const y = be.alloc([rows, outDim]);
      be.run(op, {
        x: xt.ptr,
        w: wt.ptr,
        bias: bt ? bt.ptr : 0n,
        out: y.ptr,
        rows,
        in_dim: inDim,
        out_dim: outDim,
        dtype: F,
      }, [y]);
      return y;
    },

    add: (a, b) => binary("add", a, b),
    mul: (a, b) => binary("mul", a, b),

    silu(x) {
      const xt = fl("silu", "x", x, x.shape);
      const y = be.alloc(x.shape);
      be.run("silu", { x: xt.ptr, out: y.ptr, n: numel(x.shape), dtype: F }, [y]);
      return y;
    },

    sliceCols(x, start, width) {
      const op = "sliceCols";
      const xt = fl(op, "x", x, [null, null]);
      const [rows, cols] = x.shape;
      checkInt(op, "start", start, 0);
      checkInt(op, "width", width, 0);
      if (start + width > cols) {
        fail(op, `columns ${start} .. ${start + width - 1} exceed x with shape [${rows}, ${cols}]`);
      }
      const y = be.alloc([rows, width]);
      be.run(op, { x: xt.ptr, out: y.ptr, rows, cols, start, width, dtype: F }, [y]);
      return y;
    },

    copyRows(dst, dstRow, src, srcRow, n) {
      const op = "copyRows";
      const d = be.own(op, "dst", dst);
      const s = be.own(op, "src", src);
      if (d.shape.length !== 2) fail(op, `dst has shape [${d.shape.join(", ")}], expected [*, *]`);
      const cols = d.shape[1];
      if (s.shape.length !== 2 || s.shape[1] !== cols) {
        fail(op, `src has shape [${s.shape.join(", ")}], expected [*, ${cols}] (C = dst.shape[1])`);
      }
      if (d.dtype !== s.dtype) fail(op, `src has dtype ${s.dtype}, dst ${d.dtype}`);
      checkInt(op, "n", n, 0);
      checkInt(op, "dstRow", dstRow, 0);
      checkInt(op, "srcRow", srcRow, 0);
      if (srcRow + n > s.shape[0]) {
        fail(op, `src rows ${srcRow} .. ${srcRow + n - 1} exceed src rows ${s.shape[0]}`);
      }
      if (dstRow + n > d.shape[0]) {
        fail(op, `dst rows ${dstRow} .. ${dstRow + n - 1} exceed dst rows ${d.shape[0]}`);
      }
      be.run(op, {
        dst: d.ptr,
        src: s.ptr,
        dst_row: dstRow,
        src_row: srcRow,
        n,
        row_bytes: cols * deviceBytes(d.dtype),
      });
    },

    causalConv1d(x, w, bias, state) {
      const op = "causalConv1d";
      const xt = fl(op, "x", x, [null, null]);
      const [T, C] = x.shape;
      const wt = fl(op, "w", w, [C, null], "C = x.shape[1]");
      const K = checkInt(op, "w.shape[1] (kernel size)", w.shape[1], 1);
      const bt = fl(op, "bias", bias, [C], "C = x.shape[1]");
      const st = fl(op, "state", state, [K - 1, C], "[K-1, C] with K = w.shape[1]");
      const u = be.alloc([T, C]);
      be.run(op, {
        x: xt.ptr,
        w: wt.ptr,
        bias: bt.ptr,
        state: st.ptr,
        out: u.ptr,
        rows: T,
        channels: C,
        kernel: K,
        dtype: F,
      }, [u]);
      return u;
    },

    ssdScan: (x, dtRaw, aLog, b, c, d, dtBias, state, opts) =>
      ssm("ssdScan", [x, dtRaw, aLog, b, c, d, dtBias, state], opts),
    ssmStep: (x, dtRaw, aLog, b, c, d, dtBias, state, opts) =>
      ssm("ssmStep", [x, dtRaw, aLog, b, c, d, dtBias, state], opts),

    rope(x, heads, headDim, startPos, theta) {
      const op = "rope";
      checkInt(op, "heads", heads, 1);
      checkInt(op, "headDim", headDim, 2);
      checkInt(op, "startPos", startPos, 0);
      if (headDim % 2 !== 0) fail(op, `headDim = ${headDim} must be even`);
      if (!(theta > 0)) fail(op, `theta = ${theta} must be positive`);
      const xt = fl(op, "x", x, [null, heads * headDim], "H*D = heads*headDim");
      const y = be.alloc(x.shape);
      be.run(op, {
        x: xt.ptr,
        out: y.ptr,
        rows: x.shape[0],
        heads,
        head_dim: headDim,
        start_pos: startPos,
        theta,
        dtype: F,
      }, [y]);
      return y;
    },

    attention(q, k, v, cacheK, cacheV, opts: AttentionOptions) {
      const op = "attention";
      const Hq = checkInt(op, "opts.heads", opts.heads, 1);
      const Hkv = checkInt(op, "opts.kvHeads", opts.kvHeads, 1);
      const D = checkInt(op, "opts.headDim", opts.headDim, 1);
      const past = checkInt(op, "opts.pastLen", opts.pastLen, 0);
      const W = checkInt(op, "opts.window", opts.window, 0);
      if (Hq % Hkv !== 0) fail(op, `opts.heads = ${Hq} is not a multiple of opts.kvHeads = ${Hkv}`);
      const qt = fl(op, "q", q, [null, Hq * D], "Hq*D = opts.heads*opts.headDim");
      const T = q.shape[0];
      const kvw = Hkv * D;
      const kt = fl(op, "k", k, [T, kvw], "[T, Hkv*D] with T = q.shape[0]");
      const vt = fl(op, "v", v, [T, kvw], "[T, Hkv*D] with T = q.shape[0]");
      const ckt = fl(op, "cacheK", cacheK, [null, kvw], "Hkv*D = opts.kvHeads*opts.headDim");
      const cap = cacheK.shape[0];
      const cvt = fl(op, "cacheV", cacheV, [cap, kvw], "= cacheK.shape");
      const needed = W > 0 ? Math.min(past, W) : past;
      if (cap < needed) {
        fail(op, `cacheK has ${cap} rows, expected at least ${needed} (pastLen = ${past}, window = ${W})`);
      }
      const y = be.alloc([T, Hq * D]);
      be.run(op, {
        q: qt.ptr,
        k: kt.ptr,
        v: vt.ptr,
        cache_k: ckt.ptr,
        cache_v: cvt.ptr,
        out: y.ptr,
        rows: T,
        heads: Hq,
        kv_heads: Hkv,
        head_dim: D,
        past_len: past,
        cap,
        window: W,
        dtype: F,
      }, [y]);
      return y;
    },

    cacheWrite(cache, rows, pastLen) {
      const op = "cacheWrite";
      const ct = fl(op, "cache", cache, [null, null]);
      const [cap, C] = cache.shape;
      const rt = fl(op, "rows", rows, [null, C], "C = cache.shape[1]");
      checkInt(op, "pastLen", pastLen, 0);
      const T = rows.shape[0];
      if (T > 0 && cap === 0) fail(op, "cache has 0 rows");
      be.run(op, { cache: ct.ptr, src: rt.ptr, rows: T, cols: C, cap, past_len: pastLen, dtype: F });
    },

    chunkEncode(e, wk, wv, wLmk, chunkSize) {
      const op = "chunkEncode";
      const S = checkInt(op, "chunkSize", chunkSize, 1);
      const et = fl(op, "e", e, [null, null]);
      const [rows, d] = e.shape;
      if (rows % S !== 0) {
        fail(op, `e has shape [${rows}, ${d}], expected [n*${S}, *] (whole chunks of chunkSize = ${S})`);
      }
      const wkt = fl(op, "wk", wk, [null, d], "d = e.shape[1]");
      const kv = wk.shape[0];
      const wvt = fl(op, "wv", wv, [kv, d], "= wk.shape");
      const wlt = fl(op, "wLmk", wLmk, [null, d], "d = e.shape[1]");
      const dr = wLmk.shape[0];
      const [keys, values, landmarks] = be.allocAll([[rows, kv], [rows, kv], [rows / S, dr]]);
      be.run(op, {
        e: et.ptr,
        wk: wkt.ptr,
        wv: wvt.ptr,
        wlmk: wlt.ptr,
        keys: keys.ptr,
        values: values.ptr,
        landmarks: landmarks.ptr,
        rows,
        dim: d,
        kv_dim: kv,
        lmk_dim: dr,
        chunk_size: S,
        dtype: F,
      }, [keys, values, landmarks]);
      return { keys, values, landmarks };
    },

    hsaSelect(qr, landmarks, opts: HsaSelectOptions) {
      const op = "hsaSelect";
      const Hkv = checkInt(op, "opts.kvHeads", opts.kvHeads, 1);
      const K = checkInt(op, "opts.topK", opts.topK, 1);
      const S = checkInt(op, "opts.chunkSize", opts.chunkSize, 1);
      const start = checkInt(op, "opts.startPos", opts.startPos, 0);
      const W = checkInt(op, "opts.window", opts.window, 0);
      const numChunks = checkInt(op, "opts.numChunks", opts.numChunks, 0);
      const qt = fl(op, "qr", qr, [null, null]);
      const [T, dim] = qr.shape;
      if (dim % Hkv !== 0) fail(op, `qr has ${dim} columns, not a multiple of opts.kvHeads = ${Hkv}`);
      if (dim === 0) fail(op, `qr has 0 columns, expected kvHeads*dr with dr >= 1`);
      const lt = fl(op, "landmarks", landmarks, [null, dim], "Hkv*dr = qr.shape[1]");
      if (numChunks > landmarks.shape[0]) {
        fail(op, `opts.numChunks = ${numChunks} exceeds the ${landmarks.shape[0]} rows of landmarks`);
      }
      const [indices, scores] = be.allocAll([[T, Hkv * K], [T, Hkv * K]], ["i32", be.precision]);
      be.run(op, {
        qr: qt.ptr,
        landmarks: lt.ptr,
        indices: indices.ptr,
        scores: scores.ptr,
        rows: T,
        dim,
        kv_heads: Hkv,
        num_chunks: numChunks,
        start_pos: start,
        chunk_size: S,
        top_k: K,
        window: W,
        dtype: F,
      }, [indices, scores]);
      return { indices, scores };
    },

    chunkWeights(scores, opts: ChunkWeightOptions) {
      const op = "chunkWeights";
      const K = checkInt(op, "opts.topK", opts.topK, 1);
      if (opts.mode !== "stick_breaking" && opts.mode !== "softmax") {
        fail(op, `opts.mode is "${opts.mode}", expected "stick_breaking" or "softmax"`);
      }
      const st = fl(op, "scores", scores, [null, null]);
      const [T, cols] = scores.shape;
      if (cols % K !== 0) {
        fail(op, `scores has shape [${T}, ${cols}], expected [*, Hkv*${K}] (K = opts.topK)`);
      }
      const y = be.alloc([T, cols]);
      be.run(op, {
        scores: st.ptr,
        out: y.ptr,
        rows: T,
        cols,
        top_k: K,
        mode: opts.mode === "softmax" ? 1 : 0,
        dtype: F,
      }, [y]);
      return y;
    },

    /**
     * Index values are checked on the device (a host check would wait for the selection): a bad index
     * skips its slot and makes the next synchronize/download throw.
     */
    hsaAttention(q, memK, memV, indices, weights, opts: HsaAttentionOptions) {
      const op = "hsaAttention";
      const Hq = checkInt(op, "opts.heads", opts.heads, 1);
      const Hkv = checkInt(op, "opts.kvHeads", opts.kvHeads, 1);
      const D = checkInt(op, "opts.headDim", opts.headDim, 1);
      const S = checkInt(op, "opts.chunkSize", opts.chunkSize, 1);
      const K = checkInt(op, "opts.topK", opts.topK, 1);
      if (Hq % Hkv !== 0) fail(op, `opts.heads = ${Hq} is not a multiple of opts.kvHeads = ${Hkv}`);
      const qt = fl(op, "q", q, [null, Hq * D], "Hq*D = opts.heads*opts.headDim");
      const T = q.shape[0];
      const kvw = Hkv * D;
      const kt = fl(op, "memK", memK, [null, kvw], "Hkv*D = opts.kvHeads*opts.headDim");
      const capT = memK.shape[0];
      const vt = fl(op, "memV", memV, [capT, kvw], "= memK.shape");
      const it = ix(op, "indices", indices, [T, Hkv * K], "[T, kvHeads*topK]");
      const wt = fl(op, "weights", weights, [T, Hkv * K], "[T, kvHeads*topK]");
      const y = be.alloc([T, Hq * D]);
      be.run(op, {
        q: qt.ptr,
        mem_k: kt.ptr,
        mem_v: vt.ptr,
        indices: it.ptr,
        weights: wt.ptr,
        out: y.ptr,
        rows: T,
        heads: Hq,
        kv_heads: Hkv,
        head_dim: D,
        chunk_size: S,
        top_k: K,
        mem_rows: capT,
        off_by_one: opts.softmaxOffByOne ? 1 : 0,
        dtype: F,
      }, [y]);
      return y;
    },

    /**
     * Host targets are range-checked here and uploaded for the call; a device tensor's values are not read
     * back (that would wait for the stream): an out-of-range one gives NaN in its row.
     */
    targetLogProbs(logits, targets) {
      const op = "targetLogProbs";
      const lt = fl(op, "logits", logits, [null, null]);
      const [T, V] = logits.shape;
      let tt: CudaTensor | null = null;
      if (targets instanceof Int32Array) {
        if (targets.length !== T) {
          fail(op, `targets has ${targets.length} elements, expected ${T} (T = logits.shape[0])`);
        }
        for (let t = 0; t < T; t++) {
          if (targets[t] < 0 || targets[t] >= V) {
            fail(op, `targets[${t}] = ${targets[t]} is outside [0, ${V}) (V = logits.shape[1])`);
          }
        }
      } else tt = ix(op, "targets", targets, [T], "T = logits.shape[0]");
      if (T > 0 && V === 0) fail(op, `logits has shape [${T}, 0], expected V >= 1 columns`);
      const y = be.alloc([T]);
      if (T === 0) return y;
      let ids = tt;
      if (ids === null) {
        try {
          ids = be.upload(targets as Int32Array, [T], "i32");
        } catch (e) {
          be.dispose(y);
          throw e;
        }
      }
      try {
        be.run(op, { logits: lt.ptr, targets: ids.ptr, out: y.ptr, rows: T, vocab: V, dtype: F }, [y]);
      } finally {
        if (ids !== tt) be.dispose(ids); // stream-ordered: the kernel has read it before the memory is reused
      }
      return y;
    },
  };
}
