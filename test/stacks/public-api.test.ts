/** What platform teams touch: the package's exports and the example program that uses them. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { runProgram } from "../../synth/engine";
import { PROJECT_ROOT } from "../../synth/synthesize";
import { validateKubernetesObjects } from "../../synth/validate";
import { withFinders } from "../helpers";

const COMPONENTS = ["GitOpsPlatform", "AksCluster", "KeyVault", "WorkloadIdentity", "Tenant", "Flux", "GitSource", "FluxSources", "FluxNotifications", "HashiCorpVault", "Vault"];

test("the components entry point builds to JS with types, and exports every component", (t) => {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
  assert.deepEqual(pkg.exports["./components"], { types: "./bin/components/index.d.ts", default: "./bin/components/index.js" });
  // Inside the project, so the built files resolve the project's node_modules.
  const outDir = mkdtempSync(path.join(PROJECT_ROOT, ".build-test-"));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  assert.ok(existsSync(path.join(outDir, "components", "index.d.ts")), "types are emitted where exports points");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const library = require(path.join(outDir, "components", "index.js")) as Record<string, unknown>;
  for (const name of COMPONENTS) assert.equal(typeof library[name], "function", `${name} is exported`);
  assert.equal(library.parsePlatformConfig, undefined, "0.2: the config parser is the program's, not the library's");
  assert.ok(existsSync(path.join(outDir, "stacks", "schema.js")), "the config types the components use are built too");
  // The stack config is its own entry point: what GitOpsPlatform needs from outside this program.
  assert.deepEqual(pkg.exports["./stacks"], { types: "./bin/stacks/index.d.ts", default: "./bin/stacks/index.js" });
  assert.ok(existsSync(path.join(outDir, "stacks", "index.d.ts")));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stacks = require(path.join(outDir, "stacks", "index.js")) as Record<string, unknown>;
  for (const name of ["parsePlatformConfig", "platformArgs"]) assert.equal(typeof stacks[name], "function", `${name} is exported from gitops-platform/stacks`);
});

test("the example program brings its own cluster and uses only Tenant and GitSource", async () => {
  const entry = path.join(PROJECT_ROOT, "examples", "team-tenants", "index.ts");
  const run = withFinders(
    await runProgram(
      () => {
        delete require.cache[require.resolve(entry)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(entry);
      },
      {
        stack: "staging",
        project: "team-tenants",
        config: { "team-tenants:kubeconfig": "apiVersion: v1\nkind: Config\n", "team-tenants:githubOwner": "acme" },
        secretKeys: ["team-tenants:kubeconfig"],
      },
    ),
  );
  const types = new Set(run.resources.map((r) => r.type));
  assert.ok(![...types].some((t) => t.startsWith("azure-native:")), "no Azure resources: the cluster is the team's own");
  assert.deepEqual(
    run.ofType("gitops-platform:kubernetes:Tenant").map((r) => r.name),
    ["checkout", "search"],
  );
  const kustomizations = run.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
  assert.deepEqual(
    kustomizations.map((k) => [(k.values.metadata as { namespace: string }).namespace, (k.values.spec as { path: string }).path]),
    [
      ["checkout", "./clusters/staging"],
      ["search", "./clusters/staging"],
    ],
  );
  const provider = run.one("pulumi:providers:kubernetes");
  for (const r of run.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
    assert.equal(r.provider, provider.urn, `${r.name} uses the team's cluster provider`);
  }
  assert.equal(provider.inputs.kubeconfig, "[secret]");
  assert.deepEqual(await validateKubernetesObjects(run.resources), []);
  const outputs = run.outputs.tenants as { namespace: string; repository: string }[];
  assert.deepEqual(
    outputs.map((t) => [t.namespace, t.repository]),
    [
      ["checkout", "ssh://git@github.com/acme/checkout-deploy"],
      ["search", "ssh://git@github.com/acme/search-deploy"],
    ],
  );
});
