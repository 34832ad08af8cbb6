/**
 * The mock providers: for each resource type, the outputs the real provider would return, and
 * answers to the invokes the program makes. Values are realistic in form (ARM ids, OIDC issuer
 * URLs, client ids, kubeconfigs) and deterministic, so downstream code sees what it would in Azure.
 */
import * as pulumi from "@pulumi/pulumi";
import { stringify as toYaml } from "yaml";
import { holdsSecret } from "./redact";
import { autoName, fakeCertificatePem, fakeGuid, fakeKeyPair, fakeRandomString, GITHUB_SSH_HOST_KEYS, hashHex } from "./fake-values";

/** The identity the mocks pretend is running Pulumi. */
export const MOCK_CLIENT = {
  subscriptionId: "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b",
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  objectId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
};

type State = Record<string, unknown>;
type Inputs = Record<string, unknown>;

interface ArmShape {
  /** The input that names the resource when given; otherwise Pulumi auto-names it. */
  nameInput?: string;
  /** ARM id below the resource group, from the resource's name and inputs. */
  path?: (name: string, inputs: Inputs) => string;
  /** Extra outputs the service computes. */
  outputs?: (name: string, inputs: Inputs, seed: string) => State;
}

const subscription = `/subscriptions/${MOCK_CLIENT.subscriptionId}`;
const group = (inputs: Inputs) => `${subscription}/resourceGroups/${String(inputs.resourceGroupName)}`;

const ARM: Record<string, ArmShape> = {
  "azure-native:resources:ResourceGroup": { nameInput: "resourceGroupName" },
  "azure-native:containerservice:ManagedCluster": {
    nameInput: "resourceName",
    path: (name) => `/providers/Microsoft.ContainerService/managedClusters/${name}`,
    outputs: managedClusterOutputs,
  },
  "azure-native:containerservice:AgentPool": {
    nameInput: "agentPoolName",
    path: (name, i) => `/providers/Microsoft.ContainerService/managedClusters/${String(i.resourceName)}/agentPools/${name}`,
  },
  "azure-native:containerservice:MaintenanceConfiguration": {
    nameInput: "configName",
    path: (name, i) => `/providers/Microsoft.ContainerService/managedClusters/${String(i.resourceName)}/maintenanceConfigurations/${name}`,
  },
  "azure-native:managedidentity:UserAssignedIdentity": {
    nameInput: "resourceName",
    path: (name) => `/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
    outputs: (_name, _inputs, seed) => ({
      clientId: fakeGuid(`${seed}#client`),
      principalId: fakeGuid(`${seed}#principal`),
      tenantId: MOCK_CLIENT.tenantId,
    }),
  },
  "azure-native:managedidentity:FederatedIdentityCredential": {
    nameInput: "federatedIdentityCredentialResourceName",
    path: (name, i) => `/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${String(i.resourceName)}/federatedIdentityCredentials/${name}`,
  },
  "azure-native:keyvault:Vault": {
    nameInput: "vaultName",
    path: (name) => `/providers/Microsoft.KeyVault/vaults/${name}`,
    outputs: (name, inputs) => ({
      properties: { ...(inputs.properties as object), vaultUri: `https://${name}.vault.azure.net/` },
    }),
  },
  "azure-native:keyvault:Key": {
    nameInput: "keyName",
    path: (name, i) => `/providers/Microsoft.KeyVault/vaults/${String(i.vaultName)}/keys/${name}`,
    outputs: (name, inputs, seed) => {
      const keyUri = `https://${String(inputs.vaultName)}.vault.azure.net/keys/${name}`;
      return { keyUri, keyUriWithVersion: `${keyUri}/${hashHex(seed, 32)}` };
    },
  },
  "azure-native:keyvault:Secret": {
    nameInput: "secretName",
    path: (name, i) => `/providers/Microsoft.KeyVault/vaults/${String(i.vaultName)}/secrets/${name}`,
  },
  "azure-native:network:VirtualNetwork": {
    nameInput: "virtualNetworkName",
    path: (name) => `/providers/Microsoft.Network/virtualNetworks/${name}`,
    outputs: (name, inputs) => ({
      subnets: ((inputs.subnets ?? []) as { name: string }[]).map((subnet) => ({
        ...subnet,
        id: `${group(inputs)}/providers/Microsoft.Network/virtualNetworks/${name}/subnets/${subnet.name}`,
      })),
    }),
  },
  "azure-native:containerregistry:Registry": {
    nameInput: "registryName",
    path: (name) => `/providers/Microsoft.ContainerRegistry/registries/${name}`,
    // ACR answers with the login server (always lower case) and its defaults for unset settings.
    outputs: (name, inputs) => ({
      loginServer: `${name.toLowerCase()}.azurecr.io`,
      adminUserEnabled: inputs.adminUserEnabled ?? false,
      anonymousPullEnabled: inputs.anonymousPullEnabled ?? false,
      provisioningState: "Succeeded",
    }),
  },
  // ARM names a role definition by its GUID (the roleDefinitionId input); its id is under its scope (armState).
  "azure-native:authorization:RoleDefinition": { nameInput: "roleDefinitionId" },
  "azure-native:kubernetesconfiguration:Extension": {
    nameInput: "extensionName",
    path: (name, i) =>
      `/providers/Microsoft.ContainerService/managedClusters/${String(i.clusterName)}/providers/Microsoft.KubernetesConfiguration/extensions/${name}`,
    outputs: (_name, _inputs, seed) => ({ aksAssignedIdentity: { principalId: fakeGuid(`${seed}#principal`) } }),
  },
  "azure-native:kubernetesconfiguration:FluxConfiguration": {
    nameInput: "fluxConfigurationName",
    path: (name, i) =>
      `/providers/Microsoft.ContainerService/managedClusters/${String(i.clusterName)}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/${name}`,
  },
};

function managedClusterOutputs(name: string, inputs: Inputs, seed: string): State {
  const location = String(inputs.location ?? "westeurope");
  const dnsPrefix = String(inputs.dnsPrefix ?? name);
  const fqdn = `${dnsPrefix}-${hashHex(seed, 8)}.hcp.${location}.azmk8s.io`;
  const nodeResourceGroup = `MC_${String(inputs.resourceGroupName)}_${name}_${location}`;
  const kubeletName = `${name}-agentpool`;
  const addons = (inputs.addonProfiles ?? {}) as Record<string, object>;
  const apiServer = (inputs.apiServerAccessProfile ?? {}) as { enablePrivateCluster?: boolean };
  return {
    fqdn,
    ...(apiServer.enablePrivateCluster ? { privateFQDN: `${dnsPrefix}-${hashHex(seed, 8)}.privatelink.${location}.azmk8s.io` } : {}),
    nodeResourceGroup,
    provisioningState: "Succeeded",
    currentKubernetesVersion: inputs.kubernetesVersion,
    oidcIssuerProfile: {
      ...(inputs.oidcIssuerProfile as object),
      issuerURL: `https://${location}.oic.prod-aks.azure.com/${MOCK_CLIENT.tenantId}/${fakeGuid(`${seed}#oidc`)}/`,
    },
    identityProfile: {
      kubeletidentity: {
        clientId: fakeGuid(`${seed}#kubelet-client`),
        objectId: fakeGuid(`${seed}#kubelet-object`),
        resourceId: `${subscription}/resourceGroups/${nodeResourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${kubeletName}`,
      },
    },
    // AKS fills in the application routing add-on's identity (ingressProfile.webAppRouting.identity).
    ...(inputs.ingressProfile ? { ingressProfile: withAppRoutingIdentity(inputs.ingressProfile as { webAppRouting?: object }, seed, nodeResourceGroup, name) } : {}),
    addonProfiles: Object.fromEntries(
      Object.entries(addons).map(([key, profile]) => [
        key,
        { ...profile, identity: { clientId: fakeGuid(`${seed}#${key}-client`), objectId: fakeGuid(`${seed}#${key}-object`) } },
      ]),
    ),
  };
}

function withAppRoutingIdentity(profile: { webAppRouting?: object }, seed: string, nodeResourceGroup: string, cluster: string): object {
  if (!profile.webAppRouting) return profile;
  const identity = {
    clientId: fakeGuid(`${seed}#webapprouting-client`),
    objectId: fakeGuid(`${seed}#webapprouting-object`),
    resourceId: `${subscription}/resourceGroups/${nodeResourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/webapprouting-${cluster}`,
  };
  return { ...profile, webAppRouting: { ...profile.webAppRouting, identity } };
}

function armState(type: string, name: string, inputs: Inputs, seed: string): { id: string; state: State } {
  const shape = ARM[type] ?? {};
  const given = shape.nameInput ? inputs[shape.nameInput] : undefined;
  const physical = typeof given === "string" ? given : autoName(name, seed, "");
  const state: State = { ...inputs, name: physical, ...shape.outputs?.(physical, inputs, seed) };
  if (shape.nameInput) state[shape.nameInput] = physical;
  if (type === "azure-native:resources:ResourceGroup") {
    return { id: `${subscription}/resourceGroups/${physical}`, state };
  }
  if (type === "azure-native:authorization:RoleAssignment") {
    const assignment = typeof inputs.roleAssignmentName === "string" ? inputs.roleAssignmentName : fakeGuid(seed);
    return {
      id: `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${assignment}`,
      state: { ...state, name: assignment, roleAssignmentName: assignment },
    };
  }
  // Extension resources: their id is under the resource they apply to.
  if (type === "azure-native:authorization:ManagementLockByScope") {
    return { id: `${String(inputs.scope)}/providers/Microsoft.Authorization/locks/${String(inputs.lockName ?? physical)}`, state };
  }
  if (type === "azure-native:monitor:DiagnosticSetting") {
    return { id: `${String(inputs.resourceUri)}/providers/Microsoft.Insights/diagnosticSettings/${String(inputs.name ?? physical)}`, state };
  }
  if (type === "azure-native:authorization:RoleDefinition") {
    return { id: `${String(inputs.scope)}/providers/Microsoft.Authorization/roleDefinitions/${physical}`, state };
  }
  const path = shape.path?.(physical, inputs) ?? `/providers/${type.split(":")[1]}/${type.split(":")[2]}/${physical}`;
  return { id: `${group(inputs)}${path}`, state };
}

function kubernetesState(type: string, name: string, inputs: Inputs, seed: string): { id: string; state: State } {
  if (type === "kubernetes:helm.sh/v3:Release") {
    const release = typeof inputs.name === "string" ? inputs.name : autoName(name, seed);
    const namespace = String(inputs.namespace ?? "default");
    return {
      id: `${namespace}/${release}`,
      state: { ...inputs, name: release, status: { name: release, namespace, status: "deployed", revision: 1, chart: inputs.chart, version: inputs.version } },
    };
  }
  const metadata = { ...((inputs.metadata ?? {}) as Record<string, unknown>) };
  if (typeof metadata.name !== "string") metadata.name = autoName(name, seed);
  metadata.uid = fakeGuid(`${seed}#uid`);
  const id = typeof metadata.namespace === "string" ? `${metadata.namespace}/${String(metadata.name)}` : String(metadata.name);
  return { id, state: { ...inputs, metadata } };
}

function tlsState(type: string, inputs: Inputs, seed: string): State {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, ...fakeKeyPair(seed, String(inputs.algorithm ?? "RSA")) };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return {
        ...inputs,
        certPem: fakeCertificatePem(seed, inputs.subject ?? inputs.certRequestPem),
        validityStartTime: "2026-01-01T00:00:00Z",
        validityEndTime: "2027-01-01T00:00:00Z",
        readyForRenewal: false,
      };
    case "tls:index/certRequest:CertRequest":
      return { ...inputs, certRequestPem: fakeCertificatePem(seed, { csr: inputs.subject, dnsNames: inputs.dnsNames }) };
    default:
      return inputs;
  }
}

function randomState(type: string, inputs: Inputs, seed: string): State {
  switch (type) {
    case "random:index/randomString:RandomString":
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: fakeRandomString(seed, inputs) };
    case "random:index/randomId:RandomId": {
      const hex = hashHex(seed, 2 * Number(inputs.byteLength ?? 8));
      const bytes = Buffer.from(hex, "hex");
      return { ...inputs, hex, b64Url: bytes.toString("base64url"), b64Std: bytes.toString("base64"), dec: BigInt(`0x${hex}`).toString() };
    }
    case "random:index/randomUuid:RandomUuid":
      return { ...inputs, result: fakeGuid(seed) };
    default:
      return inputs;
  }
}

function githubState(type: string, name: string, inputs: Inputs, seed: string): State {
  if (type === "github:index/repository:Repository") {
    const repo = String(inputs.name ?? name);
    const owner = "mock-owner";
    return {
      ...inputs,
      name: repo,
      fullName: `${owner}/${repo}`,
      sshCloneUrl: `git@github.com:${owner}/${repo}.git`,
      htmlUrl: `https://github.com/${owner}/${repo}`,
      nodeId: `R_${hashHex(seed, 12)}`,
      repoId: parseInt(hashHex(seed, 7), 16),
      defaultBranch: "main",
    };
  }
  return { ...inputs, etag: `W/"${hashHex(seed, 16)}"` };
}

export interface PlatformMocksOptions {
  /**
   * Stacks the backend knows, `organization/project/stack` -> their outputs: what a StackReference
   * reads. A reference to any other stack fails, as the engine's does ("unknown stack").
   */
  stacks?: Record<string, Record<string, unknown>>;
}

export class PlatformMocks implements pulumi.runtime.Mocks {
  constructor(private readonly options: PlatformMocksOptions = {}) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
    const seed = `${pulumi.getStack()}::${args.type}::${args.name}`;
    const inputs = args.inputs as Inputs;
    const [pkg] = args.type.split(":");
    if (args.type.startsWith("pulumi:providers:")) return { id: fakeGuid(seed), state: inputs };
    if (args.type === "pulumi:pulumi:StackReference") return this.stackReference(String(inputs.name));
    switch (pkg) {
      case "azure-native": {
        const arm = armState(args.type, args.name, inputs, seed);
        // An imported resource (the `import` option) keeps the ID it was imported by: azure-native's
        // Read answers with the ID it was asked for (provider/pkg/provider/provider.go, Read).
        return args.id ? { ...arm, id: args.id } : arm;
      }
      case "kubernetes":
        return kubernetesState(args.type, args.name, inputs, seed);
      case "tls":
        return { id: hashHex(seed, 40), state: tlsState(args.type, inputs, seed) };
      case "random":
        return { id: hashHex(seed, 16), state: randomState(args.type, inputs, seed) };
      case "github":
        return { id: `${String(inputs.repository ?? inputs.name ?? args.name)}:${hashHex(seed, 8)}`, state: githubState(args.type, args.name, inputs, seed) };
      case "time":
        // pulumiverse/time's Sleep is identified by its durations (its import id form "create,destroy").
        return { id: `${String(inputs.createDuration ?? "")},${String(inputs.destroyDuration ?? "")}`, state: inputs };
      default:
        return { id: `${args.name}-id`, state: inputs };
    }
  }

  /**
   * What the engine's builtin provider reads for a StackReference (pkg/resource/deploy/builtins.go,
   * readStackReference): the outputs, and the names of those that hold a secret, sorted. The SDK
   * decides by these whether getOutput and getOutputDetails give a secret.
   */
  private stackReference(name: string): { id: string; state: State } {
    const outputs = this.options.stacks?.[name];
    if (outputs === undefined) throw new Error(`unknown stack "${name}"`);
    return { id: name, state: { name, outputs, secretOutputNames: secretOutputNames(outputs) } };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as Inputs;
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return { ...MOCK_CLIENT };
      case "azure-native:containerservice:listManagedClusterUserCredentials":
        return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(mockUserKubeconfig(inputs)).toString("base64") }] };
      case "github:index/getSshKeys:getSshKeys":
        return { id: "github-ssh-keys", keys: [...GITHUB_SSH_HOST_KEYS] };
      default:
        throw new Error(`synth mocks: no answer for invoke ${args.token}; add one in synth/mocks.ts`);
    }
  }
}

/**
 * The user kubeconfig AKS returns for an Entra ID cluster. With format "exec" it calls kubelogin,
 * with `--login devicecode` as AKS writes it; the AksCluster component converts the login mode.
 */
function mockUserKubeconfig(inputs: Inputs): string {
  const cluster = String(inputs.resourceName);
  const server = `https://${cluster}-${hashHex(cluster, 8)}.hcp.westeurope.azmk8s.io:443`;
  const user = `clusterUser_${String(inputs.resourceGroupName)}_${cluster}`;
  return toYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster, cluster: { "certificate-authority-data": Buffer.from(`mock-ca-${cluster}`).toString("base64"), server } }],
    contexts: [{ name: cluster, context: { cluster, user } }],
    "current-context": cluster,
    users: [
      {
        name: user,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "kubelogin",
            args: ["get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
              "--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", MOCK_CLIENT.tenantId, "--login", "devicecode"],
            env: null,
            provideClusterInfo: false,
          },
        },
      },
    ],
  });
}

/**
 * The stack outputs that hold a secret anywhere in them, sorted, as the engine lists them. Once per
 * outputs object: every tenant stack of an environment reads the one platform stack's.
 */
export function secretOutputNames(outputs: Record<string, unknown>): string[] {
  let names = secretOutputNamesOf.get(outputs);
  if (names === undefined) {
    names = Object.keys(outputs).filter((key) => holdsSecret(outputs[key])).sort();
    secretOutputNamesOf.set(outputs, names);
  }
  return [...names];
}

const secretOutputNamesOf = new WeakMap<object, readonly string[]>();
