import { createRouter, createWebHashHistory } from 'vue-router';
import { mountPage } from '../common/mount.js';
import LabList from './LabList.vue';
import LabPanel from './LabPanel.vue';
import TrainerApp from './TrainerApp.vue';

const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', component: LabList },
    { path: '/labs/:session/:candidate', component: LabPanel, props: true },
  ],
});
mountPage(TrainerApp, router);
