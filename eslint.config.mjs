// ESLint flat config: typescript-eslint's recommended rules plus the Pulumi plugin, which catches
// Outputs used in template literals (they render as a warning string, not the value).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

// The layers (docs/DESIGN.md, "Layers"): config -> stacks/ -> components/; synth/ and policy/
// judge from outside; the programs (index.ts, tenants/) wire stacks/ and components/. Nothing
// imports back: each layer's list names what it never imports. test/import-direction.test.ts
// runs these rules on an import of each kind and on the tree.
const outside = (...dirs) => dirs.flatMap((dir) => [`**/${dir}`, `**/${dir}/**`]);
const NEVER = {
  components: outside("stacks", "synth", "policy", "tenants"),
  stacks: outside("synth", "policy", "tenants"),
  policy: outside("synth", "tenants"),
};
const restrict = (patterns) => ({ "@typescript-eslint/no-restricted-imports": ["error", { patterns }] });

export default tseslint.config(
  { ignores: ["node_modules/**", "bin/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      ...Object.fromEntries(Object.keys(pulumi.rules).map((rule) => [`@pulumi/${rule}`, "error"])),
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  // Dependencies run one way (issue 16): the component library stands on its own; the program's
  // config (stacks/), the synth engine (synth/) and the policy pack (policy/) build on it.
  {
    // GitOpsPlatform included: it takes component Args only (stacks/component-args.ts maps config to them).
    files: ["components/**/*.ts"],
    rules: {
      ...restrict([{ group: NEVER.components, message: "components/ never imports stacks/, synth/, policy/ or tenants/: take what you need as Args." }]),
    },
  },
  {
    files: ["policy/**/*.ts"],
    rules: {
      ...restrict([{ group: NEVER.policy, message: "policy/ never imports synth/ or tenants/: the types both need live in policy/ (recorded.ts)." }]),
    },
  },
  {
    files: ["stacks/**/*.ts"],
    rules: {
      ...restrict([{ group: NEVER.stacks, message: "stacks/ never imports synth/, policy/ or tenants/: what both need lives in components/ (e.g. components/kubernetes/api-limits.ts)." }]),
    },
  },
  {
    // The config's shape (config-shape.ts) and its cross-field rules (rules.ts) do not know each
    // other's wiring: schema.ts imports both, neither imports schema.ts, the shape not the rules.
    files: ["stacks/rules.ts", "stacks/config-shape.ts"],
    rules: {
      // A later block's rule replaces an earlier one's for the same file: keep stacks/'s list too.
      ...restrict([
        { group: NEVER.stacks, message: "stacks/ never imports synth/, policy/ or tenants/." },
        { group: ["./schema", "./rules"], message: "schema.ts wires shape and rules together; import the shape from ./config-shape." },
      ]),
    },
  },
);
