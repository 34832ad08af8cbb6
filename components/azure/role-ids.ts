/** Built-in Azure role definitions by name: plain data, for components and policies alike. */

/** Built-in role definition GUIDs (learn.microsoft.com, "Azure built-in roles"). */
export const BUILT_IN_ROLES = {
  "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
  "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
  "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
  "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
  "Azure Kubernetes Service RBAC Reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
  "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
  // The application routing add-on's external-dns writes host records (learn.microsoft.com,
  // "Azure built-in roles for Networking").
  "DNS Zone Contributor": "befefa01-2a29-4197-83a8-272ff33ce314",
  "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  // Data-plane roles for tenants' identities, kubelets and pushers (fluxcd website,
  // integrations/azure.md, "Authorization"; learn.microsoft.com, "Azure built-in roles for
  // Containers": AcrPull (registries/pull/read), AcrPush (pull/read and push/write); "for Storage":
  // Storage Blob Data Reader).
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;
