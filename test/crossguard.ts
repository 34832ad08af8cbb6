/**
 * The policy pack as CrossGuard runs it: policy/index.ts loaded with a stand-in PolicyPack, fed
 * resources in the shape CrossGuard hands a stack policy.
 *
 * The model, and where each part comes from:
 *
 * - `props` are the resource's OUTPUTS, not its inputs: the engine calls AnalyzeStack with
 *   `Properties: v.Outputs` (pulumi/pulumi pkg/resource/deploy/step_generator.go,
 *   AnalyzeResources), and @pulumi/policy deserializes them with secrets unwrapped and no word of
 *   which were secret (server.js makeAnalyzeStackRpcFun: `deserializeProperties(..., false)`).
 *   Which properties a provider returns is what its SDK declares as output properties: the
 *   branch of the generated constructor that reads existing state (`else { resourceInputs[x] =
 *   undefined /*out*\/ }` for azure-native and kubernetes, `if (opts.id) { ... state?.x }` for
 *   bridged providers). So ARM path parameters (`resourceName`, `resourceGroupName`,
 *   `vaultName`, `keyName`, `roleAssignmentName`, ...) are dropped: they are in the request URL,
 *   not in the response body, and azure-native does not declare them as outputs. An azure-native
 *   resource's own name is its `name` output. Custom resources of kinds the Kubernetes SDK does
 *   not know (Flux's CRDs) keep every property, since the provider returns the whole object;
 *   components, providers and the stack keep theirs.
 * - The values are those synth records (the mock outputs with the program's plain inputs on
 *   top), then restricted as above: the mocks echo the inputs into the outputs for most types, as
 *   the real providers do for the body properties they return.
 * - `opts` carries `protect` and `additionalSecretOutputs`; `parent`, `dependencies`,
 *   `propertyDependencies` (input -> resources) and `provider` are resource objects, as
 *   @pulumi/policy builds them from the request (a custom resource always has a provider; a
 *   default provider is not in the graph, so it stands in with its own URN).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { CheckedResource } from "../policy/types";

export interface PackPolicy {
  name: string;
  description: string;
  enforcementLevel: string;
  validateStack(args: { resources: unknown[] }, report: (message: string, urn?: string) => void): void;
}

/** Loads policy/index.ts with a stand-in for @pulumi/policy, whose PolicyPack would start a server. */
export function loadPack(): PackPolicy[] {
  const packs: { name: string; args: { policies: PackPolicy[] } }[] = [];
  class PolicyPack {
    constructor(name: string, args: { policies: PackPolicy[] }) {
      packs.push({ name, args });
    }
  }
  const policyModule = require.resolve("@pulumi/policy");
  const packModule = require.resolve("../policy/index");
  const saved = require.cache[policyModule];
  require.cache[policyModule] = { id: policyModule, filename: policyModule, loaded: true, exports: { PolicyPack } } as unknown as NodeJS.Module;
  try {
    delete require.cache[packModule];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(packModule);
  } finally {
    if (saved) require.cache[policyModule] = saved;
    else delete require.cache[policyModule];
    delete require.cache[packModule];
  }
  assert.equal(packs.length, 1);
  assert.equal(packs[0].name, "gitops-platform");
  return packs[0].args.policies;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The generated SDK file that declares `type`, or undefined where no class is generated (a CRD). */
function sdkFile(type: string): string | undefined {
  const [pkg, module, member] = type.split(":");
  const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));
  switch (pkg) {
    case "azure-native":
      return path.join(packageDir("@pulumi/azure-native"), module, `${lowerFirst(member)}.js`);
    case "kubernetes": {
      const [group, version] = module.split("/");
      const file = path.join(packageDir("@pulumi/kubernetes"), group === "core" ? "core" : group.split(".")[0], version, `${lowerFirst(member)}.js`);
      return existsSync(file) ? file : undefined;
    }
    case "github":
    case "tls":
    case "random":
      return path.join(packageDir(`@pulumi/${pkg}`), `${lowerFirst(member)}.js`);
    case "time":
      return path.join(packageDir("@pulumiverse/time"), `${lowerFirst(member)}.js`);
    default:
      throw new Error(`test/crossguard.ts: no SDK known for ${type}; say where its output properties are declared`);
  }
}

/** The body of the `{ ... }` block that starts at `open` (the index of its brace). */
function block(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error("unbalanced braces");
}

const outputCache = new Map<string, ReadonlySet<string> | "all">();

/** The output properties the provider's SDK declares for `type`, or "all" where it keeps every property. */
export function declaredOutputs(type: string, custom: boolean): ReadonlySet<string> | "all" {
  if (!custom || type.startsWith("pulumi:")) return "all";
  const known = outputCache.get(type);
  if (known) return known;
  const file = sdkFile(type);
  let result: ReadonlySet<string> | "all" = "all";
  if (file !== undefined) {
    assert.ok(existsSync(file), `no SDK class for ${type} at ${file}`);
    const source = readFileSync(file, "utf8");
    const native = /if \(!opts\.id\) \{/.exec(source);
    let body: string;
    if (native) {
      const afterIf = native.index + native[0].length - 1;
      const elseAt = source.indexOf("else {", afterIf + block(source, afterIf).length);
      body = block(source, elseAt + "else ".length);
    } else {
      const bridged = /if \(opts\.id\) \{/.exec(source);
      assert.ok(bridged, `cannot find the state branch of ${file}`);
      body = block(source, bridged.index + bridged[0].length - 1);
    }
    result = new Set([...body.matchAll(/resourceInputs\["([^"]+)"\]/g)].map((m) => m[1]));
    assert.ok(result.size > 0, `no output properties found in ${file}`);
  }
  outputCache.set(type, result);
  return result;
}

/** What CrossGuard would hand a stack policy for these resources (see the model above). */
export function asCrossGuard(resources: readonly CheckedResource[]): Record<string, unknown>[] {
  const byUrn = new Map<string, Record<string, unknown>>();
  for (const r of resources) {
    const custom = r.links?.custom ?? true;
    const outputs = declaredOutputs(r.type, custom);
    const props = outputs === "all" ? r.props : Object.fromEntries(Object.entries(r.props).filter(([key]) => outputs.has(key)));
    byUrn.set(r.urn, {
      urn: r.urn,
      type: r.type,
      name: r.name,
      props: structuredClone(props),
      opts: { protect: r.protect, additionalSecretOutputs: [...(r.secretOutputs ?? [])] },
    });
  }
  const resolve = (urns: readonly string[]) => urns.map((urn) => byUrn.get(urn)).filter(Boolean);
  for (const r of resources) {
    const resource = byUrn.get(r.urn)!;
    const custom = r.links?.custom ?? true;
    resource.parent = r.links?.parent ? byUrn.get(r.links.parent) : undefined;
    resource.provider = custom ? (r.links?.provider ? byUrn.get(r.links.provider) : undefined) ?? { urn: `urn:default-provider:${r.type.split(":")[0]}` } : undefined;
    resource.dependencies = resolve(r.links?.dependencies ?? []);
    resource.propertyDependencies = Object.fromEntries(Object.entries(r.links?.propertyDependencies ?? {}).map(([input, urns]) => [input, resolve(urns)]));
  }
  return [...byUrn.values()];
}

export interface PackReport {
  policy: string;
  urn?: string;
  message: string;
}

/** Every report of every pack policy on the CrossGuard view of `resources`. */
export function runPack(policies: readonly PackPolicy[], resources: readonly CheckedResource[]): PackReport[] {
  const reports: PackReport[] = [];
  for (const p of policies) {
    p.validateStack({ resources: asCrossGuard(resources) }, (message, urn) => reports.push({ policy: p.name, urn, message }));
  }
  return reports;
}

export const CANNOT_DECIDE = /cannot decide/;

/**
 * Whether the pack still stops what synth stops: for every policy `expected` names, the pack
 * reports each expected message, or says it cannot decide. Returns what went wrong, or [].
 */
export function failsOpen(reports: readonly PackReport[], expected: readonly { policy: string; message?: string }[]): string[] {
  const problems: string[] = [];
  for (const policy of new Set(expected.map((e) => e.policy))) {
    const own = reports.filter((r) => r.policy === policy);
    if (own.some((r) => CANNOT_DECIDE.test(r.message))) continue;
    for (const e of expected.filter((x) => x.policy === policy)) {
      if (own.length === 0) problems.push(`${policy}: passes under CrossGuard (expected ${e.message ?? "a finding"})`);
      else if (e.message !== undefined && !own.some((r) => r.message === e.message)) {
        problems.push(`${policy}: reports ${own.map((r) => r.message).join("; ")} instead of ${e.message}`);
      }
    }
  }
  return problems;
}
