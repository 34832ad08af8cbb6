/**
 * Whole-stack part (the prod stack's outputs, synth --previous); the rules alone and the config
 * error path are in test/deployed-settings.test.ts.
 *
 * Changes Azure cannot apply to an existing Key Vault (soft-delete retention is fixed at creation,
 * purge protection can never be turned off) are config errors. The program learns what is
 * deployed from its own stack's previous outputs, through a StackReference to itself; synth
 * models that with the previous outputs it is given.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import { parse, stringify } from "yaml";
import { main } from "../../synth/cli";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { DEPLOYED_SETTINGS_OUTPUT } from "../../stacks/deployed";
import { pinTestDay } from "../helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "deployed-settings-"));
const P = "gitops-platform:platform";

test("the program records the settings as a stack output and reads them from a reference to its own stack", async () => {
  const { run, graph } = await synthesize({ stack: "prod" });
  const recorded = graph.outputs[DEPLOYED_SETTINGS_OUTPUT] as Record<string, unknown>;
  assert.deepEqual(recorded.keyVault, { softDeleteRetentionDays: 90, purgeProtection: true });
  assert.deepEqual(Object.keys(recorded).sort(), ["cluster", "keyVault", "placement", "vault"], "the Key Vault, the cluster and Vault as created, and where the platform is");
  const reference = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference");
  assert.equal(reference?.values.name, "organization/gitops-platform/prod", "the stack itself");
  assert.deepEqual(reference?.outputs.outputs, {}, "no previous deployment: a first up");
  // The next run, with this run's outputs as the previous deployment, passes and records the same.
  const next = await synthesize({ stack: "prod", previousOutputs: graph.outputs });
  assert.deepEqual(next.graph.outputs[DEPLOYED_SETTINGS_OUTPUT], graph.outputs[DEPLOYED_SETTINGS_OUTPUT]);
});

async function cli(t: TestContext, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    t.mock.restoreAll();
  }
}

test("synth --previous FILE: a previous synth graph or `pulumi stack output --json` as the deployed stack", async (t) => {
  const graphFile = path.join(workdir, "base.json");
  assert.equal((await cli(t, ["dev", "--json", graphFile])).code, 0);
  const stackOutputs = path.join(workdir, "outputs.json");
  writeFileSync(stackOutputs, JSON.stringify({ environment: "dev", [DEPLOYED_SETTINGS_OUTPUT]: { keyVault: { softDeleteRetentionDays: 7, purgeProtection: true } } }));
  const dev = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
  dev.config[P].keyVault = { softDeleteRetentionDays: 14 };
  const changed = path.join(workdir, "dev-changed.yaml");
  writeFileSync(changed, stringify(dev));

  const fromGraph = await cli(t, ["dev", "--config", changed, "--previous", graphFile]);
  assert.equal(fromGraph.code, 1, fromGraph.err);
  assert.equal(fromGraph.out, "");
  assert.deepEqual(fromGraph.err.split("\n"), [
    "Invalid stack config for dev (1 problem(s)):",
    `  ${P}.keyVault.softDeleteRetentionDays: is 7 on the deployed vault, and Azure fixes it when the vault is created; set it back to 7 (another retention needs a new vault: a new stack, or destroying this one)`,
  ]);
  const fromOutputs = await cli(t, ["dev", "--config", changed, "--previous", stackOutputs]);
  assert.equal(fromOutputs.code, 1);
  assert.match(fromOutputs.err, /keyVault\.purgeProtection: is on for the deployed vault, and Azure never turns it off again/);
  assert.doesNotMatch(fromOutputs.err, /\n\s+at /, "no stack trace");
  const missing = await cli(t, ["dev", "--previous", path.join(workdir, "nope.json")]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.json: cannot read the previous deployment's outputs/);
});

test("synth --previous refuses every field fixed at creation at its key path, and an acknowledged resize passes (issue 24 items 7 and 8)", async (t) => {
  const graphFile = path.join(workdir, "dev-base.json");
  assert.equal((await cli(t, ["dev", "--json", graphFile])).code, 0);
  // The deployed dev stack as recorded, with three raft replicas and purge protection on.
  const graph = JSON.parse(readFileSync(graphFile, "utf8"));
  const record = graph.outputs[DEPLOYED_SETTINGS_OUTPUT];
  record.vault.replicas = 3;
  record.keyVault.purgeProtection = true;
  const previous = path.join(workdir, "dev-previous.json");
  writeFileSync(previous, JSON.stringify({ [DEPLOYED_SETTINGS_OUTPUT]: record }));
  const document = () => parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
  const write = (name: string, platform: Record<string, unknown>) => {
    const doc = document();
    doc.config[P] = platform;
    const file = path.join(workdir, name);
    writeFileSync(file, stringify(doc));
    return file;
  };
  const p = document().config[P];
  const changed = {
    ...p,
    location: "northeurope",
    keyVault: { ...p.keyVault, softDeleteRetentionDays: record.keyVault.softDeleteRetentionDays === 30 ? 31 : 30, purgeProtection: false },
    vault: { ...p.vault, replicas: 1, storageSize: "99Gi", auditStorageSize: "99Gi" },
    cluster: {
      ...p.cluster,
      authorizedIpRanges: [],
      privateCluster: !record.cluster.privateCluster,
      systemPool: { ...p.cluster?.systemPool, vmSize: "Standard_D16s_v5", zones: ["1"] },
      network: { ...p.cluster?.network, policy: "calico", podCidr: "10.200.0.0/16", serviceCidr: "10.201.0.0/16", dnsServiceIp: "10.201.0.10", vnet: { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/16" } },
    },
  };
  const refused = await cli(t, ["dev", "--config", write("dev-changed.yaml", changed), "--previous", previous]);
  assert.equal(refused.code, 1);
  const keys = [
    "keyVault.softDeleteRetentionDays", "keyVault.purgeProtection", "vault.replicas", "vault.storageSize", "vault.auditStorageSize",
    "cluster.systemPool.vmSize", "cluster.systemPool.zones", "cluster.network.policy", "cluster.network.podCidr", "cluster.network.serviceCidr",
    "cluster.network.dnsServiceIp", "cluster.network.vnet", "cluster.privateCluster", "location",
  ];
  const refusedKeys = refused.err.split("\n").slice(1).map((line) => line.trim().slice(`${P}.`.length).split(": ")[0]);
  assert.deepEqual(refusedKeys.sort(), [...keys].sort(), refused.err);
  assert.doesNotMatch(refused.err, /\n\s+at /, "no stack trace");

  // Bigger data volumes after PVC expansion: refused until acknowledged from the recorded size, then passes.
  const grown = { ...p, vault: { ...p.vault, storageSize: "50Gi" } };
  const before = await cli(t, ["dev", "--config", write("dev-grown.yaml", grown), "--previous", graphFile]);
  assert.equal(before.code, 1);
  assert.match(before.err, /vault\.storageSize: .*PVC expansion.*acknowledgedChanges: \[\{ key: vault\.storageSize, from: "[^"]+", to: "50Gi" \}\]/);
  const from = /vault\.storageSize: is (\S+) on the deployed Vault/.exec(before.err)![1];
  const after = await cli(t, ["dev", "--config", write("dev-acked.yaml", { ...grown, acknowledgedChanges: [{ key: "vault.storageSize", from, to: "50Gi" }] }), "--previous", graphFile]);
  assert.equal(after.code, 0, after.err);
});
