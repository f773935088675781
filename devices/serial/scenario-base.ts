/** What every serial device of a scenario has: a name, a title, its line settings. */
import { i18n, name } from '../../core/schema.js';
import { LineSettings } from '../../protocols/serial/settings.js';

export const serialBase = { name, title: i18n.optional(), serial: LineSettings.prefault({}) };
