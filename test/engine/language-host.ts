/**
 * Test infrastructure: runs the program the way the Pulumi CLI's Node language host
 * (pulumi-language-nodejs) does, through the SDK's own run entry point
 * (`@pulumi/pulumi/cmd/run`) in a plain `node` process, so that index.ts is loaded by the SDK's
 * TypeScript loader (ts-node with the project's tsconfig), not by tsx as synth and the other tests
 * load it.
 *
 * What the language host does, and this file repeats (pulumi/pulumi
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go, execNodejs and constructArguments):
 * - reads Pulumi.yaml `runtime.options`: `typescript` sets PULUMI_NODEJS_TYPESCRIPT=true,
 *   `tsconfig` sets PULUMI_NODEJS_TSCONFIG_PATH, `nodeargs` is split and put before the run path;
 * - passes the config as PULUMI_CONFIG (JSON, keys in the `<namespace>:config:<name>` form) and
 *   PULUMI_CONFIG_SECRET_KEYS;
 * - starts `node [nodeargs] <run path> --monitor A --engine A --organization O --project P
 *   --stack S --pwd <program dir> [--dry-run] --query-mode false --parallel N <entry point>`.
 *
 * The engine's side (the resource monitor and the engine service) is served here over gRPC on
 * 127.0.0.1 by synth's RecordingMonitor and PlatformMocks: the same answers synth gives, so the
 * two loading paths can be compared resource by resource. This is not the real engine (see
 * docs/engine-tests.md): it proves the loading path, not the engine's own checks.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { parse } from "yaml";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { PROJECT, RecordingMonitor } from "../../synth/engine";
import { PlatformMocks } from "../../synth/mocks";
import { readStackFile } from "../../synth/stack-file";
import type { RecordedResource } from "../../policy/recorded";

export const PROJECT_ROOT = path.resolve(__dirname, "../..");
/** The organization a DIY backend reports, as synth names stacks. */
const ORGANIZATION = "organization";

// The SDK's own gRPC and generated protocol modules, resolved from the SDK so that the messages
// the server answers with are the classes the SDK's service definitions serialize.
const sdkRequire = createRequire(require.resolve("@pulumi/pulumi"));
/* eslint-disable @typescript-eslint/no-explicit-any */
const grpc = sdkRequire("@grpc/grpc-js") as any;
const resourceGrpc = sdkRequire("./proto/resource_grpc_pb") as any;
const engineGrpc = sdkRequire("./proto/engine_grpc_pb") as any;
const engineProto = sdkRequire("./proto/engine_pb") as any;
const resourceProto = sdkRequire("./proto/resource_pb") as any;
const { Struct } = sdkRequire("google-protobuf/google/protobuf/struct_pb") as any;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Pulumi.yaml `runtime.options` of the Node runtime, as the language host reads them. */
export interface NodeRuntimeOptions {
  typescript: boolean;
  tsconfig?: string;
  nodeargs?: string;
}

export function projectRuntimeOptions(projectFile = path.join(PROJECT_ROOT, "Pulumi.yaml")): NodeRuntimeOptions {
  const project = parse(readFileSync(projectFile, "utf8")) as { runtime?: string | { name?: string; options?: Record<string, unknown> } };
  const runtime = typeof project.runtime === "string" ? { name: project.runtime } : (project.runtime ?? {});
  if (runtime.name !== "nodejs") throw new Error(`${projectFile}: runtime.name is ${String(runtime.name)}, not nodejs`);
  const options = runtime.options ?? {};
  return {
    // The language host's default for `typescript` is true.
    typescript: options.typescript === undefined ? true : options.typescript === true,
    tsconfig: typeof options.tsconfig === "string" ? options.tsconfig : undefined,
    nodeargs: typeof options.nodeargs === "string" ? options.nodeargs : undefined,
  };
}

/** PULUMI_CONFIG as the language host writes it: `<namespace>:config:<name>` keys (constructConfig). */
export function languageHostConfig(config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => {
      const at = key.indexOf(":");
      return [`${key.slice(0, at)}:config:${key.slice(at + 1)}`, value];
    }),
  );
}

export interface LanguageHostRun {
  /** The node process's exit code. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the program logged through the engine service (errors, warnings), in order. */
  logs: { severity: number; message: string }[];
  resources: RecordedResource[];
  /** The root stack resource's registered outputs, secrets redacted as synth redacts them. */
  outputs: Record<string, unknown>;
}

export interface LanguageHostOptions {
  stack: string;
  /** Preview (`--dry-run`) rather than update. Default false. */
  dryRun?: boolean;
  /** Pulumi.yaml runtime options; default: the project's own. */
  runtime?: NodeRuntimeOptions;
  /** The program directory (`--pwd`); default: the project root. */
  programDirectory?: string;
  /** What a StackReference to the stack itself reads (the previous deployment). Default: none. */
  previousOutputs?: Record<string, unknown>;
  /** The stack config file; default: `Pulumi.<stack>.yaml` in the program directory. */
  configFile?: string;
  timeoutMs?: number;
}

/** Wraps a MockMonitor answer in the response class gRPC serializes (the mock answers plain objects for a few). */
function asResponse(responseType: new () => unknown, method: string, response: unknown): unknown {
  if (response instanceof responseType) return response;
  if (method === "readResource") return asReadResponse(response as SharedRead);
  const message = new responseType() as { setHassupport?(value: boolean): void };
  if (method === "supportsFeature") message.setHassupport!((response as { getHassupport(): boolean }).getHassupport());
  return message;
}

/** A StackReference answer synth shares between reads in one process (synth/engine.ts, sharedAnswer). */
interface SharedRead {
  getUrn(): string;
  getProperties(): { toJavaScript(): Record<string, unknown> };
}

/** A shared StackReference answer as the message the wire carries: the same URN and properties. */
function asReadResponse(answer: SharedRead): unknown {
  const message = new resourceProto.ReadResourceResponse();
  message.setUrn(answer.getUrn());
  message.setProperties(Struct.fromJavaScript(answer.getProperties().toJavaScript()));
  return message;
}

interface Served {
  address: string;
  monitor: RecordingMonitor;
  logs: { severity: number; message: string }[];
  close(): Promise<void>;
}

async function serveEngine(stack: string, preview: boolean, previousOutputs: Record<string, unknown>): Promise<Served> {
  const monitor = new RecordingMonitor(new PlatformMocks({ stacks: { [`${ORGANIZATION}/${PROJECT}/${stack}`]: previousOutputs } }), preview);
  // The monitor makes URNs and PlatformMocks seeds from this process's stack and project.
  runtimeSettings.setMockOptions(monitor, PROJECT, stack, preview, ORGANIZATION);
  const server = new grpc.Server();
  const monitorHandlers: Record<string, unknown> = {};
  for (const [method, definition] of Object.entries(resourceGrpc.ResourceMonitorService as Record<string, { responseType: new () => unknown }>)) {
    monitorHandlers[method] = (call: { request: unknown }, callback: (err: unknown, response?: unknown) => void) => {
      const implementation = (monitor as unknown as Record<string, unknown>)[method];
      if (typeof implementation !== "function") {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not served by the test monitor` });
        return;
      }
      (implementation as (req: unknown, cb: (err: unknown, response?: unknown) => void) => void).call(monitor, call.request, (err, response) =>
        err ? callback({ code: grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) }) : callback(null, asResponse(definition.responseType, method, response)),
      );
    };
  }
  server.addService(resourceGrpc.ResourceMonitorService, monitorHandlers);
  const logs: { severity: number; message: string }[] = [];
  let root = "";
  const empty = (engineGrpc.EngineService.log as { responseType: new () => unknown }).responseType;
  server.addService(engineGrpc.EngineService, {
    log: (call: { request: { getSeverity(): number; getMessage(): string } }, callback: (err: unknown, response?: unknown) => void) => {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
      callback(null, new empty());
    },
    getRootResource: (_call: unknown, callback: (err: unknown, response?: unknown) => void) => {
      const response = new engineProto.GetRootResourceResponse();
      response.setUrn(root);
      callback(null, response);
    },
    setRootResource: (call: { request: { getUrn(): string } }, callback: (err: unknown, response?: unknown) => void) => {
      root = call.request.getUrn();
      callback(null, new engineProto.SetRootResourceResponse());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, bound: number) => (err ? reject(err) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    monitor,
    logs,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** The `node` arguments the language host builds (constructArguments), nodeargs first. */
export function languageHostArguments(options: { runtime: NodeRuntimeOptions; address: string; stack: string; programDirectory: string; dryRun: boolean }): string[] {
  const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [options.programDirectory] });
  const nodeargs = (options.runtime.nodeargs ?? "").split(/\s+/).filter(Boolean);
  return [
    ...nodeargs,
    runPath,
    "--monitor", options.address,
    "--engine", options.address,
    "--organization", ORGANIZATION,
    "--project", PROJECT,
    "--stack", options.stack,
    "--pwd", options.programDirectory,
    // The project's root (where Pulumi.yaml is): the real host passes it, and without it the SDK's
    // getRootDirectory() answers the placeholder "rootDirectory" (runtime/state.js), so the
    // program would find no tenants/ beside it.
    "--root-directory", options.programDirectory,
    ...(options.dryRun ? ["--dry-run"] : []),
    "--query-mode", "false",
    "--parallel", "16",
    // Pulumi.yaml names no `main`: the engine passes "." (the program directory).
    ".",
  ];
}

/** Runs the stack's program through the SDK's run entry point, as `pulumi preview`/`up` would start it. */
export async function runLikeLanguageHost(options: LanguageHostOptions): Promise<LanguageHostRun> {
  const programDirectory = options.programDirectory ?? PROJECT_ROOT;
  const runtime = options.runtime ?? projectRuntimeOptions(path.join(programDirectory, "Pulumi.yaml"));
  const { config, secretKeys } = readStackFile(options.configFile ?? path.join(programDirectory, `Pulumi.${options.stack}.yaml`));
  const served = await serveEngine(options.stack, options.dryRun ?? false, options.previousOutputs ?? {});
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_CONFIG: JSON.stringify(languageHostConfig(config)), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
    // The test runner's own loader (tsx) must not leak into the child: the language host starts a plain node.
    delete env.NODE_OPTIONS;
    delete env.PULUMI_NODEJS_TYPESCRIPT;
    delete env.PULUMI_NODEJS_TSCONFIG_PATH;
    if (runtime.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (runtime.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = runtime.tsconfig;
    const args = languageHostArguments({ runtime, address: served.address, stack: options.stack, programDirectory, dryRun: options.dryRun ?? false });
    const child = spawn(process.execPath, args, { cwd: programDirectory, env, stdio: ["ignore", "pipe", "pipe"], timeout: options.timeoutMs ?? 240_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    const resources = [...served.monitor.recorded.values()];
    const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    return { code, stdout, stderr, logs: served.logs, resources, outputs: stack?.outputs ?? {} };
  } finally {
    await served.close();
  }
}

/** Severity of an engine log message (pulumirpc.LogSeverity). */
export const LOG_SEVERITY_ERROR = (engineProto.LogSeverity as { ERROR: number }).ERROR;
