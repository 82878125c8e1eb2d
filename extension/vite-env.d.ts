/// <reference types="vite/client" />

/** True in `vite build --mode bench` only: the content scripts mark their start and end. */
declare const __BENCH_MARKS__: boolean;
