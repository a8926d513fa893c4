// Tests of the scoring helpers: greedy exact match up to the stop byte, teacher-forced match.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { greedyBudget, scoreAnswer, scoreGreedy, scoreTeacherForced } from "./score.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("scoreGreedy compares the output before the stop byte", () => {
  deepStrictEqual(scoreGreedy("48213", enc("48213."), 0x2e), {
    correct: true,
    stopped: true,
    output: "48213",
  });
  deepStrictEqual(scoreGreedy("48213", enc("48213.xyz"), 0x2e), {
    correct: true,
    stopped: true,
    output: "48213",
  });
  deepStrictEqual(scoreGreedy("48213", enc("48213"), 0x2e), {
    correct: true,
    stopped: false,
    output: "48213",
  });
  deepStrictEqual(scoreGreedy("48213", enc("4821."), 0x2e), {
    correct: false,
    stopped: true,
    output: "4821",
  });
  deepStrictEqual(scoreGreedy("48213", enc("482134"), 0x2e), {
    correct: false,
    stopped: false,
    output: "482134",
  });
  strictEqual(scoreGreedy("48213", new Uint8Array([0xff, 0x2e]), 0x2e).output, "\ufffd");
  strictEqual(greedyBudget({ answerTokens: enc("48213") }), 6);
});

Deno.test("scoreTeacherForced counts argmax hits", () => {
  deepStrictEqual(scoreTeacherForced(enc("48"), [52, 56]), { correct: true, accuracy: 1 });
  deepStrictEqual(scoreTeacherForced(enc("48"), [52, 57]), { correct: false, accuracy: 0.5 });
  throws(() => scoreTeacherForced(enc("48"), [52]), /Argmax ids length 1 must equal the answer length 2/);
});

Deno.test("scoreAnswer: exact match, and partial credit for answers listing several values", () => {
  const single = { expected: "4821937", stopByte: 0x2e };
  deepStrictEqual(scoreAnswer(single, enc("4821937.")), { correct: true, score: 1 });
  deepStrictEqual(scoreAnswer(single, enc("4821938.")), { correct: false, score: 0 });
  const multi = {
    expected: "111, 222, 333, 444",
    expectedValues: ["111", "222", "333", "444"],
    stopByte: 0x2e,
  };
  deepStrictEqual(scoreAnswer(multi, enc("111, 222, 333, 444.")), { correct: true, score: 1 });
  deepStrictEqual(scoreAnswer(multi, enc("444, 333, 222, 111.")), { correct: false, score: 1 }); // any order
  deepStrictEqual(scoreAnswer(multi, enc("111,222 , 999")), { correct: false, score: 0.5 }); // no stop byte
  deepStrictEqual(scoreAnswer(multi, enc("111, 111, 111, 111.")), { correct: false, score: 0.25 }); // once each
  deepStrictEqual(scoreAnswer(multi, enc("1112, 22.")), { correct: false, score: 0 }); // whole items only
  deepStrictEqual(scoreAnswer(multi, enc(".111, 222")), { correct: false, score: 0 }); // cut at the stop byte
});
