/** Issue 29 item 6: synth of every environment prints no SDK warning, "Undefined value" first of all. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { main } from "../../synth/cli";
import { withoutUndefinedOutputs } from "../../stacks/stack-outputs";
import { pinTestDay } from "../helpers";

pinTestDay();

async function synthPrinting(stack: string): Promise<{ code: number; printed: string }> {
  const lines: string[] = [];
  const { log, error, warn } = console;
  console.log = () => undefined;
  console.error = console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    return { code: await main([stack]), printed: lines.join("\n") };
  } finally {
    Object.assign(console, { log, error, warn });
  }
}

test("synth of dev (Sealed Secrets and managed Prometheus off), prod and stage prints no runtime warning", async () => {
  for (const stack of ["dev", "prod", "stage"]) {
    const { code, printed } = await synthPrinting(stack);
    assert.equal(code, 0, `${stack}: ${printed}`);
    assert.doesNotMatch(printed, /Undefined value|warning: \[runtime\]/, stack);
  }
});

test("outputs a stack does not have are left out, every other value kept (null and false too)", () => {
  assert.deepEqual(withoutUndefinedOutputs({ a: 1, b: undefined, c: null, d: false, e: "" }), { a: 1, c: null, d: false, e: "" });
});
