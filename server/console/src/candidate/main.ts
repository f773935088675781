import { mountPage } from '../common/mount.js';
import CandidateApp from './CandidateApp.vue';

mountPage(CandidateApp);
