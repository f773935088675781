/** The examiner page's data, as the API's generated types give it. */
import type { paths } from '../api/client.js';

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;

export type Paper = Json<'/api/papers', 'get'>[number];
export type SessionSummary = Json<'/api/sessions', 'get'>[number];
export type SessionDetail = Json<'/api/sessions/{id}', 'get'>;
export type Progress = Json<'/api/sessions/{id}/progress', 'get'>;
export type RosterCheck = Json<'/api/rosters/check', 'post'>;
export type Diff = Json<'/api/sessions/{id}/regrade', 'get'>[number];
export type AuditRow = Json<'/api/sessions/{id}/audit', 'get'>[number];
export type Graded = Json<'/api/sessions/{id}/reports', 'get'>[number];
export type ReportTest = Graded['report']['tests'][number];
export type CreateBody = NonNullable<
  paths['/api/sessions']['post']['requestBody']
>['content']['application/json'];
export type CheckMark = Graded['marks'][number];
export type Disagreement = Diff['disagrees'][number];
export type MarkingQueue = Json<'/api/sessions/{id}/marking', 'get'>;
export type MarkingItem = MarkingQueue['items'][number];
export type MarkingDetail = Json<'/api/sessions/{id}/marking/{anon}/{task}/{check}', 'get'>;
export type PanelMark = NonNullable<MarkingDetail['marks']>[number];
export type Criterion = MarkingDetail['rubric']['criteria'][number];
export type StaffUser = Json<'/api/users', 'get'>[number];
