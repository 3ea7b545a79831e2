/**
 * Amazon Bedrock provider (issue 4): the Anthropic Messages route served by Bedrock, the
 * Bedrock-native invoke routes, and the Bedrock settings' rules.
 */
export { bedrockConfigured, validateBedrockConfig, type BedrockConfig } from './config.js';
export { createBedrockMessagesAdapter } from './messages-adapter.js';
export { createBedrockNativeAdapter } from './native-adapter.js';
