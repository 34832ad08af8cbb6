/**
 * Issue 22, item 5 on the whole platform: a platform team that builds GitOpsPlatform itself skips
 * the stack config's rules, so synth's deploy rule must still refuse a tenant in a component's
 * namespace (the attack: a tenant namespaced sealed-secrets, whose admins would read the sealing
 * keys), because the tenant and the component then write one Namespace object.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { GitOpsPlatform } from "../../components/platform";
import { DEPLOY_RULES } from "../../policy/deploy";
import { evaluatePolicies } from "../../policy/evaluate";
import { checkedFromRecord } from "../../policy/from-synth";
import { platformArgs } from "../../stacks/component-args";
import { parsePlatformConfig } from "../../stacks/parse";
import { PROJECT_ROOT } from "../../synth/synthesize";
import { run, TEST_TODAY } from "../helpers";

const NAMESPACE = "kubernetes:core/v1:Namespace";

async function deployFindings(edit: (config: Record<string, any>) => void) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const raw = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8")).config["gitops-platform:platform"];
  const parsed = parsePlatformConfig({ ...raw, sealedSecrets: { enabled: true } }, "dev", { today: TEST_TODAY });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  edit(parsed.config);
  const result = await run(() => new GitOpsPlatform("platform", platformArgs({ config: parsed.config })), { stack: "dev" });
  const findings = evaluatePolicies(result.resources.map(checkedFromRecord), { environment: "dev", production: false }, DEPLOY_RULES);
  return { result, findings };
}

test("item 5: a tenant put in Sealed Secrets' namespace past the config rules is refused by the deploy rule one-resource-per-kubernetes-object", async () => {
  const clean = await deployFindings(() => {});
  assert.deepEqual(clean.findings.map((f) => `${f.policy}: ${f.message}`), []);

  const { result, findings } = await deployFindings((config) => (config.tenants[1].namespace = "sealed-secrets"));
  const tenantNamespace = result.resources.find((r) => r.type === NAMESPACE && r.name.includes("api"));
  assert.ok(tenantNamespace, "api's Namespace");
  const hits = findings.filter((f) => f.policy === "one-resource-per-kubernetes-object");
  assert.ok(
    hits.some((f) => f.urn === tenantNamespace.urn && /Namespace sealed-secrets/.test(f.message)),
    hits.map((f) => f.message).join("\n") || "no finding",
  );
});
