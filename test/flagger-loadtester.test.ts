/**
 * Issue 22, item 4: the confused deputy. Tenant B's Canary names tenant A's load tester; Flagger
 * sends the webhook with B's namespace in the payload (flagger pkg/controller/webhook.go). The
 * platform's load tester refuses it (-namespace-regexp=^<A>$, matched as the load tester does:
 * Go's unanchored Regexp.MatchString, which JavaScript's RegExp.test mirrors for these patterns),
 * and nothing but Flagger's pods reaches it on the network (the platform's NetworkPolicies,
 * evaluated here for ingress the way the NetworkPolicy API defines it).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { flaggerController, flaggerScraper } from "../components/kubernetes/flagger";
import { LOADTESTER_NAME, LOADTESTER_PORT, loadTesterCommand, loadTesterNamespaceRegexp, loadTesterUrl } from "../components/tenant/load-tester";
import { GUARDRAIL_LABEL } from "../components/kubernetes/labels";
import { Tenant } from "../components/tenant/namespace";
import { flaggerLoadTesterOwnNamespace } from "../policy/rules/flagger";
import { CheckedResource } from "../policy/types";
import { validateKubernetesObjects } from "../synth/validate";
import { admit } from "./admission-cel";
import { teamTenantArgs } from "./admission-cel";
import { run, TestRun } from "./helpers";

const NAMESPACE = "web";

function runTenant(loadTester: boolean): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new Tenant("web", {
      ...teamTenantArgs(provider, NAMESPACE, undefined, { name: "web", environment: "prod" }),
      allowIngressFromFlux: true,
      allowIngressFromAddons: [flaggerScraper("flagger-system")],
      flaggerLoadTester: loadTester ? { flagger: flaggerController("flagger-system") } : undefined,
    });
    return {};
  });
}

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec: Record<string, unknown> };
const objects = (r: TestRun, kind: string) => r.resources.filter((x) => x.custom && x.values.kind === kind).map((x) => x.values as Obj);
let withLoadTester: Promise<TestRun> | undefined;
const rendered = () => (withLoadTester ??= runTenant(true));

/** The load tester's Authorizer: a payload's namespace against the compiled -namespace-regexp (unanchored MatchString). */
function authorizes(command: string[], payloadNamespace: string): boolean {
  const flag = command.find((arg) => arg.startsWith("-namespace-regexp="));
  const pattern = flag?.slice("-namespace-regexp=".length) ?? "";
  return pattern === "" || new RegExp(pattern).test(payloadNamespace);
}

test("the platform's load tester runs in the tenant namespace with -namespace-regexp=^<namespace>$, as the platform's objects, Pod Security restricted, no API token", async () => {
  const r = await rendered();
  const [deployment] = objects(r, "Deployment");
  type Pod = { automountServiceAccountToken: boolean; securityContext: Record<string, unknown>; containers: { image: string; command: string[]; securityContext: Record<string, unknown>; resources: { limits: Record<string, string> } }[] };
  const pod = (deployment.spec.template as { spec: Pod }).spec;
  assert.equal(deployment.metadata.namespace, NAMESPACE);
  assert.deepEqual(pod.containers[0].command, ["./loadtester", "-port=8080", "-log-level=info", "-timeout=1h", "-namespace-regexp=^web$"]);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.containers[0].securityContext.capabilities, { drop: ["ALL"] });
  assert.ok(pod.containers[0].resources.limits.cpu, "counted by the quota with explicit limits");
  for (const kind of ["Deployment", "Service", "ServiceAccount"]) {
    const [o] = objects(r, kind).filter((x) => x.metadata.name === LOADTESTER_NAME);
    assert.equal(o.metadata.labels?.[GUARDRAIL_LABEL], "true", `${kind}: the tenant cannot edit the flag away`);
  }
  assert.equal(loadTesterUrl(NAMESPACE), "http://flagger-loadtester.web/");
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
  assert.deepEqual(objects(await runTenant(false), "Deployment"), [], "no load tester unless asked for");
});

test("attack: tenant B's Canary calls tenant A's load tester; Flagger's payload carries B's namespace and the load tester refuses it", async () => {
  const [deployment] = objects(await rendered(), "Deployment");
  const command = (deployment.spec.template as { spec: { containers: { command: string[] }[] } }).spec.containers[0].command;
  assert.equal(authorizes(command, "web"), true, "web's own Canary");
  for (const other of ["team-b", "web-staging", "myweb", "web2", "", "xweb"]) assert.equal(authorizes(command, other), false, other);
  // Why the anchors: an unanchored pattern admits every namespace that contains the name.
  assert.equal(authorizes(["-namespace-regexp=web"], "web-staging"), true);
  assert.equal(authorizes(["./loadtester"], "team-b"), true, "without the flag it serves everyone");
  assert.throws(() => loadTesterNamespaceRegexp("a.*"), /DNS-1123/);
  assert.deepEqual(loadTesterCommand("team-b").at(-1), "-namespace-regexp=^team-b$");
});

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type Peer = { namespaceSelector?: Selector; podSelector?: Selector };
type PolicySpec = { podSelector: Selector; policyTypes: string[]; ingress?: { from?: Peer[]; ports?: { port: number }[] }[] };

function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === "In") return e.values!.includes(labels[e.key]);
    if (e.operator === "NotIn") return !(e.key in labels) || !e.values!.includes(labels[e.key]);
    if (e.operator === "Exists") return e.key in labels;
    if (e.operator === "DoesNotExist") return !(e.key in labels);
    throw new Error(`operator ${e.operator}`);
  });
  return byLabel && byExpression;
}

interface Pod {
  namespace: string;
  labels: Record<string, string>;
}

/**
 * NetworkPolicy ingress (networking.k8s.io/v1): a pod selected by no ingress policy admits all;
 * otherwise a connection needs one rule of one selecting policy whose peer matches the source
 * (a peer without namespaceSelector means the policy's own namespace) and whose ports hold the port.
 */
function ingressAllowed(policies: PolicySpec[], policyNamespace: string, destination: Pod, source: Pod, port: number): boolean {
  const selecting = policies.filter((p) => p.policyTypes.includes("Ingress") && selects(p.podSelector, destination.labels));
  if (selecting.length === 0) return true;
  const nsLabels = { "kubernetes.io/metadata.name": source.namespace };
  return selecting.some((p) =>
    (p.ingress ?? []).some(
      (rule) =>
        (!rule.ports || rule.ports.some((x) => x.port === port)) &&
        (!rule.from ||
          rule.from.some((peer) => (peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels) : source.namespace === policyNamespace) && selects(peer.podSelector, source.labels))),
    ),
  );
}

test("attack: pods other than Flagger's connect to the load tester (the tenant's own, another tenant's, Flagger's Prometheus, Flux); refused by the platform's policies", async () => {
  const policies = objects(await rendered(), "NetworkPolicy").map((p) => p.spec as unknown as PolicySpec);
  const loadTester: Pod = { namespace: NAMESPACE, labels: { "app.kubernetes.io/name": LOADTESTER_NAME } };
  const app: Pod = { namespace: NAMESPACE, labels: { app: "checkout" } };
  const flagger: Pod = { namespace: "flagger-system", labels: flaggerController("flagger-system").podLabels };
  const prometheus: Pod = { namespace: "flagger-system", labels: flaggerScraper("flagger-system").podLabels };
  const others: [string, Pod][] = [
    ["the tenant's own application", app],
    ["another tenant's pod", { namespace: "team-b", labels: { app: "attacker" } }],
    ["another tenant's pod wearing Flagger's labels", { namespace: "team-b", labels: flagger.labels }],
    ["Flagger's Prometheus", prometheus],
    ["another pod in Flagger's namespace", { namespace: "flagger-system", labels: { app: "debug" } }],
    ["Flux", { namespace: "flux-system", labels: { app: "helm-controller" } }],
  ];
  assert.equal(ingressAllowed(policies, NAMESPACE, loadTester, flagger, LOADTESTER_PORT), true, "Flagger reaches it");
  assert.equal(ingressAllowed(policies, NAMESPACE, loadTester, flagger, 9090), false, "on its port only");
  for (const [who, source] of others) assert.equal(ingressAllowed(policies, NAMESPACE, loadTester, source, LOADTESTER_PORT), false, who);
  // The tenant's applications keep what they had: their own namespace and the scraper reach them, Flagger does not.
  assert.equal(ingressAllowed(policies, NAMESPACE, app, app, 8080), true);
  assert.equal(ingressAllowed(policies, NAMESPACE, app, prometheus, 9797), true);
  assert.equal(ingressAllowed(policies, NAMESPACE, app, flagger, 8080), false);
});

test("the load tester's objects pass the tenant's admission policies as the platform creates them", async () => {
  const r = await rendered();
  const workloads = objects(r, "ValidatingAdmissionPolicy").find((p) => p.metadata.name === `tenant-workloads-${NAMESPACE}`)!;
  const [service] = objects(r, "Service");
  const verdict = await admit(workloads.spec as never, { operation: "CREATE", resource: { group: "", version: "v1", resource: "services" }, object: service, groups: ["platform-admins"] });
  assert.deepEqual(verdict, { allowed: true, matched: true });
});

test("flagger-loadtester-own-namespace refuses a load tester Deployment without the anchored flag; the platform's passes", async () => {
  const [deployment] = r2c((await rendered()).resources.filter((x) => x.values.kind === "Deployment"));
  assert.deepEqual(flaggerLoadTesterOwnNamespace.check([deployment], {} as never), []);
  const containers = (deployment.props.spec as { template: { spec: { containers: { command: string[]; args?: string[] }[] } } }).template.spec.containers;
  for (const command of [["./loadtester", "-port=8080"], ["./loadtester", "-namespace-regexp=web"], ["./loadtester", "-namespace-regexp=^team-b$"]]) {
    const changed = structuredClone(deployment);
    (changed.props.spec as typeof deployment.props.spec & { template: { spec: { containers: { command: string[] }[] } } }).template.spec.containers[0].command = command;
    const findings = flaggerLoadTesterOwnNamespace.check([changed], {} as never);
    assert.equal(findings.length, 1, JSON.stringify(command));
    assert.match(findings[0].message, /does not run with -namespace-regexp=\^web\$/);
  }
  assert.equal(containers.length, 1);
});

/** Recorded resources as the policies see them. */
function r2c(resources: TestRun["resources"]): CheckedResource[] {
  return resources.map((x) => ({ urn: x.urn, name: x.name, type: x.type, props: x.values }) as unknown as CheckedResource);
}
