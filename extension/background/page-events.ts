/** Which pages are connected, per origin, so a permission change reaches them at once. */
import type { PermissionState } from '../../src/protocol/llm-permission';
import type { BackgroundToPage, PageEventName } from '../messaging/page-channel';

type Post = (message: BackgroundToPage) => void;

export class PageEvents {
  private readonly byOrigin = new Map<string, Set<Post>>();

  /** Registers a page's sender; returns the function that unregisters it. */
  add(origin: string, post: Post): () => void {
    const posts = this.byOrigin.get(origin) ?? new Set<Post>();
    posts.add(post);
    this.byOrigin.set(origin, posts);
    return () => {
      posts.delete(post);
      if (posts.size === 0) this.byOrigin.delete(origin);
    };
  }

  permissionChanged(state: PermissionState): void {
    this.post('permissionchange', state);
  }

  /** The site's spend changed (it was charged for an answer). */
  budgetChanged(state: PermissionState): void {
    this.post('budget', state);
  }

  private post(event: PageEventName, state: PermissionState): void {
    for (const post of this.byOrigin.get(state.origin) ?? [])
      post({ kind: 'event', event, detail: state });
  }
}
