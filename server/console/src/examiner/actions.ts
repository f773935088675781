/**
 * The examiner's calls that change scores, in one place: today a check's points go through the
 * manual-check route; the exam runtime's override of any check (tentative
 * POST /api/sessions/:id/candidates/:cid/score with the same body) drops in here.
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
    api.POST('/api/sessions/{id}/candidates/{cid}/manual', {
      params: { path: { id: session, cid: candidate } },
      body,
    }),
  );
}
