/** The candidate page's data, as the API's generated types give it. */
import type { paths } from '../api/client.js';

export type Me = paths['/api/me']['get']['responses'][200]['content']['application/json'];
export type MeTask = Me['tasks'][number];
export type Card = NonNullable<Me['card']>;
export type Files = paths['/api/me/files']['get']['responses'][200]['content']['application/json'];
export type Handins =
  paths['/api/me/tasks/{task}/handins']['get']['responses'][200]['content']['application/json'];
export type HandinItem = Handins['items'][number];
