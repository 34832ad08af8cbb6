/**
 * Builds synth's validator bundle (synth/validator-bundle.ts): the model classes of every kind in
 * synth/validator-kinds.json, with the schemas they refer to, as one CommonJS module, and its
 * manifest. npm runs it after every install (package.json, postinstall). When it cannot build
 * (esbuild or kubernetes-models not installed, a kind without a module) it says why, removes an
 * old bundle and exits 0: synth then validates module by module, as before the bundle.
 *
 *   node --import tsx synth/bundle-validators.ts
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { BUNDLE_FILE, BUNDLED_KINDS, bundleDirectory, BundleManifest, installedVersion, kindModule, MANIFEST_FILE, modulesDirectory, splitKind } from "./validator-bundle";

/** The bundle's entry: each kind's own module, its model class exported under `apiVersion/kind`. */
export function bundleEntry(kinds: readonly string[]): string {
  const imports = kinds.map((key, i) => {
    const { apiVersion, kind } = splitKind(key);
    return `import { ${kind} as model${i} } from ${JSON.stringify(kindModule(apiVersion, kind))};`;
  });
  const entries = kinds.map((key, i) => `  ${JSON.stringify(key)}: model${i},`);
  return `${imports.join("\n")}\nexport const models = {\n${entries.join("\n")}\n};\n`;
}

/**
 * The package a bundled input belongs to, as its directory under the outer node_modules
 * (`ajv`, `@kubernetes-models/validate`, `a/node_modules/b` for a nested one); undefined for the entry.
 */
export function packageDirOf(input: string): string | undefined {
  const [, ...under] = input.split("node_modules/");
  if (under.length === 0) return undefined;
  const segments = under[under.length - 1].split("/");
  const name = segments[0].startsWith("@") ? segments.slice(0, 2).join("/") : segments[0];
  return [...under.slice(0, -1), name].join("node_modules/");
}

/** Builds the bundle of `kinds` from the packages in `modules` and writes it and its manifest into `directory`. */
export async function buildValidatorBundle(modules: string, directory = bundleDirectory(modules), kinds: readonly string[] = BUNDLED_KINDS): Promise<BundleManifest & { inputs: number; bytes: number }> {
  const { build } = await import("esbuild");
  const result = await build({
    stdin: { contents: bundleEntry(kinds), resolveDir: path.dirname(modules), sourcefile: "validator-bundle-entry.mjs", loader: "js" },
    absWorkingDir: path.dirname(modules),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node22",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const packages: Record<string, string> = {};
  for (const input of inputs) {
    const packageDir = packageDirOf(input);
    if (packageDir !== undefined && !(packageDir in packages)) {
      const version = installedVersion(modules, packageDir);
      if (version === undefined) throw new Error(`${packageDir}: no version in its package.json`);
      packages[packageDir] = version;
    }
  }
  const manifest: BundleManifest = { kinds: [...kinds], packages: Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b))) };
  const code = result.outputFiles[0].contents;
  mkdirSync(directory, { recursive: true });
  // Bundle first, manifest last, each by rename: a reader never sees a manifest without its bundle.
  writeFileSync(path.join(directory, `${BUNDLE_FILE}.${process.pid}`), code);
  renameSync(path.join(directory, `${BUNDLE_FILE}.${process.pid}`), path.join(directory, BUNDLE_FILE));
  writeFileSync(path.join(directory, `${MANIFEST_FILE}.${process.pid}`), `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(path.join(directory, `${MANIFEST_FILE}.${process.pid}`), path.join(directory, MANIFEST_FILE));
  return { ...manifest, inputs: inputs.length, bytes: code.byteLength };
}

async function main(): Promise<void> {
  const modules = modulesDirectory();
  if (modules === undefined) {
    console.log("synth: kubernetes-models is not installed; no validator bundle (synth validates module by module)");
    return;
  }
  const directory = bundleDirectory(modules);
  try {
    const built = await buildValidatorBundle(modules, directory);
    console.log(`synth: bundled the schema validators of ${built.kinds.length} kinds (${built.inputs} modules, ${(built.bytes / 1024).toFixed(0)} KiB) into ${path.join(directory, BUNDLE_FILE)}`);
  } catch (error) {
    rmSync(path.join(directory, MANIFEST_FILE), { force: true });
    rmSync(path.join(directory, BUNDLE_FILE), { force: true });
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.warn(`synth: the schema validators were not bundled (${reason}); synth validates module by module, only slower`);
  }
}

if (require.main === module) void main();
