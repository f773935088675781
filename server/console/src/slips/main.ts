import { mountPage } from '../common/mount.js';
import SlipsApp from './SlipsApp.vue';

mountPage(SlipsApp);
