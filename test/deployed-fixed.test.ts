/** Items 7-8 of issue 24: what Kubernetes and AKS fix at creation is refused through the previous deployment's record. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deployedSettingsOf, immutableChangeProblems, readDeployedSettings } from "../stacks/deployed";
import { parsePlatformConfig } from "../stacks/parse";
import { pinTestDay, TEST_TODAY } from "./helpers";

pinTestDay();

function config(raw: object, stack = "dev") {
  const parsed = parsePlatformConfig(raw, stack, { today: TEST_TODAY });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  return parsed.config;
}

test("vault storage sizes, fewer replicas, system pool vmSize and network CIDRs are refused at their key paths", () => {
  const deployed = deployedSettingsOf(config({ vault: { replicas: 3 } }));
  const changed = config({
    vault: { replicas: 1, storageSize: "99Gi", auditStorageSize: "99Gi" },
    cluster: { systemPool: { vmSize: "Standard_D8s_v5" }, network: { podCidr: "10.200.0.0/16" } },
  });
  const problems = immutableChangeProblems(changed, readDeployedSettings(JSON.parse(JSON.stringify(deployed))));
  for (const key of ["vault.storageSize", "vault.auditStorageSize", "vault.replicas", "cluster.systemPool.vmSize", "cluster.network.podCidr"]) {
    assert.ok(problems.some((p) => p.includes(`.${key}: `)), `${key} refused:\n${problems.join("\n")}`);
  }
  assert.ok(problems.some((p) => p.includes("PVC expansion")) && problems.some((p) => p.includes("raft remove-peer")));
  assert.deepEqual(immutableChangeProblems(config({ vault: { replicas: 3 } }), deployed), [], "unchanged config passes");
  assert.deepEqual(immutableChangeProblems(changed, readDeployedSettings({ sealedSecrets: { keyGenerations: 1 } })).length, 0, "an older record never blocks");
});

test("the rest of the class: network policy, the node VNet and a private API server are refused at their key paths (issue 24 item 8)", () => {
  const deployed = readDeployedSettings(JSON.parse(JSON.stringify(deployedSettingsOf(config({})))));
  const changed = config({ cluster: { privateCluster: true, network: { policy: "calico", vnet: { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/16" } } } });
  const problems = immutableChangeProblems(changed, deployed);
  for (const key of ["cluster.network.policy", "cluster.network.vnet", "cluster.privateCluster"]) {
    assert.ok(problems.some((p) => p.includes(`.${key}: `)), `${key} refused:\n${problems.join("\n")}`);
  }
  // A record from before these fields never blocks.
  const older = readDeployedSettings(JSON.parse(JSON.stringify({ cluster: { ...deployedSettingsOf(config({})).cluster, vnet: undefined, privateCluster: undefined, network: { plugin: "azure", pluginMode: "overlay", podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16", dnsServiceIp: "10.0.0.10" } } })));
  assert.deepEqual(immutableChangeProblems(changed, older), []);
});

test("after the procedure, an acknowledged change passes; only that change, from the recorded value (issue 24 item 7)", () => {
  const deployed = deployedSettingsOf(config({ vault: { replicas: 3, storageSize: "10Gi" } }));
  const grown = { vault: { replicas: 3, storageSize: "20Gi" } };
  const refused = immutableChangeProblems(config(grown), deployed);
  assert.equal(refused.length, 1);
  assert.match(refused[0], /acknowledge it: acknowledgedChanges: \[\{ key: vault\.storageSize, from: "10Gi", to: "20Gi" \}\]/);
  const ack = (entries: object[]) => config({ ...grown, acknowledgedChanges: entries });
  assert.deepEqual(immutableChangeProblems(ack([{ key: "vault.storageSize", from: "10Gi", to: "20Gi" }]), deployed), []);
  // Another value than acknowledged, or an acknowledgement written for another record: still refused.
  assert.equal(immutableChangeProblems(config({ vault: { replicas: 3, storageSize: "30Gi" }, acknowledgedChanges: [{ key: "vault.storageSize", from: "10Gi", to: "20Gi" }] }), deployed).length, 1);
  assert.equal(immutableChangeProblems(ack([{ key: "vault.storageSize", from: "5Gi", to: "20Gi" }]), deployed).length, 1);
  // A shrink cannot be acknowledged: volumes never shrink.
  const shrink = config({ vault: { replicas: 3, storageSize: "5Gi" }, acknowledgedChanges: [{ key: "vault.storageSize", from: "10Gi", to: "5Gi" }] });
  assert.equal(immutableChangeProblems(shrink, deployed).length, 1);
  // Fewer replicas after raft remove-peer.
  const fewer = { vault: { replicas: 1, storageSize: "10Gi" } };
  assert.match(immutableChangeProblems(config(fewer), deployed)[0], /raft remove-peer vault-1 \/ vault-2.*acknowledgedChanges: \[\{ key: vault\.replicas, from: "3", to: "1" \}\]/);
  assert.deepEqual(immutableChangeProblems(config({ ...fewer, acknowledgedChanges: [{ key: "vault.replicas", from: 3, to: 1 }] }), deployed), []);
  // What no procedure makes safe is not acknowledgeable at all.
  const bad = parsePlatformConfig({ acknowledgedChanges: [{ key: "cluster.network.podCidr", from: "a", to: "b" }] }, "dev", { today: TEST_TODAY });
  assert.ok(!bad.ok && bad.problems.some((p) => p.includes("acknowledgedChanges[0].key: must be one of")), bad.ok ? "" : bad.problems.join("\n"));
});

test("a new environment name or location is refused against the record: every stateful resource would be replaced", () => {
  const parse = (raw: Record<string, unknown>) => {
    const parsed = parsePlatformConfig(raw, "dev", { today: TEST_TODAY });
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    return parsed.config;
  };
  const record = deployedSettingsOf(parse({ location: "westeurope" }));
  assert.deepEqual(immutableChangeProblems(parse({ location: "westeurope" }), record), []);
  const moved = immutableChangeProblems(parse({ location: "northeurope" }), record);
  assert.equal(moved.length, 1);
  assert.match(moved[0], /^gitops-platform:platform\.location: is westeurope in the deployed stack; .*another region is a new stack/);
  const renamed = immutableChangeProblems(parse({ environment: "dev2", location: "westeurope" }), record);
  assert.match(renamed.join("\n"), /^gitops-platform:platform\.environment: is dev in the deployed stack/m);
  assert.deepEqual(immutableChangeProblems(parse({ location: "northeurope" }), { ...record, placement: undefined }), [], "an older record without placement never blocks");
});
