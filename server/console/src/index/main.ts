import { mountPage } from '../common/mount.js';
import IndexApp from './IndexApp.vue';

mountPage(IndexApp);
