/** Key Vault names: 3-24 characters, letters, digits and single hyphens, globally unique. Pure. */

export const KEY_VAULT_NAME_MAX = 24;

/**
 * `kv-<environment>-<suffix>`, with the environment cut so the whole fits in 24 characters.
 * Only the environment and the suffix go in, so nothing else (tags, tenants) can rename the
 * vault and force its replacement.
 */
export function keyVaultName(environment: string, suffix: string): string {
  const room = KEY_VAULT_NAME_MAX - "kv-".length - 1 - suffix.length;
  const env = environment
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "")
    .slice(0, Math.max(room, 0))
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const name = env ? `kv-${env}-${suffix}` : `kv-${suffix}`;
  const problem = keyVaultNameProblem(name);
  if (problem) throw new Error(`Key Vault name "${name}": ${problem}`);
  return name;
}

export function keyVaultNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > KEY_VAULT_NAME_MAX) return `must be 3-${KEY_VAULT_NAME_MAX} characters`;
  if (!/^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/.test(name)) return "must start with a letter, end with a letter or digit, and hold only letters, digits and hyphens";
  if (name.includes("--")) return "must not contain consecutive hyphens";
  return undefined;
}
