// Tests of csv.ts: one column per ResultRow field, and values that survive a round trip.

import assert from "node:assert/strict";
import { CSV_COLUMNS, toCsv } from "./csv.ts";
import { makeFailedRow, makeRow } from "./testdata/synthetic.ts";

/** A minimal RFC 4180 reader, enough to read back what toCsv wrote. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n") {
      records.push([...record, field]);
      record = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}

Deno.test("CSV_COLUMNS lists every ResultRow field in schema order", () => {
  assert.deepEqual([...CSV_COLUMNS], Object.keys(makeRow()));
});

Deno.test("toCsv round-trips commas, quotes and newlines", () => {
  const nasty = 'a,b "quoted" and\nnew line, \r\n and ""double""';
  const rows = [makeRow({ output: nasty, message: "" }), makeFailedRow("error", nasty, { sample: 1 })];
  const [header, ...records] = parseCsv(toCsv(rows));
  assert.equal(header.join(","), CSV_COLUMNS.join(","));
  assert.equal(records.length, 2);
  const column = (name: string) => header.indexOf(name);
  assert.equal(records[0][column("output")], nasty);
  assert.equal(records[1][column("message")], nasty);
  assert.equal(records[1][column("status")], "error");
});

Deno.test("toCsv writes null as empty and objects as JSON", () => {
  const row = makeRow({ peak_device_reported_bytes: null, task_params: { digits: 5, note: "a,b" } });
  const [header, record] = parseCsv(toCsv([row]));
  assert.equal(record[header.indexOf("peak_device_reported_bytes")], "");
  assert.deepEqual(JSON.parse(record[header.indexOf("task_params")]), { digits: 5, note: "a,b" });
  assert.deepEqual(JSON.parse(record[header.indexOf("answer_logits")]), row.answer_logits);
  assert.equal(record[header.indexOf("correct")], "true");
  assert.equal(record[header.indexOf("length_requested")], "4096");
});

Deno.test("toCsv of no rows is the header alone", () => {
  assert.equal(toCsv([]), CSV_COLUMNS.join(",") + "\n");
});

Deno.test("toCsv writes needle depths as JSON and leaves fields absent from older rows empty", () => {
  const multi = makeRow({ task: "niah_multivalue", needle_depths: [0.1, 0.4, 0.6, 0.9] });
  const older = makeRow({ sample: 1 });
  delete older.needle_depths;
  delete older.score;
  delete older.bpb;
  delete older.bpb_buckets;
  const [header, first, second] = parseCsv(toCsv([multi, older]));
  assert.deepEqual(JSON.parse(first[header.indexOf("needle_depths")]), [0.1, 0.4, 0.6, 0.9]);
  for (const column of ["needle_depths", "score", "bpb", "bpb_buckets"]) {
    assert.equal(second[header.indexOf(column)], "", column);
  }
  assert.equal(second.length, header.length);
});
