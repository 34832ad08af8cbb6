/** IPv4 parsing lives with the components that need it (KeyVault firewall rules); the config rules use it too. */
export * from "../components/azure/cidr";
