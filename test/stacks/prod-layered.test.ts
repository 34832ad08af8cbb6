/**
 * Prod in the layered form (issue 26 item 3): its tenants moved from Pulumi.prod.yaml to
 * tenants/Pulumi.prod-*.yaml. The move replaces nothing stateful in the platform stack, the
 * previous deployment's record (a deployment of the single-stack form) accepts it, and
 * `npm run synth -- prod` judges the platform stack and every prod tenant stack.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import { tenantStackNames } from "../../stacks/tenant-stacks";
import { DEPLOYED_SETTINGS_OUTPUT } from "../../stacks";
import { main } from "../../synth/cli";
import { main as moveTenants } from "../../synth/move-tenants";
import { PROJECT_ROOT, synthesize, synthesizeEnvironment } from "../../synth/synthesize";
import { inlineStackFile } from "../environments";
import { pinTestDay } from "../helpers";
import { replacements, STATEFUL } from "../replacement-check";

pinTestDay();

async function cli(t: TestContext, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    t.mock.restoreAll();
  }
}

test("prod's tenants are in tenant stacks, none inline; dev keeps its tenants inline", () => {
  assert.deepEqual(tenantStackNames(PROJECT_ROOT, "prod"), ["prod-commerce", "prod-payments"]);
  assert.deepEqual(tenantStackNames(PROJECT_ROOT, "dev"), []);
});

test("moving prod's tenants to tenant stacks replaces nothing stateful in the platform stack, and the single-stack deployment's record accepts it", async () => {
  // The deployment before the move: prod in the single-stack form, its record in its outputs.
  const before = await synthesize({ stack: "prod", configFile: inlineStackFile("prod") });
  // The first deployment after it reads that record back (stacks/deployed.ts): a refused change would throw here.
  const after = await synthesizeEnvironment({ stack: "prod", previousOutputs: before.graph.outputs });
  for (const kind of STATEFUL) {
    const count = before.run.resources.filter(kind.matches).length;
    assert.ok(count > 0, `prod has a ${kind.what}`);
    assert.equal(after.platform.run.resources.filter(kind.matches).length, count, `every ${kind.what} stays in the platform stack`);
  }
  assert.deepEqual(replacements(before.run.resources, after.platform.run.resources), []);
  assert.deepEqual(after.platform.graph.outputs[DEPLOYED_SETTINGS_OUTPUT], before.graph.outputs[DEPLOYED_SETTINGS_OUTPUT]);
  // What leaves the platform stack is the tenants' Flux side only, which the tenant stacks build.
  const kept = new Set(after.platform.run.resources.map((r) => r.urn));
  const left = before.run.resources.filter((r) => !kept.has(r.urn));
  const tenantSide = new Set(after.tenantStacks.flatMap((t) => t.result.run.resources.map((r) => `${r.type}::${r.name}`)));
  assert.ok(left.length > 0);
  for (const r of left) assert.ok(tenantSide.has(`${r.type}::${r.name}`), `${r.urn} left the platform stack but no tenant stack builds it`);
});

test("npm run synth -- prod: the platform stack and every prod tenant stack, each passing every policy and deploy rule", async (t) => {
  const { code, out, err } = await cli(t, ["prod"]);
  assert.equal(code, 0, err);
  assert.match(out, /^3 stacks: prod \(\d+\), prod-commerce \(\d+\), prod-payments \(\d+\)$/m);
  assert.equal(out.match(/^Policies: all passed$/gm)?.length, 3, out.slice(-2000));
  assert.equal(out.match(/^Deploy rules: all passed$/gm)?.length, 3, out.slice(-2000));
});

test("npm run synth -- prod-payments: one tenant stack against the prod platform stack's synthesized outputs", async (t) => {
  const { code, out, err } = await cli(t, ["prod-payments"]);
  assert.equal(code, 0, err);
  assert.match(out, /^pulumi:pulumi:Stack gitops-platform-tenants-prod-payments$/m);
  assert.match(out, /gitops-platform:kubernetes:GitSource platform-payments-git$/m);
  assert.doesNotMatch(out, /platform-web|platform-api/, "only its own tenant");
  assert.match(out, /^Policies: all passed$/m);
  assert.match(out, /^Deploy rules: all passed$/m);
});

test("the migration docs show exactly the commands npm run tenants:move prints for prod's own move", async (t) => {
  const docs = readFileSync(path.join(PROJECT_ROOT, "docs/layered-stacks.md"), "utf8");
  const shown = /For prod they print[^\n]*\n\n {3}```text\n([\s\S]*?)\n {3}```/.exec(docs)?.[1];
  assert.ok(shown, "docs/layered-stacks.md shows prod's move commands");
  const out: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  const argv = ["prod", "web=prod-commerce", "api=prod-commerce", "payments=prod-payments", "--org", "acme-platform", "--config", inlineStackFile("prod")];
  const code = await moveTenants(argv);
  t.mock.restoreAll();
  assert.equal(code, 0);
  assert.equal(shown.replace(/^ {3}/gm, ""), out.join("\n").trimEnd());
  // The layered prod itself has nothing inline left to move.
  t.mock.method(console, "error", () => undefined);
  assert.equal(await moveTenants(["prod", "web=prod-commerce"]), 1);
});
