/**
 * Acknowledging a change that the previous deployment's record refuses (stacks/deployed-fixed.ts),
 * once the operator has done the procedure the refusal names (PVC expansion, raft peer removal,
 * re-sealing): `acknowledgedChanges: [{ key: vault.storageSize, from: 5Gi, to: 10Gi }]`. An entry
 * admits exactly that change from exactly the recorded value: it cannot admit a later, different
 * change, and once the change is deployed the record holds `to` and the entry admits nothing
 * (remove it then). Changes no procedure makes safe (a shrinking volume, a pool's VM size, the
 * network CIDRs, the Key Vault's retention) cannot be acknowledged. Pure.
 */
import { z } from "zod";

/** The key paths a change of which can be acknowledged after its procedure. */
export const ACKNOWLEDGEABLE_KEYS = ["vault.storageSize", "vault.auditStorageSize", "vault.replicas", "sealedSecrets.keyGenerations"] as const;

const value = z.union([z.string(), z.number()]).transform(String);

export const acknowledgedChangesSchema = z
  .array(z.strictObject({ key: z.enum(ACKNOWLEDGEABLE_KEYS), from: value, to: value }))
  .default([])
  .describe(
    "Changes the previous deployment's record refuses, acknowledged after their procedure (docs/day-two.md): each entry admits the change of key from exactly `from` (the deployed value) to exactly `to`. Remove it after the up.",
  );

export type AcknowledgedChange = z.output<typeof acknowledgedChangesSchema>[number];

export function isAcknowledged(acknowledged: readonly AcknowledgedChange[] | undefined, key: (typeof ACKNOWLEDGEABLE_KEYS)[number], from: string | number, to: string | number): boolean {
  return (acknowledged ?? []).some((a) => a.key === key && a.from === String(from) && a.to === String(to));
}

/** What a refusal says so that the operator can acknowledge the change after the procedure. */
export function acknowledgeHint(key: (typeof ACKNOWLEDGEABLE_KEYS)[number], from: string | number, to: string | number): string {
  return `; once done, acknowledge it: acknowledgedChanges: [{ key: ${key}, from: "${from}", to: "${to}" }]`;
}
