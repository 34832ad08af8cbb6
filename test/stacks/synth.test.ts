/** The synth contract (docs/DESIGN.md, "Synth") on the real stacks: the CLI, the JSON graph, the newcomer command as a process. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tenantStackNames } from "../../stacks/tenant-stacks";
import { PROJECT_ROOT, SynthGraph } from "../../synth/synthesize";
import { cli, file, workdir } from "../synth-cli-helpers";
import { pinTestDay, TEST_DAY } from "../helpers";

pinTestDay();


for (const stack of ["dev", "prod"]) {
  test(`synth ${stack} exits 0, prints the tree and writes the JSON graph`, async (t) => {
    const json = path.join(workdir, `${stack}.json`);
    const { code, out, err } = await cli(t, [stack, "--json", json]);
    assert.equal(code, 0, err);
    assert.match(out, new RegExp(`^pulumi:pulumi:Stack gitops-platform-${stack}$`, "m"));
    assert.match(out, /^\d+ resources \(\d+ custom, \d+ components\)$/m);
    const graph = JSON.parse(readFileSync(json, "utf8")) as SynthGraph;
    assert.equal(graph.project, "gitops-platform");
    assert.equal(graph.stack, stack);
    const urns = new Set(graph.resources.map((r) => r.urn));
    // Prod's graph is its environment's: the platform stack's resources and every tenant stack's, each naming its stack.
    const tenantStacks = tenantStackNames(PROJECT_ROOT, stack);
    assert.equal(tenantStacks.length > 0, stack === "prod", "prod's tenants are in tenant stacks, dev's inline");
    const keys = ["urn", "type", "name", "custom", "parent", "provider", "dependencies", "protect", "inputs", "outputs", ...(tenantStacks.length > 0 ? ["stack"] : [])];
    for (const own of tenantStacks) assert.ok(urns.has(`urn:pulumi:${own}::gitops-platform-tenants::pulumi:pulumi:Stack::gitops-platform-tenants-${own}`), `the graph holds ${own}`);
    for (const r of graph.resources) {
      // `secrets` and `import` appear only where there is one (an adopted resource has an import ID).
      assert.deepEqual(Object.keys(r).filter((k) => k !== "secrets" && k !== "import"), keys);
      const own = r.stack ?? stack;
      assert.ok(own === stack || tenantStacks.includes(own), `${r.urn} names a stack of ${stack}`);
      assert.ok(r.urn.startsWith(`urn:pulumi:${own}::${own === stack ? "gitops-platform" : "gitops-platform-tenants"}::`), r.urn);
      if (r.type !== "pulumi:pulumi:Stack") assert.ok(r.parent && urns.has(r.parent), `${r.urn} has a known parent`);
      for (const d of r.dependencies) assert.ok(urns.has(d), `${r.urn} depends on a known resource`);
      if (r.provider) assert.ok(urns.has(r.provider), `${r.urn} names a known provider`);
    }
    const group = graph.resources.find((r) => r.type === "azure-native:resources:ResourceGroup");
    assert.equal(group?.protect, stack === "prod", "protect follows the environment");
    assert.equal((group?.inputs.tags as Record<string, string>).environment, stack);
    assert.equal(graph.outputs.environment, stack);
  });
}

test("the newcomer command works as a real process: npm run synth -- dev", () => {
  const result = spawnSync(process.execPath, ["--import", "tsx", "synth/cli.ts", "dev", "--today", TEST_DAY], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /resources \(\d+ custom/);
  const invalid = spawnSync(process.execPath, ["--import", "tsx", "synth/cli.ts", "dev", "--today", TEST_DAY, "--config", file("typo.yaml", "config:\n  gitops-platform:platform: { tenants: [{ name: web, quota: { cpus: 1 } }] }\n")], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  assert.equal(invalid.status, 1);
  assert.equal(invalid.stderr.trim().split("\n").length, 2, invalid.stderr);
  assert.match(invalid.stderr, /gitops-platform:platform\.tenants\[0\]\.quota\.cpus: unknown key \(did you mean "cpu"\?\)/);
});
