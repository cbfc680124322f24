/**
 * Shapes selected by graphql/devices.graphql (and the retention field of CompanyFields). They
 * live next to the devices components, their only readers, so the shared api/types.ts stays as
 * it is.
 */
import type { Company } from '../../api/types';

export type CameraHealth = 'ONLINE' | 'STALE' | 'ERROR' | 'UNKNOWN';

export const CAMERA_HEALTHS: readonly CameraHealth[] = ['ONLINE', 'STALE', 'ERROR', 'UNKNOWN'];

/** `DeviceSiteFields`. */
export interface DeviceSite {
  id: string;
  databaseId: number;
  name: string;
  timezone: string;
  clipPreRollSeconds: number;
  clipPostRollSeconds: number;
}

/** `DeviceCameraFields`. */
export interface DeviceCamera {
  id: string;
  databaseId: number;
  code: string;
  name: string;
  isActive: boolean;
  health: CameraHealth;
  lastSeenAt: string | null;
  lastError: string | null;
  /** Client companies whose users may watch it live (empty: DOM staff only). */
  liveCompanies: { id: string; name: string; rutDisplay: string; isActive: boolean }[];
}

/** A camera with the site it was listed under (null: listed under none). */
export interface PlacedCamera extends DeviceCamera {
  site: { id: string; name: string } | null;
}

/** A company as `CompanyFields` selects it, retention included. */
export type CompanyWithRetention = Company & { videoRetentionDays: number | null };
