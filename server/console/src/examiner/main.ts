import { createRouter, createWebHashHistory } from 'vue-router';
import { mountPage } from '../common/mount.js';
import ExaminerApp from './ExaminerApp.vue';
import SessionList from './SessionList.vue';
import SessionView from './SessionView.vue';

const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', component: SessionList },
    { path: '/sessions/:id', component: SessionView, props: true },
  ],
});
mountPage(ExaminerApp, router);
