/**
 * The schema validators of the kinds the project's components register (synth/validator-kinds.json),
 * as one CommonJS module: synth/bundle-validators.ts builds it with esbuild at install (npm's
 * postinstall) into `node_modules/.cache/gitops-platform/`, beside a manifest of what it was built from.
 *
 * kubernetes-models ship every schema as ajv's standalone code in an ES module of its own, and a
 * kind's module imports the modules of every schema it refers to: prod's kinds load 254 modules,
 * which was 0.2-0.3 s of CPU in a synth under tsx; the bundle loads in about 0.01 s (bench/RESULTS.md,
 * issue 28, seventh and eighth rounds). The bundle holds the same packages' code, so an object passes or fails
 * the same way either way (test/validator-bundle.test.ts).
 *
 * It is used only while fresh: built for this kind list and for the versions of every package it
 * was built from that are installed now. Otherwise (never built, `npm ci --ignore-scripts`, a
 * package changed since) synth/validate.ts imports each kind's module, as without a bundle.
 */
import { existsSync, readFileSync } from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import kindsFile from "./validator-kinds.json";

export interface Model {
  validate(): void;
}
export type ModelClass = new (data: Record<string, unknown>) => Model;

/** `apiVersion/kind` of every kind in the bundle. */
export const BUNDLED_KINDS: readonly string[] = kindsFile.kinds;

export const BUNDLE_FILE = "kubernetes-validators.cjs";
export const MANIFEST_FILE = "kubernetes-validators.json";

/** What a bundle was built from: its kinds, and each package's version by its directory under node_modules. */
export interface BundleManifest {
  kinds: string[];
  packages: Record<string, string>;
}

/** The module that exports a kind's model class: the kind's own module under its apiVersion's. */
export function kindModule(apiVersion: string, kind: string): string {
  return `${apiVersionModule(apiVersion)}/${kind}`;
}

/** The module of an apiVersion's group (its index exports every kind of the group). */
export function apiVersionModule(apiVersion: string): string {
  return apiVersion.includes(".fluxcd.io/") ? `@kubernetes-models/flux-cd/${apiVersion}` : `kubernetes-models/${apiVersion}`;
}

/** `apiVersion/kind` split at its last slash (core kinds have no group: `v1/Secret`). */
export function splitKind(key: string): { apiVersion: string; kind: string } {
  const slash = key.lastIndexOf("/");
  return { apiVersion: key.slice(0, slash), kind: key.slice(slash + 1) };
}

/** The node_modules directory kubernetes-models resolves from here, which holds the bundle. */
export function modulesDirectory(): string | undefined {
  return (require.resolve.paths("kubernetes-models") ?? []).find((dir) => existsSync(path.join(dir, "kubernetes-models", "package.json")));
}

export function bundleDirectory(modules: string): string {
  return path.join(modules, ".cache", "gitops-platform");
}

/** The version of the package installed at `packageDir` under `modules`, if any. */
export function installedVersion(modules: string, packageDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(modules, packageDir, "package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Why the bundle in `directory` cannot be used (it is missing, or was built from other kinds or versions), or undefined when it can. */
export function staleness(modules: string, directory = bundleDirectory(modules), kinds: readonly string[] = BUNDLED_KINDS): string | undefined {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(directory, MANIFEST_FILE), "utf8")) as BundleManifest;
  } catch {
    return "not built";
  }
  if (!existsSync(path.join(directory, BUNDLE_FILE))) return "not built";
  if (JSON.stringify(manifest.kinds) !== JSON.stringify(kinds)) return "built for other kinds";
  for (const [packageDir, version] of Object.entries(manifest.packages ?? {})) {
    const installed = installedVersion(modules, packageDir);
    if (installed !== version) return `built with ${packageDir} ${version}, ${installed ?? "none"} is installed`;
  }
  return undefined;
}

/** The bundle's model classes by `apiVersion/kind`, or undefined when there is no fresh bundle. */
export function loadBundledModels(modules = modulesDirectory(), directory = modules && bundleDirectory(modules)): ReadonlyMap<string, ModelClass> | undefined {
  if (modules === undefined || directory === undefined || staleness(modules, directory) !== undefined) return undefined;
  const { models } = compileCommonJs(path.join(directory, BUNDLE_FILE)) as { models: Record<string, ModelClass> };
  return new Map(Object.entries(models));
}

/** A CommonJS module loader's own part: compiling a module's source with its require. */
interface CompilableModule {
  filename: string;
  paths: string[];
  exports: unknown;
  _compile(source: string, filename: string): void;
}

/**
 * Evaluates a CommonJS file as `require` would (Node's compile cache included), without the `.js`
 * extension handler that a loader such as tsx installs. tsx's handler reads every `.cjs` file that
 * contains the text "import" with es-module-lexer to find dynamic imports to rewrite
 * (`transformDynamicImport` in tsx's dist/register): esbuild's CommonJS helpers (`__toESM`,
 * `import_*` names) make the bundle such a file, and lexing its 1.3 MB took 20-30 ms of the
 * 30-40 ms its load cost under tsx (bench/RESULTS.md, issue 28, eighth round). The bundle is
 * CommonJS that synth/bundle-validators.ts generated, so there is nothing for a loader to do.
 */
function compileCommonJs(file: string): unknown {
  const compiled = new Module(file) as unknown as CompilableModule;
  compiled.filename = file;
  compiled.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  compiled._compile(readFileSync(file, "utf8"), file);
  return compiled.exports;
}
