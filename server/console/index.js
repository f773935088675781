import { setupToggle } from '/console/i18n.js';
setupToggle(() => {});
