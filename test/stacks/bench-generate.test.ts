/** The benchmark's generated N-tenant config through a whole-stack synth (the generator alone: test/bench-generate.test.ts). */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { generateStackConfig } from "../../bench/generate";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

const PROD = readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");

test("synth takes a generated config: one Tenant and one GitSource per tenant", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-generate-"));
  const file = path.join(dir, "tenants-4.yaml");
  writeFileSync(file, generateStackConfig(PROD, 4));
  const { graph, violations } = await synthesize({ stack: "prod", configFile: file });
  assert.deepEqual(violations, []);
  const names = (type: string) => graph.resources.filter((r) => r.type === type).map((r) => r.name).sort();
  assert.deepEqual(names("gitops-platform:kubernetes:Tenant"), ["platform-t0001", "platform-t0002", "platform-t0003", "platform-t0004"]);
  assert.equal(names("gitops-platform:kubernetes:GitSource").length, 4);
});
