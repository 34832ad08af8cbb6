/**
 * Issue 26 item 8: the workflows preview and deploy only the stacks a change touches, each
 * environment's platform stack first and its tenant stacks after it in a matrix, every tenant
 * stack in its own GitHub environment as its own deployer (TenantDeployers), with a GitHub token
 * limited to its repositories. What decides which stacks is synth/changed-stacks.ts
 * (test/changed-stacks.test.ts); here the jobs that use it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { ciVariableNames } from "../components/azure/ci-identity";
import { tenantDeployerEnvironment, tenantDeployerSubject } from "../components/azure/tenant-deployer";
import { inventory, stepOutputs, touchedStacks } from "../synth/changed-stacks";
import { PROJECT_ROOT } from "../synth/synthesize";
import { loadWorkflow, uses } from "./workflow-shape";

const load = loadWorkflow;

test("changes jobs: no credential, the whole history, the script's outputs for every environment the workflow deploys", () => {
  const deploy = load("deploy.yml").jobs.changes;
  const preview = load("preview.yml").jobs.changes;
  for (const [name, job] of [["deploy", deploy], ["preview", preview]] as const) {
    assert.equal(job.permissions, undefined, `${name}: the workflow's contents: read only`);
    assert.equal(job.env, undefined, name);
    assert.equal(uses(job, "actions/checkout")[0].with?.["fetch-depth"], 0, `${name}: the base commit is there to diff against`);
    assert.equal(uses(job, "actions/checkout")[0].with?.["persist-credentials"], false, name);
    assert.ok(!JSON.stringify(job).includes("secrets."), name);
    assert.match(job.steps.find((s) => s.id === "stacks")!.run!, /npm run -s stacks:changed -- --base "\$\w+" --head "\$HEAD_SHA" >> "\$GITHUB_OUTPUT"/, name);
  }
  assert.deepEqual(preview.outputs, { preview: "${{ steps.stacks.outputs.preview }}" });
  // Every output the deploy jobs read is one the script writes.
  const written = Object.keys(stepOutputs(PROJECT_ROOT, touchedStacks(["index.ts"], inventory(PROJECT_ROOT)), inventory(PROJECT_ROOT)));
  for (const [key, value] of Object.entries(deploy.outputs!)) {
    assert.equal(value, `\${{ steps.stacks.outputs.${key} }}`);
    assert.ok(written.includes(key), key);
  }
  assert.deepEqual(Object.keys(deploy.outputs!).sort(), ["dev-platform", "dev-tenants", "prod-platform", "prod-tenants"]);
});

test("deploy: each environment's tenant stacks after its platform stack, in parallel, each in its own environment as its own deployer", () => {
  const { jobs } = load("deploy.yml");
  for (const environment of ["dev", "prod"]) {
    const job = jobs[`${environment}-tenants`];
    const where = `${environment}-tenants`;
    // Order: the platform stack first (it creates the namespaces, registers the tenants, writes the deployers).
    assert.deepEqual(job.needs, ["changes", environment], where);
    assert.equal(uses(jobs[environment], "pulumi/actions")[0].with?.["stack-name"], `\${{ vars.PULUMI_ORG }}/gitops-platform/${environment}`);
    // Runs when there are touched tenant stacks, also when this push did not touch the platform stack (skipped, not failed).
    assert.equal(job.if, `github.ref == 'refs/heads/main' && needs.changes.outputs.${environment}-tenants != '[]' && !failure() && !cancelled()`, where);
    assert.deepEqual(job.strategy, { "fail-fast": false, matrix: { tenant: `\${{ fromJSON(needs.changes.outputs.${environment}-tenants) }}` } }, where);
    assert.deepEqual(job.concurrency, { group: "deploy-${{ matrix.tenant.name }}", "cancel-in-progress": false }, where);
    assert.deepEqual(job.permissions, { "id-token": "write", contents: "read" }, where);
    // Its environment is the one its deployer trusts, and its identity is the one the platform stack wrote for it.
    assert.equal(job.environment, "${{ matrix.tenant.name }}", where);
    for (const stack of ["stage-payments", `${environment}-team-a`]) {
      const resolved: string = job.environment!.replace("${{ matrix.tenant.name }}", stack);
      assert.equal(resolved, tenantDeployerEnvironment(stack));
      assert.equal(tenantDeployerSubject("acme-platform/platform-infra", stack), `repo:acme-platform/platform-infra:environment:${resolved}`);
      const suffix = ciVariableNames(stack).deployClientId.replace("AZURE_CLIENT_ID_DEPLOY_", "");
      for (const key of ["ARM_CLIENT_ID", "AZURE_CLIENT_ID"]) {
        assert.equal(job.env![key].replace(/^\$\{\{ vars\[format\('(\w+)\{0\}', matrix\.tenant\.suffix\)\] \}\}$/, (_, prefix) => `${prefix}${suffix}`), ciVariableNames(stack).deployClientId, `${where} ${key}`);
      }
    }
    assert.equal(job.env!.ARM_TENANT_ID, `\${{ vars.${ciVariableNames(environment).tenantId} }}`);
    assert.equal(job.env!.AAD_LOGIN_METHOD, "workloadidentity");
    assert.ok(!JSON.stringify(job).includes("AZURE_CLIENT_ID_DEPLOY_DEV }") && !JSON.stringify(job).includes("AZURE_CLIENT_ID_DEPLOY_PROD }"), `${where}: never the platform's deploy identity`);
    // Azure: a login without a subscription (the deployer holds no Azure role), for the state backend.
    const login = uses(job, "azure/login")[0];
    assert.equal(login.with?.["allow-no-subscriptions"], true);
    assert.equal(login.with?.["subscription-id"], undefined);
    // GitHub: the tenant deployers' App, never the platform's, a token for this stack's repositories only.
    const token = uses(job, "actions/create-github-app-token")[0];
    assert.equal(token.if, "matrix.tenant.repositories != ''", "without repositories the action would mint a token for this repository");
    assert.deepEqual(token.with, {
      "client-id": "${{ vars.TENANT_GITHUB_APP_CLIENT_ID }}",
      "private-key": "${{ secrets.TENANT_GITHUB_APP_PRIVATE_KEY }}",
      owner: "${{ matrix.tenant.owner }}",
      repositories: "${{ matrix.tenant.repositories }}",
      "permission-administration": "write",
      "permission-metadata": "read",
    });
    assert.ok(!JSON.stringify(job).includes("PLATFORM_GITHUB_APP"), where);
    const up = uses(job, "pulumi/actions")[0];
    assert.deepEqual(up.with, {
      command: "up",
      refresh: true,
      "work-dir": "tenants",
      "stack-name": "${{ vars.PULUMI_ORG }}/gitops-platform-tenants/${{ matrix.tenant.name }}",
      "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
      "comment-on-summary": true,
    });
    assert.equal(up.env?.GITHUB_TOKEN, "${{ steps.github-app.outputs.token }}");
  }
  // Prod's tenant stacks wait for prod (its approval), dev's never do.
  assert.ok(!([] as string[]).concat(jobs["dev-tenants"].needs!).includes("prod"));
});

test("attack: no pull-request job can run in a tenant stack's environment; the preview matrix names platform stacks' approval environments only", () => {
  const { jobs } = load("preview.yml");
  const environments = Object.entries(jobs).filter(([, job]) => job.environment !== undefined);
  assert.deepEqual(environments.map(([name, job]) => [name, job.environment]), [["pulumi-preview", "preview-${{ matrix.stack }}"]]);
  const stacks = inventory(PROJECT_ROOT);
  const tenantEnvironments = Object.values(stacks.tenants).flat().map(tenantDeployerEnvironment);
  const { preview } = stepOutputs(PROJECT_ROOT, touchedStacks(["index.ts"], stacks), stacks);
  for (const entry of JSON.parse(preview) as { stack: string; name: string }[]) {
    assert.ok(stacks.platform.includes(entry.stack), entry.name);
    assert.ok(!tenantEnvironments.includes(`preview-${entry.stack}`), `preview-${entry.stack} is no tenant stack's environment`);
  }
  assert.ok(!/AZURE_CLIENT_ID_DEPLOY|TENANT_GITHUB_APP/.test(readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "preview.yml"), "utf8")));
});
