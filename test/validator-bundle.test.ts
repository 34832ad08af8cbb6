/**
 * Synth's bundle of the schema validators (synth/validator-bundle.ts, built at install by
 * synth/bundle-validators.ts): npm ci builds it fresh, validation loads the listed kinds from it
 * and from no kubernetes-models module, its classes judge objects as the packages' own modules
 * do, and a bundle built from other kinds or versions is not used.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { packageDirOf } from "../synth/bundle-validators";
import { PROJECT_ROOT } from "../synth/synthesize";
import { importModel } from "../synth/validate";
import { BUNDLE_FILE, BUNDLED_KINDS, bundleDirectory, loadBundledModels, MANIFEST_FILE, ModelClass, modulesDirectory, splitKind, staleness } from "../synth/validator-bundle";

test("npm ci builds a fresh bundle of every listed kind (postinstall)", () => {
  const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.postinstall ?? "", /node --import tsx synth\/bundle-validators\.ts/);
  const modules = modulesDirectory();
  assert.equal(modules, path.join(PROJECT_ROOT, "node_modules"));
  assert.equal(staleness(modules!), undefined, "the bundle npm ci built is fresh");
  const models = loadBundledModels();
  assert.deepEqual([...models!.keys()].sort(), [...BUNDLED_KINDS].sort());
  for (const [key, Model] of models!) assert.equal(typeof Model, "function", `${key} is a model class`);
});

test("validating every listed kind loads no kubernetes-models module: they come from the bundle", () => {
  // A fresh process, so that no earlier test has loaded a kind's module; the hook sees every
  // resolution, by require and import alike.
  const probe = `
    const { registerHooks } = require("node:module");
    const loaded = new Set();
    registerHooks({ resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      if (/\\/node_modules\\/(@kubernetes-models|kubernetes-models)\\//.test(resolved.url)) loaded.add(resolved.url);
      return resolved;
    } });
    const { validateKubernetesObjects } = require("./synth/validate");
    const kinds = ${JSON.stringify(BUNDLED_KINDS)};
    const resources = kinds.map((key, i) => {
      const slash = key.lastIndexOf("/");
      const values = { apiVersion: key.slice(0, slash), kind: key.slice(slash + 1), metadata: { name: "o" + i } };
      return { urn: "urn:" + i, type: "kubernetes:x:" + values.kind, name: "o" + i, custom: true, values };
    });
    validateKubernetesObjects(resources).then(() => console.log(JSON.stringify({ loaded: loaded.size })));
  `;
  const out = execFileSync(process.execPath, ["--import", "tsx", "-e", probe], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out.trim().split("\n").pop()!), { loaded: 0 });
});

test("the bundle is compiled without the loader's .js handler, which would lex its 1.3 MB for dynamic imports", () => {
  // In a process under tsx, like synth: tsx's handler for .js and .cjs files scans each one that
  // contains "import" with es-module-lexer; the bundle is generated CommonJS and needs none of it.
  const probe = `
    const handler = require.extensions[".js"];
    let calls = 0;
    require.extensions[".js"] = function (module, filename) {
      if (filename.endsWith(${JSON.stringify(BUNDLE_FILE)})) calls++;
      return handler.call(this, module, filename);
    };
    const { loadBundledModels } = require("./synth/validator-bundle");
    const kinds = loadBundledModels().size;
    console.log(JSON.stringify({ calls, kinds }));
  `;
  const out = execFileSync(process.execPath, ["--import", "tsx", "-e", probe], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out.trim().split("\n").pop()!), { calls: 0, kinds: BUNDLED_KINDS.length });
});

/** What validating `object` with `Model` says: the failing fields, or "valid". */
function verdict(Model: ModelClass, object: Record<string, unknown>): string {
  try {
    new Model(structuredClone(object)).validate();
    return "valid";
  } catch (error) {
    const details = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    return details ? details.map((d) => `${d.instancePath} ${d.message}`).join("; ") : String(error);
  }
}

test("the bundle's classes judge valid and broken objects of every kind as the packages' own modules do", async () => {
  const bundled = loadBundledModels()!;
  for (const key of BUNDLED_KINDS) {
    const { apiVersion, kind } = splitKind(key);
    const own = await importModel(apiVersion, kind);
    assert.ok(own, `${key} has a module of its own`);
    const objects = [
      { apiVersion, kind, metadata: { name: "ok", namespace: "team-a" } },
      { apiVersion, kind, metadata: { name: 42, labels: { a: 1 } }, spec: "not an object", data: 7, rules: "none" },
      { apiVersion, kind, metadata: { name: "x" }, spec: { interval: 5, url: false, replicas: "three", podSelector: [] } },
    ];
    for (const object of objects) assert.equal(verdict(bundled.get(key)!, object), verdict(own, object), `${key}: ${JSON.stringify(object)}`);
  }
});

/** A node_modules with kubernetes-models at `version` and a bundle of `kinds` built against `built`. */
function fakeInstall(version: string, built: string, kinds: readonly string[]): string {
  const modules = path.join(mkdtempSync(path.join(tmpdir(), "validator-bundle-")), "node_modules");
  mkdirSync(path.join(modules, "kubernetes-models"), { recursive: true });
  writeFileSync(path.join(modules, "kubernetes-models", "package.json"), JSON.stringify({ name: "kubernetes-models", version }));
  const directory = bundleDirectory(modules);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, BUNDLE_FILE), `exports.models = { "v1/Secret": class Fake { validate() {} } };`);
  writeFileSync(path.join(directory, MANIFEST_FILE), JSON.stringify({ kinds, packages: { "kubernetes-models": built } }));
  return modules;
}

test("a bundle is used only for the kinds and package versions it was built from", () => {
  const kinds = ["v1/Secret"];
  const fresh = fakeInstall("5.1.0", "5.1.0", kinds);
  assert.equal(staleness(fresh, bundleDirectory(fresh), kinds), undefined);
  assert.equal(staleness(fakeInstall("5.2.0", "5.1.0", kinds), undefined, kinds), "built with kubernetes-models 5.1.0, 5.2.0 is installed");
  assert.equal(staleness(fresh, bundleDirectory(fresh), ["v1/Secret", "v1/Service"]), "built for other kinds");
  assert.equal(staleness(fresh, path.join(fresh, "elsewhere"), kinds), "not built");
  // The project's kind list differs from the fake's: not used, so validation falls back to imports.
  assert.equal(loadBundledModels(fresh), undefined);
  assert.equal(loadBundledModels(fakeInstall("5.2.0", "5.1.0", BUNDLED_KINDS)), undefined);
  assert.deepEqual([...loadBundledModels(fakeInstall("5.1.0", "5.1.0", BUNDLED_KINDS))!.keys()], ["v1/Secret"]);
});

test("each bundled input is recorded under its package's directory, nested ones whole", () => {
  assert.equal(packageDirOf("node_modules/ajv/dist/runtime/equal.js"), "ajv");
  assert.equal(packageDirOf("node_modules/@kubernetes-models/validate/dist/index.js"), "@kubernetes-models/validate");
  assert.equal(packageDirOf("node_modules/a/node_modules/@b/c/lib/x.js"), "a/node_modules/@b/c");
  assert.equal(packageDirOf("validator-bundle-entry.mjs"), undefined);
});
