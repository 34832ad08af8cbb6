/**
 * Issue 29 item 5: the stack files' sample values are refused by a real deployment, every key at
 * once; synth keeps them. The real-engine side through the language host: test/stacks/sample-values.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { DOCUMENTATION_RANGES, runByRealEngine, sampleReason, sampleValueProblems } from "../stacks/rules-samples";
import { readTenantStackFile } from "../stacks/tenant-stacks";
import { PROJECT_ROOT } from "../synth/synthesize";
import { withoutSamples } from "./samples";

const platformOf = (text: string) => (parse(text) as { config: Record<string, unknown> }).config["gitops-platform:platform"];
const stackFile = (stack: string) => readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
const keyOf = (problem: string) => problem.slice(0, problem.indexOf(": ", problem.startsWith("tenants/") ? problem.indexOf(": ") + 2 : 0));

test("every sample value of prod's stack file is named at its key path, with what to put there", () => {
  const problems = sampleValueProblems(platformOf(stackFile("prod")), []);
  assert.deepEqual(problems.map(keyOf), [
    "gitops-platform:platform.cluster.adminGroupObjectIds[0]",
    "gitops-platform:platform.cluster.authorizedIpRanges[0]",
    "gitops-platform:platform.cluster.authorizedIpRanges[1]",
    "gitops-platform:platform.keyVault.allowedIpRanges[0]",
    "gitops-platform:platform.github.owner",
    "gitops-platform:platform.ci.repository",
    "gitops-platform:platform.ci.reviewers.teams[0]",
    "gitops-platform:platform.ci.runner.egressRanges[0]",
    "gitops-platform:platform.vault.oidc.adminGroups[0]",
    "gitops-platform:platform.ingress.dnsZoneIds[0]",
  ]);
  assert.match(problems[0], /: 5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f is a sample object ID of this repository's stack files: set the ID of your own group/);
  assert.match(problems[1], /: 203\.0\.113\.0\/24 is in 203\.0\.113\.0\/24, an address range for documentation \(RFC 5737\)/);
  assert.match(problems[4], /: "acme-platform" names the sample organisation acme-platform/);
  assert.ok(problems.every((p) => p.endsWith("(a sample value: replace it before a real deployment, docs/getting-started-checklist.md)")));
});

test("a tenant stack's samples are named in its own file", () => {
  const files = ["stage-commerce", "stage-payments"].map((name) => readTenantStackFile(PROJECT_ROOT, name));
  const problems = sampleValueProblems(platformOf(stackFile("stage")), files).filter((p) => p.startsWith("tenants/"));
  assert.deepEqual(problems.map(keyOf), [
    "tenants/Pulumi.stage-commerce.yaml: gitops-platform-tenants:tenants[0].groups.admins[0]",
    "tenants/Pulumi.stage-commerce.yaml: gitops-platform-tenants:tenants[0].groups.viewers[0]",
    "tenants/Pulumi.stage-commerce.yaml: gitops-platform-tenants:tenants[0].registry.push[0].repository",
    "tenants/Pulumi.stage-commerce.yaml: gitops-platform-tenants:tenants[1].groups.admins[0]",
    "tenants/Pulumi.stage-payments.yaml: gitops-platform-tenants:tenants[0].groups.admins[0]",
  ]);
});

test("every documentation range is refused, inside a range and as a single address; real addresses are not", () => {
  for (const [written, range] of [
    ["192.0.2.7", "192.0.2.0/24"],
    ["198.51.100.0/25", "198.51.100.0/24"],
    ["203.0.113.255/32", "203.0.113.0/24"],
  ]) {
    assert.match(sampleReason(written) ?? "", new RegExp(`^${written.replace(/\./g, "\\.")} is in ${range.replace(/\./g, "\\.")}`), written);
  }
  assert.match(sampleReason("2001:db8:1::/48") ?? "", /2001:db8::\/32, the IPv6 range for documentation \(RFC 3849\)/);
  assert.deepEqual(DOCUMENTATION_RANGES, ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"]);
  for (const own of ["20.50.113.0/24", "192.0.3.1", "10.0.0.0/8", "2001:db9::/32", "3f6b2c1a-9d4e-4f7a-8b2c-000000000001", "northwind-ops/platform-infra"]) {
    assert.equal(sampleReason(own), undefined, own);
  }
});

test("with every sample replaced, nothing is refused: dev, prod and stage with its tenant stacks", () => {
  for (const stack of ["dev", "prod", "stage"]) {
    const files = stack === "stage" ? ["stage-commerce", "stage-payments"].map((name) => readTenantStackFile(PROJECT_ROOT, name)) : [];
    const own = files.map((f) => ({ ...f, tenants: (JSON.parse(withoutSamples(JSON.stringify(f.tenants))) as unknown[]) }));
    assert.deepEqual(sampleValueProblems(platformOf(withoutSamples(stackFile(stack))), own), [], stack);
  }
});

test("outside the real engine (tests, synth's mocks) the program does not refuse", () => {
  assert.equal(runByRealEngine(), false);
});
