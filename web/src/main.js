import { html, render } from './html.js';
import { App } from './app.js';
import './style.css';

render(html`<${App} />`, document.getElementById('app'));
