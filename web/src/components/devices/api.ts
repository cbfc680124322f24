/**
 * Typed handles for graphql/devices.graphql and the company retention mutation (in
 * graphql/companies.graphql). Like the export and video screens, these keep their own small
 * registry so the app-wide operations table does not have to know about them.
 */
import companies from '../../../graphql/companies.graphql?raw';
import devices from '../../../graphql/devices.graphql?raw';
import fragments from '../../../graphql/fragments.graphql?raw';
import type { Operation } from '../../api/client';
import { DocumentRegistry } from '../../api/documents';
import type { ErrorMember } from '../../api/types';
import type { CompanyWithRetention, DeviceCamera, DeviceSite } from './types';

export const devicesRegistry = new DocumentRegistry({
  'fragments.graphql': fragments,
  'companies.graphql': companies,
  'devices.graphql': devices,
});

function op<TData, TVars>(name: string): Operation<TData, TVars> {
  return { name, document: devicesRegistry.document(name) };
}

export type SiteResult = { __typename: 'SiteSuccess'; site: DeviceSite } | ErrorMember;
export type CameraResult = { __typename: 'CameraSuccess'; camera: DeviceCamera } | ErrorMember;
export type CompanyResult = { __typename: 'CompanySuccess'; company: CompanyWithRetention } | ErrorMember;

export const deviceOps = {
  sites: op<{ sites: DeviceSite[] }, Record<string, never>>('DeviceSites'),
  cameras: op<{ cameras: DeviceCamera[] }, { siteId?: string | null }>('DeviceCameras'),
  setSiteClipWindow: op<
    { setSiteClipWindow: SiteResult },
    { siteId: string; preRollSeconds: number; postRollSeconds: number }
  >('SetSiteClipWindow'),
  setCameraLiveCompanies: op<
    { setCameraLiveCompanies: CameraResult },
    { cameraId: string; companyIds: string[] }
  >('SetCameraLiveCompanies'),
  setCompanyVideoRetention: op<
    { setCompanyVideoRetention: CompanyResult },
    { companyId: string; days: number | null }
  >('SetCompanyVideoRetention'),
};
