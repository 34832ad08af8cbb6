/** URLs found in Helm values: every one, in time linear in the values (they may be a megabyte). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { urlsIn } from "../stacks/rules-sources";

test("the URLs in a string: scheme, then everything up to whitespace", () => {
  assert.deepEqual(urlsIn("--db=postgres://u:p@db:5432/x and https://example.com/a b"), ["postgres://u:p@db:5432/x", "https://example.com/a"]);
  assert.deepEqual(urlsIn("no urls here, nor ://this"), []);
  assert.deepEqual(urlsIn("9x+y://host"), ["x+y://host"]);
});

test("a megabyte of letters is read in one pass (a regex searching a scheme at every position never returned on it)", { timeout: 5000 }, () => {
  assert.deepEqual(urlsIn("x".repeat(2 * 1024 * 1024)), []);
  assert.equal(urlsIn(`${"x".repeat(1024 * 1024)}://h ${"y".repeat(1024 * 1024)}`).length, 1);
});
