/**
 * The op set on the CUDA backend: the contract's argument checks (../op_args.ts, shared with the reference)
 * and this backend's own (dtype = its precision, the tensor is its own and alive), then outputs are
 * allocated and one library symbol runs with a packed params struct. Semantics are those of
 * backends/reference/ (the definition).
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
import { fail } from "../arg_check.ts";
import {
  attentionArgs,
  binaryArgs,
  cacheWriteArgs,
  causalConv1dArgs,
  chunkEncodeArgs,
  chunkWeightsArgs,
  copyRowsArgs,
  embeddingArgs,
  gatedRmsNormArgs,
  hsaAttentionArgs,
  hsaSelectArgs,
  linearArgs,
  rmsNormArgs,
  ropeArgs,
  sliceColsArgs,
  ssmArgs,
  type SsmTensors,
  targetLogProbsArgs,
} from "../op_args.ts";
import type { CudaBackend, CudaTensor } from "./cuda_backend.ts";
import { deviceBytes } from "./ffi.ts";

/** The ops of `be`. */
export function cudaOps(be: CudaBackend): Ops {
  const F = be.floatCode;

  /** A float tensor of this backend, in its precision (shapes are the contract's, checked before). */
  function fl(op: string, name: string, t: Tensor): CudaTensor {
    const c = be.own(op, name, t);
    if (c.dtype !== be.precision) fail(op, `${name} has dtype ${c.dtype}, expected ${be.precision}`);
    return c;
  }

  function numel(shape: readonly number[]): number {
    let n = 1;
    for (const s of shape) n *= s;
    return n;
  }

  function binary(op: "add" | "mul", a: Tensor, b: Tensor): Tensor {
    binaryArgs(op, a, b);
    const at = fl(op, "a", a);
    const bt = fl(op, "b", b);
    const y = be.alloc(a.shape);
    be.run(op, { a: at.ptr, b: bt.ptr, out: y.ptr, n: numel(a.shape), dtype: F }, [y]);
    return y;
  }

  function ssm(op: "ssdScan" | "ssmStep", t: SsmTensors, opts: SsmOptions): Tensor {
    const { T, H, P, G, N, chunk, dtMin, dtMax } = ssmArgs(op, t, opts);
    const p = {
      x: fl(op, "x", t.x).ptr,
      dt_raw: fl(op, "dtRaw", t.dtRaw).ptr,
      a_log: fl(op, "aLog", t.aLog).ptr,
      b: fl(op, "b", t.b).ptr,
      c: fl(op, "c", t.c).ptr,
      d: fl(op, "d", t.d).ptr,
      dt_bias: fl(op, "dtBias", t.dtBias).ptr,
      state: fl(op, "state", t.state).ptr,
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
      const { vocab, dim: d } = embeddingArgs(table, ids);
      const tb = fl(op, "table", table);
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
      const { rows, cols, group: G } = rmsNormArgs(x, w);
      const xt = fl(op, "x", x), wt = fl(op, "w", w);
      const y = be.alloc([rows, cols]);
      be.run(op, { x: xt.ptr, w: wt.ptr, out: y.ptr, rows, cols, group: G, eps, dtype: F }, [y]);
      return y;
    },

    gatedRmsNorm(x, z, w, eps) {
      const op = "gatedRmsNorm";
      const { rows, cols } = gatedRmsNormArgs(x, z, w);
      const xt = fl(op, "x", x), zt = fl(op, "z", z), wt = fl(op, "w", w);
      const y = be.alloc([rows, cols]);
      be.run(op, { x: xt.ptr, z: zt.ptr, w: wt.ptr, out: y.ptr, rows, cols, eps, dtype: F }, [y]);
      return y;
    },

    linear(x, w, bias) {
      const op = "linear";
      const { rows, inDim, outDim } = linearArgs(x, w, bias);
      const xt = fl(op, "x", x), wt = fl(op, "w", w);
      const bt = bias === undefined ? null : fl(op, "bias", bias);
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
      const xt = fl("silu", "x", x);
      const y = be.alloc(x.shape);
      be.run("silu", { x: xt.ptr, out: y.ptr, n: numel(x.shape), dtype: F }, [y]);
      return y;
    },

    sliceCols(x, start, width) {
      const op = "sliceCols";
      const { rows, cols } = sliceColsArgs(x, start, width);
      const xt = fl(op, "x", x);
      const y = be.alloc([rows, width]);
      be.run(op, { x: xt.ptr, out: y.ptr, rows, cols, start, width, dtype: F }, [y]);
      return y;
    },

    copyRows(dst, dstRow, src, srcRow, n) {
      const op = "copyRows";
      const cols = copyRowsArgs(dst, dstRow, src, srcRow, n);
      const d = be.own(op, "dst", dst);
      const s = be.own(op, "src", src);
      if (d.dtype !== s.dtype) fail(op, `src has dtype ${s.dtype}, dst ${d.dtype}`); // row bytes must agree
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
      const { T, C, K } = causalConv1dArgs(x, w, bias, state);
      const xt = fl(op, "x", x), wt = fl(op, "w", w), bt = fl(op, "bias", bias), st = fl(op, "state", state);
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
      ssm("ssdScan", { x, dtRaw, aLog, b, c, d, dtBias, state }, opts),
    ssmStep: (x, dtRaw, aLog, b, c, d, dtBias, state, opts) =>
      ssm("ssmStep", { x, dtRaw, aLog, b, c, d, dtBias, state }, opts),

    rope(x, heads, headDim, startPos, theta) {
      const op = "rope";
      const rows = ropeArgs(x, heads, headDim, startPos, theta);
      const xt = fl(op, "x", x);
      const y = be.alloc(x.shape);
      be.run(op, {
        x: xt.ptr,
        out: y.ptr,
        rows,
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
      const { T, Hq, Hkv, D, past, W, cap } = attentionArgs({ q, k, v, cacheK, cacheV }, opts);
      const qt = fl(op, "q", q), kt = fl(op, "k", k), vt = fl(op, "v", v);
      const ckt = fl(op, "cacheK", cacheK), cvt = fl(op, "cacheV", cacheV);
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
      const { cap, C, T } = cacheWriteArgs(cache, rows, pastLen);
      const ct = fl(op, "cache", cache), rt = fl(op, "rows", rows);
      be.run(op, { cache: ct.ptr, src: rt.ptr, rows: T, cols: C, cap, past_len: pastLen, dtype: F });
    },

    chunkEncode(e, wk, wv, wLmk, chunkSize) {
      const op = "chunkEncode";
      const { rows, d, S, n, kv, dr } = chunkEncodeArgs({ e, wk, wv, wLmk }, chunkSize);
      const et = fl(op, "e", e), wkt = fl(op, "wk", wk), wvt = fl(op, "wv", wv), wlt = fl(op, "wLmk", wLmk);
      const [keys, values, landmarks] = be.allocAll([[rows, kv], [rows, kv], [n, dr]]);
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
      const { T, dim, Hkv, K, S, start, W, numChunks } = hsaSelectArgs(qr, landmarks, opts);
      const qt = fl(op, "qr", qr), lt = fl(op, "landmarks", landmarks);
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
      const { T, cols, K } = chunkWeightsArgs(scores, opts);
      const st = fl(op, "scores", scores);
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
      const { T, Hq, Hkv, D, S, K, capT } = hsaAttentionArgs({ q, memK, memV, indices, weights }, opts);
      const qt = fl(op, "q", q), kt = fl(op, "memK", memK), vt = fl(op, "memV", memV);
      const it = be.own(op, "indices", indices), wt = fl(op, "weights", weights);
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
      const { T, V } = targetLogProbsArgs(logits, targets);
      const lt = fl(op, "logits", logits);
      const tt = targets instanceof Int32Array ? null : be.own(op, "targets", targets);
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
