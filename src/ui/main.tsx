import { render } from 'preact';
import { App } from './app';
import { takeTokenFromUrl } from './lib/auth';
import 'uplot/dist/uPlot.min.css';
import './styles/base.css';
import './styles/components.css';
import './styles/pages.css';

// Before anything renders or loads: lift `#token=…` out of the address bar and history (SPEC §2).
takeTokenFromUrl();
// …and when a login URL is pasted into a tab that already shows the dashboard (same document).
window.addEventListener('hashchange', () => { takeTokenFromUrl(); });

const root = document.getElementById('app');
if (root) render(<App />, root);
