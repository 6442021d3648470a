import { mountPage } from '../../composables/mountPage.js';
import Page from './Page.vue';

mountPage(Page);
