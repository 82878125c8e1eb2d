import type { Overview } from '../../messaging/ui-channel';

export function PlaygroundView(_props: { overview: Overview }) {
  return <section />;
}
