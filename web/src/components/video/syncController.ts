/**
 * Keeps several <video> elements on one timeline.
 *
 * The clips start at different wall-clock instants, so each sits at an offset on the timeline.
 * While playing, the clock is the *leader*: the first clip that is showing a picture and
 * actually playing (its currentTime is what the viewer sees, so the timeline follows it even
 * through a stall). Every other clip is a follower: a loop on requestAnimationFrame calls
 * `tick()`, which re-seeks a follower only when it drifts more than DRIFT_SECONDS (seeking on
 * every frame would stutter). With no clip in range (a gap, or before/after all clips) the clock
 * runs on the wall clock at the chosen speed; while a clip that should be showing is still
 * loading or seeking, the clock waits for it. Clips outside their range are paused on their
 * first/last frame.
 *
 * It is a small external store (subscribe/getSnapshot) so only the controls re-render as time
 * moves, and it talks to media through MediaLike so the tests drive it with fakes.
 */
import { clampRate, clampTime, frameStep, stepTrack } from './timeline';

/** The part of HTMLMediaElement this needs. */
export interface MediaLike {
  currentTime: number;
  readonly paused: boolean;
  readonly seeking: boolean;
  readonly ended: boolean;
  readonly readyState: number;
  playbackRate: number;
  muted: boolean;
  play(): Promise<void> | void;
  pause(): void;
}

export interface SyncTrack {
  offset: number;
  duration: number;
  fps: number;
}

export interface SyncSnapshot {
  /** Timeline position, seconds. */
  t: number;
  playing: boolean;
  rate: number;
  muted: boolean;
  /** A clip that should show a picture is still loading. */
  waiting: boolean;
  /** The browser refused to start playback (autoplay policy): the user must press play. */
  blocked: boolean;
}

export const DRIFT_SECONDS = 0.1;
const HAVE_CURRENT_DATA = 2;
const HAVE_FUTURE_DATA = 3;
/** A clip counts as finished this close to its end (frame timestamps vs. float durations). */
const END_EPSILON = 0.02;

interface Slot {
  media: MediaLike | null;
  /** Positioned after (re)loading: a freshly loaded element reports currentTime 0. */
  settled: boolean;
  playPending: boolean;
  /** The loaded element's own duration; wins over the catalogue's (setTracks keeps it). */
  mediaDuration: number | null;
}

export class SyncController {
  private tracks: SyncTrack[];
  private slots: Slot[];
  private snapshot: SyncSnapshot;
  private readonly listeners = new Set<() => void>();
  private lastTick: number | null = null;
  private leader = -1;
  private disposed = false;

  constructor(
    tracks: SyncTrack[],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tracks = tracks.map((t) => ({ ...t }));
    this.slots = tracks.map(() => ({ media: null, settled: false, playPending: false, mediaDuration: null }));
    this.snapshot = { t: 0, playing: false, rate: 1, muted: false, waiting: false, blocked: false };
  }

  // ------------------------------------------------------------------ store

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SyncSnapshot => this.snapshot;

  private update(patch: Partial<SyncSnapshot>): void {
    const next = { ...this.snapshot, ...patch };
    const s = this.snapshot;
    if (
      next.t === s.t &&
      next.playing === s.playing &&
      next.rate === s.rate &&
      next.muted === s.muted &&
      next.waiting === s.waiting &&
      next.blocked === s.blocked
    ) {
      return;
    }
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
  }

  get total(): number {
    return Math.max(0, ...this.tracks.map((t) => t.offset + t.duration));
  }

  get trackCount(): number {
    return this.tracks.length;
  }

  // ------------------------------------------------------------------ media wiring

  /** A video element mounted (or null: unmounted). A new element or source is unsettled until
   * `mediaReady`. */
  attach(index: number, media: MediaLike | null): void {
    const slot = this.slots[index];
    if (!slot) return;
    if (slot.media && slot.media !== media) slot.media.pause();
    slot.media = media;
    slot.settled = false;
    slot.playPending = false;
    if (media) {
      media.muted = this.snapshot.muted;
      media.playbackRate = this.snapshot.rate;
    }
  }

  /** The element's source changed (quality switch, fresh URL): re-position it once loaded. */
  reloading(index: number): void {
    const slot = this.slots[index];
    if (slot) {
      slot.settled = false;
      slot.playPending = false;
    }
  }

  /** loadedmetadata: the element can seek. Position it where the timeline is and let it
   * follow (the media's own duration wins over the catalogue's when known). */
  mediaReady(index: number, mediaDuration?: number): void {
    const slot = this.slots[index];
    const track = this.tracks[index];
    if (!slot?.media || !track) return;
    if (mediaDuration !== undefined && Number.isFinite(mediaDuration) && mediaDuration > 0) {
      slot.mediaDuration = mediaDuration;
      track.duration = mediaDuration;
    }
    slot.media.playbackRate = this.snapshot.rate;
    slot.media.muted = this.snapshot.muted;
    slot.media.currentTime = this.heldPosition(track, this.snapshot.t);
    slot.settled = true;
    this.drive(this.snapshot.t);
  }

  /** New catalogue durations/offsets (a refetch); positions are kept. */
  setTracks(tracks: SyncTrack[]): void {
    if (tracks.length !== this.tracks.length) throw new Error('SyncController: track count changed');
    this.tracks = tracks.map((t, i) => ({
      ...t,
      duration: this.slots[i].mediaDuration ?? (t.duration > 0 ? t.duration : this.tracks[i].duration),
    }));
    this.update({ t: clampTime(this.snapshot.t, this.total) });
  }

  // ------------------------------------------------------------------ commands

  play(): void {
    if (this.disposed || this.tracks.length === 0) return;
    const t = this.snapshot.t >= this.total - END_EPSILON ? 0 : this.snapshot.t;
    this.lastTick = null;
    this.update({ playing: true, blocked: false, t });
    if (t === 0) this.positionAll(0);
    this.drive(t);
  }

  pause(): void {
    this.lastTick = null;
    this.leader = -1;
    for (const slot of this.slots) {
      slot.playPending = false;
      slot.media?.pause();
    }
    this.update({ playing: false, waiting: false });
  }

  toggle(): void {
    if (this.snapshot.playing) this.pause();
    else this.play();
  }

  seek(t: number): void {
    const target = clampTime(t, this.total);
    this.lastTick = null;
    this.leader = -1;
    this.positionAll(target);
    this.update({ t: target });
    this.drive(target);
  }

  /** One frame back/forward of the clip on screen (pauses first). */
  step(direction: 1 | -1): void {
    this.pause();
    const track = stepTrack(this.tracks, this.snapshot.t);
    if (!track) return;
    this.seek(frameStep(this.snapshot.t, direction, track));
  }

  setRate(rate: number): void {
    const r = clampRate(rate);
    for (const slot of this.slots) if (slot.media) slot.media.playbackRate = r;
    this.update({ rate: r });
  }

  setMuted(muted: boolean): void {
    for (const slot of this.slots) if (slot.media) slot.media.muted = muted;
    this.update({ muted });
  }

  /** Stop for good (unmount): pause everything and forget the elements. */
  dispose(): void {
    this.pause();
    this.disposed = true;
    for (const slot of this.slots) slot.media = null;
    this.listeners.clear();
  }

  // ------------------------------------------------------------------ the loop

  /** Advance the clock and correct followers; call on every animation frame while playing. */
  tick(): void {
    if (!this.snapshot.playing || this.disposed) return;
    const now = this.now();
    const dt = this.lastTick === null ? 0 : Math.max(0, (now - this.lastTick) / 1000);
    this.lastTick = now;
    let t = this.snapshot.t;
    this.leader = this.findLeader(t);
    let waiting = false;
    if (this.leader >= 0) {
      const media = this.slots[this.leader].media!;
      t = this.tracks[this.leader].offset + media.currentTime;
    } else if (this.tracks.some((track, i) => this.inRange(track, t) && this.isLoading(i))) {
      waiting = true; // hold the clock until the picture that should show can show
    } else {
      t += dt * this.snapshot.rate;
    }
    if (t >= this.total - 1e-6) {
      this.positionAll(this.total);
      this.pause();
      this.update({ t: this.total });
      return;
    }
    this.update({ t, waiting });
    this.drive(t);
  }

  private inRange(track: SyncTrack, t: number): boolean {
    const local = t - track.offset;
    return local >= 0 && local < track.duration - END_EPSILON;
  }

  private isLoading(index: number): boolean {
    const slot = this.slots[index];
    const media = slot.media;
    if (!media || media.ended) return false; // nothing mounted (error state) or done: do not wait
    return !slot.settled || media.seeking || media.readyState < HAVE_FUTURE_DATA || (media.paused && slot.playPending);
  }

  private findLeader(t: number): number {
    return this.tracks.findIndex((track, i) => {
      const slot = this.slots[i];
      const media = slot.media;
      return (
        media !== null &&
        slot.settled &&
        !media.seeking &&
        !media.paused &&
        media.readyState >= HAVE_CURRENT_DATA &&
        this.inRange(track, t)
      );
    });
  }

  private heldPosition(track: SyncTrack, t: number): number {
    return Math.min(Math.max(0, t - track.offset), Math.max(0, track.duration - END_EPSILON));
  }

  private positionAll(t: number): void {
    this.tracks.forEach((track, i) => {
      const slot = this.slots[i];
      if (slot.media && slot.settled) slot.media.currentTime = this.heldPosition(track, t);
    });
  }

  /** Bring every settled element in line with timeline time `t`. */
  private drive(t: number): void {
    const playing = this.snapshot.playing;
    this.tracks.forEach((track, i) => {
      const slot = this.slots[i];
      const media = slot.media;
      if (!media || !slot.settled) return;
      if (playing && this.inRange(track, t)) {
        if (media.playbackRate !== this.snapshot.rate) media.playbackRate = this.snapshot.rate;
        const local = t - track.offset;
        if (i !== this.leader && !media.seeking && Math.abs(media.currentTime - local) > DRIFT_SECONDS) {
          media.currentTime = local;
        }
        // An element that ended early (its last frame came before the catalogue's end) must not
        // be restarted: play() on an ended element starts it over from 0.
        if (media.paused && !slot.playPending && !media.ended) this.start(i, media);
      } else {
        if (!media.paused) media.pause();
        slot.playPending = false;
        const held = this.heldPosition(track, t);
        if (!media.seeking && Math.abs(media.currentTime - held) > DRIFT_SECONDS) media.currentTime = held;
      }
    });
  }

  private start(index: number, media: MediaLike): void {
    const slot = this.slots[index];
    slot.playPending = true;
    let result: Promise<void> | void;
    try {
      result = media.play();
    } catch (err) {
      slot.playPending = false;
      this.refused(err);
      return;
    }
    if (!result || typeof result.then !== 'function') {
      slot.playPending = false;
      return;
    }
    result.then(
      () => {
        slot.playPending = false;
      },
      (err: unknown) => {
        slot.playPending = false;
        this.refused(err);
      },
    );
  }

  /** play() rejected: NotAllowedError is the autoplay policy (show the play button); AbortError
   * only means a pause or a new source interrupted it. */
  private refused(err: unknown): void {
    const name = err && typeof err === 'object' && 'name' in err ? String((err as { name: unknown }).name) : '';
    if (name === 'AbortError' || !this.snapshot.playing) return;
    this.pause();
    if (name === 'NotAllowedError') this.update({ blocked: true });
  }
}
