/**
 * The two forms of an environment for tests: prod's tenants live in tenant stacks
 * (tenants/Pulumi.prod-*.yaml), so a test of what prod's tenants get reads the whole environment
 * (the platform stack and every tenant stack, synthesized together), and a test that changes
 * prod's config and synthesizes the variant reads prod in the single-stack form: its tenant
 * stacks' tenants inline, in a file outside the project root (no tenants/ beside it), which
 * builds the same resources with the same types and names (test/stacks/tenant-stacks.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { readTenantStackFile, tenantStackNames } from "../stacks/tenant-stacks";
import type { EngineRun } from "../synth/engine";
import { PROJECT_ROOT, synthesizeEnvironment, type SynthOptions } from "../synth/synthesize";

const PLATFORM_KEY = "gitops-platform:platform";

/** A stack file's document, loosely typed for tests that edit it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StackDocument = { config: Record<string, any> };

/** The tenants of an environment's tenant stacks (tenants/Pulumi.<stack>-*.yaml), in file order. */
export function tenantStackTenants(stack: string): unknown[] {
  return tenantStackNames(PROJECT_ROOT, stack).flatMap((name) => readTenantStackFile(PROJECT_ROOT, name).tenants);
}

/**
 * `Pulumi.<stack>.yaml` parsed, with its tenant stacks' tenants after its inline ones: the
 * environment as one stack (prod as it was before its tenants moved to tenant stacks).
 */
export function inlineStackDocument(stack: string): StackDocument {
  const document = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as StackDocument;
  const platform = document.config[PLATFORM_KEY];
  const tenants = [...(platform.tenants ?? []), ...tenantStackTenants(stack)];
  if (tenants.length > 0) platform.tenants = tenants;
  return document;
}

/** The single-stack form as YAML text. */
export function inlineStackText(stack: string): string {
  return stringify(inlineStackDocument(stack));
}

/** The single-stack form written to `Pulumi.<stack>.yaml` in a new temporary directory (no tenants/ beside it); its path. */
export function inlineStackFile(stack: string, change?: (document: StackDocument) => void): string {
  const document = inlineStackDocument(stack);
  change?.(document);
  const file = path.join(mkdtempSync(path.join(tmpdir(), `inline-${stack}-`)), `Pulumi.${stack}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

/**
 * The whole environment as one run: the platform stack's resources, then every tenant stack's
 * (their URNs name their own stack and project); the outputs are the platform stack's.
 */
export async function environmentRun(options: SynthOptions): Promise<EngineRun> {
  const { platform, tenantStacks } = await synthesizeEnvironment(options);
  return { ...platform.run, resources: [...platform.run.resources, ...tenantStacks.flatMap((t) => t.result.run.resources)] };
}
