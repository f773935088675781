/**
 * What the candidate's buttons do, in one place: opening a task's workstation (its lab to develop
 * against, ungraded), starting the graded run (one per task), and finishing it or closing the
 * workstation (POST /api/me/finish does either).
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

export function openWorkstation(task: string): Promise<Me> {
  return call(api.POST('/api/me/tasks/{task}/workstation', { params: { path: { task } } }));
}
