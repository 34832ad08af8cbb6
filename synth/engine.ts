/**
 * The mock engine: runs a Pulumi program in-process under the SDK's mock runtime and records
 * every resource registration the way the real engine would see it (parent, provider,
 * dependencies, protect, import, ignoreChanges and deletedWith options, inputs with secrets still
 * marked).
 * Synth and the unit tests share it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as runtimeRpc from "@pulumi/pulumi/runtime/rpc";
import { withConfigToday } from "../stacks/clock";
import { PlatformMocks } from "./mocks";
import { isSecretValue, redact, reveal, SECRET_SIG, secretFingerprints, SIG_KEY } from "./redact";
import type { RecordedResource } from "../policy/recorded";

export const PROJECT = "gitops-platform";

/** One resource as the engine received it (the type lives with the policies, which read it). */
export type { RecordedResource };

interface Request {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getProtect(): boolean | undefined;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  /** Register requests only (a read request has neither). */
  getImportid?(): string;
  getIgnorechangesList?(): string[];
  getDeletedwith?(): string;
  getRetainondelete?(): boolean | undefined;
  getAliasesList?(): AliasMessage[];
  /** Alias URNs collapsed by the SDK, sent instead of specs to an engine without alias specs. */
  getAliasurnsList?(): string[];
  getPropertydependenciesMap?(): { forEach(callback: (value: { getUrnsList(): string[] }, key: string) => void): void };
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

type Callback = (err: unknown, response?: unknown) => void;

interface ReadRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getId(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getProperties(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/**
 * A resource's URN as the engine makes it: the parent's whole qualified type, then the type,
 * except under the Stack (whose type is never a prefix).
 */
export function engineUrn(parent: string, type: string, name: string): string {
  const stackProject = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}`;
  if (!parent) return `${stackProject}::${type}::${name}`;
  const parentType = parent.split("::")[2];
  const qualified = parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
  return `${stackProject}::${qualified}::${name}`;
}

/** MockMonitor's own URN maker, private in its typings. */
interface UrnMaker {
  newUrn(parent: string, type: string, name: string): string;
}

interface AliasMessage {
  getUrn(): string;
  getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

/**
 * The URN an alias stands for: what a spec leaves out is the resource's own, and the URN is made
 * the way the monitor makes every URN (`newUrn`), so that an alias compares equal to the URN a
 * resource of that name would have had.
 */
function aliasUrn(alias: AliasMessage, own: { type: string; name: string; parent: string }, newUrn: (parent: string, type: string, name: string) => string): string {
  const spec = alias.getSpec();
  if (!spec) return alias.getUrn();
  const parent = spec.getNoparent() ? "" : spec.getParenturn() || own.parent;
  return newUrn(parent, spec.getType() || own.type, spec.getName() || own.name);
}

/** Provider references travel as `<provider urn>::<provider id>`. */
function providerUrn(reference: string): string | null {
  return reference ? reference.slice(0, reference.lastIndexOf("::")) : null;
}

/**
 * The SDK's MockMonitor sees the whole register-resource request but passes only type, name and
 * inputs to Mocks.newResource. This subclass keeps the rest, and marks `additionalSecretOutputs`
 * secret as the real engine does.
 */
export class RecordingMonitor extends MockMonitor {
  readonly recorded = new Map<string, RecordedResource>();

  /**
   * @param preview A preview of a stack that does not exist yet: every custom resource is to be
   *   created, and a provider's Create in preview returns no ID (azure-native provider.go, Create:
   *   `if req.GetPreview()` answers with properties only), so its ID is unknown to the program.
   *   An imported resource's ID is the one it is imported by.
   */
  constructor(
    mocks: pulumi.runtime.Mocks,
    preview = false,
    private readonly aliasSpecs = true,
  ) {
    super(mocks);
    // MockMonitor prefixes only the parent's own type; the engine the parent's whole qualified
    // type (pkg/resource/deploy/deployment.go, generateURN: `parent.QualifiedType()`), so a
    // grandchild's URN is `<grandparent type>$<parent type>$<type>::<name>`.
    (this as unknown as UrnMaker).newUrn = engineUrn;
    // The base class answers with the state it returns from newResource; wrap it to mark secrets.
    const newResource = mocks.newResource.bind(mocks);
    this.mocks.newResource = async (args) => {
      const result = await newResource(args);
      const secretOutputs = this.pendingSecretOutputs.get(`${args.type}::${args.name}`) ?? [];
      const state = { ...result.state };
      for (const key of secretOutputs) {
        if (key in state && !isSecretValue(state[key])) state[key] = { [SIG_KEY]: SECRET_SIG, value: state[key] };
      }
      const created = preview && args.custom === true && !args.id;
      return { id: created ? undefined : result.id, state };
    };
  }

  private readonly pendingSecretOutputs = new Map<string, string[]>();

  /**
   * The SDK asks the engine what it supports at the start of a run (settings.js,
   * `awaitFeatureSupport`); an engine without alias specs leaves them out.
   */
  override getDeploymentInfo(req: unknown, callback: Callback): void {
    super.getDeploymentInfo(req, (err, info) => {
      const deployment = info as { getSupportedfeaturesList(): number[]; setSupportedfeaturesList(features: number[]): void } | undefined;
      if (!err && deployment && !this.aliasSpecs) {
        deployment.setSupportedfeaturesList(deployment.getSupportedfeaturesList().filter((feature) => feature !== resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS));
      }
      callback(err, info);
    });
  }

  /** Every URN registered or read so far. */
  private readonly urns = new Set<string>();

  /**
   * The real engine refuses a second registration (or read) of one URN: "Duplicate resource URN
   * '<urn>'; try giving it a unique name" (pkg/resource/deploy/step_generator.go,
   * diag.GetDuplicateResourceURNError). The SDK's MockMonitor overwrites the first silently.
   * Components and explicit providers included. (The engine's default providers are
   * `pulumi:providers:<package>::default_<version>` with no parent; a program's providers always
   * sit under the Stack, so they cannot take those URNs.)
   */
  private claimUrn(req: { getParent(): string; getType(): string; getName(): string }): Error | undefined {
    const urn = (this as unknown as UrnMaker).newUrn(req.getParent(), req.getType(), req.getName());
    if (this.urns.has(urn)) return new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
    this.urns.add(urn);
    return undefined;
  }

  /**
   * The first registration the real engine would refuse. The mock answers it (an error answer
   * would reject the resource's outputs in the SDK long after the run) and the run fails with it.
   */
  refusal: Error | undefined;

  override async registerResource(req: Request, callback: Callback): Promise<void> {
    const duplicate = this.claimUrn(req);
    this.refusal ??= duplicate;
    this.pendingSecretOutputs.set(`${req.getType()}::${req.getName()}`, req.getAdditionalsecretoutputsList());
    await super.registerResource(req, (err, response) => {
      if (!err && !duplicate) this.record(req, response as { getUrn(): string; getId(): string; getObject(): { toJavaScript(): Record<string, unknown> } });
      callback(err, labelledForLogs(response, "RegisterResourceResponse"));
    });
  }

  /**
   * A read of an existing resource (a StackReference, `Resource.get`): the request carries the id
   * and the properties to read by, the response the state read; there are no options.
   */
  override async readResource(req: ReadRequest, callback: Callback): Promise<void> {
    const duplicate = this.claimUrn(req);
    this.refusal ??= duplicate;
    const read = req.getType() === STACK_REFERENCE ? this.readStackReference.bind(this) : super.readResource.bind(this);
    await read(req, (err, response) => {
      if (!err && !duplicate) {
        const read = response as { getUrn(): string; getProperties(): { toJavaScript(): Record<string, unknown> } | undefined };
        const asRegistration: Request = {
          getType: () => req.getType(),
          getName: () => req.getName(),
          getParent: () => req.getParent(),
          getCustom: () => true,
          getProvider: () => req.getProvider(),
          getProtect: () => false,
          getDependenciesList: () => req.getDependenciesList(),
          getAdditionalsecretoutputsList: () => req.getAdditionalsecretoutputsList(),
          getImportid: () => "",
          getObject: () => req.getProperties(),
        };
        this.record(asRegistration, { getUrn: () => read.getUrn(), getId: () => req.getId(), getObject: () => read.getProperties() });
      }
      callback(err, response);
    });
  }

  /**
   * MockMonitor's readResource for a StackReference, with the other stack's outputs serialized
   * once per process: synth's environment run reads one platform stack's outputs from every
   * tenant stack, and serializing them (to the engine's wire form, then a protobuf Struct) afresh
   * each time was most of a tenant stack's cost at 500 tenants, growing with them (bench/RESULTS.md,
   * issue 26 item 9). The answer is the same message; the SDK only reads it.
   */
  private async readStackReference(req: ReadRequest, callback: Callback): Promise<void> {
    const type = req.getType();
    const urn = (this as unknown as UrnMaker).newUrn(req.getParent(), type, req.getName());
    let state: Record<string, unknown>;
    try {
      const inputs = runtimeRpc.deserializeProperties(req.getProperties() as Parameters<typeof runtimeRpc.deserializeProperties>[0]) as Record<string, unknown>;
      ({ state } = await this.mocks.newResource({ type, name: req.getName(), inputs, provider: req.getProvider(), custom: true, id: req.getId() }));
    } catch (err) {
      callback(err, undefined);
      return;
    }
    const outputs = typeof state.outputs === "object" && state.outputs !== null ? state.outputs : undefined;
    const known = outputs && answeredReads.get(outputs);
    if (known && known.name === state.name) {
      this.resources.set(urn, known.kept);
      callback(null, sharedAnswer(urn, known.properties));
      return;
    }
    await super.readResource(req, (err, response) => {
      const kept = this.resources.get(urn);
      if (err || !outputs || !kept) {
        callback(err, labelledForLogs(response, "ReadResourceResponse"));
        return;
      }
      const properties = convertedOnce((response as resproto.ReadResourceResponse).getProperties()!);
      answeredReads.set(outputs, { name: state.name, kept, properties });
      callback(null, sharedAnswer(urn, properties));
    });
  }

  override registerResourceOutputs(req: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined }, callback: Callback): void {
    const record = this.recorded.get(req.getUrn());
    if (record) {
      const raw = req.getOutputs()?.toJavaScript() ?? {};
      record.outputs = redact(raw) as Record<string, unknown>;
      this.rawOutputs.set(record.urn, raw);
    }
    super.registerResourceOutputs(req, callback);
  }

  /** Registered outputs as the engine got them, secrets still marked (for stack outputs). */
  readonly rawOutputs = new Map<string, Record<string, unknown>>();

  private record(req: Request, response: { getUrn(): string; getId?(): string; getObject?(): { toJavaScript(): Record<string, unknown> } | undefined }): void {
    const urn = response.getUrn();
    const rawInputs = req.getObject()?.toJavaScript() ?? {};
    const custom = req.getCustom();
    this.recorded.set(urn, {
      urn,
      type: req.getType(),
      name: req.getName(),
      custom,
      id: custom ? (response.getId?.() || null) : null,
      parent: req.getParent() || null,
      provider: providerUrn(req.getProvider()),
      dependencies: [...new Set(req.getDependenciesList())].sort(),
      protect: req.getProtect() === true,
      importId: req.getImportid?.() || null,
      ignoreChanges: req.getIgnorechangesList?.() ?? [],
      deletedWith: req.getDeletedwith?.() || null,
      ...(req.getRetainondelete?.() ? { retainOnDelete: true } : {}),
      aliases: [
        ...(req.getAliasesList?.() ?? []).map((alias) =>
          aliasUrn(alias, { type: req.getType(), name: req.getName(), parent: req.getParent() }, (parent, type, name) => (this as unknown as UrnMaker).newUrn(parent, type, name)),
        ),
        ...(req.getAliasurnsList?.() ?? []),
      ],
      propertyDependencies: propertyDependencies(req),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      inputs: redact(rawInputs) as Record<string, unknown>,
      outputs: custom ? redactedOutputs(response.getObject?.()) : {},
      secrets: secretFingerprints(rawInputs, urn),
      values: reveal(rawInputs) as Record<string, unknown>,
    });
  }
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/**
 * The SDK formats every monitor answer into a debug line whether or not debug logging is on
 * (runtime/resource.js: `log.debug(\`RegisterResource RPC finished: ...; resp: ${innerResponse}\`)`,
 * the same for ReadResource), and a protobuf message's toString serializes the whole message:
 * for a StackReference that is the other stack's every output, for every tenant stack of an
 * environment. Synth's answers print as their kind; nothing reads the text.
 */
function labelledForLogs(response: unknown, kind: string): unknown {
  if (typeof response === "object" && response !== null) Object.defineProperty(response, "toString", { value: () => kind, enumerable: false });
  return response;
}

type Struct = { toJavaScript(): Record<string, unknown> };

/**
 * A StackReference's answer as the SDK reads it (runtime/resource.js, readResource), as its own
 * engine-less answer is built: a new ReadResourceResponse would copy the whole Struct in
 * setProperties (jspb's setWrapperField syncs every nested map), O(outputs) again.
 */
function sharedAnswer(urn: string, properties: Struct): unknown {
  const answer = { getUrn: () => urn, getId: () => "", getProperties: () => properties, getResult: () => resproto.Result.SUCCESS, getUnknown: () => false };
  return labelledForLogs(answer, "ReadResourceResponse");
}

/**
 * MockMonitor's answers to StackReference reads, by the other stack's outputs object (the one
 * synth hands every tenant stack of an environment): its resource entry and answer's properties.
 */
const answeredReads = new WeakMap<object, { name: unknown; kept: MockMonitor["resources"] extends Map<string, infer V> ? V : never; properties: Struct }>();

/**
 * A Struct converted to JavaScript once, for an answer the SDK reads again and again: the SDK
 * reads a ReadResource answer's properties only through `toJavaScript()` (runtime/rpc.js,
 * deserializeProperties), and protobuf's conversion walks every Value of every output, which for
 * the platform's outputs at 500 tenants was most of a tenant stack's cost that grew with the
 * tenants (bench/RESULTS.md, issue 26 item 9). Frozen: deserializeProperty builds new objects
 * and never writes to what it reads, and nothing else may, since every tenant stack reads it.
 */
function convertedOnce(struct: Struct): Struct {
  const converted = deepFrozen(struct.toJavaScript());
  return { toJavaScript: () => converted };
}

function deepFrozen<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFrozen(child);
    Object.freeze(value);
  }
  return value;
}

/** Recorded outputs are redacted once per answer message: a StackReference's answer is shared (serializedOnce). */
const redactedAnswers = new WeakMap<object, Record<string, unknown>>();

function redactedOutputs(struct: Struct | undefined): Record<string, unknown> {
  if (struct === undefined) return {};
  const known = redactedAnswers.get(struct);
  if (known) return known;
  const outputs = redact(struct.toJavaScript()) as Record<string, unknown>;
  redactedAnswers.set(struct, outputs);
  return outputs;
}

/** A register request's property dependencies, with empty lists left out and URNs sorted. */
function propertyDependencies(req: Request): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  req.getPropertydependenciesMap?.().forEach((value, key) => {
    const urns = [...new Set(value.getUrnsList())].sort();
    if (urns.length > 0) result[key] = urns;
  });
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface EngineOptions {
  stack: string;
  /** Pulumi project name; config keys are `<project>:<key>`. Default "gitops-platform". */
  project?: string;
  /** Config as `pulumi config` holds it: `project:key` -> string value (objects as JSON). */
  config?: Record<string, string>;
  /** Which of those keys hold secrets. */
  secretKeys?: string[];
  /**
   * Run as the first preview of a new stack (unknown outputs stay unknown, and no resource being
   * created has an ID yet) instead of an update.
   */
  preview?: boolean;
  /** Receives every recorded resource even when the program fails (to prove nothing was created). */
  registered?: RecordedResource[];
  /** The day config rules bound to the calendar judge by (stacks/clock.ts). Default: today. */
  today?: Date;
  /**
   * The outputs of this stack's previous deployment, what a StackReference to the stack itself
   * reads. Default: none (a stack never deployed; the engine then answers with no outputs).
   */
  previousOutputs?: Record<string, unknown>;
  /** The project's root as the language host passes it (where Pulumi.yaml and tenants/ are). Default: none, the program's working directory. */
  rootDirectory?: string;
  /** Other stacks' outputs, by `organization/project/stack`: what StackReferences to them read (a tenant stack's platform). */
  otherStacks?: Record<string, Record<string, unknown>>;
  /**
   * Whether the engine takes structured alias specs (every engine since CLI 3.73, the mock one
   * too). Default true; false runs as an older engine, to which the SDK sends alias URNs it
   * collapsed itself (runtime/resource.js, `prepareResource`).
   */
  aliasSpecs?: boolean;
}

export interface EngineRun {
  /** Every resource in registration order, the stack first. */
  resources: RecordedResource[];
  /** Stack outputs, secrets replaced by "[secret]". */
  outputs: Record<string, unknown>;
  /** Stack outputs with secrets still marked, for tests that check secretness. */
  rawOutputs: Record<string, unknown>;
}

const waitForRPCs = (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;

/** Frames kept of a resource's call-site capture: enough to reach the program's own call site. */
const CALLSITE_FRAMES = 12;

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;
type DebuggablePromise = (this: unknown, ...args: unknown[]) => unknown;

/**
 * `Resource.callsites`: the SDK's stack capture for a resource's source position, a
 * `new Error().stack` without depth limit, read at once.
 */
function isCallsitesCapture(error: Error, frames: readonly NodeJS.CallSite[]): boolean {
  return (
    error.message === "" &&
    frames.length > 0 &&
    frames[0].getFunctionName() === "callsites" &&
    (frames[0].getFileName() ?? "").endsWith("/@pulumi/pulumi/resource.js")
  );
}

/**
 * The promises of a resource's properties, URN and ID (runtime/rpc.js `transferProperties`,
 * runtime/resource.js `prepareResource`), by the context `debuggablePromise` is given: created
 * unresolved and settled by the SDK itself when the monitor answers the resource's registration
 * (resolveOutputs), or rejected when it fails. 82% of the promises it tracks in a synth of prod
 * (11,006 of 13,400) and, tracked, 4% of its CPU (bench/RESULTS.md, issue 28, seventh round).
 * Left untracked they lose the leak report nothing: one of them can only stay pending while the
 * registration that settles it does, and that registration (`resource:...`, `monitor.registerResource`)
 * and the program's values it awaits (`serializeProperty.await`) are still tracked, so a program
 * that leaks still fails with the SDK's report (test/engine-leaks.test.ts).
 */
export const SETTLED_BY_THE_SDK = /^(transferProperty|transferIsStable|transferIsSecret|transferDeps|resolveURN|resolveURNIsKnown|resolveID|resolveIDIsKnown)\(/;

/**
 * Runs `body` with the SDK's bookkeeping stack traces made cheap. Profiled, they were the largest
 * cost of a synth after the garbage collector (a third of the CPU time at 100 tenants, a fifth
 * at 500), and nothing that synth records depends on them:
 *
 * - `debuggablePromise` captures a stack for every promise the SDK creates (hundreds of
 *   thousands at 500 tenants); the SDK prints it only in a promise-leak report with
 *   PULUMI_DEBUG_PROMISE_LEAKS set. Unless that is set, it runs with `Error.stackTraceLimit` 0,
 *   and the SDK's placeholders (SETTLED_BY_THE_SDK) are not tracked at all.
 * - `Resource.callsites` captures the whole stack for every resource, for the source position
 *   sent to the engine (the mock monitor discards it). Under tsx (and ts-node) source maps are on
 *   and Node maps every frame it formats through them; this capture is formatted plainly instead
 *   (V8's own frame text, the first CALLSITE_FRAMES frames).
 *
 * Every other error (the program's, a failed assertion's) keeps its full, source-mapped stack.
 */
async function withCheapSdkStacks<T>(body: () => Promise<T>): Promise<T> {
  // The module's own exports object (an import namespace may be a read-only copy): the SDK's
  // modules call `debuggable_1.debuggablePromise(...)` through it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: DebuggablePromise };
  const originalPromise = sdk.debuggablePromise;
  let cheapPromise: DebuggablePromise | undefined;
  if (typeof originalPromise === "function" && !process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    cheapPromise = function (this: unknown, ...args: unknown[]) {
      if (typeof args[1] === "string" && SETTLED_BY_THE_SDK.test(args[1])) return args[0];
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        return originalPromise.apply(this, args);
      } finally {
        Error.stackTraceLimit = limit;
      }
    };
    sdk.debuggablePromise = cheapPromise;
  }
  const originalPrepare = Error.prepareStackTrace as PrepareStackTrace | undefined;
  let cheapPrepare: PrepareStackTrace | undefined;
  if (typeof originalPrepare === "function") {
    cheapPrepare = (error, frames) =>
      isCallsitesCapture(error, frames)
        ? `Error\n${frames.slice(0, CALLSITE_FRAMES).map((frame) => `    at ${String(frame)}`).join("\n")}`
        : originalPrepare(error, frames);
    Error.prepareStackTrace = cheapPrepare;
  }
  try {
    return await body();
  } finally {
    if (cheapPromise && sdk.debuggablePromise === cheapPromise) sdk.debuggablePromise = originalPromise;
    if (cheapPrepare && Error.prepareStackTrace === cheapPrepare) Error.prepareStackTrace = originalPrepare as NonNullable<typeof Error.prepareStackTrace>;
  }
}

/**
 * Runs `program` as the body of a stack, exactly as `pulumi up` would (inside a root Stack
 * resource whose outputs are the program's return value), against the mock providers.
 * Rejects with the program's own error, for example a ConfigError.
 */
export async function runProgram(program: () => unknown, options: EngineOptions): Promise<EngineRun> {
  return withConfigToday(options.today, () => withCheapSdkStacks(() => run(program, options)));
}

async function run(program: () => unknown, options: EngineOptions): Promise<EngineRun> {
  const project = options.project ?? PROJECT;
  // The organization a DIY backend (Azure Blob, local) reports, as stacks are named there.
  const organization = "organization";
  const monitor = new RecordingMonitor(
    new PlatformMocks({ stacks: { ...options.otherStacks, [`${organization}/${project}/${options.stack}`]: options.previousOutputs ?? {} } }),
    options.preview ?? false,
    options.aliasSpecs ?? true,
  );
  runtimeSettings.setMockOptions(monitor, project, options.stack, options.preview ?? false, organization);
  // The language host hands the program its project's root (`--root-directory`, where Pulumi.yaml
  // is): pulumi.runtime.getRootDirectory(). Synth's is the stack file's directory.
  ((runtimeState as unknown as { getStore(): { settings: { options: { rootDirectory?: string } } } }).getStore().settings.options).rootDirectory = options.rootDirectory;
  enableMockFeatures(options.aliasSpecs ?? true);
  pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);

  let failure: unknown;
  const onRejection = (reason: unknown) => {
    failure ??= reason;
  };
  process.on("unhandledRejection", onRejection);
  try {
    // The program's own error is caught inside the stack so that the SDK's promises settle
    // normally instead of rejecting unobserved; it is rethrown once the run has drained.
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        pulumi.runtime.registerStackTransformation((args) => {
          monitor.refusal ??= resourceAliasParent(args.type, args.name, args.opts.aliases);
          return undefined;
        });
        return (await program()) as Record<string, unknown> | undefined;
      } catch (error) {
        failure ??= error;
        return undefined;
      }
    });
  } catch (error) {
    failure ??= error;
  }
  // A failed program leaves rejected promises behind in the SDK (the stack's outputs, pending
  // registrations); let them settle while our handler still owns unhandled rejections.
  await waitForRPCs().catch((error: unknown) => (failure ??= error));
  await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onRejection);
  const resources = [...monitor.recorded.values()];
  options.registered?.push(...resources);
  failure = monitor.refusal ?? failure;
  if (failure !== undefined) throw failure;

  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  return {
    resources,
    outputs: stack?.outputs ?? {},
    rawOutputs: stack ? (monitor.rawOutputs.get(stack.urn) ?? {}) : {},
  };
}

/**
 * An alias whose parent is a Resource object rather than its URN. The SDK resolves every alias
 * as an Output (runtime/resource.js, `prepareResource`: `output(alias).promise()`), and an
 * Output's value is searched for unknowns through every object reachable from it (output.js,
 * `containsUnknowns`): from a Resource, its fields, providers, parent and whatever components
 * hold, often every resource made so far. One such alias per tenant made synth (and `pulumi up`)
 * quadratic in tenants: 26 million objects visited at 100 tenants, 60% of the CPU time. By URN
 * (`parent: resource.urn`) the alias means the same to the engine and costs nothing.
 */
export function resourceAliasParent(type: string, name: string, aliases: readonly pulumi.Input<pulumi.URN | pulumi.Alias>[] | undefined): Error | undefined {
  for (const alias of aliases ?? []) {
    if (typeof alias !== "object" || alias === null || pulumi.Output.isInstance(alias) || !("parent" in alias)) continue;
    const parent = (alias as pulumi.Alias).parent;
    if (pulumi.Resource.isInstance(parent)) {
      return new Error(
        `${type}::${name}: an alias names its parent by the Resource object; name it by URN (parent: <resource>.urn): ` +
          "the SDK searches an alias's value through every resource reachable from that object, for every resource so aliased",
      );
    }
  }
  return undefined;
}

/** What the SDK's own setMocks switches on (it does not take a custom monitor). */
function enableMockFeatures(aliasSpecs: boolean): void {
  const store = (runtimeState as unknown as { getStore(): Record<string, unknown> }).getStore();
  Object.assign(store, {
    supportsSecrets: true,
    supportsResourceReferences: true,
    supportsOutputValues: false,
    supportsDeletedWith: true,
    supportsReplaceWith: true,
    supportsAliasSpecs: aliasSpecs,
    supportsTransforms: false,
    supportsParameterization: true,
    supportsResourceHooks: true,
    supportsErrorHooks: true,
  });
}
