/**
 * Attack tests for the tenant workload policy's network half (issue 22, items 7 and 9), its CEL
 * evaluated for real (test/admission-cel.ts) on the spec a rendered Tenant carries: a tenant opens
 * the instance metadata address with a NetworkPolicy of its own, publishes a Service through a
 * load balancer or node port, or claims other addresses with externalIPs; and the quota caps
 * claims, storage, load balancers and node ports.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { Tenant, TenantArgs } from "../components/tenant/namespace";
import { cidrHoldsMetadataAddress, INSTANCE_METADATA_ADDRESS, ipv4Number, networkPolicies } from "../components/tenant/namespace-policy";
import { admit, AdmissionRequest, PolicySpec, teamTenantArgs } from "./admission-cel";
import { run, TestRun } from "./helpers";

const NAMESPACE = "team-a-dev";
const ADMIN_GROUP = "0b7e8c3a-1f2d-4e5a-9b6c-7d8e9f0a1b2c";
const TENANT_ADMIN = ["system:authenticated", ADMIN_GROUP];
const TENANT_RECONCILER = ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`, "system:authenticated"];
const NETWORK_POLICIES = { group: "networking.k8s.io", version: "v1", resource: "networkpolicies" };
const SERVICES = { group: "", version: "v1", resource: "services" };

type Obj = { kind: string; metadata: { name: string }; spec?: unknown; [k: string]: unknown };

function runTenant(overrides: Partial<TenantArgs> = {}): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new Tenant("team-a", {
      ...teamTenantArgs(provider, NAMESPACE, ADMIN_GROUP),
      ...overrides,
    });
    return {};
  });
}

const objects = (r: TestRun, kind: string) => r.resources.filter((x) => x.custom && x.values.kind === kind).map((x) => x.values as Obj);

function workloadPolicy(r: TestRun): PolicySpec {
  const found = objects(r, "ValidatingAdmissionPolicy").filter((o) => o.metadata.name === `tenant-workloads-${NAMESPACE}`);
  assert.equal(found.length, 1);
  return found[0].spec as PolicySpec;
}

let defaultTenant: Promise<TestRun> | undefined;
const rendered = () => (defaultTenant ??= runTenant());

function egressPolicy(name: string, egress: unknown[]) {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: NAMESPACE }, spec: { podSelector: {}, policyTypes: ["Egress"], egress } };
}

async function verdicts(policy: PolicySpec, resource: AdmissionRequest["resource"], object: unknown) {
  const results = [];
  for (const groups of [TENANT_ADMIN, TENANT_RECONCILER]) {
    for (const operation of ["CREATE", "UPDATE"] as const) results.push(await admit(policy, { operation, resource, object, oldObject: object, groups }));
  }
  return results;
}

async function assertRefused(policy: PolicySpec, resource: AdmissionRequest["resource"], object: unknown, message: RegExp, what: string) {
  for (const verdict of await verdicts(policy, resource, object)) {
    assert.equal(verdict.allowed, false, what);
    if (!verdict.allowed) assert.match(verdict.message, message, `${what}: refused by the validation, not by an error`);
  }
}

async function assertAdmitted(policy: PolicySpec, resource: AdmissionRequest["resource"], object: unknown, what: string) {
  for (const verdict of await verdicts(policy, resource, object)) assert.deepEqual(verdict, { allowed: true, matched: true }, what);
}

test("the CEL block test agrees with plain arithmetic on which IPv4 blocks hold 169.254.169.254", async () => {
  const { run: cel } = await import("@bufbuild/cel");
  const { strings } = await import("@bufbuild/cel/ext");
  const holdsInTs = (cidr: string) => {
    const [address, prefix] = cidr.split("/");
    const size = 2 ** (32 - Number(prefix));
    return Math.floor(ipv4Number(address) / size) === Math.floor(ipv4Number(INSTANCE_METADATA_ADDRESS) / size);
  };
  const blocks = ["0.0.0.0/0", "128.0.0.0/1", "0.0.0.0/1", "160.0.0.0/4", "169.254.0.0/16", "169.254.169.254/32", "169.254.169.255/32", "169.254.169.0/24", "169.254.168.0/24", "169.255.0.0/16", "10.0.0.0/8", "192.168.0.0/16", "169.254.169.252/30", "169.254.169.248/30", "255.255.255.255/32"];
  for (const cidr of blocks) {
    const result = cel(cidrHoldsMetadataAddress("c"), { c: cidr } as never, { funcs: strings });
    assert.equal(result, holdsInTs(cidr), cidr);
  }
  for (const ipv6 of ["::/0", "fd00::/8", "::ffff:0:0/96"]) assert.equal(cel(cidrHoldsMetadataAddress("c"), { c: ipv6 } as never, { funcs: strings }), false, ipv6);
});

test("attack: a tenant NetworkPolicy allows all egress (a rule without 'to', or with an empty 'to'); refused for its admins and its reconciler", async () => {
  const policy = workloadPolicy(await rendered());
  await assertRefused(policy, NETWORK_POLICIES, egressPolicy("allow-all", [{}]), /without 'to' allows every destination/, "egress: [{}]");
  await assertRefused(policy, NETWORK_POLICIES, egressPolicy("all-on-80", [{ ports: [{ protocol: "TCP", port: 80 }] }]), /without 'to'/, "every destination on port 80 (IMDS's port)");
  await assertRefused(policy, NETWORK_POLICIES, egressPolicy("empty-to", [{ to: [] }]), /without 'to'/, "to: []");
  await assertRefused(policy, NETWORK_POLICIES, egressPolicy("second-rule", [{ to: [{ podSelector: {} }] }, {}]), /without 'to'/, "an allow-all rule after a narrow one");
});

test("attack: a tenant NetworkPolicy's ipBlock holds the metadata address (0.0.0.0/0, 169.254.0.0/16, the /32 itself) without an except for it; refused", async () => {
  const policy = workloadPolicy(await rendered());
  const block = (cidr: string, except?: string[]) => egressPolicy("internet", [{ to: [{ ipBlock: { cidr, ...(except ? { except } : {}) } }] }]);
  for (const [cidr, except] of [
    ["0.0.0.0/0", undefined],
    ["0.0.0.0/0", []],
    ["0.0.0.0/0", ["10.0.0.0/8", "169.254.169.255/32"]],
    ["169.254.0.0/16", undefined],
    ["169.254.0.0/16", ["169.254.170.0/24"]],
    ["169.254.169.254/32", undefined],
    ["128.0.0.0/1", ["192.168.0.0/16"]],
  ] as [string, string[] | undefined][]) {
    await assertRefused(policy, NETWORK_POLICIES, block(cidr, except), /holds the instance metadata address/, `${cidr} except ${JSON.stringify(except)}`);
  }
  // A second peer in the same rule does not hide the first.
  const mixed = egressPolicy("mixed", [{ to: [{ ipBlock: { cidr: "10.1.0.0/16" } }, { ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
  await assertRefused(policy, NETWORK_POLICIES, mixed, /holds the instance metadata address/, "0.0.0.0/0 beside a private block");
});

test("tenant NetworkPolicies that leave the metadata address out pass: the internet with except, private blocks, selectors, IPv6, ingress-only", async () => {
  const policy = workloadPolicy(await rendered());
  const passing: [string, unknown][] = [
    ["0.0.0.0/0 except the /32", egressPolicy("internet", [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [`${INSTANCE_METADATA_ADDRESS}/32`] } }], ports: [{ protocol: "TCP", port: 443 }] }])],
    ["0.0.0.0/0 except link-local", egressPolicy("internet", [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.0.0/16"] } }] }])],
    ["169.254.0.0/16 except the /32", egressPolicy("link-local", [{ to: [{ ipBlock: { cidr: "169.254.0.0/16", except: ["169.254.169.254/32"] } }] }])],
    ["a database subnet", egressPolicy("db", [{ to: [{ ipBlock: { cidr: "10.20.0.0/24" } }], ports: [{ protocol: "TCP", port: 5432 }] }])],
    ["a neighbour address", egressPolicy("near", [{ to: [{ ipBlock: { cidr: "169.254.169.253/32" } }] }])],
    ["another namespace's pods", egressPolicy("api", [{ to: [{ namespaceSelector: { matchLabels: { team: "b" } }, podSelector: { matchLabels: { app: "api" } } }] }])],
    ["IPv6 everywhere", egressPolicy("v6", [{ to: [{ ipBlock: { cidr: "::/0" } }] }])],
    ["deny all egress", egressPolicy("deny", [])],
    ["ingress only", { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "in", namespace: NAMESPACE }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] } }],
  ];
  for (const [what, object] of passing) await assertAdmitted(policy, NETWORK_POLICIES, object, what);
});

test("the platform's own NetworkPolicies pass the metadata check, restricted or open egress; open egress still closes the metadata address", async () => {
  const policy = workloadPolicy(await rendered());
  for (const restrictEgress of [true, false]) {
    const specs = networkPolicies({ restrictEgress, allowIngressFromNamespace: "flux-system", vaultEgress: { namespace: "vault", podLabels: { app: "vault" }, port: 8200 } });
    for (const { name, spec } of specs) {
      await assertAdmitted(policy, NETWORK_POLICIES, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: NAMESPACE }, spec }, `${name} (restrictEgress ${restrictEgress})`);
    }
  }
  // With open egress there is an egress policy, so pods are not left unselected (which would allow IMDS).
  const open = objects(await runTenant({ restrictEgress: false }), "NetworkPolicy").find((p) => p.metadata.name === "allow-egress-except-metadata");
  assert.deepEqual(open?.spec, {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [{ to: [{ namespaceSelector: {} }] }, { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }, { ipBlock: { cidr: "::/0" } }] }],
  });
});

function service(name: string, spec: Record<string, unknown>) {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: NAMESPACE }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

test("attack: a tenant publishes a Service as LoadBalancer or NodePort, or takes over addresses with externalIPs (also by update); refused by default", async () => {
  const policy = workloadPolicy(await rendered());
  await assertRefused(policy, SERVICES, service("public", { type: "LoadBalancer" }), /type LoadBalancer are not allowed/, "LoadBalancer");
  await assertRefused(policy, SERVICES, service("node", { type: "NodePort" }), /type NodePort are not allowed/, "NodePort");
  await assertRefused(policy, SERVICES, service("mitm", { externalIPs: ["10.0.0.10"] }), /externalIPs are not allowed/, "externalIPs on a ClusterIP Service");
  await assertRefused(policy, SERVICES, service("mitm-lb", { type: "LoadBalancer", externalIPs: ["8.8.8.8"] }), /not allowed/, "both");
  for (const spec of [{}, { type: "ClusterIP" }, { clusterIP: "None" }, { type: "ClusterIP", externalIPs: [] }]) {
    await assertAdmitted(policy, SERVICES, service("internal", spec), JSON.stringify(spec));
  }
});

test("tenants[].services opts a tenant into exactly the forms it names; the quota follows", async () => {
  const lb = await runTenant({ services: { loadBalancer: true } });
  const policy = workloadPolicy(lb);
  await assertAdmitted(policy, SERVICES, service("public", { type: "LoadBalancer" }), "LoadBalancer, opted in");
  await assertRefused(policy, SERVICES, service("node", { type: "NodePort" }), /NodePort/, "NodePort stays refused");
  await assertRefused(policy, SERVICES, service("mitm", { externalIPs: ["10.0.0.10"] }), /externalIPs/, "externalIPs stay refused");
  const hard = (r: TestRun) => (objects(r, "ResourceQuota")[0].spec as { hard: Record<string, string> }).hard;
  // A LoadBalancer Service allocates node ports too: with load balancers allowed, node ports are not capped at 0.
  assert.equal(hard(lb)["services.loadbalancers"], undefined);
  assert.equal(hard(lb)["services.nodeports"], undefined);

  const all = await runTenant({ services: { loadBalancer: true, nodePort: true, externalIPs: true } });
  const open = workloadPolicy(all);
  await assertAdmitted(open, SERVICES, service("everything", { type: "NodePort", externalIPs: ["10.0.0.10"] }), "all opted in");
  const nodePortOnly = hard(await runTenant({ services: { nodePort: true } }));
  assert.equal(nodePortOnly["services.loadbalancers"], "0");
  assert.equal(nodePortOnly["services.nodeports"], undefined);
});

test("the tenant quota caps claims, their storage, load balancers and node ports by default", async () => {
  const [quota] = objects(await rendered(), "ResourceQuota");
  assert.deepEqual((quota.spec as { hard: Record<string, string> }).hard, {
    "requests.cpu": "4",
    "requests.memory": "8Gi",
    "limits.cpu": "4",
    "limits.memory": "8Gi",
    pods: "50",
    persistentvolumeclaims: "10",
    "requests.storage": "100Gi",
    "services.loadbalancers": "0",
    "services.nodeports": "0",
  });
  const [sized] = objects(await runTenant({ quota: { cpu: "2", memory: "4Gi", pods: 20, persistentVolumeClaims: 3, storage: "30Gi" } }), "ResourceQuota");
  const hard = (sized.spec as { hard: Record<string, string> }).hard;
  assert.equal(hard.persistentvolumeclaims, "3");
  assert.equal(hard["requests.storage"], "30Gi");
});
