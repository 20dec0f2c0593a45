/**
 * shared/db/arrays.ts: the array literal codec the pool installs instead of postgres.js's type
 * fetch (which can escape as an unhandled rejection when the pooler drops the connection).
 */
import assert from "node:assert/strict";
import { parseArray, serializeArray } from "../../shared/db/arrays.ts";

Deno.test("arrays: parse plain, quoted, NULL and nested literals as Postgres prints them", () => {
  assert.deepEqual(parseArray("{}"), []);
  assert.deepEqual(parseArray("{a,b,c}"), ["a", "b", "c"]);
  assert.deepEqual(parseArray('{"a b","with \\"quote\\"","back\\\\slash",NULL,"NULL"}'), [
    "a b",
    'with "quote"',
    "back\\slash",
    null,
    "NULL",
  ]);
  assert.deepEqual(parseArray("{{1,2},{3,4}}", Number), [[1, 2], [3, 4]]);
  assert.deepEqual(parseArray("[0:1]={7,8}", Number), [7, 8], "dimension bounds are skipped");
  // box[] uses ';' between elements, since a box's text contains commas.
  assert.deepEqual(parseArray("{(1,2),(0,0);(3,4),(1,1)}", undefined, ";"), [
    "(1,2),(0,0)",
    "(3,4),(1,1)",
  ]);
  assert.throws(() => parseArray("{a,b"), /unterminated/);
});

Deno.test("arrays: serialize quotes every element, so any text survives the round trip", () => {
  const values = ["plain", "with,comma", "{braces}", 'quote"d', "back\\slash", "NULL", "", " "];
  const literal = serializeArray(values);
  assert.equal(literal.split('"').length - 1 >= values.length * 2, true);
  assert.deepEqual(parseArray(literal), values);
  assert.equal(serializeArray([1, null, [2, 3]]), '{"1",NULL,{"2","3"}}');
  assert.equal(serializeArray([undefined], undefined, ",", null), "{NULL}");
  assert.throws(() => serializeArray([undefined]), /Undefined values/);
});
