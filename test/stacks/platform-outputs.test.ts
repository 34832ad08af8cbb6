/**
 * A tenant stack synthesized alone, against a real platform stack's outputs
 * (`npm run synth -- prod-payments --platform-outputs FILE`, FILE from `pulumi stack output --json
 * --show-secrets`): no platform resources are underneath, so the platform's contract, as the
 * tenant stack's StackReference read it, is what says which namespaces exist
 * (policy/platform-contract.ts). Both sides: the registered namespaces are accepted, a namespace
 * the contract registers to another stack is not.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { DEPLOY_RULES } from "../../policy/deploy";
import { evaluatePolicies, PLATFORM_POLICIES } from "../../policy/evaluate";
import { checkedFromRecord } from "../../policy/from-synth";
import { reveal } from "../../synth/redact";
import { synthesize, synthesizeTenantStack } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";
import { cli, workdir } from "../synth-cli-helpers";

pinTestDay();

const RULE = "namespaced-objects-wait-for-their-namespace";

/** prod's outputs as `pulumi stack output --json --show-secrets` prints them (bench/tenant-stacks.ts `outputs`). */
async function prodOutputs(): Promise<Record<string, unknown>> {
  const { run } = await synthesize({ stack: "prod" });
  return reveal(run.rawOutputs) as Record<string, unknown>;
}

test("synth <tenant stack> --platform-outputs FILE: the tenant stack's objects in its registered namespaces pass the namespace rule", async (t) => {
  const outputs = await prodOutputs();
  const file = path.join(workdir, "prod-outputs.json");
  writeFileSync(file, JSON.stringify(outputs));
  for (const stack of ["prod-payments", "prod-commerce"]) {
    const { code, out, err } = await cli(t, [stack, "--platform-outputs", file]);
    assert.doesNotMatch(`${out}\n${err}`, new RegExp(RULE), `${stack}:\n${err}`);
    assert.match(out, /Deploy rules: all passed/, stack);
    // prod-commerce's web has a write deploy key: its contract entry says the platform granted image automation.
    assert.equal(code, 0, err);
  }
});

test("a tenant stack judged alone: a write deploy key passes only where its platform's contract says image automation was granted", async () => {
  const outputs = await prodOutputs();
  const contract = outputs.tenantContract as { tenants: Record<string, { namespace: string; stack: string; imageAutomation: boolean }> };
  assert.equal(contract.tenants.web.imageAutomation, true, "web pushes image updates (tenants/Pulumi.prod-commerce.yaml)");
  const result = await synthesizeTenantStack({ stack: "prod-commerce", platformStack: "organization/gitops-platform/prod", platformOutputs: outputs });
  const resources = result.run.resources.map(checkedFromRecord);
  const rule = PLATFORM_POLICIES.filter((r) => r.name === "deploy-keys-read-only");
  const context = { environment: "prod", production: true };
  assert.deepEqual(evaluatePolicies(resources, context, rule), []);
  const withdrawn = { ...contract, tenants: { ...contract.tenants, web: { ...contract.tenants.web, imageAutomation: false } } };
  const tampered = resources.map((r) =>
    r.type === "pulumi:pulumi:StackReference" ? { ...r, props: { ...r.props, outputs: { ...(r.props.outputs as object), tenantContract: withdrawn } } } : r,
  );
  const findings = evaluatePolicies(tampered, context, rule);
  assert.equal(findings.length, 1, JSON.stringify(findings));
  assert.match(findings[0].message, /readOnly must be true: tenant namespace web has no Role granting image\.toolkit\.fluxcd\.io imageupdateautomations/);
});

test("a tenant stack judged alone: its objects in a namespace its platform's contract registers to another stack are refused", async () => {
  const outputs = await prodOutputs();
  const contract = outputs.tenantContract as { tenants: Record<string, { namespace: string; stack: string }> };
  const result = await synthesizeTenantStack({ stack: "prod-payments", platformStack: "organization/gitops-platform/prod", platformOutputs: outputs });
  const resources = result.run.resources.map(checkedFromRecord);
  const rule = DEPLOY_RULES.filter((r) => r.name === RULE);
  const context = { environment: "prod", production: true };
  assert.deepEqual(evaluatePolicies(resources, context, rule), [], "payments-prod is registered to prod-payments");

  // The same graph, its contract registering payments to prod-commerce: payments-prod is then no namespace of this stack.
  const moved = { ...contract, tenants: { ...contract.tenants, payments: { ...contract.tenants.payments, stack: "prod-commerce" } } };
  const tampered = resources.map((r) =>
    r.type === "pulumi:pulumi:StackReference" ? { ...r, props: { ...r.props, outputs: { ...(r.props.outputs as object), tenantContract: moved } } } : r,
  );
  const findings = evaluatePolicies(tampered, context, rule);
  const inNamespace = resources.filter((r) => r.type.startsWith("kubernetes:") && r.links?.custom && (r.props.metadata as { namespace?: string } | undefined)?.namespace === "payments-prod");
  assert.ok(inNamespace.length >= 3, "the Secret, GitRepository and Kustomization of payments");
  assert.deepEqual(findings.map((f) => f.urn).sort(), inNamespace.map((r) => r.urn).sort());
  for (const f of findings) assert.match(f.message, /nothing in the stack creates its namespace payments-prod, and its platform's contract registers it to no tenant of stack prod-payments/);
});
