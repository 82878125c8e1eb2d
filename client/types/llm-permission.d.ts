/**
 * What a page learns about its own access (docs/architecture.md §3: getPermission /
 * requestPermission).
 */
import type { PrivacyLevel } from './llm-request';
export interface PermissionState {
    /** The origin the broker saw (taken from the browser, never from the page). */
    origin: string;
    granted: boolean;
    /** The site's monthly budget in USD, when granted. */
    monthlyBudgetUsd?: number;
    /** What the site has spent this calendar month, in USD. */
    spentThisMonthUsd?: number;
    privacy?: PrivacyLevel;
}
