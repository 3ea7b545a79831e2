/**
 * The AWS SDK pieces Bedrock needs, loaded at their first use rather than at start: they are about
 * 0.3 s of module loading (issue #18: `aibridge serve` ready in ≤ 2 s), and a gateway that never
 * sees a Bedrock call never needs them. The packages are CommonJS, so a synchronous require gives
 * the very module instances an `import` would (an SDK error is still `instanceof` its class).
 */
import { createRequire } from 'node:module';

type RuntimeSdk = typeof import('@aws-sdk/client-bedrock-runtime');
type HttpHandlerSdk = typeof import('@smithy/node-http-handler');
type CodecSdk = typeof import('@smithy/eventstream-codec');
type Utf8Sdk = typeof import('@smithy/util-utf8');

const load = createRequire(import.meta.url);
let runtime: RuntimeSdk | undefined;
let httpHandler: HttpHandlerSdk | undefined;
let codec: CodecSdk | undefined;
let utf8: Utf8Sdk | undefined;

/** `@aws-sdk/client-bedrock-runtime`: the client, its commands and exception classes. */
export const bedrockRuntime = (): RuntimeSdk => (runtime ??= load('@aws-sdk/client-bedrock-runtime') as RuntimeSdk);
/** `@smithy/node-http-handler`: the HTTP/1.1 handler (client.ts says why). */
export const nodeHttpHandler = (): HttpHandlerSdk => (httpHandler ??= load('@smithy/node-http-handler') as HttpHandlerSdk);
/** `@smithy/eventstream-codec`: AWS's binary event-stream frames. */
export const eventStreamCodec = (): CodecSdk => (codec ??= load('@smithy/eventstream-codec') as CodecSdk);
/** `@smithy/util-utf8`. */
export const smithyUtf8 = (): Utf8Sdk => (utf8 ??= load('@smithy/util-utf8') as Utf8Sdk);
