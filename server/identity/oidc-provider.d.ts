// oidc-provider 9 ships no types: the little of its API the local provider
// (local-idp.ts) uses, as its source (lib/provider.js, lib/helpers/defaults.js) has it.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface KoaContext {
    body: unknown;
    type: string;
    host: string;
    oidc: {
      result?: { consent?: { grantId?: string } };
      session?: { accountId: string; grantIdFor(clientId: string): string | undefined };
      client?: { clientId: string };
      provider: Provider;
    };
  }

  interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>>;
  }

  interface Interaction {
    uid: string;
    prompt: { name: string };
    params: Record<string, unknown>;
  }

  interface Configuration {
    clients?: Record<string, unknown>[];
    jwks?: { keys: Record<string, unknown>[] };
    cookies?: { keys?: string[] };
    pkce?: { required?: () => boolean };
    claims?: Record<string, string[]>;
    scopes?: string[];
    conformIdTokenClaims?: boolean;
    features?: {
      devInteractions?: { enabled: boolean };
      rpInitiatedLogout?: {
        enabled: boolean;
        logoutSource?(ctx: KoaContext, form: string): Promise<void>;
        postLogoutSuccessSource?(ctx: KoaContext): Promise<void>;
      };
    };
    interactions?: { url?(ctx: KoaContext, interaction: Interaction): Promise<string> };
    ttl?: Record<string, number>;
    findAccount?(ctx: KoaContext, sub: string): Promise<Account | undefined>;
    loadExistingGrant?(ctx: KoaContext): Promise<Grant | undefined>;
    renderError?(ctx: KoaContext, out: Record<string, unknown>, error: unknown): Promise<void>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    proxy: boolean;
    readonly issuer: string;
    Grant: (new (init: { clientId: string; accountId: string }) => Grant) & { find(id: string): Promise<Grant | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  }
  export { Provider };
}
