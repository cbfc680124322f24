import { describe, expect, it } from 'vitest';
import { DRIFT_SECONDS, SyncController, type MediaLike, type SyncTrack } from './syncController';

/** A <video> stand-in: play() resolves (or is refused) like the browser's, time moves only when
 * the test says so. */
class FakeMedia implements MediaLike {
  currentTime = 0;
  paused = true;
  seeking = false;
  ended = false;
  readyState = 4;
  playbackRate = 1;
  muted = false;
  playCalls = 0;
  refuseWith: string | null = null;

  play(): Promise<void> {
    this.playCalls += 1;
    if (this.refuseWith) {
      const err = new Error('refused');
      err.name = this.refuseWith;
      return Promise.reject(err);
    }
    this.paused = false;
    return Promise.resolve();
  }

  pause(): void {
    this.paused = true;
  }

  advance(seconds: number): void {
    if (!this.paused) this.currentTime += seconds * this.playbackRate;
  }
}

const flush = async () => {
  for (let i = 0; i < 3; i += 1) await Promise.resolve();
};

/** Primary clip 0-20 s; secondary starts 2 s later and lasts 20 s (timeline 0-22 s). */
const TRACKS: SyncTrack[] = [
  { offset: 0, duration: 20, fps: 25 },
  { offset: 2, duration: 20, fps: 25 },
];

function setup(tracks: SyncTrack[] = TRACKS) {
  let clock = 1000;
  const ctrl = new SyncController(tracks, () => clock);
  const media = tracks.map(() => new FakeMedia());
  media.forEach((m, i) => {
    ctrl.attach(i, m);
    ctrl.mediaReady(i);
  });
  const elapse = (ms: number) => {
    clock += ms;
  };
  return { ctrl, media, elapse };
}

describe('SyncController', () => {
  it('spans the union of the clips and starts paused at 0', () => {
    const { ctrl, media } = setup();
    expect(ctrl.total).toBe(22);
    expect(ctrl.getSnapshot()).toMatchObject({ t: 0, playing: false, rate: 1 });
    expect(media.map((m) => m.currentTime)).toEqual([0, 0]);
  });

  it('plays the clips in range and holds the others on their first frame', async () => {
    const { ctrl, media } = setup();
    ctrl.play();
    await flush();
    expect(media[0].paused).toBe(false);
    expect(media[1].paused).toBe(true); // starts 2 s into the timeline
    expect(media[1].currentTime).toBe(0);
  });

  it('follows the leader and starts a follower when the timeline reaches it', async () => {
    const { ctrl, media, elapse } = setup();
    ctrl.play();
    await flush();
    ctrl.tick();
    media[0].advance(2.5);
    elapse(2500);
    ctrl.tick();
    expect(ctrl.getSnapshot().t).toBeCloseTo(2.5, 9);
    // The follower was positioned at 0.5 s into its clip and asked to play.
    expect(media[1].currentTime).toBeCloseTo(0.5, 9);
    await flush();
    expect(media[1].paused).toBe(false);
  });

  it('re-seeks a follower that drifts more than the tolerance, and only then', async () => {
    const { ctrl, media } = setup();
    ctrl.seek(5);
    ctrl.play();
    await flush();
    ctrl.tick();
    media[0].advance(1); // t = 6, follower should be at 4
    media[1].advance(1 + DRIFT_SECONDS / 2); // slightly ahead: tolerated
    ctrl.tick();
    expect(ctrl.getSnapshot().t).toBeCloseTo(6, 9);
    expect(media[1].currentTime).toBeCloseTo(4 + DRIFT_SECONDS / 2, 9);
    media[1].currentTime = 3.5; // fell behind by 0.5 s
    ctrl.tick();
    expect(media[1].currentTime).toBeCloseTo(4, 9);
    expect(media[0].currentTime).toBeCloseTo(6, 9); // the leader is never re-seeked
  });

  it('runs on the wall clock at the chosen speed where no clip has a picture', async () => {
    const { ctrl, elapse } = setup([
      { offset: 0, duration: 2, fps: 25 },
      { offset: 10, duration: 2, fps: 25 },
    ]);
    ctrl.seek(4);
    ctrl.setRate(2);
    ctrl.play();
    await flush();
    ctrl.tick();
    elapse(1000);
    ctrl.tick();
    expect(ctrl.getSnapshot().t).toBeCloseTo(6, 9);
  });

  it('waits for a clip that should show a picture but is still loading', async () => {
    const { ctrl, media, elapse } = setup();
    media[0].readyState = 1;
    ctrl.play();
    await flush();
    ctrl.tick();
    elapse(500);
    media[0].pause(); // not playing yet: no leader
    ctrl.tick();
    expect(ctrl.getSnapshot()).toMatchObject({ t: 0, waiting: true });
  });

  it('stops at the end of the last clip and plays again from the start', async () => {
    const { ctrl, media, elapse } = setup();
    ctrl.seek(21.9);
    ctrl.play();
    await flush();
    ctrl.tick();
    media[1].advance(0.5);
    elapse(500);
    ctrl.tick();
    expect(ctrl.getSnapshot()).toMatchObject({ t: 22, playing: false });
    expect(media.every((m) => m.paused)).toBe(true);
    ctrl.play();
    expect(ctrl.getSnapshot().t).toBe(0);
    expect(media[0].currentTime).toBe(0);
  });

  it('never restarts a clip whose element ended before the catalogue end', async () => {
    const { ctrl, media, elapse } = setup([{ offset: 0, duration: 10, fps: 25 }]);
    ctrl.seek(9.5);
    ctrl.play();
    await flush();
    const calls = media[0].playCalls;
    media[0].pause();
    media[0].ended = true;
    ctrl.tick();
    elapse(100);
    ctrl.tick();
    expect(media[0].playCalls).toBe(calls);
    expect(ctrl.getSnapshot().t).toBeGreaterThan(9.5);
  });

  it('seeks every clip to its own position, clamped to its frames', () => {
    const { ctrl, media } = setup();
    ctrl.seek(1);
    expect(media[0].currentTime).toBe(1);
    expect(media[1].currentTime).toBe(0); // before its first frame: held on it
    ctrl.seek(21);
    expect(media[0].currentTime).toBeCloseTo(19.98, 9); // past its end: held on its last frame
    expect(media[1].currentTime).toBe(19);
    ctrl.seek(-5);
    expect(ctrl.getSnapshot().t).toBe(0);
    ctrl.seek(500);
    expect(ctrl.getSnapshot().t).toBe(22);
  });

  it('steps one frame of the clip on screen, pausing first', async () => {
    const { ctrl, media } = setup();
    ctrl.seek(1.02); // frame 25 of the primary (1.00-1.04 s)
    ctrl.play();
    await flush();
    ctrl.step(1);
    expect(ctrl.getSnapshot().playing).toBe(false);
    expect(media.every((m) => m.paused)).toBe(true);
    expect(ctrl.getSnapshot().t).toBeCloseTo(26.5 / 25, 9);
    ctrl.step(-1);
    ctrl.step(-1);
    expect(ctrl.getSnapshot().t).toBeCloseTo(24.5 / 25, 9);
  });

  it('applies speed and mute to every clip, also to one attached later', () => {
    const { ctrl, media } = setup();
    ctrl.setRate(4);
    ctrl.setMuted(true);
    expect(media.map((m) => [m.playbackRate, m.muted])).toEqual([
      [4, true],
      [4, true],
    ]);
    ctrl.setRate(100);
    expect(ctrl.getSnapshot().rate).toBe(4);
    ctrl.setRate(0.1);
    expect(ctrl.getSnapshot().rate).toBe(0.25);
    const late = new FakeMedia();
    ctrl.attach(1, late);
    expect([late.playbackRate, late.muted]).toEqual([0.25, true]);
  });

  it('keeps the position when a clip reloads (quality change)', async () => {
    const { ctrl, media } = setup();
    ctrl.seek(7);
    ctrl.reloading(1);
    media[1].currentTime = 0; // a new source starts at 0
    ctrl.seek(8); // the unsettled element is left alone meanwhile
    expect(media[1].currentTime).toBe(0);
    ctrl.mediaReady(1, 19.5);
    expect(media[1].currentTime).toBe(6);
    expect(ctrl.total).toBeCloseTo(21.5, 9);
  });

  it('keeps a loaded element\'s own duration over the catalogue on refetch', () => {
    const { ctrl } = setup();
    ctrl.mediaReady(0, 19.96);
    ctrl.setTracks([
      { offset: 0, duration: 20, fps: 25 },
      { offset: 2, duration: 21, fps: 25 },
    ]);
    expect(ctrl.total).toBe(23);
    ctrl.seek(19.99);
    expect(ctrl.getSnapshot().t).toBe(19.99);
    expect(() => ctrl.setTracks([])).toThrow('track count');
  });

  it('reports an autoplay refusal and stops', async () => {
    const { ctrl, media } = setup();
    media[0].refuseWith = 'NotAllowedError';
    ctrl.play();
    await flush();
    expect(ctrl.getSnapshot()).toMatchObject({ playing: false, blocked: true });
    media[0].refuseWith = null;
    ctrl.play();
    expect(ctrl.getSnapshot().blocked).toBe(false);
  });

  it('ignores an interrupted play() (AbortError)', async () => {
    const { ctrl, media } = setup();
    media[0].refuseWith = 'AbortError';
    ctrl.play();
    await flush();
    expect(ctrl.getSnapshot()).toMatchObject({ playing: true, blocked: false });
  });

  it('notifies subscribers on change only, and stops everything on dispose', async () => {
    const { ctrl, media } = setup();
    let calls = 0;
    ctrl.subscribe(() => {
      calls += 1;
    });
    ctrl.seek(3);
    ctrl.seek(3);
    expect(calls).toBe(1);
    ctrl.play();
    await flush();
    ctrl.dispose();
    expect(media.every((m) => m.paused)).toBe(true);
    ctrl.play();
    expect(ctrl.getSnapshot().playing).toBe(false);
  });

  it('does not wait for a clip whose element is gone (load error)', async () => {
    const { ctrl, elapse } = setup([{ offset: 0, duration: 10, fps: 25 }]);
    ctrl.attach(0, null);
    ctrl.play();
    ctrl.tick();
    elapse(1000);
    ctrl.tick();
    expect(ctrl.getSnapshot().t).toBeCloseTo(1, 9);
  });
});
