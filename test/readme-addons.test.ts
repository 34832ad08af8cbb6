/**
 * The tenants' guide's (docs/tenants.md) image automation example is what a tenant copies into its repository: every object
 * in it passes the schema of its own apiVersion (@kubernetes-models/flux-cd, as synth validates
 * Flux objects), uses the branch the platform pushes to by default, and refers to nothing in
 * another namespace (the lockdown refuses cross-namespace references).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { loadTesterUrl } from "../components/tenant/load-tester";
import { IMAGE_UPDATE_BRANCH } from "../components/tenant/git-source";
import { RecordedResource } from "../synth/engine";
import { validateKubernetesObjects } from "../synth/validate";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> };

function yamlObjectsOfSection(markdown: string, heading: string): Obj[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/tenants.md has a "${heading}" section`);
  const end = markdown.indexOf("\n## ", start + heading.length + 5);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((block) => parseAllDocuments(block).map((d) => d.toJS() as Obj)).filter((o) => o && typeof o === "object" && "kind" in o);
}

const readme = readFileSync(path.join(__dirname, "..", "docs", "tenants.md"), "utf8");

test("docs/tenants.md image automation example: valid Flux v1 image objects, same-namespace references, the default push branch", async () => {
  const objects = yamlObjectsOfSection(readme, "Image updates");
  assert.deepEqual(objects.map((o) => o.kind), ["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"]);
  const asRecorded = objects.map(
    (o, i) => ({ urn: `readme-${i}`, type: `kubernetes:${o.apiVersion}:${o.kind}`, name: o.metadata.name, custom: true, values: o }) as unknown as RecordedResource,
  );
  assert.deepEqual(await validateKubernetesObjects(asRecorded), []);
  for (const o of objects) assert.equal(o.metadata.namespace, "web");
  type Automation = Obj & { spec: { sourceRef: { namespace?: string }; git: { checkout: { ref: { branch: string } }; push: { branch: string } } } };
  const [repository, policy, automation] = objects as [Obj, Obj & { spec: { imageRepositoryRef: { namespace?: string } } }, Automation];
  assert.equal(repository.spec.provider, "azure");
  assert.ok(repository.spec.serviceAccountName, "names its own account: there is no default one to fall back to");
  assert.equal(policy.spec.imageRepositoryRef.namespace, undefined);
  assert.equal(automation.spec.sourceRef.namespace, undefined);
  assert.equal(automation.spec.git.push.branch, IMAGE_UPDATE_BRANCH);
  assert.notEqual(automation.spec.git.checkout.ref.branch, automation.spec.git.push.branch, "never pushes to the branch Flux deploys");
});

test("docs/tenants.md canary example: Flagger's kubernetes provider with its built-in metrics, references in its own namespace", () => {
  const [canary] = yamlObjectsOfSection(readme, "Canary releases (Flagger)") as (Obj & {
    spec: { provider: string; analysis: { metrics: { name: string }[]; webhooks: { url: string }[] } };
  })[];
  assert.equal(canary.apiVersion, "flagger.app/v1beta1");
  assert.equal(canary.kind, "Canary");
  assert.equal(canary.spec.provider, "kubernetes");
  assert.deepEqual(canary.spec.analysis.metrics.map((m) => m.name), ["request-success-rate", "request-duration"]);
  // The platform's load tester in the Canary's own namespace (the only one that serves it).
  for (const hook of canary.spec.analysis.webhooks) assert.equal(hook.url, loadTesterUrl(canary.metadata.namespace), "its own namespace's platform load tester");
});
