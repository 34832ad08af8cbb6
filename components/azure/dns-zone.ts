/** Azure DNS zones by ARM id: `<group>` (1), `dnszones` or `privateDnsZones` (2), the zone's name (3). */
export const DNS_ZONE_ID_PATTERN = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/(dnszones|privateDnsZones)\/([^/]+)$/i;
