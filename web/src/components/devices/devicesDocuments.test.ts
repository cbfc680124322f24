import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { es } from '../../i18n/es';
import { deviceOps, devicesRegistry } from './api';
import { CAMERA_HEALTHS } from './types';

const root = resolve(__dirname, '../../../..');
const schema = buildSchema(readFileSync(resolve(root, 'schema/schema.graphql'), 'utf8'));

describe('devices operations', () => {
  it('are valid standalone documents against the backend schema', () => {
    const names = Object.values(deviceOps).map((op) => op.name);
    expect(names.sort()).toEqual([
      'DeviceCameras',
      'DeviceSites',
      'SetCameraLiveCompanies',
      'SetCompanyVideoRetention',
      'SetSiteClipWindow',
    ]);
    for (const name of names) {
      const errors = validate(schema, parse(devicesRegistry.document(name)));
      expect(errors.map((e) => `${name}: ${e.message}`)).toEqual([]);
    }
  });

  it('read the retention with every company (detail page and the mutation answer alike)', () => {
    expect(deviceOps.setCompanyVideoRetention.document).toMatch(/fragment CompanyFields on Company \{[^}]*videoRetentionDays/);
    expect(deviceOps.setCompanyVideoRetention.document).toContain('fragment ErrorFields on Error');
  });

  it('know every camera health the schema has', () => {
    const health = schema.getType('CameraHealth');
    const values = health && 'getValues' in health ? health.getValues().map((v) => v.name) : [];
    expect([...values].sort()).toEqual([...CAMERA_HEALTHS].sort());
  });
});

describe('devices strings', () => {
  it('translates every devices and retention string into English', () => {
    const keys = Object.keys(es).filter(
      (k) => k.startsWith('devices.') || k.startsWith('companies.retention.') || k === 'nav.devices',
    ) as (keyof typeof es)[];
    expect(keys.length).toBeGreaterThan(50);
    for (const key of keys) expect(en[key], key).toBeTruthy();
    expect(keys.filter((k) => en[k] === es[k])).toEqual([]);
  });

  it('has a text for each camera health', () => {
    for (const health of CAMERA_HEALTHS) {
      expect(es[`devices.health.${health}`]).toBeTruthy();
      expect(en[`devices.health.${health}`]).toBeTruthy();
    }
  });
});
