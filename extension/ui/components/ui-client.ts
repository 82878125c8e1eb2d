/** The extension pages' typed client for the UI channel (extension/messaging/ui-channel.ts). */

import {
  UI_CHANNEL,
  type UiMethod,
  type UiMethods,
  type UiResponse,
} from '../../messaging/ui-channel';
import { browser } from '../../platform/browser-api';

/** An error the background answered with, carrying its DOMException-style name. */
export class UiCallError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export async function uiCall<M extends UiMethod>(
  method: M,
  params: UiMethods[M]['params'],
): Promise<UiMethods[M]['result']> {
  const response = (await browser.runtime.sendMessage({ channel: UI_CHANNEL, method, params })) as
    | UiResponse<M>
    | undefined;
  if (!response)
    throw new UiCallError('NetworkError', 'LLM Broker did not answer. Reload this page.');
  if (!response.ok) throw new UiCallError(response.error.name, response.error.message);
  return response.value;
}
