/**
 * The examiner's calls that change scores, in one place: a check's points (a manual check's
 * score, or an override of an automatic check's) and their withdrawal, both with a reason and
 * audited. Both go to the overrides route, which takes any check of a graded attempt.
 */
import { api, call } from '../api/client.js';

export interface CheckScore {
  task: string;
  check: string;
  points: number;
  reason: string;
}

export function saveCheckScore(session: string, candidate: string, body: CheckScore) {
  return call(
    api.POST('/api/sessions/{id}/candidates/{cid}/overrides', {
      params: { path: { id: session, cid: candidate } },
      body,
    }),
  );
}

export function withdrawCheckScore(
  session: string,
  candidate: string,
  body: Omit<CheckScore, 'points'>,
) {
  return call(
    api.DELETE('/api/sessions/{id}/candidates/{cid}/overrides', {
      params: { path: { id: session, cid: candidate } },
      body,
    }),
  );
}
