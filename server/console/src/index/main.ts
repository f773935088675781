import { mountPage } from '../shared/mount.js';
import IndexApp from './IndexApp.vue';

mountPage(IndexApp);
