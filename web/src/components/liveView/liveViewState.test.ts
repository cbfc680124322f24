import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { es } from '../../i18n/es';
import { liveViewOps, liveViewRegistry } from './api';
import {
  EDGE_MARGIN_SECONDS,
  EMPTY_WALL,
  MAX_LAG_SECONDS,
  assignSlot,
  catchUpTime,
  gridColumns,
  keepKnown,
  parseWall,
  resizeSlots,
  shouldStream,
} from './liveViewState';

describe('layouts and slots', () => {
  it('lays 1 tile alone and 2 or 4 tiles in two columns', () => {
    expect(gridColumns(1)).toBe(1);
    expect(gridColumns(2)).toBe(2);
    expect(gridColumns(4)).toBe(2);
  });

  it('pads and cuts the slots to the layout', () => {
    expect(resizeSlots(['a'], 4)).toEqual(['a', null, null, null]);
    expect(resizeSlots(['a', 'b', 'c', 'd'], 2)).toEqual(['a', 'b']);
    expect(resizeSlots([], 1)).toEqual([null]);
  });

  it('assigns one slot without touching the others', () => {
    expect(assignSlot(['a', 'b'], 1, 'c')).toEqual(['a', 'c']);
    expect(assignSlot(['a', 'b'], 0, null)).toEqual([null, 'b']);
  });

  it('forgets cameras that are no longer offered', () => {
    expect(keepKnown(['a', 'gone', null], new Set(['a', 'b']))).toEqual(['a', null, null]);
  });
});

describe('parseWall', () => {
  it('reads a saved wall', () => {
    expect(parseWall(JSON.stringify({ layout: 4, slots: ['a', null, 'b'] }))).toEqual({
      layout: 4,
      slots: ['a', null, 'b', null],
    });
  });

  it('gives the empty one-tile wall for anything unreadable', () => {
    for (const raw of [null, '', 'not json', '[]', '{"layout":3,"slots":[]}', '{"layout":2}', 'null']) {
      expect(parseWall(raw), String(raw)).toEqual(EMPTY_WALL);
    }
  });

  it('drops slot values that are not camera ids', () => {
    expect(parseWall(JSON.stringify({ layout: 2, slots: [7, ''] }))).toEqual({ layout: 2, slots: [null, null] });
  });
});

describe('streaming rules', () => {
  it('streams only a chosen camera on a visible page', () => {
    expect(shouldStream('a', true)).toBe(true);
    expect(shouldStream('a', false)).toBe(false);
    expect(shouldStream(null, true)).toBe(false);
  });

  it('lets playback trail the live edge a little', () => {
    expect(catchUpTime(10, 10 + MAX_LAG_SECONDS)).toBeNull();
    expect(catchUpTime(10, 11)).toBeNull();
  });

  it('skips ahead to just before the edge when it lags too far', () => {
    expect(catchUpTime(10, 30)).toBe(30 - EDGE_MARGIN_SECONDS);
  });

  it('does nothing without a buffered range or with unusable times', () => {
    expect(catchUpTime(10, null)).toBeNull();
    expect(catchUpTime(Number.NaN, 30)).toBeNull();
    expect(catchUpTime(0, Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe('live view documents and texts', () => {
  it('are valid against the backend schema', () => {
    const schema = buildSchema(readFileSync(resolve(__dirname, '../../../../schema/schema.graphql'), 'utf8'));
    for (const op of Object.values(liveViewOps)) {
      const errors = validate(schema, parse(liveViewRegistry.document(op.name)));
      expect(errors.map((e) => `${op.name}: ${e.message}`)).toEqual([]);
    }
  });

  it('has every live view string in English', () => {
    const keys = Object.keys(es).filter((k) => k.startsWith('liveView.') || k === 'nav.liveView') as (keyof typeof es)[];
    expect(keys.length).toBeGreaterThan(15);
    expect(keys.filter((k) => !en[k] || en[k] === es[k])).toEqual([]);
  });
});
