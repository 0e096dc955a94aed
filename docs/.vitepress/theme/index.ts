import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import ParityMatrix from '../components/ParityMatrix.vue';
import SpecPlayground from '../components/SpecPlayground.vue';
import TrainingCurves from '../components/TrainingCurves.vue';
import './style.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('ParityMatrix', ParityMatrix);
    app.component('SpecPlayground', SpecPlayground);
    app.component('TrainingCurves', TrainingCurves);
  },
} satisfies Theme;
