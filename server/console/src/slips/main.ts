import { mountPage } from '../shared/mount.js';
import SlipsApp from './SlipsApp.vue';

mountPage(SlipsApp);
