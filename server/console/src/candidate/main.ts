import { mountPage } from '../shared/mount.js';
import CandidateApp from './CandidateApp.vue';

mountPage(CandidateApp);
