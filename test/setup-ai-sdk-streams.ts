// The second run of the streaming suites: every stream takes the AI SDK's own path.
import { useLeanStreaming } from '../src/providers/openai-chat-stream';

useLeanStreaming(false);
