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
