import { render } from 'preact';

render(<main>consent</main>, document.getElementById('app')!);
