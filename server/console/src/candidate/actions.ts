/**
 * What the candidate's buttons do, in one place so the exam runtime's coming routes drop in here:
 * opening a task (today: starting its one attempt; then: POST /api/me/tasks/:task/open for the
 * workstation lab) and finishing (today: POST /api/me/finish; then: a graded run's
 * POST /api/me/runs/current/finish, with POST /api/me/tasks/:task/runs to start one).
 */
import { api, call } from '../api/client.js';
import type { Me } from './types.js';

export function loadMe(): Promise<Me> {
  return call(api.GET('/api/me'));
}

export function startTask(task: string): Promise<Me> {
  return call(api.POST('/api/me/tasks/{task}/start', { params: { path: { task } } }));
}

export function finishTask(): Promise<Me> {
  return call(api.POST('/api/me/finish'));
}
