/**
 * Checks of an app's calls to the lab's third-party services (docs/third-party/), from the
 * `api.call` evidence the app host recorded and the `ui.read`s of what the page showed: the truth
 * is the service's own answer, recomputed from the seed (the gazetteer is pure).
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import { gazetteer, reverseGeocode } from '../../protocols/third-party/gazetteer.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { pageNote, readsOf } from './ui.js';

export interface ApiCall extends EvidenceEvent {
  kind: 'api.call';
  service: string;
  method: string;
  path: string;
  params: Record<string, unknown>;
  status: number;
  code: number;
}

/** The calls to a service's endpoint within [start, end], in order. */
export function apiCalls(ctx: GradeContext, service: string, path: string): ApiCall[] {
  return ctx.events.filter(
    (e): e is ApiCall =>
      e.kind === 'api.call' &&
      e.service === service &&
      e.path === path &&
      e.t >= ctx.start &&
      e.t <= ctx.end,
  );
}

export interface AddressSpec {
  testid: string;
  /** The device's coordinates (as its card gives them). */
  at: { lat: number; lon: number };
  /** How far (degrees) the coordinates asked about may be from the device's: rounding. */
  toleranceDeg?: number;
}

/**
 * The page shows a device's address and got it from the map service: half the points for a
 * successful reverse-geocoding call with the device's coordinates, half by the share of readings
 * that show the address the service gives for them (in Chinese or English). A page with the
 * address written in does not call, and shows another lab's address on another seed.
 */
export function shownAddressCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => AddressSpec,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const tol = s.toleranceDeg ?? 0.0005;
    const truth = reverseGeocode(gazetteer(ctx.seed), s.at)?.place.formatted;
    const expected = `a reverse-geocoding call for ${s.at.lat},${s.at.lon}, and ${s.testid} showing ${truth ? `"${truth.zh}" or "${truth.en}"` : 'its address'}`;
    const calls = apiCalls(ctx, 'map', '/3p/map/v1/reverse');
    const near = (v: unknown, want: number) => {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(n) && Math.abs(n - want) <= tol;
    };
    const good = calls.find(
      (c) => c.code === 0 && near(c.params.lat, s.at.lat) && near(c.params.lon, s.at.lon),
    );
    const reads = readsOf(ctx, s.testid);
    const right = (text: string | undefined) =>
      truth !== undefined &&
      text !== undefined &&
      (text.replace(/\s/g, '').includes(truth.zh) || text.includes(truth.en));
    const shown = reads.filter((r) => r.found && r.visible !== false && right(r.text));
    const share = reads.length > 0 ? shown.length / reads.length : 0;
    const callNote = good
      ? `the page asked the map service for ${String(good.params.lat)},${String(good.params.lon)}`
      : calls.length > 0
        ? `${calls.length} reverse-geocoding call(s), none answered for the device's coordinates (first: ${String(calls[0]!.params.lat)},${String(calls[0]!.params.lon)}, code ${calls[0]!.code})`
        : 'no reverse-geocoding call';
    const wrong = reads.find((r) => !shown.includes(r));
    const readNote =
      reads.length === 0
        ? `no reading of ${s.testid}${pageNote(ctx)}`
        : `${shown.length} of ${reads.length} readings of ${s.testid} right` +
          (wrong
            ? `; first wrong: ${wrong.found ? JSON.stringify(wrong.text ?? '') : 'not found'}`
            : '');
    const evidence = [
      ...(good ? [{ seq: good.seq, t: good.t, note: 'the call' }] : []),
      ...(wrong
        ? [{ seq: wrong.seq, t: wrong.t, note: `showed ${JSON.stringify(wrong.text ?? '')}` }]
        : []),
    ];
    return {
      score: (good ? 0.5 : 0) + 0.5 * share,
      expected,
      seen: `${callNote}; ${readNote}`,
      evidence,
    };
  };
}
