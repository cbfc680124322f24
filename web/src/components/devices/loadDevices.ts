/**
 * Reads what the devices page shows: the sites, every camera, and each site's cameras (`Camera`
 * has no site field, so `cameras(siteId:)` is asked once per site, in parallel) to place them.
 */
import { gql } from '../../api';
import { deviceOps } from './api';
import type { DeviceSite, PlacedCamera } from './types';
import { placeCameras } from './videoSettings';

export interface Devices {
  sites: DeviceSite[];
  cameras: PlacedCamera[];
}

export async function loadDevices(): Promise<Devices> {
  const [{ sites }, { cameras }] = await Promise.all([
    gql.request(deviceOps.sites, {}),
    gql.request(deviceOps.cameras, {}),
  ]);
  const bySite = await Promise.all(
    sites.map(async (site) => ({ site, cameras: (await gql.request(deviceOps.cameras, { siteId: site.id })).cameras })),
  );
  const byName = [...sites].sort((a, b) => a.name.localeCompare(b.name));
  return { sites: byName, cameras: placeCameras(cameras, bySite) };
}
