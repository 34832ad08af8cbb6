/**
 * Flagger's load tester (fluxcd/flagger cmd/loadtester), as the platform runs it in one tenant's
 * namespace: pure builders for its Deployment, Service and the network allowance; Tenant turns
 * them into objects.
 *
 * The load tester runs what a webhook's metadata says: `cmd` is a shell command (`bash -c`,
 * pkg/loadtester/task_shell.go), so whoever gets a request accepted runs commands in the tenant's
 * namespace as the load tester. Flagger calls whatever URL a Canary names, so tenant B's Canary
 * could name tenant A's load tester. Two things stop that:
 * - `-namespace-regexp`: the load tester refuses (403) a request whose payload `namespace` does
 *   not match (pkg/loadtester/authorizer.go, used by the task and gate/rollback handlers of
 *   server.go). Go's Regexp.MatchString is unanchored, so the platform passes `^<namespace>$`
 *   (without anchors `web` would also admit `web-staging` and `myweb`). Flagger fills that field
 *   with the Canary's own namespace (pkg/controller/webhook.go CallWebhook, CallEventWebhook):
 *   another tenant's Canary cannot claim it.
 * - the network: only Flagger's pods may connect (loadTesterIngressPolicy), and the namespace's
 *   blanket same-namespace allowance leaves the load tester out (tenant-policy.ts).
 * The payload is not authenticated: anything that reaches the port can claim any namespace. That
 * is why the network allowance names Flagger's pods, not Flagger's namespace or the tenant's.
 */
import type { AddonPeer, NetworkPolicySpec } from "./namespace-policy";

/** The load tester release that matches Flagger 1.44 (charts/loadtester 0.38.0, July 2026). */
export const LOADTESTER_IMAGE = "ghcr.io/fluxcd/flagger-loadtester:0.38.0";
/** Name of its Deployment, Service and ServiceAccount in the tenant namespace. */
export const LOADTESTER_NAME = "flagger-loadtester";
export const LOADTESTER_PORT = 8080;
export const LOADTESTER_POD_LABELS = { "app.kubernetes.io/name": LOADTESTER_NAME };
/** The image's user (Dockerfile.loadtester: `adduser -S app`, uid 100; the chart's securityContext default). */
const LOADTESTER_UID = 100;
const LOADTESTER_GID = 101;

/** The address a tenant's Canary webhooks name: `http://flagger-loadtester.<namespace>/`. */
export function loadTesterUrl(namespace: string): string {
  return `http://${LOADTESTER_NAME}.${namespace}/`;
}

/**
 * The `-namespace-regexp` that admits Canaries of exactly this namespace. A DNS-1123 label holds
 * no regexp metacharacter (`-` is literal outside a class), so the name needs no quoting.
 */
export function loadTesterNamespaceRegexp(namespace: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw new Error(`load tester: namespace ${JSON.stringify(namespace)} is not a DNS-1123 label`);
  return `^${namespace}$`;
}

/** The load tester's command line, as the chart's templates/deployment.yaml writes it. */
export function loadTesterCommand(namespace: string): string[] {
  return ["./loadtester", `-port=${LOADTESTER_PORT}`, "-log-level=info", "-timeout=1h", `-namespace-regexp=${loadTesterNamespaceRegexp(namespace)}`];
}

/**
 * The Deployment's pod template spec: Pod Security `restricted`, no API token (it calls no
 * Kubernetes API: its kubectl and helm tasks stay unusable), explicit requests and limits (the
 * tenant's quota counts them).
 */
export function loadTesterPodSpec(namespace: string, serviceAccountName: string, image = LOADTESTER_IMAGE) {
  const probe = { exec: { command: ["wget", "--quiet", "--tries=1", "--timeout=4", "--spider", `http://localhost:${LOADTESTER_PORT}/healthz`] }, timeoutSeconds: 5 };
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: LOADTESTER_UID, runAsGroup: LOADTESTER_GID, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      {
        name: "loadtester",
        image,
        command: loadTesterCommand(namespace),
        ports: [{ name: "http", containerPort: LOADTESTER_PORT }],
        livenessProbe: probe,
        readinessProbe: probe,
        resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        // hey and ghz write nothing; a scratch directory for commands that do.
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      },
    ],
    volumes: [{ name: "tmp", emptyDir: {} }],
  };
}

/** The Service Canary webhooks name: port 80 to the load tester's 8080, as the chart does. */
export function loadTesterServiceSpec() {
  return { selector: LOADTESTER_POD_LABELS, ports: [{ name: "http", port: 80, targetPort: LOADTESTER_PORT, protocol: "TCP" }] };
}

/** Flagger's pods may reach the load tester's port; nothing else of Flagger's namespace, no other namespace. */
export function loadTesterIngressPolicy(flagger: AddonPeer): NetworkPolicySpec {
  return {
    name: "allow-flagger-to-loadtester",
    spec: {
      podSelector: { matchLabels: LOADTESTER_POD_LABELS },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": flagger.namespace } }, podSelector: { matchLabels: flagger.podLabels } }],
          ports: [{ protocol: "TCP", port: LOADTESTER_PORT }],
        },
      ],
    },
  };
}
