/**
 * Issue 29 item 5, both sides: synth keeps the sample values; the program as the real engine runs
 * it (the Node language host, test/engine/language-host.ts) refuses them before any resource is
 * registered, listing every key to replace.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { main } from "../../synth/cli";
import { LOG_SEVERITY_ERROR, runLikeLanguageHost } from "../engine/language-host";
import { pinTestDay } from "../helpers";

pinTestDay();

test("synth accepts prod's sample values", async () => {
  const { log, error } = console;
  console.log = console.error = () => undefined;
  try {
    assert.equal(await main(["prod"]), 0);
  } finally {
    Object.assign(console, { log, error });
  }
});

test("attack: a real `pulumi up` of prod as committed is refused, every sample key listed, nothing registered", async () => {
  const run = await runLikeLanguageHost({ stack: "prod" });
  assert.notEqual(run.code, 0);
  const said = run.logs.filter((l) => l.severity === LOG_SEVERITY_ERROR).map((l) => l.message).join("\n") + run.stderr;
  assert.match(said, /Invalid stack config:/);
  for (const key of [
    "cluster.adminGroupObjectIds[0]",
    "cluster.authorizedIpRanges[0]",
    "cluster.authorizedIpRanges[1]",
    "keyVault.allowedIpRanges[0]",
    "github.owner",
    "ci.repository",
    "ci.reviewers.teams[0]",
    "ci.runner.egressRanges[0]",
    "vault.oidc.adminGroups[0]",
    "ingress.dnsZoneIds[0]",
  ]) {
    assert.ok(said.includes(`gitops-platform:platform.${key}: `), `${key} is listed:\n${said}`);
  }
  // prod's tenants are in its tenant stack files: each sample there is named in its own file.
  for (const key of [
    "tenants/Pulumi.prod-commerce.yaml: gitops-platform-tenants:tenants[0].groups.admins[0]",
    "tenants/Pulumi.prod-commerce.yaml: gitops-platform-tenants:tenants[0].groups.viewers[0]",
    "tenants/Pulumi.prod-commerce.yaml: gitops-platform-tenants:tenants[0].registry.push[0].repository",
    "tenants/Pulumi.prod-commerce.yaml: gitops-platform-tenants:tenants[1].groups.admins[0]",
    "tenants/Pulumi.prod-payments.yaml: gitops-platform-tenants:tenants[0].groups.admins[0]",
  ]) {
    assert.ok(said.includes(`${key}: `), `${key} is listed:\n${said}`);
  }
  assert.doesNotMatch(said, /at .*\.ts:\d+|at .*\.js:\d+/, "no stack trace");
  assert.deepEqual(run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type), [], "nothing is registered");
});
