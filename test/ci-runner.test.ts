/**
 * Issue 24 item 6: the runner that deploys a stack is part of its config (ci.runner), the
 * workflows read the label the stack writes, and a production runner that the API server's
 * authorized ranges or the Key Vault firewall would refuse is refused at its key path.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { ciVariableNames } from "../components/azure/ci-identity";
import { parsePlatformConfig } from "../stacks/parse";
import { PROJECT_ROOT } from "../synth/synthesize";
import { pinTestDay } from "./helpers";
import { inventory, previewMatrix, touchedStacks } from "../synth/changed-stacks";

pinTestDay();

const P = "gitops-platform:platform";
const prodRaw = () => structuredClone(parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")).config[P]);
const problems = (raw: unknown) => {
  const result = parsePlatformConfig(raw, "prod");
  return result.ok ? [] : result.problems;
};

test("prod's runner reaches both the API server and the Key Vault; one outside either range is refused at its key path", () => {
  assert.deepEqual(problems(prodRaw()), []);
  const outsideVault = prodRaw();
  // In the API server's authorized ranges, not in the Key Vault firewall.
  outsideVault.ci.runner.egressRanges = ["198.51.100.17"];
  assert.deepEqual(problems(outsideVault), [
    `${P}.ci.runner.egressRanges[0]: 198.51.100.17 is not within keyVault.allowedIpRanges: the Key Vault firewall (networkDefaultAction: Deny) would refuse the runner`,
  ]);
  const outsideBoth = prodRaw();
  outsideBoth.ci.runner.egressRanges = ["203.0.113.40", "192.0.2.0/28"];
  assert.deepEqual(problems(outsideBoth), [
    `${P}.ci.runner.egressRanges[1]: 192.0.2.0/28 is not within cluster.authorizedIpRanges: the API server would refuse the runner`,
    `${P}.ci.runner.egressRanges[1]: 192.0.2.0/28 is not within keyVault.allowedIpRanges: the Key Vault firewall (networkDefaultAction: Deny) would refuse the runner`,
  ]);
  // A range wider than the allowed one is not inside it.
  const wide = prodRaw();
  wide.ci.runner.egressRanges = ["203.0.112.0/23"];
  assert.equal(problems(wide).length, 2);
});

test("prod on GitHub's hosted runners (no runner configured) is refused: their addresses are not fixed", () => {
  const hosted = prodRaw();
  delete hosted.ci.runner;
  assert.deepEqual(problems(hosted), [
    `${P}.ci.runner.egressRanges: must list the runner's egress addresses in production: GitHub's hosted runners have no fixed address, use a self-hosted or larger runner with a static one`,
  ]);
  const privateCluster = prodRaw();
  privateCluster.cluster.privateCluster = true;
  assert.match(problems(privateCluster).join("\n"), /ci\.runner: a private API server answers only inside its VNet/);
});

test("the workflows run each stack's Pulumi jobs on the label the stack writes (PULUMI_RUNS_ON_<STACK>), with no fallback", () => {
  const workflow = (file: string) => parse(readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", file), "utf8"));
  const deploy = workflow("deploy.yml");
  for (const stack of ["dev", "prod"]) assert.equal(deploy.jobs[stack]["runs-on"], `\${{ vars.${ciVariableNames(stack).runsOn} }}`);
  for (const [file, job] of [["preview.yml", "pulumi-preview"], ["drift.yml", "drift"]]) {
    const runsOn = workflow(file).jobs[job]["runs-on"];
    assert.equal(runsOn, "${{ vars[format('PULUMI_RUNS_ON_{0}', matrix.suffix)] }}", file);
    // preview.yml's matrix comes from the changed stacks (synth/changed-stacks.ts): every entry runs on its platform stack's label.
    const include = workflow(file).jobs[job].strategy.matrix.include;
    const entries = Array.isArray(include) ? include : previewMatrix(touchedStacks(["index.ts"], inventory(PROJECT_ROOT)), inventory(PROJECT_ROOT));
    for (const entry of entries) assert.equal(`PULUMI_RUNS_ON_${entry.suffix}`, ciVariableNames(entry.stack).runsOn);
  }
  // Tenant stacks deploy on their environment's runner (it reaches the API server).
  for (const stack of ["dev", "prod"]) assert.equal(deploy.jobs[`${stack}-tenants`]["runs-on"], `\${{ vars.${ciVariableNames(stack).runsOn} }}`);
  for (const file of ["deploy.yml", "preview.yml", "drift.yml"]) {
    assert.ok(!/PULUMI_RUNS_ON \|\||'ubuntu-latest' \}\}/.test(readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", file), "utf8")), `${file}: no fallback to hosted runners`);
  }
});
