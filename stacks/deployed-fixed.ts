/**
 * Settings Kubernetes and AKS fix when a resource is created, recorded by stacks/deployed.ts and
 * compared with config before anything is registered. Each refusal names the procedure that makes
 * the change safely (docs/day-two.md). Pure.
 */
import { z } from "zod";
import { acknowledgeHint, isAcknowledged } from "./acknowledged";
import { problemAt } from "./errors";
import type { PlatformConfig } from "./schema";

/** A node pool as created: AKS cannot change a pool's VM size or zones in place. */
export interface DeployedPool {
  name: string;
  vmSize: string;
  zones: string[];
}

export interface DeployedCluster {
  systemPool: DeployedPool;
  userPools: DeployedPool[];
  /** Fixed when the cluster is created: a change replaces the cluster (or AKS refuses it). */
  network: { plugin: string; pluginMode?: string; policy?: string; podCidr: string; serviceCidr: string; dnsServiceIp: string };
  /** The node subnet every pool is created in (null: AKS's own VNet); a pool's subnet cannot change. */
  vnet?: { addressSpace: string; nodeSubnet: string } | null;
  /** A public API server cannot become private in place, nor the reverse. */
  privateCluster?: boolean;
}

/**
 * Vault's StatefulSet as created: volumeClaimTemplates are immutable, and raft keeps a peer for
 * every pod it ever had, so fewer replicas lose quorum unless the peers are removed first.
 */
export interface DeployedVault {
  replicas: number;
  storageSize: string;
  auditStorageSize: string;
}

const poolRecord = z.object({ name: z.string(), vmSize: z.string(), zones: z.array(z.string()) });

export const clusterRecordSchema = z.object({
  systemPool: poolRecord,
  userPools: z.array(poolRecord),
  network: z.object({
    plugin: z.string(),
    pluginMode: z.string().optional(),
    policy: z.string().optional(),
    podCidr: z.string(),
    serviceCidr: z.string(),
    dnsServiceIp: z.string(),
  }),
  vnet: z.object({ addressSpace: z.string(), nodeSubnet: z.string() }).nullable().optional(),
  privateCluster: z.boolean().optional(),
});

export const vaultRecordSchema = z.object({ replicas: z.int(), storageSize: z.string(), auditStorageSize: z.string() });

function poolOf(pool: { name: string; vmSize: string; zones: string[] }): DeployedPool {
  return { name: pool.name, vmSize: pool.vmSize, zones: [...pool.zones] };
}

export function deployedClusterOf(config: PlatformConfig): DeployedCluster {
  const { systemPool, userPools, network } = config.cluster;
  return {
    systemPool: poolOf(systemPool),
    userPools: userPools.map(poolOf),
    network: {
      plugin: network.plugin,
      ...(network.pluginMode === undefined ? {} : { pluginMode: network.pluginMode }),
      policy: network.policy,
      podCidr: network.podCidr,
      serviceCidr: network.serviceCidr,
      dnsServiceIp: network.dnsServiceIp,
    },
    vnet: network.vnet ? { addressSpace: network.vnet.addressSpace, nodeSubnet: network.vnet.nodeSubnet } : null,
    privateCluster: config.cluster.privateCluster,
  };
}

export function deployedVaultOf(config: PlatformConfig): DeployedVault | undefined {
  if (!config.vault.enabled) return undefined;
  return { replicas: config.vault.replicas, storageSize: config.vault.storageSize, auditStorageSize: config.vault.auditStorageSize };
}

function sameZones(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join(",") === [...b].sort().join(",");
}

/** A pool keeping its name keeps its VM size and zones; a new name is a new pool (AKS creates it, then drains and deletes the old one). */
function poolChangeProblems(path: (string | number)[], now: DeployedPool, before: DeployedPool | undefined): string[] {
  if (!before || before.name !== now.name) return [];
  const problems: string[] = [];
  const procedure = `AKS cannot change it on an existing pool; set it back to ${"%s"}, or migrate to a new pool: give the pool a new name with the new setting (AKS creates the new pool, then cordons, drains and deletes "${before.name}"; see docs/day-two.md "Resizes and the refusals")`;
  if (now.vmSize !== before.vmSize) {
    problems.push(problemAt([...path, "vmSize"], `is ${before.vmSize} on the deployed pool "${before.name}"; ${procedure.replace("%s", before.vmSize)}`));
  }
  if (!sameZones(now.zones, before.zones)) {
    const shown = JSON.stringify(before.zones);
    problems.push(problemAt([...path, "zones"], `is ${shown} on the deployed pool "${before.name}"; ${procedure.replace("%s", shown)}`));
  }
  return problems;
}

export function clusterChangeProblems(config: PlatformConfig, deployed: DeployedCluster | undefined): string[] {
  if (!deployed) return [];
  const now = deployedClusterOf(config);
  const problems = poolChangeProblems(["cluster", "systemPool"], now.systemPool, deployed.systemPool);
  now.userPools.forEach((pool, index) => {
    problems.push(...poolChangeProblems(["cluster", "userPools", index], pool, deployed.userPools.find((p) => p.name === pool.name)));
  });
  const keys = ["plugin", "pluginMode", "policy", "podCidr", "serviceCidr", "dnsServiceIp"] as const;
  for (const key of keys) {
    const before = deployed.network[key];
    const after = now.network[key];
    // An older record without the field: nothing to compare with.
    if (before === after || ((key === "pluginMode" || key === "policy") && before === undefined)) continue;
    problems.push(
      problemAt(
        ["cluster", "network", key],
        `is ${before ?? "unset"} on the deployed cluster, and AKS fixes the cluster's network profile when the cluster is created (a change replaces the cluster, or is refused); set it back to ${before ?? "unset"} (another network needs a new cluster: a new stack, migrating tenants to it, see docs/day-two.md "Changing what is fixed at creation")`,
      ),
    );
  }
  if (deployed.vnet !== undefined && JSON.stringify(deployed.vnet) !== JSON.stringify(now.vnet)) {
    const shown = (vnet: DeployedCluster["vnet"]) => (vnet ? `addressSpace ${vnet.addressSpace}, nodeSubnet ${vnet.nodeSubnet}` : "none (AKS's own VNet)");
    problems.push(
      problemAt(
        ["cluster", "network", "vnet"],
        `is ${shown(deployed.vnet)} on the deployed cluster, and every node pool is created in its subnet (AKS cannot move a pool to another one); set it back (another VNet needs a new cluster, see docs/day-two.md "Changing what is fixed at creation")`,
      ),
    );
  }
  if (deployed.privateCluster !== undefined && deployed.privateCluster !== now.privateCluster) {
    problems.push(
      problemAt(
        ["cluster", "privateCluster"],
        `is ${deployed.privateCluster} on the deployed cluster, and AKS fixes whether the API server is private when the cluster is created; set it back to ${deployed.privateCluster} (the other kind needs a new cluster, see docs/day-two.md "Changing what is fixed at creation")`,
      ),
    );
  }
  return problems;
}

/** Binary and decimal quantities to bytes (Kubernetes resource.Quantity, the suffixes the schema admits). */
export function quantityBytes(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([KMGTPE]i?|k)?$/.exec(quantity);
  if (!match) return undefined;
  const units: Record<string, number> = {
    "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  return Number(match[1]) * units[match[2] ?? ""];
}

export function vaultChangeProblems(config: PlatformConfig, deployed: DeployedVault | undefined): string[] {
  if (!deployed || !config.vault.enabled) return [];
  const problems: string[] = [];
  for (const [key, volume] of [["storageSize", "data"], ["auditStorageSize", "audit"]] as const) {
    const before = deployed[key];
    const now = config.vault[key];
    if (quantityBytes(before) === quantityBytes(now)) continue;
    // Growing, once the claims are expanded and the StatefulSet orphan-deleted; volumes never shrink.
    const grows = (quantityBytes(now) ?? 0) > (quantityBytes(before) ?? 0);
    if (grows && isAcknowledged(config.acknowledgedChanges, `vault.${key}`, before, now)) continue;
    problems.push(
      problemAt(
        ["vault", key],
        `is ${before} on the deployed Vault, and a StatefulSet's volumeClaimTemplates cannot change, so the next helm upgrade would fail; set it back to ${before}. To grow the ${volume} volumes, expand the PVCs in place (PVC expansion: patch each ${volume}-vault-N claim's spec.resources.requests.storage, then delete the StatefulSet with --cascade=orphan so the next up recreates it), see docs/day-two.md "Resizing Vault's storage"${grows ? acknowledgeHint(`vault.${key}`, before, now) : ""}; volumes never shrink`,
      ),
    );
  }
  if (config.vault.replicas < deployed.replicas && !isAcknowledged(config.acknowledgedChanges, "vault.replicas", deployed.replicas, config.vault.replicas)) {
    const removed = Array.from({ length: deployed.replicas - config.vault.replicas }, (_, i) => `vault-${config.vault.replicas + i}`);
    problems.push(
      problemAt(
        ["vault", "replicas"],
        `is ${deployed.replicas} on the deployed Vault; ${config.vault.replicas} would stop ${removed.join(", ")} while raft still counts ${removed.length > 1 ? "them" : "it"} as voters, and the cluster can lose quorum; set it back to ${deployed.replicas}. Raft peer removal comes first: vault operator raft remove-peer ${removed.join(" / ")}, then lower replicas, see docs/day-two.md "Fewer Vault replicas"${acknowledgeHint("vault.replicas", deployed.replicas, config.vault.replicas)}`,
      ),
    );
  }
  return problems;
}
