/**
 * Synth is deterministic: two runs of the CLI on one stack write byte-identical JSON and print
 * the same tree, so a pull request's synth diff shows only what the change did.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import { main } from "../../synth/cli";
import { SynthGraph } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "determinism-"));

async function synthJson(t: TestContext, stack: string, file: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  try {
    return { code: await main([stack, "--json", file]), out: out.join("\n"), err: err.join("\n") };
  } finally {
    t.mock.restoreAll();
  }
}

for (const stack of ["dev", "prod"]) {
  test(`${stack}: two synths write byte-identical JSON and print the same output`, async (t) => {
    const first = path.join(workdir, `${stack}-1.json`);
    const second = path.join(workdir, `${stack}-2.json`);
    const a = await synthJson(t, stack, first);
    const b = await synthJson(t, stack, second);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const bytesA = readFileSync(first);
    const bytesB = readFileSync(second);
    assert.ok(bytesA.length > 10_000, `${bytesA.length} bytes`);
    assert.ok(bytesA.equals(bytesB), "the two JSON files differ");
    assert.equal(a.out, b.out);
    assert.equal(a.err, b.err);

    // Identical because every generated value is derived, not because nothing was generated.
    const graph = JSON.parse(bytesA.toString("utf8")) as SynthGraph;
    const suffix = graph.resources.find((r) => r.type === "random:index/randomString:RandomString");
    assert.match(String(suffix?.outputs.result), /^[a-z0-9]{6}$/);
    const urns = graph.resources.map((r) => r.urn);
    assert.deepEqual(urns, [...urns].sort(), "resources are sorted by URN");
  });
}
