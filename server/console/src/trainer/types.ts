/** The trainer page's data, as the API's generated types give it. */
import type { Schemas, paths } from '../api/client.js';

export type LabSummary =
  paths['/api/trainer/labs']['get']['responses'][200]['content']['application/json'][number];
export type LabView =
  paths['/api/trainer/labs/{session}/{candidate}']['get']['responses'][200]['content']['application/json'];
export type Device = LabView['devices'][number];
export type FaultType = LabView['faultTypes'][number];
export type Live = Schemas['LiveEvent'];
